/**
 * Reading one target's settings from configs/targets.yml, each through its own
 * check: a value of the wrong type or shape, or a key no check asked for, is a
 * one-line UsageError naming the file, the target and the key.
 */
import { closest } from '../../shared/closest.js';
import { UsageError } from '../../shared/errors.js';
import { quote } from '../../shared/excerpt.js';

export type Raw = Record<string, unknown>;

const CONTROL = /[\u0000-\u001f\u007f]/;

export class Fields {
  private readonly seen = new Set<string>();

  constructor(
    private readonly raw: Raw,
    /** `configs/targets.yml, target gpu-box` */
    readonly where: string,
    /** What the keys belong to, for the unknown-key message: `a slurm target`. */
    private readonly what: string,
  ) {}

  fail(key: string, reason: string): never {
    throw new UsageError(`${this.where}: ${key} ${reason}.`);
  }

  private take(key: string): unknown {
    this.seen.add(key);
    const value = this.raw[key];
    return value === null ? undefined : value;
  }

  string(key: string, pattern?: RegExp, shape?: string): string | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value === 'number' && pattern?.test(String(value))) return String(value);
    if (typeof value !== 'string' || value === '') this.fail(key, `must be text${shape ? ` (${shape})` : ''}, not ${quote(value)}`);
    if (CONTROL.test(value)) this.fail(key, 'must be one line without control characters');
    if (pattern && !pattern.test(value)) this.fail(key, `must look like ${shape}, not ${quote(value)}`);
    return value;
  }

  required(key: string, pattern?: RegExp, shape?: string): string {
    return this.string(key, pattern, shape) ?? this.fail(key, `is missing${shape ? ` (${shape})` : ''}`);
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.take(key) ?? fallback;
    if (!(choices as readonly unknown[]).includes(value)) this.fail(key, `must be one of ${choices.join(', ')}, not ${quote(value)}`);
    return value as T;
  }

  count(key: string, min: number, max: number): number | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(key, `must be a whole number from ${min} to ${max}, not ${quote(value)}`);
    return value;
  }

  list(key: string, fallback: string[] = []): string[] {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (!Array.isArray(value)) this.fail(key, `must be a list of text, not ${quote(value)}`);
    value.forEach((item: unknown, i) => {
      if (typeof item !== 'string' || item === '') this.fail(`${key}[${i}]`, `must be text, not ${quote(item)}`);
      if (CONTROL.test(item)) this.fail(`${key}[${i}]`, 'must be one line without control characters');
    });
    return value as string[];
  }

  map(key: string, name: RegExp, nameShape: string): Record<string, string> {
    const value = this.take(key);
    if (value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, `must be a mapping of names to text, not ${quote(value)}`);
    const out: Record<string, string> = {};
    for (const [entry, item] of Object.entries(value as Raw)) {
      if (!name.test(entry)) this.fail(`${key}.${entry}`, `is not ${nameShape}`);
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') this.fail(`${key}.${entry}`, `must be text, not ${quote(item)}`);
      if (CONTROL.test(String(item))) this.fail(`${key}.${entry}`, 'must be one line without control characters');
      out[entry] = String(item);
    }
    return out;
  }

  any(key: string): unknown {
    return this.take(key);
  }

  /** Refuses the keys no check asked for, with the nearest known one as a hint. */
  done(): void {
    for (const key of Object.keys(this.raw)) {
      if (this.seen.has(key)) continue;
      const hint = closest(key, this.seen);
      this.fail(quote(key).replace(/^"|"$/g, ''), `is not a setting of ${this.what}${hint ? ` (did you mean ${hint}?)` : ''}; it takes: ${[...this.seen].sort().join(', ')}`);
    }
  }
}
