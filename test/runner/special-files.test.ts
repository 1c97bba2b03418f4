/**
 * `.env` (and the other settings files the runner reads: `.env.example`,
 * `.dockerignore`) as a FIFO, a socket, a device or a folder: refused at
 * once, naming it, in every command; never a wait for a writer that does not
 * come. And a `.env` that is a link is read through but never written through.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { ensureDotenv } from '../../src/runner/dotenv-file.js';
import { loadProject } from '../../src/runner/project.js';
import { readTextFile } from '../../src/shared/text-file.js';
import { fakePath, makeProject, tempDir } from '../fakes/project.js';
import { runnerEnv, runRunner } from './helpers.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

type Special = 'fifo' | 'socket' | 'character device' | 'folder';

/** Puts a special file at `path`; the kind as messages name it. */
async function place(path: string, kind: Special): Promise<string> {
  if (kind === 'fifo') {
    execFileSync('mkfifo', [path]);
    return 'a named pipe (FIFO)';
  }
  if (kind === 'socket') {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(path, r));
    return 'a socket';
  }
  if (kind === 'character device') {
    // /dev/zero never ends: read whole, it would fill memory.
    symlinkSync('/dev/zero', path);
    return 'a character device';
  }
  mkdirSync(path);
  return 'a folder';
}

const kinds: Special[] = ['fifo', 'socket', 'character device', 'folder'];
const refusal = (path: string, kind: string) => `Cannot read ${path}: it is ${kind}, not a file.`;

describe('readTextFile', () => {
  it.each(kinds)('refuses a %s at once, naming it (exit 2)', async (kind) => {
    const path = join(tempDir('mlp-special-'), 'settings');
    const shown = await place(path, kind);
    expect(() => readTextFile(path)).toThrow(expect.objectContaining({ exitCode: ExitCode.usage, message: refusal(path, shown) }));
  });

  it('reads a regular file, and a link to one; nothing there (or a link to nothing) is undefined', () => {
    const dir = tempDir('mlp-special-');
    writeFileSync(join(dir, 'a'), 'A=1\n');
    symlinkSync('a', join(dir, 'to-a'));
    symlinkSync('missing', join(dir, 'to-nothing'));
    expect(readTextFile(join(dir, 'a'))).toBe('A=1\n');
    expect(readTextFile(join(dir, 'to-a'))).toBe('A=1\n');
    expect(readTextFile(join(dir, 'none'))).toBeUndefined();
    expect(readTextFile(join(dir, 'to-nothing'))).toBeUndefined();
  });
});

