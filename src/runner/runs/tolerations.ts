/** A kubernetes target's tolerations: a list as in a pod spec, checked field by field. */
import { quote } from '../../shared/excerpt.js';
import type { Fields, Raw } from './fields.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

const FIELDS = ['key', 'operator', 'value', 'effect', 'tolerationSeconds'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function tolerations(fields: Fields): Toleration[] {
  const value = fields.any('tolerations');
  if (value === undefined) return [];
  if (!Array.isArray(value)) fields.fail('tolerations', `must be a list, as in a pod spec, not ${quote(value)}`);
  return value.map((item: unknown, i) => {
    const at = `tolerations[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) fields.fail(at, 'must be a mapping (key, operator, value, effect)');
    const entry = item as Raw;
    const unknown = Object.keys(entry).find((k) => !FIELDS.includes(k));
    if (unknown) fields.fail(`${at}.${unknown}`, `is not a toleration field (${FIELDS.join(', ')})`);
    if (entry.operator !== undefined && entry.operator !== 'Exists' && entry.operator !== 'Equal') fields.fail(`${at}.operator`, `must be Exists or Equal, not ${quote(entry.operator)}`);
    if (entry.effect !== undefined && !EFFECTS.includes(entry.effect as string)) fields.fail(`${at}.effect`, `must be ${EFFECTS.join(', ')}, not ${quote(entry.effect)}`);
    for (const key of ['key', 'value'] as const) if (entry[key] !== undefined && typeof entry[key] !== 'string') fields.fail(`${at}.${key}`, `must be text, not ${quote(entry[key])}`);
    if (entry.tolerationSeconds !== undefined && !Number.isInteger(entry.tolerationSeconds)) fields.fail(`${at}.tolerationSeconds`, 'must be a whole number of seconds');
    if (entry.operator === 'Exists' && entry.value !== undefined) fields.fail(`${at}.value`, 'must be empty with operator Exists');
    return entry as Toleration;
  });
}
