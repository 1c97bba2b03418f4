/**
 * A run is pinned to a commit, with real git: a clean tree runs HEAD; a dirty
 * one is refused, or with --allow-dirty becomes a snapshot commit while the
 * user's index, branch and files stay exactly as they were.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Git, pinSource } from '../../src/runner/runs/source.js';
import { isolatedGitEnv } from '../helpers/generate.js';
import { tempDir } from '../fakes/project.js';

const env = { ...process.env, ...isolatedGitEnv() } as NodeJS.ProcessEnv;
for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

function repo(files: Record<string, string> = { 'train.py': 'print(1)\n', '.gitignore': 'data/\nruns/\n' }): string {
  const dir = tempDir('mlp-git-');
  git(dir, 'init', '-q');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'first');
  return dir;
}

describe('pinSource', () => {
  it('a clean tree runs HEAD', async () => {
    const dir = repo();
    expect(await pinSource(new Git(dir, env), false)).toEqual({ commit: git(dir, 'rev-parse', 'HEAD'), prefix: '' });
  });

  it.each([
    ['a changed file', (d: string) => writeFileSync(join(d, 'train.py'), 'print(2)\n'), /uncommitted changes \(train\.py\)/],
    ['an untracked file', (d: string) => writeFileSync(join(d, 'new.py'), 'x\n'), /uncommitted changes \(new\.py\)/],
    ['a staged deletion', (d: string) => git(d, 'rm', '-q', 'train.py'), /uncommitted changes \(train\.py\)/],
    ['five files', (d: string) => [1, 2, 3, 4, 5].forEach((n) => writeFileSync(join(d, `f${n}.py`), '')), /uncommitted changes \(f1\.py, f2\.py, f3\.py and 2 more\)/],
  ])('%s is refused without --allow-dirty, naming it', async (_what, change, message) => {
    const dir = repo();
    change(dir);
    await expect(pinSource(new Git(dir, env), false)).rejects.toThrow(message);
    await expect(pinSource(new Git(dir, env), false)).rejects.toThrow(/pass --allow-dirty/);
  });

  it('runs/ and ignored files do not make the tree dirty', async () => {
    const dir = repo({ 'train.py': 'x\n', '.gitignore': 'data/\n' });
    mkdirSync(join(dir, 'runs', '20261202-180501-3f9a'), { recursive: true });
    writeFileSync(join(dir, 'runs', '20261202-180501-3f9a', 'run.json'), '{}');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'big.csv'), '1,2\n');
    expect((await pinSource(new Git(dir, env), false)).base).toBeUndefined();
  });

  it('--allow-dirty: a snapshot commit of the working tree on top of HEAD, the diff kept, nothing of the user\'s moved', async () => {
    const dir = repo();
    const head = git(dir, 'rev-parse', 'HEAD');
    writeFileSync(join(dir, 'train.py'), 'print(2)\n');
    writeFileSync(join(dir, 'staged.py'), 'staged\n');
    git(dir, 'add', 'staged.py');
    writeFileSync(join(dir, 'untracked.py'), 'new\n');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'ignored.csv'), 'x\n');
    const status = git(dir, 'status', '--porcelain');
    const index = readFileSync(join(dir, '.git', 'index'));
    const source = await pinSource(new Git(dir, env), true);
    expect(source.base).toBe(head);
    expect(source.commit).not.toBe(head);
    expect(git(dir, 'rev-parse', `${source.commit}^`)).toBe(head);
    expect(git(dir, 'show', `${source.commit}:train.py`)).toBe('print(2)');
    expect(git(dir, 'show', `${source.commit}:untracked.py`)).toBe('new');
    expect(git(dir, 'show', `${source.commit}:staged.py`)).toBe('staged');
    expect(() => git(dir, 'show', `${source.commit}:data/ignored.csv`)).toThrow();
    expect(source.diff).toContain('+print(2)');
    expect(source.diff).toContain('untracked.py');
    // The user's branch, index and status are as they were.
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(join(dir, '.git', 'index')).equals(index)).toBe(true);
    expect(git(dir, 'status', '--porcelain')).toBe(status);
  });

  it('a project below the repository\'s root: its folder only', async () => {
    const dir = repo({ 'other/x.py': 'x\n', 'ml/train.py': 'y\n' });
    writeFileSync(join(dir, 'other', 'x.py'), 'changed elsewhere\n');
    const source = await pinSource(new Git(join(dir, 'ml'), env), false);
    expect(source.prefix).toBe('ml');
  });

  it.each([
    ['no repository', () => tempDir('mlp-nogit-'), /is not in a git repository: a run is pinned to a commit/],
    ['no commit yet', () => {
      const d = tempDir('mlp-git-');
      git(d, 'init', '-q');
      return d;
    }, /The repository has no commit yet/],
  ])('%s: refused, saying what to do', async (_what, make, message) => {
    await expect(pinSource(new Git(make(), env), false)).rejects.toThrow(message);
  });

  it('git missing: refused, saying a run needs it', async () => {
    await expect(pinSource(new Git(repo(), { ...env, PATH: tempDir('mlp-empty-') }), false)).rejects.toThrow(/git is not installed/);
  });
});

it('--allow-dirty with runs/ ignored by git, or not: the snapshot never holds runs/', async () => {
  for (const gitignore of ['runs/\n', '']) {
    const dir = repo({ 'train.py': 'x\n', '.gitignore': gitignore });
    mkdirSync(join(dir, 'runs', '20261202-180501-3f9a'), { recursive: true });
    writeFileSync(join(dir, 'runs', '20261202-180501-3f9a', 'run.json'), '{}');
    writeFileSync(join(dir, 'train.py'), 'y\n');
    const source = await pinSource(new Git(dir, env), true);
    expect(git(dir, 'ls-tree', '-r', '--name-only', source.commit).split('\n').sort()).toEqual(['.gitignore', 'train.py']);
  }
});
