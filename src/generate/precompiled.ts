/**
 * The templates as functions compiled at build time (scripts/build.mjs writes
 * them to dist/jobs/templates.js), so that a run does not compile
 * EJS. Each is taken only for the very template text it was compiled from: a
 * templates folder that differs from the build's (another version's, an
 * edited copy) is compiled at run time as before, and so is everything when
 * the file is missing (a run from src/ without a build). The build's functions
 * keep no line numbers: render.ts compiles a template that fails anew to say
 * where.
 *
 * The script runs with V8's code cache kept in the user's cache folder
 * (src/shared/script-cache.ts). A table that cannot be read is no table.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { packageRoot } from '../shared/package-root.js';
import { runCachedScript } from '../shared/script-cache.js';

export type TemplateFunction = (data: Record<string, unknown>) => string;

/**
 * Template path (`/` separators) -> the SHA-256 of its text and what makes its
 * function from that text (the literal parts of a template are slices of it).
 */
type Table = Record<string, { sha256: string; render: (source: string) => TemplateFunction }>;

/** Where the build writes the table, below the package root: a script (not a module: EJS's functions use `with`) whose value is the table. */
export const PRECOMPILED_FILE = join('dist', 'jobs', 'templates.js');

let table: Table | undefined;

function load(): Table {
  if (table) return table;
  try {
    table = runCachedScript(join(packageRoot(), PRECOMPILED_FILE), 'value') as Table;
  } catch {
    table = {};
  }
  return table;
}

/** The build's function for this template text, or undefined when there is none for exactly this text. */
export function precompiled(path: string, content: Buffer): TemplateFunction | undefined {
  const entry = load()[path];
  if (!entry) return undefined;
  return createHash('sha256').update(content).digest('hex') === entry.sha256 ? entry.render(content.toString('utf8')) : undefined;
}
