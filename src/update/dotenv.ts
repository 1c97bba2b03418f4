/**
 * The lines of a project's `.env` that follow its answers. `.env` is the
 * user's (git ignores it; make copies it from `.env.example` once) and wins
 * over the defaults an update rewrites, so a changed answer (a port, the
 * project name) must reach it too: each key whose value the template's
 * `.env.example` changes, and whose value in `.env` is still the old one,
 * gets the new one. Pure; text is handled as bytes (latin1 strings), so that
 * every other byte of the file stays as it was.
 */
import { dotenvLines as lines, parseDotenvLine as parseLine, unquote } from '../shared/dotenv.js';

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
