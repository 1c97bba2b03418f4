/**
 * `update` and `check` against the fault list: bad arguments, a .yo-rc.json
 * that is not a file, output to a reader that went away, and repositories
 * of unusual shapes (linked worktrees, submodules, sparse checkouts, a .git
 * file whose work tree is elsewhere, a project its repository ignores).
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, tempDir } from './helpers/generate.js';
import { packageCopy, replace } from './helpers/package-copy.js';
import { current, fakeNpxDir, generate, git, gitEnv, projectCopy, read, run, stored, untouched } from './helpers/project-repo.js';

/** One line (two with a hint), no stack trace. */
function oneClearError(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at |Unexpected error|Error:/);
  expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
}

describe('update and check: bad arguments', () => {
  it.each([
    [['update', 'README.md'], 'README.md is not a folder'],
    [['check', 'docker/Dockerfile.cpu'], 'docker/Dockerfile.cpu is not a folder'],
    [['update', ''], 'got an empty folder name'],
    [['check', ''], 'got an empty folder name'],
    [['update', 'no/such/folder'], 'no/such/folder does not exist'],
    [['update', 'a', 'b'], 'takes at most one folder'],
    [['update', '--set'], 'Option --set needs a value'],
    [['update', '--to'], 'Option --to needs a value'],
    [['update', '--to', '1.0.0;rm -rf .'], 'is not a version'],
    [['update', '--to', '$(id)'], 'is not a version'],
    [['update', '--dry-run=no'], 'takes no value'],
    [['check', '--set', 'jupyterPort=1'], 'Unknown option --set for check'],
    [['update', '--set', 'jupyterPort=8888;ls'], 'Invalid jupyterPort'],
  ])('%j: exit 2, one clear line, nothing changed', async (args, message) => {
    const dir = await projectCopy();
    const before = untouched(dir);
    const result = await run(args, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    oneClearError(result.stderr);
    expect(untouched(dir)).toEqual(before);
  });
});

describe('update and check: a .yo-rc.json that is not a file', () => {
  it.each([
    ['a FIFO', 'a named pipe (FIFO)', (rc: string) => execFileSync('mkfifo', [rc])],
    ['a link to a FIFO', 'a named pipe (FIFO)', (rc: string) => {
      const fifo = join(tempDir(), 'fifo');
      execFileSync('mkfifo', [fifo]);
      symlinkSync(fifo, rc);
    }],
    ['a link to /dev/zero', 'a character device', (rc: string) => symlinkSync('/dev/zero', rc)],
    ['a folder', 'a folder', (rc: string) => mkdirSync(rc)],
  ])('%s: exit 2 naming it, never waiting on it', async (_, what, make) => {
    const dir = await projectCopy();
    const rc = join(dir, '.yo-rc.json');
    rmSync(rc);
    make(rc);
    for (const command of ['update', 'check']) {
      const result = await run([command], dir, { timeoutMs: 30_000 });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`Cannot read ${rc}: it is ${what}, not a file.`);
      oneClearError(result.stderr);
    }
  });
});

describe('update: output to a reader that went away', () => {
  it('a closed pipe (update | head -0) while the base renders: the update completes, no stack trace', async () => {
    // A project with no template commit, made by this version and updated by 0.2.0: it says what it renders (through npx) before it works on.
    const dir = await projectCopy();
    rmSync(join(dir, '.git'), { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'Start');
    const v2 = packageCopy('0.2.0', { 'Makefile.ejs': replace('# <%- projectName %>: `make` lists the targets.', '# <%- projectName %>: run `make`.') });
    const env: NodeJS.ProcessEnv = { ...process.env, ...gitEnv, PATH: `${fakeNpxDir}:${process.env.PATH}`, FAKE_NPX_PACKAGES: JSON.stringify({ [current]: binPath }) };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = spawn(process.execPath, [v2, 'update'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader has gone before the first line comes (head -0, a pager quit at once).
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('Update the project template: create-ml-project 0.1.0 -> 0.2.0');
    expect(read(dir, 'Makefile')).toContain('run `make`.');
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});

describe('update: repositories of unusual shapes', () => {
  it('a linked worktree: updated on its own branch, the main worktree untouched', async () => {
    const main = await projectCopy();
    const other = join(tempDir(), 'feature');
    git(main, 'worktree', 'add', '-q', '-b', 'feature', other);
    const before = untouched(main);
    const result = await run(['update', '--set', 'jupyterPort=9000'], other);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Committed on feature as');
    expect(stored(other).answers.jupyterPort).toBe(9000);
    expect({ ...untouched(main), refs: '', objects: '' }).toEqual({ ...before, refs: '', objects: '' });
    expect(git(main, 'rev-parse', 'main')).toBe(before.head);
  });

  it('a submodule (.git is a file): updated inside it, the superproject untouched', async () => {
    const source = await projectCopy();
    const superproject = tempDir();
    git(superproject, 'init', '-q', '-b', 'main');
    git(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', source, 'churn');
    git(superproject, 'commit', '-qm', 'Add the project');
    const dir = join(superproject, 'churn');
    git(dir, 'checkout', '-q', 'main');
    const head = git(superproject, 'rev-parse', 'HEAD');
    const result = await run(['update', '--set', 'mlflowPort=5050'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(stored(dir).answers.mlflowPort).toBe(5050);
    expect(git(superproject, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('a sparse checkout: files outside it are updated in the commit and stay off the disk', async () => {
    const dir = await projectCopy();
    git(dir, 'sparse-checkout', 'set', '--no-cone', '/*', '!/docker/');
    expect(existsSync(join(dir, 'docker'))).toBe(false);
    const result = await run(['update', '--set', 'pythonVersion=3.11'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(git(dir, 'show', 'HEAD:docker/Dockerfile.cpu')).toContain('3.11');
    expect(existsSync(join(dir, 'docker'))).toBe(false);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('a .git file whose work tree is elsewhere: refused, nothing written there or here', async () => {
    const elsewhere = await projectCopy();
    git(elsewhere, 'config', 'core.worktree', elsewhere);
    const dir = await projectCopy();
    rmSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, '.git'), `gitdir: ${join(elsewhere, '.git')}\n`);
    const before = untouched(elsewhere);
    const result = await run(['update', '--set', 'jupyterPort=9000'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`has its work tree at ${elsewhere}, which does not hold the project`);
    expect(untouched(elsewhere)).toEqual(before);
    expect(stored(dir).answers.jupyterPort).toBe(8888);
  });

  it('a project its repository ignores: refused, pointing at .yo-rc.json first', async () => {
    const repo = tempDir();
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, '.gitignore'), 'ml/\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'Start');
    mkdirSync(join(repo, 'ml'));
    const dir = await generate(join(repo, 'ml'));
    appendFileSync(join(dir, 'notes.md'), 'mine\n');
    const before = untouched(repo);
    const result = await run(['update', '--set', 'jupyterPort=9000'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[1]).toMatch(/^ {2}\.yo-rc\.json: not committed/);
    expect(read(dir, 'notes.md')).toBe('mine\n');
    expect(untouched(repo)).toEqual(before);
  });
});
