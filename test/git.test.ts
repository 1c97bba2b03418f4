/**
 * git at the end of generation, with real git: a first commit on main, and
 * every way it can fail (missing, no identity, inside a repository, a
 * failing hook, signing that fails or hangs) keeping the project, exit 0.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv, repoRoot, runCli, tempDir } from './helpers/generate.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...isolatedGitEnv() } as NodeJS.ProcessEnv }).trim();
}

function hasCommit(dir: string): boolean {
  try {
    git(dir, 'rev-parse', '--verify', 'HEAD');
    return true;
  } catch {
    return false;
  }
}

/** An isolated git home whose global config gets `extra` appended. */
function gitEnvWith(extra: string, identity = true): NodeJS.ProcessEnv {
  const home = tempDir('cmp-home-');
  const env = isolatedGitEnv(home, identity);
  writeFileSync(join(home, '.gitconfig'), extra, { flag: 'a' });
  return env;
}

describe.concurrent('git', () => {
  it('makes a repository on branch main with one commit holding every file', async () => {
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Made a git repository \(branch main\) with a first commit/);
    const dir = join(cwd, 'my-project');
    expect(git(dir, 'branch', '--show-current')).toBe('main');
    expect(git(dir, 'log', '--format=%s|%an')).toBe('Initial commit from create-ml-project|Test User');
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'ls-files')).toContain('.yo-rc.json');
    // The trailers make it the template commit later updates merge from: the version and its exact tree.
    const tree = git(dir, 'rev-parse', 'HEAD^{tree}');
    expect(git(dir, 'log', '-1', '--format=%(trailers:only,unfold)')).toBe(`Create-ML-Project: ${version}\nCreate-ML-Project-Tree: ${tree}`);
  });

  it('with --force into a folder of other files commits only the generated ones', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'my-project'));
    writeFileSync(join(cwd, 'my-project', 'secrets.txt'), 'token\n');
    writeFileSync(join(cwd, 'my-project', 'old.ipynb'), '{}\n');
    const result = await runCli(['my-project', '--yes', '--force'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 files that were already in the folder are not committed.');
    const dir = join(cwd, 'my-project');
    expect(git(dir, 'status', '--porcelain')).toBe('?? old.ipynb\n?? secrets.txt');
    expect(git(dir, 'log', '-1', '--format=%(trailers:key=Create-ML-Project-Tree,valueonly)')).toBe(git(dir, 'rev-parse', 'HEAD^{tree}'));
  });

  it('inside an existing repository makes no nested one and says so', async () => {
    const cwd = tempDir();
    git(cwd, 'init', '-q');
    const result = await runCli(['my-project', '--yes'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/inside the git repository .*: no new repository made/);
    expect(existsSync(join(cwd, 'my-project', '.git'))).toBe(false);
    expect(hasCommit(cwd)).toBe(false);
  });

  /** A git on the PATH that logs each command word to `log` and runs the real git. */
  function loggingGit() {
    const bin = tempDir('cmp-git-log-');
    const log = join(bin, 'calls');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$1" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    return { path: `${bin}:${process.env.PATH}`, log, real };
  }

  it('makes the first commit with the git calls it needs and no more', async () => {
    const cwd = tempDir();
    const { path, log } = loggingGit();
    const result = await runCli(['my-project', '--yes'], { cwd, env: { PATH: path } });
    expect(result.code, result.stderr).toBe(0);
    expect(hasCommit(join(cwd, 'my-project'))).toBe(true);
    // Outside any repository, with the identity in the global config file: neither
    // rev-parse nor config (the new repository's config is the one git writes).
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['init', 'add', 'write-tree', 'commit']);
  });

  it('asks git where the folder may be in a repository, and for the identity where the new repository\'s config may set it', async () => {
    const cwd = tempDir();
    const { path, log, real } = loggingGit();
    // No identity in the global file; git's template gives the new repository one.
    const home = tempDir('cmp-home-');
    const template = join(home, 'template');
    mkdirSync(template);
    writeFileSync(join(template, 'config'), '[user]\n\tname = From Template\n\temail = template@example.com\n');
    const gitconfig = join(home, 'gitconfig');
    writeFileSync(gitconfig, `[init]\n\ttemplateDir = ${template}\n`);
    const env = { PATH: path, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', HOME: home };
    const result = await runCli(['my-project', '--yes', '--author-name', 'Ada', '--author-email', 'ada@example.com'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    expect(execFileSync('git', ['log', '-1', '--format=%an <%ae>'], { cwd: join(cwd, 'my-project'), encoding: 'utf8' }).trim()).toBe('From Template <template@example.com>');
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['config', 'init', 'config', 'add', 'write-tree', 'commit']);
    // In a repository already (whose config git reads for the defaults): rev-parse says so, and nothing is made.
    writeFileSync(log, '');
    execFileSync(real, ['init', '-q'], { cwd, env });
    const inside = await runCli(['other-project', '--yes', '--author-name', 'Ada', '--author-email', 'ada@example.com'], { cwd, env });
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toMatch(/inside the git repository/);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['config', 'rev-parse']);
  });

  it('without git keeps the project and prints the commands to finish', async () => {
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes'], { cwd, env: { PATH: '/nonexistent' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Warning: git was not found/);
    expect(result.stderr).toContain('git init -b main');
    expect(existsSync(join(cwd, 'my-project', '.yo-rc.json'))).toBe(true);
    expect(existsSync(join(cwd, 'my-project', '.git'))).toBe(false);
  });

  it('without a user identity keeps the project, makes no commit and prints the two git config commands', async () => {
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes'], { cwd, env: isolatedGitEnv(tempDir('cmp-home-'), false) });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/git does not know who you are/);
    expect(result.stderr).toContain('git config --global user.name "Your Name"');
    expect(result.stderr).toContain('git config --global user.email "you@example.com"');
    const dir = join(cwd, 'my-project');
    expect(existsSync(join(dir, '.git'))).toBe(true);
    expect(hasCommit(dir)).toBe(false);
  });

  it('with a failing global hook keeps the project and warns', async () => {
    const hooks = tempDir('cmp-hooks-');
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho "secret scanner says no" >&2\nexit 1\n');
    chmodSync(join(hooks, 'pre-commit'), 0o755);
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes'], { cwd, env: gitEnvWith(`[core]\n\thooksPath = ${hooks}\n`) });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/the first commit failed/);
    expect(result.stderr).toContain('git add -A && git commit');
    expect(hasCommit(join(cwd, 'my-project'))).toBe(false);
  });

  it('with commit signing that fails keeps the project and warns', async () => {
    const cwd = tempDir();
    const env = gitEnvWith('[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = /bin/false\n');
    const result = await runCli(['my-project', '--yes'], { cwd, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/the first commit failed.*signing/s);
    expect(existsSync(join(cwd, 'my-project', '.yo-rc.json'))).toBe(true);
  });

  it('never hangs on a signing program that waits for a passphrase', async () => {
    const bin = tempDir('cmp-bin-');
    writeFileSync(join(bin, 'gpg-waits'), '#!/bin/sh\nsleep 300\n');
    chmodSync(join(bin, 'gpg-waits'), 0o755);
    const cwd = tempDir();
    const env = gitEnvWith(`[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = ${join(bin, 'gpg-waits')}\n`);
    const result = await runCli(['my-project', '--yes'], { cwd, env, timeoutMs: 90_000 });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/the first commit failed/);
    const dir = join(cwd, 'my-project');
    expect(existsSync(join(dir, '.yo-rc.json'))).toBe(true);
    // the printed commands work: no lock left behind by the killed commit
    expect(existsSync(join(dir, '.git', 'index.lock'))).toBe(false);
    git(dir, '-c', 'commit.gpgsign=false', 'commit', '-qm', 'by hand');
    expect(hasCommit(dir)).toBe(true);
  }, 100_000);

  it('--no-git leaves no repository', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'x'));
    const result = await runCli(['my-project', '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, 'my-project', '.git'))).toBe(false);
    expect(result.stdout).not.toMatch(/git/i);
  });
});
