/**
 * Generated projects as git repositories, for the tests of `update` and
 * `check`: real git with an isolated configuration, the built bin run as a
 * user would, and pictures of a repository precise enough to prove that a
 * command changed nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isolatedGitEnv, repoRoot, runCli, tempDir, type RunOptions } from './generate.js';

export const current = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
export const gitEnv = isolatedGitEnv();
export const fakeNpxDir = join(repoRoot, 'test', 'fakes', 'npx');

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...gitEnv } as NodeJS.ProcessEnv }).trim();
}

export function run(args: string[], cwd: string, options: RunOptions = {}) {
  return runCli(args, { ...options, cwd, env: { ...gitEnv, ...options.env } });
}

export const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

export function edit(dir: string, path: string, change: (text: string) => string): void {
  const text = read(dir, path);
  const next = change(text);
  if (next === text) throw new Error(`The edit of ${path} changed nothing.`);
  writeFileSync(join(dir, path), next);
}

export function stored(dir: string): { version: string; answers: Record<string, unknown> } {
  return (JSON.parse(read(dir, '.yo-rc.json')) as Record<string, never>)['create-ml-project'];
}

/** What a repository looks like: HEAD, status and the files' bytes, to prove an update changed nothing. */
export function snapshot(dir: string) {
  return { head: git(dir, 'rev-parse', 'HEAD'), status: git(dir, 'status', '--porcelain', '--untracked-files=all'), files: git(dir, 'ls-files', '-s') };
}

/** Every path below `dir` but .git: its kind, mode and bytes (a link: its target), never followed. */
export function diskPicture(dir: string, below = ''): Record<string, string> {
  const picture: Record<string, string> = {};
  for (const name of readdirSync(join(dir, below)).sort()) {
    const path = below ? `${below}/${name}` : name;
    if (path === '.git') continue;
    const stats = lstatSync(join(dir, path));
    const mode = (stats.mode & 0o7777).toString(8);
    if (stats.isSymbolicLink()) picture[path] = `link -> ${readlinkSync(join(dir, path))}`;
    else if (stats.isDirectory()) Object.assign(picture, { [path]: `folder ${mode}` }, diskPicture(dir, path));
    else if (stats.isFile()) picture[path] = `file ${mode} ${createHash('sha256').update(readFileSync(join(dir, path))).digest('hex')}`;
    else picture[path] = `special ${stats.mode.toString(8)}`;
  }
  return picture;
}

/**
 * Everything a refused update must leave as it was: the files on disk
 * (ignored and untracked ones too), refs, index, and the object store (a
 * refusal writes not even an object).
 */
export function untouched(dir: string) {
  return {
    ...snapshot(dir),
    disk: diskPicture(dir),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    ignored: git(dir, 'status', '--porcelain', '--ignored', '--untracked-files=all'),
    objects: git(dir, 'count-objects', '-v'),
  };
}

/** Generates `name` in `cwd` with the given bin (this checkout by default), git on. */
export async function generate(cwd: string, name = 'churn', options: { bin?: string; args?: string[] } = {}): Promise<string> {
  const result = await run([name, '--yes', ...(options.args ?? [])], cwd, { bin: options.bin });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return join(cwd, name);
}

/** The files a version renders for these answers, freshly: what "updated" and "added" must equal. */
export async function freshRender(bin: string, name = 'churn', args: string[] = []): Promise<string> {
  return generate(tempDir(), name, { bin, args });
}

let generated: Promise<string> | undefined;

/**
 * A copy of one project this checkout generated (git on, named churn), in a
 * folder of its own: as made by `generate`, without running it each time.
 */
export async function projectCopy(): Promise<string> {
  const source = await (generated ??= generate(tempDir()));
  const dir = join(tempDir(), 'churn');
  cpSync(source, dir, { recursive: true });
  git(dir, 'update-index', '--refresh', '-q');
  return dir;
}
