/**
 * Unpacking what a run sent back (a tar) into its folder under runs/. The
 * tar comes from another machine: an entry that would land outside the
 * folder (absolute, `..`) is refused, links and devices are skipped, and a
 * link already in the folder is replaced, never written through.
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { FailureError } from '../../shared/errors.js';
import { clip } from '../../shared/excerpt.js';

export interface Unpacked {
  files: number;
  /** Entries left out: links, devices. */
  skipped: string[];
}

/** The entry's path inside the folder, or undefined for the folder itself; throws for one outside it. */
export function entryPath(name: string): string | undefined {
  const normal = posix.normalize(name.replace(/^\.\/+/, ''));
  if (normal === '.' || normal === './' || normal === '') return undefined;
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../') || normal.includes('\0')) {
    throw new FailureError(`The run sent back a file outside its folder (${clip(name)}): nothing more was unpacked.`);
  }
  return normal.replace(/\/+$/, '');
}

async function clear(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info && !info.isDirectory()) await rm(path, { force: true });
}

// A tar-stream entry: read to its end whether it is kept or not, or the next entry never comes.
const drain = (stream: NodeJS.ReadableStream) =>
  new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
    stream.resume();
  });

/** Unpacks `tar` into `dir`; `rename` maps an entry's path (undefined: leave the entry out). */
export async function unpack(tar: NodeJS.ReadableStream, dir: string, rename: (path: string) => string | undefined = (p) => p): Promise<Unpacked> {
  const result: Unpacked = { files: 0, skipped: [] };
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    const done = (error?: unknown) => (error ? next(error as Error) : next());
    // Refusing an entry ends the whole stream, this entry's part too: that is reported once, by the unpack.
    stream.on('error', () => undefined);
    (async () => {
      const inside = entryPath(header.name);
      const path = inside === undefined ? undefined : rename(inside);
      if (path === undefined) return drain(stream as unknown as NodeJS.ReadableStream);
      const target = join(dir, path);
      if (header.type === 'directory') {
        await clear(target);
        await mkdir(target, { recursive: true });
        return drain(stream as unknown as NodeJS.ReadableStream);
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        result.skipped.push(path);
        return drain(stream as unknown as NodeJS.ReadableStream);
      }
      await mkdir(dirname(target), { recursive: true });
      await clear(target);
      await pipeline(stream as unknown as NodeJS.ReadableStream, createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o755 }));
      result.files++;
    })().then(() => done(), done);
  });
  await pipeline(tar, reader);
  return result;
}
