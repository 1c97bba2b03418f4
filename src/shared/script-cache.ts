/**
 * Running a script of the build (dist/jobs/) with V8's code cache kept in the
 * user's cache folder. Node 20 compiles every module anew on each run (its
 * compile cache came with Node 22), and for a bundle of Yeoman or dockerode
 * that compiling is most of a start; with the cache, V8 reads the code back.
 *
 * The cache is never needed: one that is missing, stale, corrupt or cannot be
 * written only makes the run slower. It is never written into a project, and
 * a build's caches go once another's replace them for a month.
 */
import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The user's cache folder for this package, as each system names it. */
function cacheFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base =
    process.platform === 'win32' ? env.LOCALAPPDATA : process.platform === 'darwin' ? join(homedir(), 'Library', 'Caches') : env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return base ? join(base, 'create-ml-project') : undefined;
}

/**
 * What a CommonJS module's text is wrapped in to run as a script, as Node
 * does it: the line break keeps the file's line numbers one below V8's.
 */
export const MODULE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {\n', '\n})'] as const;

/** FNV-1a of a short text, in hex: which installed copy a script is (loading node:crypto would cost more than the rest of this module). */
function pathTag(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The cache file for `file` as it is now. V8 checks a cache only against the
 * length of the source, so the name holds what changes with the text (size
 * and time of change, as Python's .pyc files do, and the inode) and with the
 * engine, each as itself; the script's path is told apart by a tag of it.
 */
function cacheFileFor(file: string, folder: string): string {
  const { size, mtimeMs, ino } = statSync(file);
  return join(folder, `${basename(file)}-${pathTag(file)}-${size}-${mtimeMs}-${ino}-${process.version}-${process.arch}.v8`);
}

function readCache(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** How old another build's cache of the same script is when a new one replaces it. */
export const STALE_CACHE_DAYS = 30;

/**
 * Written whole or not at all (another run may read it at the same time).
 * The caches of the same script made by other builds or versions more than
 * STALE_CACHE_DAYS ago go: a version still in use makes its own again once.
 */
function writeCache(script: Script, file: string, of: string): void {
  try {
    const folder = dirname(file);
    mkdirSync(folder, { recursive: true });
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, file);
    const prefix = `${basename(of)}-`;
    const before = Date.now() - STALE_CACHE_DAYS * 24 * 60 * 60 * 1000;
    for (const name of readdirSync(folder)) {
      const other = join(folder, name);
      if (!name.startsWith(prefix) || !name.endsWith('.v8') || other === file) continue;
      try {
        if (statSync(other).mtimeMs < before) unlinkSync(other);
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  } catch {
    // A read-only or full disk: the next run compiles again.
  }
}

/** The text of a script: the build writes them in ASCII, which reads fastest as such. */
function readSource(file: string): string {
  const bytes = readFileSync(file);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/**
 * The scripts run so far in this process, by kind and file, as require keeps
 * modules: each bundle file holds its own copy of this module, and a script
 * that several of them use (Yeoman's, the prompts') runs once for all.
 */
const ran = ((globalThis as { [key: symbol]: unknown })[Symbol.for('create-ml-project.scripts')] ??= new Map()) as Map<string, unknown>;

/**
 * Runs the script in `file`, once per process: as a CommonJS module
 * (`module`, giving its exports) or as a plain script (`value`, giving the
 * value of its last expression). At exit, a run that found no usable cache
 * leaves one, holding the functions this run compiled as well.
 */
export function runCachedScript(file: string, kind: 'module' | 'value'): unknown {
  const key = `${kind}:${file}`;
  if (!ran.has(key)) ran.set(key, runScript(file, kind));
  return ran.get(key);
}

function runScript(file: string, kind: 'module' | 'value'): unknown {
  const text = readSource(file);
  const source = kind === 'module' ? MODULE_WRAPPER[0] + text + MODULE_WRAPPER[1] : text;
  let cacheFile: string | undefined;
  try {
    const folder = cacheFolder();
    cacheFile = folder && cacheFileFor(file, folder);
  } catch {
    cacheFile = undefined;
  }
  const cachedData = readCache(cacheFile);
  const script = new Script(source, { filename: file, cachedData });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) process.once('exit', () => writeCache(script, cacheFile, file));
  if (kind === 'value') return script.runInThisContext();
  const module = { exports: {} as unknown };
  const wrapped = script.runInThisContext() as (...args: unknown[]) => void;
  wrapped.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}
