/**
 * Writing a rendered project: the only disk I/O of generation.
 *
 * All or nothing. Every path is checked before the first byte is written
 * (inside the target, no symbolic link on the way, no folder where a file
 * goes, no FIFO, socket or device). A file that is replaced (with --force) is
 * first moved aside into a folder of this run inside the target, and the new
 * one is written as a new file: a hard link to a file elsewhere is never
 * written through, and undoing puts back the very file that was there (its
 * inode, links and mode). Until the caller keeps the result (after the first
 * commit), the run can be undone: what it created is removed and the files it
 * replaced come back; nothing else in the target is ever touched.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync, type MakeDirectoryOptions, type RmOptions, type WriteFileOptions } from 'node:fs';
import type * as nodeFs from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FailureError, InterruptedError, UsageError } from '../shared/errors.js';
import { specialFileKind } from '../shared/text-file.js';
import type { RenderedProject } from './render.js';
import { eachAtOnce, type Failure } from './at-once.js';
import { checkTarget } from './target.js';

/** The file-system calls the writer makes; tests pass failing ones. */
export type WriterFs = Pick<typeof nodeFs, 'lstat' | 'mkdir' | 'readdir' | 'writeFile' | 'unlink' | 'rmdir' | 'rename' | 'rm'>;

/**
 * Node's file calls made one after another on this thread: for a project's few
 * dozen small files, the thread pool's round trips cost more than the writing.
 */
const direct = {
  lstat: async (path: string) => lstatSync(path),
  mkdir: async (path: string, options?: MakeDirectoryOptions) => mkdirSync(path, options),
  readdir: async (path: string) => readdirSync(path),
  writeFile: async (path: string, data: Uint8Array, options: WriteFileOptions) => writeFileSync(path, data, options),
  unlink: async (path: string) => unlinkSync(path),
  rmdir: async (path: string) => rmdirSync(path),
  rename: async (from: string, to: string) => renameSync(from, to),
  rm: async (path: string, options: RmOptions) => rmSync(path, options),
} as unknown as WriterFs;

export interface WriteOptions {
  force: boolean;
  signal?: AbortSignal;
  fs?: WriterFs;
}

export interface WriteResult {
  created: string[];
  overwritten: string[];
}

