/** A folder's state, to compare before and after a run: "untouched" means equal. */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every path below `dir` with its type, mode, inode, link count and bytes (a
 * hard link put back is the same file, not a copy). Special files are never
 * opened: reading a FIFO would block.
 */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = lstatSync(path);
    const what = info.isSymbolicLink()
      ? `link -> ${readlinkSync(path)}`
      : info.isDirectory() ? 'dir'
      : info.isFile() ? `file ${readFileSync(path).toString('base64')}`
      : 'special';
    out[path.slice(dir.length + 1)] = `${what} mode=${info.mode.toString(8)} ino=${info.ino} nlink=${info.nlink}`;
  }
  return out;
}

/** Whether this process may make device nodes (mknod needs root: CI runs as root, a developer may not). */
export function canMknod(): boolean {
  try {
    execFileSync('mknod', [join(mkdtempSync(join(tmpdir(), 'cmp-mknod-')), 'probe'), 'c', '1', '3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
