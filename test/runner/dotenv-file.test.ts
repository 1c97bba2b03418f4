/**
 * The runner's `.env`: the same file `make .env` writes (checked against the
 * generated Makefile itself), private, written once, never replacing one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dotenvText, ensureDotenv, newToken } from '../../src/runner/dotenv-file.js';
import { generateProject } from '../helpers/generate.js';
import { tempDir } from '../fakes/project.js';

const values = { token: 'a'.repeat(48), uid: 501, gid: 20 };
const set = `JUPYTER_TOKEN=${'a'.repeat(48)}`;

describe('dotenvText', () => {
  it.each([
    ['the three keys replaced, the rest kept', '# c\nCOMPOSE_PROJECT_NAME=x\nJUPYTER_TOKEN=\nJUPYTER_HOST_PORT=8888\nUSER_UID=1000\nUSER_GID=1000\n', `# c\nCOMPOSE_PROJECT_NAME=x\n${set}\nJUPYTER_HOST_PORT=8888\nUSER_UID=501\nUSER_GID=20\n`],
    ['a value already there is replaced, as sed does', 'JUPYTER_TOKEN=old\nUSER_UID=1\nUSER_GID=1\n', `${set}\nUSER_UID=501\nUSER_GID=20\n`],
    ['comments and look-alikes are left alone', '# JUPYTER_TOKEN=\n JUPYTER_TOKEN=x\nJUPYTER_TOKEN_FILE=y\nJUPYTER_TOKEN=\nUSER_UID=\nUSER_GID=\n', `# JUPYTER_TOKEN=\n JUPYTER_TOKEN=x\nJUPYTER_TOKEN_FILE=y\n${set}\nUSER_UID=501\nUSER_GID=20\n`],
    ['keys the example lacks are appended', 'JUPYTER_HOST_PORT=8888\nUSER_UID=1000\n', `JUPYTER_HOST_PORT=8888\nUSER_UID=501\n${set}\nUSER_GID=20\n`],
    ['appended after a last line without a newline', 'A=1', `A=1\n${set}\nUSER_UID=501\nUSER_GID=20\n`],
    ['an empty example', '', `${set}\nUSER_UID=501\nUSER_GID=20\n`],
    ['no example: the three keys only', undefined, `${set}\nUSER_UID=501\nUSER_GID=20\n`],
  ])('%s', (_, example, expected) => {
    expect(dotenvText(example, values)).toBe(expected);
  });

  it('tokens are 48 hex characters, new each time', () => {
    const a = newToken();
    expect(a).toMatch(/^[0-9a-f]{48}$/);
    expect(newToken()).not.toBe(a);
  });
});

describe('ensureDotenv', () => {
  const ids = { uid: 501, gid: 20 };

  it.each([
    ['from .env.example', 'JUPYTER_TOKEN=\nUSER_UID=1000\nUSER_GID=1000\n', 'created', `${set}\nUSER_UID=501\nUSER_GID=20\n`],
    ['without .env.example', undefined, 'created', `${set}\nUSER_UID=501\nUSER_GID=20\n`],
  ])('writes .env %s, mode 600, with no temporary file left', (_, example, result, text) => {
    const root = tempDir('mlp-dotenv-');
    if (example !== undefined) writeFileSync(join(root, '.env.example'), example);
    expect(ensureDotenv(root, ids, values.token)).toBe(result);
    expect(readFileSync(join(root, '.env'), 'utf8')).toBe(text);
    expect(statSync(join(root, '.env')).mode & 0o777).toBe(0o600);
    expect(readdirSync(root).sort()).toEqual(example === undefined ? ['.env'] : ['.env', '.env.example']);
  });

  it('never touches an existing .env, whatever it holds', () => {
    const root = tempDir('mlp-dotenv-');
    writeFileSync(join(root, '.env.example'), 'JUPYTER_TOKEN=\n');
    for (const existing of ['JUPYTER_TOKEN=mine\n', '', 'JUPYTER_TOKEN=\n']) {
      writeFileSync(join(root, '.env'), existing, { mode: 0o644 });
      expect(ensureDotenv(root, ids)).toBe('exists');
      expect(readFileSync(join(root, '.env'), 'utf8')).toBe(existing);
      expect(readdirSync(root).sort()).toEqual(['.env', '.env.example']);
    }
  });

  it('a second call keeps the first token', () => {
    const root = tempDir('mlp-dotenv-');
    expect(ensureDotenv(root, ids)).toBe('created');
    const first = readFileSync(join(root, '.env'), 'utf8');
    expect(ensureDotenv(root, ids)).toBe('exists');
    expect(readFileSync(join(root, '.env'), 'utf8')).toBe(first);
  });

  it('writes byte for byte what the generated Makefile\'s make .env writes, given the same token', async () => {
    const generated = await generateProject({ description: 'x', authorName: 'A' });
    expect(generated.code, generated.stderr).toBe(0);
    const byMake = join(tempDir('mlp-make-'), 'p');
    const byRunner = join(tempDir('mlp-runner-'), 'p');
    cpSync(generated.dir, byMake, { recursive: true });
    cpSync(generated.dir, byRunner, { recursive: true });
    const made = spawnSync('make', ['--no-print-directory', '.env'], { cwd: byMake, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    expect(made.status, made.stderr).toBe(0);
    const text = readFileSync(join(byMake, '.env'), 'utf8');
    const token = /^JUPYTER_TOKEN=([0-9a-f]{48})$/m.exec(text)![1]!;
    expect(ensureDotenv(byRunner, { uid: process.getuid!(), gid: process.getgid!() }, token)).toBe('created');
    expect(readFileSync(join(byRunner, '.env'), 'utf8')).toBe(text);
    expect(statSync(join(byRunner, '.env')).mode & 0o777).toBe(statSync(join(byMake, '.env')).mode & 0o777);
  }, 60_000);
});
