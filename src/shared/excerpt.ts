/**
 * A value the user gave, as a message quotes it. A message is one line on a
 * terminal: a 10 MB string must not become a 10 MB line, a deeply nested or
 * circular value must not be serialised at all, and a character that would
 * move or hide text on the terminal (a control, a direction mark, a line
 * separator) is shown as its escape, never printed.
 */

/** Characters shown as \uXXXX: JSON.stringify already escapes C0 controls and lone surrogates. */
const SHOWN_ESCAPED = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufdd0-\ufdef\ufeff\ufff9-\uffff]/g;

export const EXCERPT_LENGTH = 40;

const escapeHidden = (text: string) => text.replace(SHOWN_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The first `max` code points of `text` (a surrogate pair is never split), and whether that cut it. */
function head(text: string, max: number): [string, boolean] {
  // Enough code units for `max` code points: two at most each.
  const points = Array.from(text.slice(0, max * 2 + 2));
  return points.length > max ? [points.slice(0, max).join(''), true] : [text, false];
}

/** Text from a message of another library (a parser's), bounded and made safe to print: `abc… (5000 characters)`. */
export function clip(text: string, max = EXCERPT_LENGTH): string {
  const [shown, cut] = head(text, max);
  const escaped = escapeHidden(shown.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1)));
  return `${escaped}${cut ? `… (${text.length} characters)` : ''}`;
}

/** `"my project"`, `"AAAA…" (10000000 characters)`, `42`, `true`, `(a list)`, `(a mapping)`. */
export function quote(value: unknown, max = EXCERPT_LENGTH): string {
  if (typeof value === 'string') {
    const [shown, cut] = head(value, max);
    const quoted = escapeHidden(JSON.stringify(shown));
    return cut ? `${quoted.slice(0, -1)}…" (${value.length} characters)` : quoted;
  }
  if (Array.isArray(value)) return '(a list)';
  if (value !== null && typeof value === 'object') return '(a mapping)';
  return String(value);
}

/** A value named by what it is, for "X is ..., not ..." messages: `a list`, `null`, `the number 5`, `the text "x"`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}