describe('.env as a special file', () => {
  it.each(kinds)('loadProject refuses a .env that is a %s', async (kind) => {
    const root = makeProject();
    const shown = await place(join(root, '.env'), kind);
    expect(() => loadProject(root, {})).toThrow(refusal(join(root, '.env'), shown));
  });

  it.each(kinds)('ensureDotenv refuses a .env.example that is a %s and writes no .env', async (kind) => {
    const root = tempDir('mlp-dotenv-');
    const shown = await place(join(root, '.env.example'), kind);
    expect(() => ensureDotenv(root, { uid: 1, gid: 1 })).toThrow(refusal(join(root, '.env.example'), shown));
    expect(readdirSync(root)).toEqual(['.env.example']);
  });

  const commands = [['doctor'], ['build'], ['up'], ['start'], ['status'], ['stop'], ['down'], ['logs'], ['shell'], ['exec', '--', 'true']];
  it.each(commands.flatMap((args) => (['fifo', 'socket'] as const).map((kind) => [args.join(' '), kind, args] as const)))(
    'ml-project %s with .env a %s: exit 2 naming it, at once',
    async (_, kind, args) => {
      const root = makeProject();
      const shown = await place(join(root, '.env'), kind);
      // No engine answers there: a command that went on past .env would fail otherwise, not with exit 2.
      const env = runnerEnv({ DOCKER_HOST: `unix://${tempDir()}/docker.sock`, PATH: fakePath(['docker']), FAKE_COMPOSE_VERSION: '2.29.1' });
      const result = await runRunner(args, { cwd: root, env, timeoutMs: 20_000 });
      expect(result.signal).toBeNull();
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${refusal(join(root, '.env'), shown)}\n`);
    },
  );

  it.each(['fifo', 'character device'] as const)('build with a .dockerignore that is a %s: exit 2 naming it', async (kind) => {
    const root = makeProject();
    const shown = await place(join(root, '.dockerignore'), kind);
    const { startFakeEngine } = await import('../fakes/engine-server.js');
    const fake = await startFakeEngine();
    try {
      const env = runnerEnv({ DOCKER_HOST: `unix://${fake.socketPath}`, PATH: fakePath(['docker']) });
      const result = await runRunner(['build'], { cwd: root, env, timeoutMs: 20_000 });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${refusal(join(root, '.dockerignore'), shown)}\n`);
      expect(fake.requests.some((r) => r.path === '/build')).toBe(false);
    } finally {
      await fake.close();
    }
  });
});

describe('.env as a link', () => {
  const ids = { uid: 501, gid: 20 };

  it.each([
    ['a missing file in the project', 'secrets/.env', 'which does not exist'],
    ['a missing file elsewhere', join(tempDir('mlp-elsewhere-'), 'never-written'), 'which does not exist'],
    ['itself', '.env', 'a loop of links'],
  ])('a link to %s is refused (exit 2) and never written through or replaced', (_, target, why) => {
    const root = tempDir('mlp-dotenv-');
    writeFileSync(join(root, '.env.example'), 'JUPYTER_TOKEN=\n');
    symlinkSync(target, join(root, '.env'));
    const error = (() => {
      try {
        ensureDotenv(root, ids);
      } catch (e) {
        return e as Error & { exitCode?: number };
      }
      return undefined;
    })();
    expect(error?.exitCode).toBe(ExitCode.usage);
    expect(error?.message).toBe(`${join(root, '.env')} is a symbolic link to ${target}, ${why}. ml-project never writes through a link: create the file it points to, or remove the link.`);
    expect(lstatSync(join(root, '.env')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, '.env'))).toBe(target);
    expect(readdirSync(root).sort()).toEqual(['.env', '.env.example']);
    if (target.startsWith('/')) expect(() => lstatSync(target)).toThrow();
  });

  it('a link to the user\'s own file is the .env: read, and left as it is', () => {
    const root = makeProject();
    const shared = join(tempDir('mlp-shared-'), 'team.env');
    writeFileSync(shared, 'JUPYTER_TOKEN=team\nJUPYTER_HOST_PORT=19999\n');
    symlinkSync(shared, join(root, '.env'));
    expect(ensureDotenv(root, ids)).toBe('exists');
    expect(readFileSync(shared, 'utf8')).toBe('JUPYTER_TOKEN=team\nJUPYTER_HOST_PORT=19999\n');
    const project = loadProject(root, {});
    expect(project.jupyterToken).toBe('team');
    expect(project.ports[0]).toMatchObject({ port: 19999, source: '.env' });
  });

  it('up with a .env link to nothing: exit 2, and the link is still a link to nothing', async () => {
    const root = makeProject({ files: { '.env.example': 'JUPYTER_TOKEN=\n' } });
    const target = join(tempDir('mlp-elsewhere-'), 'nothing-yet.env');
    symlinkSync(target, join(root, '.env'));
    const env = runnerEnv({ DOCKER_HOST: `unix://${tempDir()}/docker.sock`, PATH: fakePath(['docker']), FAKE_COMPOSE_VERSION: '2.29.1' });
    const result = await runRunner(['up'], { cwd: root, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is a symbolic link to ${target}, which does not exist`);
    expect(readlinkSync(join(root, '.env'))).toBe(target);
    expect(() => lstatSync(target)).toThrow();
    rmSync(join(root, '.env'));
  });
});
