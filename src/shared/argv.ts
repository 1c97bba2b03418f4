/**
 * The shape of a command line, shared by every command: positionals, `--`
 * ending options, `-x` aliases and `--name` / `--name=value` / `--name value`.
 * What the names mean is the caller's.
 */
import { UsageError } from './errors.js';
import { clip } from './excerpt.js';

export interface OptionToken {
  /** The long name, aliases resolved. */
  name: string;
  /** The value written as `--name=value`. */
  inline?: string;
  /** The value: inline, or the next argument (which is then consumed). */
  value(what: string): string;
}

/**
 * Calls `onOption` for each option in order and returns the positionals. An
 * unknown single-letter alias is refused here; unknown long names are the caller's to refuse.
 */
export function scanArgs(argv: readonly string[], alias: (letter: string) => string | undefined, onOption: (token: OptionToken) => void): string[] {
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const short = /^-([a-zA-Z])$/.exec(arg);
    const match = short ? null : /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    const name = short ? alias(short[1]!) : match?.[1];
    if (!name) throw new UsageError(`Unknown option ${clip(arg)}. See --help.`);
    const inline = match?.[2];
    onOption({
      name,
      inline,
      value(what) {
        if (inline !== undefined) return inline;
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new UsageError(`Option --${clip(name)} needs a value: --${clip(name)} ${what}.`);
        }
        i++;
        return next;
      },
    });
  }
  return positionals;
}
