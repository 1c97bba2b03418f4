/**
 * The templates as functions compiled at build time (scripts/build.mjs writes
 * dist/chunks/templates.cjs), so that a run does not compile EJS. Each is
 * taken only for the very template text it was compiled from: a templates
 * folder that differs from the build's (another version's, an edited copy)
 * is compiled at run time as before, and so is everything when the file is
 * missing (a run from src/ without a build).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../shared/package-root.js';

export type TemplateFunction = (data: Record<string, unknown>) => string;

/** Template path (`/` separators) -> the SHA-256 of its text and its function. */
type Table = Record<string, { sha256: string; render: TemplateFunction }>;

/** Where the build writes the table, below the package root. */
export const PRECOMPILED_FILE = join('dist', 'chunks', 'templates.cjs');

let table: Table | undefined;

function load(): Table {
  if (table) return table;
  try {
    // CommonJS, not a module: EJS's functions use `with`, which strict code refuses.
    table = createRequire(import.meta.url)(join(packageRoot(), PRECOMPILED_FILE)) as Table;
  } catch {
    table = {};
  }
  return table;
}

/** The build's function for this template text, or undefined when there is none for exactly this text. */
export function precompiled(path: string, content: Buffer): TemplateFunction | undefined {
  const entry = load()[path];
  if (!entry) return undefined;
  return createHash('sha256').update(content).digest('hex') === entry.sha256 ? entry.render : undefined;
}
