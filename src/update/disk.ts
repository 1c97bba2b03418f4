/**
 * What is on disk where an update would write and git tracks nothing: the
 * facts the plan (plan.ts, pure) needs to tell a path that is free from a
 * user's file that git's merge would overwrite, delete or rename.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Disk, DiskKind } from './plan.js';

function kindOf(stats: Stats): DiskKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isSymbolicLink()) return 'link';
  return 'special';
}

/** Whether the folder holds anything but the given tracked files (and folders on the way to them). */
async function holdsUntracked(dir: string, path: string, tracked: ReadonlySet<string>): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const inner = `${path}/${entry.name}`;
    if (entry.isDirectory() ? await holdsUntracked(join(dir, entry.name), inner, tracked) : !tracked.has(inner)) return true;
  }
  return false;
}

/**
 * Looks at each path (relative to the project, with `/`) and each folder on
 * the way to it, never through a link: lstat of a path below a link would
 * answer for the link's target. Absent paths are not in the answer.
 */
export async function inspectDisk(projectDir: string, paths: Iterable<string>, tracked: ReadonlySet<string>): Promise<Disk> {
  const disk = new Map<string, DiskKind>();
  const looked = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const at = parts.slice(0, i).join('/');
      if (!looked.has(at)) {
        looked.add(at);
        const stats = await lstat(join(projectDir, at)).catch(() => undefined);
        if (stats) disk.set(at, kindOf(stats));
        if (stats?.isDirectory() && i === parts.length && !(await holdsUntracked(join(projectDir, at), at, tracked))) disk.set(at, 'clear-folder');
      }
      if (disk.get(at) !== 'folder') break;
    }
  }
  return disk;
}

/**
 * Replaces a file with new bytes and the given mode: written beside it and
 * renamed over it, so that a crash leaves the old file or the new one, and a
 * hard link to the old one elsewhere is never written through.
 */
export async function replaceFile(path: string, bytes: Buffer, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.cmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const file = await open(temp, 'wx', mode);
  try {
    await file.writeFile(bytes);
    await file.close();
    // The mode given at creation passed through the umask.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}
