/**
 * Loading the template tree from disk into memory, once, so that rendering
 * stays pure.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { packageRoot } from '../shared/package-root.js';
import { precompiled, type TemplateFunction } from './precompiled.js';

export interface TemplateFile {
  /** Path relative to the templates folder, with `/` separators. */
  path: string;
  content: Buffer;
  /** Unix permission bits (executable scripts stay executable). */
  mode: number;
  /** For an `.ejs` file: its function compiled at build time, when the build saw this very text. */
  render?: TemplateFunction;
}

/** templates/ at the package root, next to dist/ and src/. */
export function defaultTemplatesDir(): string {
  return join(packageRoot(), 'templates');
}

export async function loadTemplates(dir = defaultTemplatesDir()): Promise<TemplateFile[]> {
  const files = await readFolder(dir);
  for (const file of files) {
    if (file.path.endsWith('.ejs')) file.render = precompiled(file.path, file.content);
  }
  return files;
}

/** Every file below `dir`, with its path (`/` separators), bytes and permission bits, in code-point order of paths. */
export async function readFolder(dir: string): Promise<TemplateFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const loaded = await Promise.all(
    files.map(async (file) => {
      const [content, info] = await Promise.all([readFile(file), stat(file)]);
      return { path: relative(dir, file).split(sep).join('/'), content, mode: info.mode & 0o777 };
    }),
  );
  return loaded.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
