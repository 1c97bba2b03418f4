/**
 * The writer on a real file system, with faults injected through a wrapped
 * fs for what a real disk will not do on demand (full disk, permission
 * denied as root, an interrupt between two files).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FailureError, InterruptedError, UsageError } from '../src/shared/errors.js';
import type { RenderedProject } from '../src/generate/render.js';
import { writeProject, type WriterFs } from '../src/generate/write.js';
import { tempDir } from './helpers/generate.js';

function project(files: Record<string, string>): RenderedProject {
  return new Map(Object.entries(files).map(([path, content]) => [path, { content: Buffer.from(content), mode: 0o644 }]));
}

const sample = project({
  'Makefile': 'all:\n',
  'README.md': '# x\n',
  'data/raw/.gitkeep': '',
  'docker/Dockerfile.cpu': 'FROM x\n',
  'my_project/__init__.py': '',
  'my_project/train.py': 'print(1)\n',
});

/** Every path under `dir` with its bytes, to compare a tree before and after. */
function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const key = path.slice(dir.length + 1);
    if (entry.isSymbolicLink()) result[key] = `-> link`;
    else if (entry.isDirectory()) result[`${key}/`] = '';
    else if (entry.isFile()) result[key] = readFileSync(path, 'latin1');
    else result[key] = 'special'; // never opened: a FIFO would block
  }
  return result;
}

/** A file system whose writeFile fails with `code` on the n-th new file. */
function failingFs(code: string, n: number): WriterFs {
  let count = 0;
  return {
    ...nodeFs,
    writeFile: (async (...args: Parameters<typeof nodeFs.writeFile>) => {
      if (++count === n) {
        await nodeFs.writeFile(args[0], 'partial', args[2] as never);
        throw Object.assign(new Error(`${code}: simulated`), { code });
      }
      return nodeFs.writeFile(...args);
    }) as typeof nodeFs.writeFile,
  };
}