/** A written project that can still be undone, until it is kept. */
export interface WrittenProject extends WriteResult {
  /** The folder (inside the target) holding the replaced files until the run is kept; undefined when nothing was replaced. */
  aside?: string;
  /** Marks a path this run made after writing (the first commit's .git), removed with the rest on undo. */
  alsoCreated(path: string): void;
  /** Removes what this run made and puts the replaced files back; returns the sentence that says so. */
  undo(): Promise<string>;
  /** The run stays: the replaced files are deleted, and there is no undo any more. */
  keep(): Promise<void>;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

interface Plan {
  /** Folders to create, parents first. */
  dirs: string[];
  overwrites: string[];
}

async function plan(target: string, project: RenderedProject, fs: WriterFs, existed: boolean): Promise<Plan> {
  const seen = new Map<string, 'dir' | 'file' | 'missing'>();
  const kind = async (absolute: string, shown: string) => {
    const cached = seen.get(absolute);
    if (cached) return cached;
    // A target this run creates holds nothing yet (its mkdir fails if that changes).
    if (!existed) return 'missing';
    let result: 'dir' | 'file' | 'missing';
    try {
      const info = await fs.lstat(absolute);
      if (info.isSymbolicLink()) {
        throw new UsageError(`${shown} in ${target} is a symbolic link; create-ml-project never writes through links. Remove or rename it first.`);
      }
      const special = info.isDirectory() ? undefined : specialFileKind(info);
      if (special) {
        throw new UsageError(`${shown} in ${target} is ${special}; create-ml-project replaces only regular files. Move it away first.`);
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

/** A name for the folder of replaced files that nothing in the target has. */
function asideName(): string {
  return `.create-ml-project-replaced-${randomBytes(4).toString('hex')}`;
}

export async function writeProject(target: string, project: RenderedProject, options: WriteOptions): Promise<WrittenProject> {
  const fs = options.fs ?? direct;
  const existed = await checkTarget(target, options.force, fs);
  const todo = await plan(target, project, fs, existed);
  const made: Made = { dirs: [], files: [], moved: [], extra: [] };
  const aside = todo.overwrites.length > 0 ? join(target, asideName()) : undefined;
  let current = target;

  try {
    if (!existed) {
      await fs.mkdir(target);
      made.dirs.push(target);
    }
    if (aside) {
      await fs.mkdir(aside, { mode: 0o700 });
      made.dirs.push(aside);
    }
    for (const dir of todo.dirs) {
      current = dir;
      await fs.mkdir(dir);
      made.dirs.push(dir);
    }
    // Each file is recorded before its write starts, so that an undo also covers one cut off half way.
    const overwrites = new Map(todo.overwrites.map((path, i) => [path, i]));
    await eachAtOnce([...project], WRITES_AT_ONCE, async ([path, file]) => {
      if (options.signal?.aborted) throw new InterruptedError('Interrupted while writing the project.');
      const absolute = join(target, path);
      const index = overwrites.get(path);
      if (index !== undefined && aside) {
        const kept = join(aside, String(index));
        await fs.rename(absolute, kept);
        made.moved.push([path, kept]);
      } else {
        made.files.push(path);
      }
      await fs.writeFile(absolute, file.content, { flag: 'wx', mode: file.mode });
    }).catch((failure: Failure<[string, unknown]>) => {
      if (failure.item) current = join(target, failure.item[0]);
      throw failure.error;
    });
  } catch (error) {
    const undone = await undo(fs, target, existed, made);
    if (error instanceof InterruptedError) throw new InterruptedError(`Interrupted. ${undone}`);
    if (error instanceof UsageError) throw error;
    throw new FailureError(`Could not write ${relative(target, current) || target}: ${describe(error)}. ${undone}`);
  }
  let kept = false;
  return {
    created: [...made.files],
    overwritten: todo.overwrites,
    aside: aside && relative(target, aside),
    alsoCreated: (path) => made.extra.push(path),
    undo: async () => {
      if (kept) throw new Error('A kept project cannot be undone.');
      return undo(fs, target, existed, made);
    },
    keep: async () => {
      kept = true;
      // The project is complete either way; a folder that cannot be deleted is only left behind.
      if (aside) await fs.rm(aside, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** Files written side by side when the file system answers asynchronously: the disk is not the limit for small files, the waiting between them is. */
const WRITES_AT_ONCE = 16;

/** What a run made, in the order it made it. */
interface Made {
  dirs: string[];
  /** New files, relative to the target. */
  files: string[];
  /** Replaced files: the path and where the original waits. */
  moved: [string, string][];
  /** Paths made after writing (relative), removed whole. */
  extra: string[];
}

/** Undoes `made`, and returns the sentence that tells the user what the folder is like now. */
async function undo(fs: WriterFs, target: string, existed: boolean, made: Made): Promise<string> {
  const failed: string[] = [];
  const attempt = async (label: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      if (errno(error) !== 'ENOENT') failed.push(label);
    }
  };
  for (const path of [...made.extra].reverse()) await attempt(path, () => fs.rm(join(target, path), { recursive: true, force: true }));
  for (const path of [...made.files].reverse()) await attempt(path, () => fs.unlink(join(target, path)));
  for (const [path, kept] of [...made.moved].reverse()) {
    await attempt(path, async () => {
      await fs.unlink(join(target, path)).catch((error: unknown) => {
        if (errno(error) !== 'ENOENT') throw error;
      });
      await fs.rename(kept, join(target, path));
    });
  }
  for (const dir of [...made.dirs].reverse()) await attempt(relative(target, dir) || target, () => fs.rmdir(dir));
  made.extra.length = made.files.length = made.moved.length = made.dirs.length = 0;
  const left = failed.length ? ` Could not remove: ${failed.join(', ')}.` : '';
  return existed
    ? `The folder is as it was: files this run created were removed and replaced ones put back.${left}`
    : `Nothing was left behind: ${target} was removed.${left}`;
}
