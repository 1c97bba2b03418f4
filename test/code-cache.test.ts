/**
 * V8's code cache of the generating job (with Yeoman's script) and of the
 * templates compiled at build time, kept in the user's cache folder: made by a first run, used by
 * the next, and never needed: a corrupt or unwritable cache changes nothing
 * but the time.
 * Spawns the built bin (npm run build first).
 */
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCachedScript, STALE_CACHE_DAYS } from '../src/shared/script-cache.js';
import { runCli, tempDir } from './helpers/generate.js';

/** Every file of a generated project with its bytes. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(dir.length + 1)] = readFileSync(join(entry.parentPath, entry.name), 'latin1');
  }
  return files;
}

async function generate(cache: string) {
  const cwd = tempDir();
  const result = await runCli(['my-project', '--yes', '--no-git'], { cwd, env: { XDG_CACHE_HOME: cache } });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return tree(join(cwd, 'my-project'));
}

const cacheFiles = (cache: string) => readdirSync(join(cache, 'create-ml-project')).filter((name) => name.endsWith('.v8'));

describe.concurrent('the code cache of the job and the compiled templates', () => {
  it('is made in the user\'s cache folder by a first run, never in the project, and the next run gives the same project', async () => {
    const cache = tempDir('cmp-cache-');
    const first = await generate(cache);
    // The job, Yeoman's script and the templates: not the scripts a run with --yes does not use (prompts, yaml).
    expect(cacheFiles(cache).map((name) => name.slice(0, name.indexOf('-')))).toEqual(['generate.cjs', 'templates.js', 'yeoman.cjs']);
    expect(Object.keys(first).filter((path) => /\.v8$|\.cjs$/.test(path))).toEqual([]);
    const made = cacheFiles(cache).map((name) => readFileSync(join(cache, 'create-ml-project', name)));
    expect(await generate(cache)).toEqual(first);
    // Accepted, so not written again.
    expect(cacheFiles(cache).map((name) => readFileSync(join(cache, 'create-ml-project', name)))).toEqual(made);
  });

  it('a corrupt cache is ignored and replaced, and the project is the same', async () => {
    const cache = tempDir('cmp-cache-');
    const expected = await generate(cache);
    const files = cacheFiles(cache).map((name) => join(cache, 'create-ml-project', name));
    const garbage = Buffer.from('not a code cache, just some bytes in its place');
    for (const file of files) writeFileSync(file, garbage);
    expect(await generate(cache)).toEqual(expected);
    for (const file of files) expect(readFileSync(file)).not.toEqual(garbage);
  });

  it('a cache folder that cannot be made (a file in its place) only means no cache', async () => {
    const expected = await generate(tempDir('cmp-cache-'));
    const blocked = join(tempDir('cmp-cache-'), 'a-file');
    writeFileSync(blocked, '');
    expect(await generate(blocked)).toEqual(expected);
    expect(readFileSync(blocked, 'utf8')).toBe('');
  });

  it('a new cache of a script removes the same script\'s caches of other builds older than a month, and nothing else', async () => {
    const cache = tempDir('cmp-cache-');
    const folder = join(cache, 'create-ml-project');
    mkdirSync(folder, { recursive: true });
    const month = (STALE_CACHE_DAYS + 1) * 24 * 60 * 60;
    const planted = { 'generate.cjs-0123456789abcdef0123456789abcdef.v8': month, 'generate.cjs-fedcba9876543210fedcba9876543210.v8': 0, 'runner.cjs-0123456789abcdef0123456789abcdef.v8': month, 'notes.txt': month };
    for (const [name, age] of Object.entries(planted)) {
      writeFileSync(join(folder, name), 'from another build');
      const when = Date.now() / 1000 - age;
      utimesSync(join(folder, name), when, when);
    }
    await generate(cache);
    const left = readdirSync(folder);
    expect(left).not.toContain('generate.cjs-0123456789abcdef0123456789abcdef.v8');
    for (const kept of ['generate.cjs-fedcba9876543210fedcba9876543210.v8', 'runner.cjs-0123456789abcdef0123456789abcdef.v8', 'notes.txt']) expect(left).toContain(kept);
  });
});

describe('runCachedScript', () => {
  it('runs a script once per process, giving every caller the same exports (the jobs share Yeoman\'s and the prompts\' scripts)', () => {
    const script = join(tempDir('cmp-script-'), 'counted.cjs');
    const counter = Symbol.for(`cmp-test-runs-${script}`);
    writeFileSync(script, `globalThis[Symbol.for(${JSON.stringify(`cmp-test-runs-${script}`)})] = (globalThis[Symbol.for(${JSON.stringify(`cmp-test-runs-${script}`)})] ?? 0) + 1;\nmodule.exports = { made: {} };\n`);
    // Its cache goes to a folder of the test's own, not the user's.
    const cacheHome = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = tempDir('cmp-cache-');
    const first = runCachedScript(script, 'module');
    const second = runCachedScript(script, 'module');
    if (cacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = cacheHome;
    expect(second).toBe(first);
    expect((globalThis as Record<symbol, unknown>)[counter]).toBe(1);
  });
});