describe('writeProject', () => {
  it('creates the target and every file, parents first', async () => {
    const target = join(tempDir(), 'p');
    const result = await writeProject(target, sample, { force: false });
    expect(result.created.sort()).toEqual([...sample.keys()].sort());
    expect(readFileSync(join(target, 'my_project/train.py'), 'utf8')).toBe('print(1)\n');
  });

  it('keeps the file mode of templates (executable scripts stay executable)', async () => {
    const target = join(tempDir(), 'p');
    await writeProject(target, new Map([['run.sh', { content: Buffer.from('#!/bin/sh\n'), mode: 0o755 }]]), { force: false });
    expect(lstatSync(join(target, 'run.sh')).mode & 0o111).not.toBe(0);
  });

  it('accepts an empty folder or one holding only .git', async () => {
    const parent = tempDir();
    mkdirSync(join(parent, 'empty'));
    mkdirSync(join(parent, 'cloned', '.git'), { recursive: true });
    writeFileSync(join(parent, 'cloned', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeProject(join(parent, 'empty'), sample, { force: false });
    await writeProject(join(parent, 'cloned'), sample, { force: false });
    expect(readFileSync(join(parent, 'cloned', '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
  });

  it('refuses a non-empty folder without --force and touches nothing', async () => {
    const target = tempDir();
    writeFileSync(join(target, 'notes.txt'), 'mine');
    const before = snapshot(target);
    const error = await writeProject(target, sample, { force: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/is not empty \(1 entry: notes\.txt\).*--force/);
    expect(snapshot(target)).toEqual(before);
  });

  it('with --force overwrites generated files only and keeps everything else', async () => {
    const target = tempDir();
    mkdirSync(join(target, 'my_project'));
    writeFileSync(join(target, 'Makefile'), 'old');
    writeFileSync(join(target, 'my_project', 'mine.py'), 'keep me');
    writeFileSync(join(target, 'notes.txt'), 'keep me too');
    const result = await writeProject(target, sample, { force: true });
    expect(result.overwritten).toEqual(['Makefile']);
    expect(readFileSync(join(target, 'Makefile'), 'utf8')).toBe('all:\n');
    expect(readFileSync(join(target, 'my_project', 'mine.py'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('keep me too');
  });

  it.each([
    ['a file', 'Makefile'],
    ['a folder on the way', 'docker'],
  ])('never writes through a symbolic link at %s, even with --force', async (_what, linkName) => {
    const outside = tempDir();
    writeFileSync(join(outside, 'bashrc'), 'precious');
    const target = tempDir();
    writeFileSync(join(target, 'notes.txt'), 'x');
    symlinkSync(linkName === 'docker' ? outside : join(outside, 'bashrc'), join(target, linkName));
    const before = snapshot(target);
    await expect(writeProject(target, sample, { force: true })).rejects.toThrow(/symbolic link/);
    expect(snapshot(target)).toEqual(before);
    expect(readFileSync(join(outside, 'bashrc'), 'utf8')).toBe('precious');
    expect(readdirSync(outside)).toEqual(['bashrc']);
  });

  it('refuses a target that is itself a link, a file, or has a folder where a file goes', async () => {
    const parent = tempDir();
    symlinkSync(tempDir(), join(parent, 'linked'));
    writeFileSync(join(parent, 'file'), '');
    await expect(writeProject(join(parent, 'linked'), sample, { force: true })).rejects.toThrow(/symbolic link/);
    await expect(writeProject(join(parent, 'file'), sample, { force: true })).rejects.toThrow(/not a folder/);
    const target = tempDir();
    mkdirSync(join(target, 'README.md'));
    writeFileSync(join(target, 'docker'), 'a file');
    await expect(writeProject(target, sample, { force: true })).rejects.toThrow(/file where a folder is needed|folder where a file is needed/);
  });

  it('refuses paths that leave the target', async () => {
    const target = join(tempDir(), 'p');
    await expect(writeProject(target, project({ '../escape': 'x' }), { force: false })).rejects.toThrow(FailureError);
    expect(existsSync(target)).toBe(false);
  });

  it.each([
    ['ENOSPC', /no space left on the device \(ENOSPC\)/],
    ['EACCES', /permission denied \(EACCES\)/],
  ])('on %s removes the new target entirely and names the path', async (code, message) => {
    const parent = tempDir();
    const target = join(parent, 'p');
    const error = await writeProject(target, sample, { force: false, fs: failingFs(code, 4) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailureError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/Could not write docker\/Dockerfile\.cpu/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('on a failure in an existing folder restores it byte for byte', async () => {
    const target = tempDir();
    mkdirSync(join(target, 'docker'));
    writeFileSync(join(target, 'Makefile'), 'user makefile');
    writeFileSync(join(target, 'docker', 'notes'), 'user notes');
    const before = snapshot(target);
    await expect(writeProject(target, sample, { force: true, fs: failingFs('ENOSPC', 5) })).rejects.toThrow(FailureError);
    expect(snapshot(target)).toEqual(before);
  });

  /** Path, inode, link count and bytes of every entry: a hard link put back is the same file, not a copy. */
  function identity(dir: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      const info = lstatSync(path);
      result[path.slice(dir.length + 1)] = `${info.ino} ${info.nlink} ${info.mode} ${entry.isFile() ? readFileSync(path, 'latin1') : ''}`;
    }
    return result;
  }

  it.each(['Makefile', 'my_project/train.py', 'data/raw/.gitkeep'])(
    'with --force replaces a hard link at %s by a new file, never writing through it',
    async (path) => {
      const outside = tempDir();
      writeFileSync(join(outside, 'precious'), 'years of work');
      const target = tempDir();
      writeFileSync(join(target, 'notes.txt'), 'x');
      mkdirSync(join(target, path, '..'), { recursive: true });
      linkSync(join(outside, 'precious'), join(target, path));
      const result = await writeProject(target, sample, { force: true });
      expect(result.overwritten).toEqual([path]);
      expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('years of work');
      expect(readFileSync(join(target, path))).toEqual(sample.get(path)!.content);
      expect(statSync(join(target, path)).ino).not.toBe(statSync(join(outside, 'precious')).ino);
      // Until kept, the replaced file waits in a folder of the run; kept, it is gone, and the file elsewhere has one name again.
      expect(result.aside && existsSync(join(target, result.aside))).toBe(true);
      await result.keep();
      expect(readdirSync(target).filter((name) => name.startsWith('.create-ml-project'))).toEqual([]);
      expect(statSync(join(outside, 'precious')).nlink).toBe(1);
      expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('years of work');
    },
  );

  it('undone after writing (an interrupt during the first commit), puts back the very files it replaced', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'precious'), 'years of work');
    const target = tempDir();
    mkdirSync(join(target, 'docker'));
    linkSync(join(outside, 'precious'), join(target, 'Makefile'));
    writeFileSync(join(target, 'README.md'), 'mine');
    chmodSync(join(target, 'README.md'), 0o600);
    writeFileSync(join(target, 'docker', 'notes'), 'user notes');
    const before = identity(target);
    const outsideBefore = identity(outside);
    const written = await writeProject(target, sample, { force: true });
    mkdirSync(join(target, '.git', 'objects'), { recursive: true });
    writeFileSync(join(target, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    written.alsoCreated('.git');
    expect(await written.undo()).toBe('The folder is as it was: files this run created were removed and replaced ones put back.');
    expect(identity(target)).toEqual(before);
    expect(identity(outside)).toEqual(outsideBefore);
  });

  it('undone in a new folder, removes the folder with what was made in it later', async () => {
    const parent = tempDir();
    const written = await writeProject(join(parent, 'p'), sample, { force: false });
    mkdirSync(join(parent, 'p', '.git', 'refs'), { recursive: true });
    written.alsoCreated('.git');
    expect(await written.undo()).toBe(`Nothing was left behind: ${join(parent, 'p')} was removed.`);
    expect(readdirSync(parent)).toEqual([]);
  });

  it.each([
    ['a FIFO', 'Makefile', (path: string) => execFileSync('mkfifo', [path]), /a named pipe \(FIFO\)/],
    ['a FIFO', 'my_project/train.py', (path: string) => execFileSync('mkfifo', [path]), /a named pipe \(FIFO\)/],
    ['a socket', 'README.md', (path: string) => execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]), /a socket/],
  ])('with --force refuses %s at a generated path (%s), naming it, and touches nothing', async (_what, path, make, message) => {
    const target = tempDir();
    mkdirSync(join(target, 'my_project'));
    writeFileSync(join(target, 'notes.txt'), 'x');
    await make(join(target, path));
    const before = snapshot(target);
    const error = await writeProject(target, sample, { force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`^${path.replace('.', '\\.')} in ${target} is `));
    expect((error as Error).message).toMatch(message);
    expect(snapshot(target)).toEqual(before);
  });

  it('writes several files at a time, and on a failure lets the writes under way end before undoing them all', async () => {
    const many = project(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`pkg/m${String(i).padStart(2, '0')}.py`, `x = ${i}\n`])));
    const parent = tempDir();
    const target = join(parent, 'p');
    let inFlight = 0;
    let most = 0;
    let started = 0;
    let settledAfterFailure = 0;
    let failed = false;
    const fs: WriterFs = {
      ...nodeFs,
      writeFile: (async (...args: Parameters<typeof nodeFs.writeFile>) => {
        const n = ++started;
        most = Math.max(most, ++inFlight);
        try {
          // Every write waits a turn, so that those started together are under way together.
          await new Promise((r) => setImmediate(r));
          if (n === 20) {
            failed = true;
            throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' });
          }
          await nodeFs.writeFile(...args);
          if (failed) settledAfterFailure++;
        } finally {
          inFlight--;
        }
      }) as typeof nodeFs.writeFile,
      // Undoing starts only once nothing is being written.
      unlink: (async (path: Parameters<typeof nodeFs.unlink>[0]) => {
        expect(inFlight).toBe(0);
        return nodeFs.unlink(path);
      }) as typeof nodeFs.unlink,
    };
    const error = await writeProject(target, many, { force: false, fs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailureError);
    expect(most).toBeGreaterThan(1);
    expect(settledAfterFailure).toBeGreaterThan(0);
    expect(started).toBeLessThan(40);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('on an interrupt between files rolls back and reports it', async () => {
    const target = tempDir();
    writeFileSync(join(target, 'README.md'), 'user readme');
    const before = snapshot(target);
    const controller = new AbortController();
    let writes = 0;
    const fs: WriterFs = {
      ...nodeFs,
      writeFile: (async (...args: Parameters<typeof nodeFs.writeFile>) => {
        if (++writes === 3) controller.abort();
        return nodeFs.writeFile(...args);
      }) as typeof nodeFs.writeFile,
    };
    const error = await writeProject(target, sample, { force: true, signal: controller.signal, fs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(snapshot(target)).toEqual(before);
  });
});
