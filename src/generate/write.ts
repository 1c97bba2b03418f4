/**
 * Writing a rendered project: the only disk I/O of generation.
 *
 * All or nothing. Every path is checked before the first byte is written
 * (inside the target, no symbolic link on the way, no folder where a file
 * goes). On an error or an interrupt, what this run created is removed and
 * files it overwrote (with --force) get their old bytes back; nothing else in
 * the target is ever touched.
 */
import { constants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FailureError, InterruptedError, UsageError } from '../shared/errors.js';
import { clip } from '../shared/excerpt.js';
import type { RenderedProject } from './render.js';

/** The file-system calls the writer makes; tests pass failing ones. */
export type WriterFs = Pick<typeof nodeFs, 'lstat' | 'mkdir' | 'readdir' | 'readFile' | 'writeFile' | 'unlink' | 'rmdir'>;

export interface WriteOptions {
  force: boolean;
  signal?: AbortSignal;
  fs?: WriterFs;
}

export interface WriteResult {
  created: string[];
  overwritten: string[];
}

const OVERWRITE = constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Checks the target folder: missing, empty or holding only `.git` is fine;
 * anything else needs --force. Returns whether it exists.
 */
export async function checkTarget(target: string, force: boolean, fs: WriterFs = nodeFs): Promise<boolean> {
  let info;
  try {
    info = await fs.lstat(target);
  } catch (error) {
    if (errno(error) === 'ENOENT') return false;
    throw new FailureError(`Cannot inspect ${target}: ${(error as Error).message}`);
  }
  if (info.isSymbolicLink()) {
    throw new UsageError(`${target} is a symbolic link; create-ml-project never writes through links. Choose another name.`);
  }
  if (!info.isDirectory()) throw new UsageError(`${target} exists and is not a folder. Choose another name.`);
  const entries = (await fs.readdir(target)).filter((name) => name !== '.git');
  if (entries.length > 0 && !force) {
    throw new UsageError(
      `${target} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${entries.slice(0, 3).map((entry) => clip(entry)).join(', ')}${entries.length > 3 ? ', ...' : ''}). ` +
        'Choose a new name, or pass --force to write the generated files into it (other files are kept).',
    );
  }
  return true;
}

interface Plan {
  /** Folders to create, parents first. */
  dirs: string[];
  overwrites: string[];
}

async function plan(target: string, project: RenderedProject, fs: WriterFs): Promise<Plan> {
  const seen = new Map<string, 'dir' | 'file' | 'missing'>();
  const kind = async (absolute: string, shown: string) => {
    const cached = seen.get(absolute);
    if (cached) return cached;
    let result: 'dir' | 'file' | 'missing';
    try {
      const info = await fs.lstat(absolute);
      if (info.isSymbolicLink()) {
        throw new UsageError(`${shown} in ${target} is a symbolic link; create-ml-project never writes through links. Remove or rename it first.`);
      }
      result = info.isDirectory() ? 'dir' : 'file';
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      result = 'missing';
    }
    seen.set(absolute, result);
    return result;
  };

  const result: Plan = { dirs: [], overwrites: [] };
  for (const path of project.keys()) {
    const absolute = resolve(target, path);
    if (isAbsolute(path) || path.split('/').includes('..') || !absolute.startsWith(target + sep)) {
      throw new FailureError(`Refusing to write ${JSON.stringify(path)}: it is outside ${target}.`);
    }
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = join(target, ...segments.slice(0, i));
      const shown = segments.slice(0, i).join('/');
      const k = await kind(dir, shown);
      if (k === 'file') throw new UsageError(`${shown} in ${target} is a file where a folder is needed. Move it away first.`);
      if (k === 'missing' && !result.dirs.includes(dir)) result.dirs.push(dir);
      if (k === 'missing') seen.set(dir, 'dir');
    }
    const k = await kind(absolute, path);
    if (k === 'dir') throw new UsageError(`${path} in ${target} is a folder where a file is needed. Move it away first.`);
    if (k === 'file') result.overwrites.push(path);
  }
  return result;
}

function describe(error: unknown): string {
  const code = errno(error);
  const reasons: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ELOOP: 'it is a symbolic link',
  };
  return (code && reasons[code]) ? `${reasons[code]} (${code})` : (error as Error).message;
}

export async function writeProject(target: string, project: RenderedProject, options: WriteOptions): Promise<WriteResult> {
  const fs = options.fs ?? nodeFs;
  const existed = await checkTarget(target, options.force, fs);
  const todo = await plan(target, project, fs);
  const createdDirs: string[] = [];
  const createdFiles: string[] = [];
  const backups = new Map<string, Buffer>();
  let current = target;

  try {
    if (!existed) {
      await fs.mkdir(target);
      createdDirs.push(target);
    }
    for (const dir of todo.dirs) {
      current = dir;
      await fs.mkdir(dir);
      createdDirs.push(dir);
    }
    const overwrites = new Set(todo.overwrites);
    for (const [path, file] of project) {
      if (options.signal?.aborted) throw new InterruptedError('Interrupted while writing the project.');
      current = join(target, path);
      if (overwrites.has(path)) {
        backups.set(path, await fs.readFile(current));
        await fs.writeFile(current, file.content, { flag: OVERWRITE });
      } else {
        createdFiles.push(path);
        await fs.writeFile(current, file.content, { flag: 'wx', mode: file.mode });
      }
    }
  } catch (error) {
    const leftovers = await rollback(fs, target, createdFiles, createdDirs, backups);
    const kept = leftovers.length ? ` Could not remove: ${leftovers.join(', ')}.` : '';
    const undone = existed
      ? 'The folder is as it was: files this run created were removed and overwritten ones restored.'
      : `Nothing was left behind: ${target} was removed.`;
    if (error instanceof InterruptedError) throw new InterruptedError(`Interrupted. ${undone}${kept}`);
    if (error instanceof UsageError) throw error;
    throw new FailureError(`Could not write ${relative(target, current) || target}: ${describe(error)}. ${undone}${kept}`);
  }
  return { created: createdFiles, overwritten: todo.overwrites };
}

async function rollback(
  fs: WriterFs,
  target: string,
  files: string[],
  dirs: string[],
  backups: Map<string, Buffer>,
): Promise<string[]> {
  const failed: string[] = [];
  const attempt = async (label: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      if (errno(error) !== 'ENOENT') failed.push(label);
    }
  };
  for (const path of [...files].reverse()) await attempt(path, () => fs.unlink(join(target, path)));
  for (const [path, content] of backups) await attempt(path, () => fs.writeFile(join(target, path), content, { flag: OVERWRITE }));
  for (const dir of [...dirs].reverse()) await attempt(relative(target, dir) || target, () => fs.rmdir(dir));
  return failed;
}
