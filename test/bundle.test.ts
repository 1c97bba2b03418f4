/**
 * What the build puts in each script of dist/ (after npm run build), read
 * from its metafile: a package npm installed in several folders at one
 * version is bundled from one of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/generate.js';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/** The folder of the npm package an input of the build lies in, or undefined for the project's own files and the build's stand-ins (`namespace:path`). */
function packageFolder(input: string): string | undefined {
  if (input.includes(':')) return undefined;
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  return parts.slice(0, at + (parts[at + 1]?.startsWith('@') ? 3 : 2)).join('/');
}

describe('the bundle', () => {
  it('takes each version of a package from one folder, in every script', () => {
    const metafile = JSON.parse(readFileSync(join(repoRoot, 'dist', 'metafile.json'), 'utf8')) as Metafile;
    const twice: string[] = [];
    for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
      const folders = new Map<string, Set<string>>();
      for (const input of Object.keys(inputs)) {
        const folder = packageFolder(input);
        if (!folder) continue;
        const { name, version } = JSON.parse(readFileSync(join(repoRoot, folder, 'package.json'), 'utf8')) as { name: string; version: string };
        folders.set(`${name}@${version}`, (folders.get(`${name}@${version}`) ?? new Set()).add(folder));
      }
      for (const [pkg, found] of folders) if (found.size > 1) twice.push(`${output}: ${pkg} from ${[...found].join(', ')}`);
    }
    expect(twice).toEqual([]);
  });
});
