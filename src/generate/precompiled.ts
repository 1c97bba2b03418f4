/**
 * The templates as functions compiled at build time (scripts/build.mjs writes
 * them to dist/chunks/templates.script.js), so that a run does not compile
 * EJS. Each is taken only for the very template text it was compiled from: a
 * templates folder that differs from the build's (another version's, an
 * edited copy) is compiled at run time as before, and so is everything when
 * the file is missing (a run from src/ without a build).
 *
 * V8's code cache for that script is kept in the user's cache folder (never
 * in a project): Node 20 has no compile cache of its own. A cache that is
 * missing, stale, corrupt or cannot be written is only slower.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { packageRoot } from '../shared/package-root.js';

export type TemplateFunction = (data: Record<string, unknown>) => string;

/** Template path (`/` separators) -> the SHA-256 of its text and its function. */
type Table = Record<string, { sha256: string; render: TemplateFunction }>;

/** Where the build writes the table, below the package root: a script (not a module: EJS's functions use `with`) whose value is the table. */
export const PRECOMPILED_FILE = join('dist', 'chunks', 'templates.script.js');

let table: Table | undefined;

/** The user's cache folder for this package, as each system names it. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base =
    process.platform === 'win32' ? env.LOCALAPPDATA : process.platform === 'darwin' ? join(homedir(), 'Library', 'Caches') : env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return base ? join(base, 'create-ml-project') : undefined;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (another run may read it at the same time). */
function writeCache(script: Script, file: string, folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, file);
  } catch {
    // A read-only or full disk: the next run compiles again.
  }
}

function load(): Table {
  if (table) return table;
  table = {};
  try {
    const file = join(packageRoot(), PRECOMPILED_FILE);
    const source = readFileSync(file, 'utf8');
    // V8 checks a cache against the source's length only: the name holds a hash of its text.
    const folder = cacheFolder();
    const key = createHash('sha256').update(source).update(`${process.version} ${process.arch}`).digest('hex').slice(0, 32);
    const cacheFile = folder && join(folder, `templates-${key}.v8`);
    const cachedData = cacheFile ? readCache(cacheFile) : undefined;
    const script = new Script(source, { filename: file, cachedData });
    table = script.runInThisContext() as Table;
    // At exit, so that the cache also holds the functions this run called.
    if (folder && cacheFile && (!cachedData || script.cachedDataRejected)) process.once('exit', () => writeCache(script, cacheFile, folder));
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
