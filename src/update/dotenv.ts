/**
 * The lines of a project's `.env` that follow its answers. `.env` is the
 * user's (git ignores it; make copies it from `.env.example` once) and wins
 * over the defaults an update rewrites, so a changed answer (a port, the
 * project name) must reach it too: each key whose value the template's
 * `.env.example` changes, and whose value in `.env` is still the old one,
 * gets the new one. Pure; text is handled as bytes (latin1 strings), so that
 * every other byte of the file stays as it was.
 */

/** A key's value before and after the update, as `.env.example` writes it (quotes included). */
export interface Change {
  key: string;
  from: string;
  to: string;
}

export interface DotenvPlan {
  /** The new text of `.env`. */
  text: string;
  /** Lines changed: `from` is the value `.env` held. */
  changed: Change[];
  /** Keys the user set to something else: left alone, `from` is the user's value. */
  byHand: Change[];
}

interface Line {
  head: string;
  key: string;
  raw: string;
  tail: string;
}

// KEY=value, as compose reads it: `export ` allowed, a value quoted or not, a comment after blanks.
const LINE = /^(\s*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*)('[^'\r\n]*'|"(?:[^"\\\r\n]|\\.)*"|[^\r\n]*?)((?:[ \t]+#[^\r\n]*)?[ \t]*\r?\n?)$/;

function parseLine(line: string): Line | undefined {
  const match = LINE.exec(line);
  return match ? { head: match[1]!, key: match[2]!, raw: match[3]!, tail: match[4]! } : undefined;
}

/** What a raw value means: quotes removed, a double-quoted one unescaped. */
export function unquote(raw: string): string {
  if (/^'.*'$/s.test(raw)) return raw.slice(1, -1);
  if (/^".*"$/s.test(raw)) return raw.slice(1, -1).replace(/\\n/g, '\n').replace(/\\(["\\$])/g, '$1');
  return raw;
}

/** Lines with their endings, so that joining them gives the text back. */
const lines = (text: string): string[] => text.split(/(?<=\n)/);

function values(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of lines(text)) {
    const parsed = parseLine(line);
    if (parsed) found.set(parsed.key, parsed.raw);
  }
  return found;
}

/** The keys whose value `.env.example` changes between two renders. */
export function changedValues(before: string, after: string): Change[] {
  const old = values(before);
  return [...values(after)].flatMap(([key, to]) => {
    const from = old.get(key);
    return from !== undefined && unquote(from) !== unquote(to) ? [{ key, from, to }] : [];
  });
}

/** `.env` with every changed key that still holds its old value set to the new one. */
export function planDotenv(text: string, changes: readonly Change[]): DotenvPlan {
  const byKey = new Map(changes.map((change) => [change.key, change]));
  const plan: DotenvPlan = { text: '', changed: [], byHand: [] };
  plan.text = lines(text)
    .map((line) => {
      const parsed = parseLine(line);
      const change = parsed && byKey.get(parsed.key);
      if (!parsed || !change) return line;
      const value = unquote(parsed.raw);
      if (value === unquote(change.to)) return line;
      if (value !== unquote(change.from)) {
        plan.byHand.push({ key: change.key, from: parsed.raw, to: change.to });
        return line;
      }
      plan.changed.push({ key: change.key, from: parsed.raw, to: change.to });
      return `${parsed.head}${change.to}${parsed.tail}`;
    })
    .join('');
  return plan;
}
