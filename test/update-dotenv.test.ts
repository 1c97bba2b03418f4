/**
 * `update` and the project's `.env`: the user's file (git ignores it), which
 * wins over the defaults an update rewrites. A changed answer reaches the
 * lines of `.env` that still hold the old value, every other byte kept; a
 * value the user chose is left and listed; a `.env` that is not a plain file
 * is named and never read or written.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/generate.js';
import { packageCopy, replace } from './helpers/package-copy.js';
import { edit, git, projectCopy, read, run, stored } from './helpers/project-repo.js';

/** `.env` as `make .env` writes it (a token, the user's ids, mode 0600), and lines of the user's own: CRLF, bytes that are not UTF-8. */
function makeDotenv(dir: string, extra = ''): Buffer {
  const text = read(dir, '.env.example')
    .replace(/^JUPYTER_TOKEN=.*$/m, 'JUPYTER_TOKEN=4f1c0ffee')
    .replace(/^USER_UID=.*$/m, 'USER_UID=1234');
  const bytes = Buffer.concat([Buffer.from(`${text}${extra}# mine\r\nEXTRA=1\r\n# caf`), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]);
  writeFileSync(join(dir, '.env'), bytes, { mode: 0o600 });
  chmodSync(join(dir, '.env'), 0o600);
  return bytes;
}

/** The bytes with whole lines replaced, each exactly once. */
function withLines(bytes: Buffer, lines: Record<string, string>): Buffer {
  let text = bytes.toString('latin1');
  for (const [from, to] of Object.entries(lines)) {
    expect(text.split(`\n${from}\n`).length, from).toBe(2);
    text = text.replace(`\n${from}\n`, `\n${to}\n`);
  }
  return Buffer.from(text, 'latin1');
}

const dotenv = (dir: string) => readFileSync(join(dir, '.env'));
const mode = (dir: string) => statSync(join(dir, '.env')).mode & 0o777;

describe('update: .env follows the answers', () => {
  it.each([
    [['jupyterPort=18999'], { 'JUPYTER_HOST_PORT=8888': 'JUPYTER_HOST_PORT=18999' }],
    [['mlflowPort=5100', 'projectName=churn-2'], { 'MLFLOW_HOST_PORT=5000': 'MLFLOW_HOST_PORT=5100', "COMPOSE_PROJECT_NAME='churn'": "COMPOSE_PROJECT_NAME='churn-2'" }],
    [['jupyterPort=9100', 'mlflowPort=15000'], { 'JUPYTER_HOST_PORT=8888': 'JUPYTER_HOST_PORT=9100', 'MLFLOW_HOST_PORT=5000': 'MLFLOW_HOST_PORT=15000' }],
  ])('--set %j: those lines change, every other byte and the mode stay', async (sets, lines) => {
    const dir = await projectCopy();
    const before = makeDotenv(dir);
    const args = ['update', ...sets.flatMap((s) => ['--set', s])];
    const dry = await run([...args, '--dry-run'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would change in .env (only these lines):');
    for (const [from, to] of Object.entries(lines)) expect(dry.stdout).toContain(`  ${from} -> ${to}\n`);
    expect(dotenv(dir)).toEqual(before);

    const result = await run(args, dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Changed in .env (only these lines');
    for (const [from, to] of Object.entries(lines)) expect(result.stdout).toContain(`  ${from} -> ${to}\n`);
    expect(dotenv(dir)).toEqual(withLines(before, lines));
    expect(mode(dir)).toBe(0o600);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('a value the user chose is left as it is and listed with the line to write', async () => {
    const dir = await projectCopy();
    const before = withLines(makeDotenv(dir), { 'MLFLOW_HOST_PORT=5000': 'MLFLOW_HOST_PORT=5999' });
    writeFileSync(join(dir, '.env'), before);
    const result = await run(['update', '--set', 'mlflowPort=5100', '--set', 'jupyterPort=18999'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  JUPYTER_HOST_PORT=8888 -> JUPYTER_HOST_PORT=18999\n');
    expect(result.stdout).toContain('Left in .env as you set it (the new answers give another value; change the line by hand if it should follow):\n  MLFLOW_HOST_PORT=5999   (the update\'s: MLFLOW_HOST_PORT=5100)\n');
    expect(dotenv(dir)).toEqual(withLines(before, { 'JUPYTER_HOST_PORT=8888': 'JUPYTER_HOST_PORT=18999' }));
  });

  it('with conflicts, .env waits for the merge and the lines to change are listed', async () => {
    const dir = await projectCopy();
    edit(dir, 'README.md', (t) => t.replace('Jupyter is published on port 8888', 'Our Jupyter is published on port 8888'));
    git(dir, 'commit', '-qam', 'Ours');
    const before = makeDotenv(dir);
    const result = await run(['update', '--set', 'jupyterPort=18999'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Conflicts .*:\n  README\.md\n/);
    expect(result.stdout).toContain('Once the merge is committed, change in .env (the update leaves it as it is until then):\n  JUPYTER_HOST_PORT=8888 -> JUPYTER_HOST_PORT=18999\n');
    expect(dotenv(dir)).toEqual(before);
  });

  it('no .env, or an update that changes no value of .env.example: .env is not mentioned, not created, not touched', async () => {
    const bare = await projectCopy();
    const result = await run(['update', '--set', 'jupyterPort=18999'], bare);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('.env ');
    expect(existsSync(join(bare, '.env'))).toBe(false);

    const v2 = packageCopy('0.2.0', { 'Makefile.ejs': replace('# <%- projectName %>: `make` lists the targets.', '# <%- projectName %>: run `make`.') });
    const dir = await projectCopy();
    const before = makeDotenv(dir);
    const version = await run(['update'], dir, { bin: v2 });
    expect(version.code).toBe(0);
    expect(version.stdout).not.toContain('.env ');
    expect(dotenv(dir)).toEqual(before);
  });
});

describe('update: a .env that is not a plain file of the user\'s is named and left alone', () => {
  it.each([
    ['a symbolic link', (dir: string) => {
      const target = join(tempDir(), 'env');
      writeFileSync(target, 'JUPYTER_HOST_PORT=8888\n');
      symlinkSync(target, join(dir, '.env'));
      return () => {
        expect(readlinkSync(join(dir, '.env'))).toBe(target);
        expect(readFileSync(target, 'utf8')).toBe('JUPYTER_HOST_PORT=8888\n');
      };
    }],
    ['a named pipe (FIFO)', (dir: string) => {
      execFileSync('mkfifo', [join(dir, '.env')]);
      return () => expect(lstatSync(join(dir, '.env')).isFIFO()).toBe(true);
    }],
    ['a folder', (dir: string) => {
      mkdirSync(join(dir, '.env'));
      return () => expect(lstatSync(join(dir, '.env')).isDirectory()).toBe(true);
    }],
    ['tracked by git', (dir: string) => {
      const before = makeDotenv(dir);
      git(dir, 'add', '-f', '.env');
      git(dir, 'commit', '-qm', 'Track .env');
      return () => expect(dotenv(dir)).toEqual(before);
    }],
  ])('.env %s: the update completes, says so, and lists the values to set by hand', async (what, make) => {
    const dir = await projectCopy();
    const check = make(dir);
    const result = await run(['update', '--set', 'jupyterPort=18999'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`.env ${what === 'tracked by git' ? 'is tracked by git' : `is ${what}`}: left alone. The update changed these values; set them there by hand if it sets them:\n  JUPYTER_HOST_PORT=18999   (was JUPYTER_HOST_PORT=8888)\n`);
    expect(stored(dir).answers.jupyterPort).toBe(18999);
    check();
  });
});
