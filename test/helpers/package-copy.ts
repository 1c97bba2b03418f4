/**
 * Another version of create-ml-project for update tests: a copy of the built
 * package (bin, dist, templates, package.json) under a new version number,
 * its templates edited. It runs exactly as the checkout does.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot, tempDir } from './generate.js';

/** A template edit: the new text, or null to drop the file. Gets undefined for a file that is not there yet. */
export type TemplateEdit = (text: string | undefined) => string | null;

export function packageCopy(version: string, edits: Record<string, TemplateEdit> = {}): string {
  const dir = tempDir(`cmp-pkg-${version}-`);
  for (const part of ['bin', 'dist', 'templates', 'package.json']) cpSync(join(repoRoot, part), join(dir, part), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, version }, null, 2));
  for (const [path, edit] of Object.entries(edits)) {
    const file = join(dir, 'templates', path);
    const next = edit(existsSync(file) ? readFileSync(file, 'utf8') : undefined);
    if (next === null) rmSync(file);
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, next);
    }
  }
  return join(dir, 'bin', 'create-ml-project.cjs');
}

/** Replaces text that must be there once. */
export function replace(from: string, to: string): TemplateEdit {
  return (text) => {
    if (text === undefined || text.split(from).length !== 2) throw new Error(`The template does not hold ${JSON.stringify(from)} exactly once.`);
    return text.replace(from, to);
  };
}

export const drop: TemplateEdit = () => null;
export const create = (content: string): TemplateEdit => () => content;
