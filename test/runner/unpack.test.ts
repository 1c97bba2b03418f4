/** What a run sends back is unpacked inside its folder only: never outside it, never through a link. */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { entryPath, unpack } from '../../src/runner/runs/unpack.js';
import { tempDir } from '../fakes/project.js';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'character-device'; body?: string; linkname?: string };

function tar(entries: Entry[]): NodeJS.ReadableStream {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644 }, e.body ?? (e.type && e.type !== 'file' ? undefined : ''));
  p.finalize();
  return Readable.from(p as unknown as AsyncIterable<Buffer>);
}

describe('unpack', () => {
  it('writes files and folders, with the paths an output maps to', async () => {
    const dir = tempDir('mlp-unpack-');
    const result = await unpack(tar([{ name: 'reports/', type: 'directory' }, { name: 'reports/metrics.json', body: '{}' }, { name: './models/m.joblib', body: 'm' }]), dir);
    expect(result.files).toBe(2);
    expect(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8')).toBe('{}');
    expect(readFileSync(join(dir, 'models', 'm.joblib'), 'utf8')).toBe('m');
    const renamed = tempDir('mlp-unpack-');
    await unpack(tar([{ name: 'model.joblib', body: 'x' }]), renamed, (p) => `models/${p}`);
    expect(readFileSync(join(renamed, 'models', 'model.joblib'), 'utf8')).toBe('x');
  });

  it.each(['../escape.txt', '/etc/escape.txt', 'reports/../../escape.txt', 'a/../../../escape.txt'])('refuses %s, writing nothing outside', async (name) => {
    const parent = tempDir('mlp-unpack-');
    const dir = join(parent, 'run');
    mkdirSync(dir);
    await expect(unpack(tar([{ name, body: 'x' }]), dir)).rejects.toThrow(/The run sent back a file outside its folder/);
    expect(existsSync(join(parent, 'escape.txt'))).toBe(false);
  });

  it('skips links and devices, and replaces a link in the folder rather than writing through it', async () => {
    const dir = tempDir('mlp-unpack-');
    const outside = join(tempDir('mlp-outside-'), 'precious.txt');
    writeFileSync(outside, 'mine');
    mkdirSync(join(dir, 'reports'));
    symlinkSync(outside, join(dir, 'reports', 'metrics.json'));
    const result = await unpack(tar([{ name: 'reports/link', type: 'symlink', linkname: '/etc/passwd' }, { name: 'reports/dev', type: 'character-device' }, { name: 'reports/metrics.json', body: 'new' }]), dir);
    expect(result.skipped).toEqual(['reports/link', 'reports/dev']);
    expect(readFileSync(outside, 'utf8')).toBe('mine');
    expect(lstatSync(join(dir, 'reports', 'metrics.json')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8')).toBe('new');
    expect(existsSync(join(dir, 'reports', 'link'))).toBe(false);
  });

  it.each([['.', undefined], ['./', undefined], ['a//b/', 'a/b'], ['./a/./b', 'a/b']])('entry %s is %s', (name, path) => {
    expect(entryPath(name)).toBe(path);
  });
});
