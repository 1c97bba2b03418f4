/**
 * Loading the template tree from disk into memory, once, so that rendering
 * stays pure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/**
 * Every file below `dir`, with its path (`/` separators), bytes and permission
 * bits, in code-point order of paths. Read one after another: for some
 * seventy small files, Node's thread pool costs more than the reading.
 */
export async function readFolder(dir: string): Promise<TemplateFile[]> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  const loaded = entries
    .filter((e) => e.isFile())
    .map((e) => {
      const file = join(e.parentPath, e.name);
      return { path: relative(dir, file).split(sep).join('/'), content: readFileSync(file), mode: statSync(file).mode & 0o777 };
    });
  return loaded.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
