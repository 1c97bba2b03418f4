/**
 * A dotenv line as docker compose reads it: `KEY=value`, an optional
 * `export `, a value in single or double quotes or bare, a comment after
 * blanks. The runner reads `.env` for ports and the Jupyter token; update
 * rewrites single values in it and keeps every other byte.
 */

export interface DotenvLine {
  /** Everything up to the value: blanks, `export `, the key, `=`. */
  head: string;
  key: string;
  /** The value as written, quotes included. */
  raw: string;
  /** A comment and the line ending after the value. */
  tail: string;
}

const LINE = /^(\s*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*)('[^'\r\n]*'|"(?:[^"\\\r\n]|\\.)*"|[^\r\n]*?)((?:[ \t]+#[^\r\n]*)?[ \t]*\r?\n?)$/;

/** One line (its ending included or not); undefined for a comment, a blank or anything that is not KEY=value. */
export function parseDotenvLine(line: string): DotenvLine | undefined {
  const match = LINE.exec(line);
  return match ? { head: match[1]!, key: match[2]!, raw: match[3]!, tail: match[4]! } : undefined;
}

/** What a raw value means: quotes removed, a double-quoted one unescaped. */
export function unquote(raw: string): string {
  if (/^'.*'$/s.test(raw)) return raw.slice(1, -1);
  if (/^".*"$/s.test(raw)) return raw.slice(1, -1).replace(/\\n/g, '\n').replace(/\\(["\\$])/g, '$1');
  return raw;
}

/** The lines of a text with their endings, so that joining them gives the text back. */
export function dotenvLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/** Every KEY=value of a dotenv text, values unquoted; a later line wins, as in compose. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of dotenvLines(text)) {
    const parsed = parseDotenvLine(line);
    if (parsed) out[parsed.key] = unquote(parsed.raw);
  }
  return out;
}
