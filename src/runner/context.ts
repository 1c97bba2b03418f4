/**
 * The build context: the project folder as a tar stream, leaving out what
 * .dockerignore lists. The Dockerfile and .dockerignore always go in, as the
 * docker CLI does, since the engine needs them.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { createMatcher, type IgnoreMatcher } from './dockerignore.js';
import { readTextFile } from '../shared/text-file.js';

export interface ContextFile {
  path: string;
  kind: 'file' | 'directory' | 'symlink';
}

function readIgnore(root: string): IgnoreMatcher {
  return createMatcher(readTextFile(join(root, '.dockerignore')) ?? '');
}

/** The paths that go into the context, in a stable order. */
export async function listContext(root: string, dockerfile: string): Promise<ContextFile[]> {
  const matcher = readIgnore(root);
  const always = new Set([dockerfile, '.dockerignore']);
  const out: ContextFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(join(root, dir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (matcher.canPrune(path) && ![...always].some((p) => p.startsWith(`${path}/`))) continue;
        if (!matcher.ignores(path)) out.push({ path, kind: 'directory' });
        await walk(path);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (matcher.ignores(path) && !always.has(path)) continue;
        out.push({ path, kind: entry.isFile() ? 'file' : 'symlink' });
      }
    }
  };
  await walk('');
  return out;
}

export interface PackedContext {
  stream: NodeJS.ReadableStream;
  files: number;
}

/** Packs the listed paths; file contents are streamed, never held in memory whole. */
export async function packContext(root: string, dockerfile: string): Promise<PackedContext> {
  const files = await listContext(root, dockerfile);
  const pack = tarPack();
  const fill = async () => {
    for (const file of files) {
      const full = join(root, file.path);
      const stat = await lstat(full);
      const header = { name: file.path, mode: stat.mode & 0o7777, mtime: stat.mtime };
      if (file.kind === 'directory') pack.entry({ ...header, type: 'directory' });
      else if (file.kind === 'symlink') pack.entry({ ...header, type: 'symlink', linkname: await readlink(full) });
      else {
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ ...header, type: 'file', size: stat.size }, (error) => (error ? reject(error) : resolve()));
          createReadStream(full).on('error', reject).pipe(entry);
        });
      }
    }
    pack.finalize();
  };
  fill().catch((error: Error) => pack.destroy(error));
  // tar-stream packs are streamx streams: pipe-compatible, which is all the engine client needs.
  return { stream: pack as unknown as NodeJS.ReadableStream, files: files.filter((f) => f.kind === 'file').length };
}
