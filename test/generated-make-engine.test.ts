/**
 * The generated Makefile with no Docker engine to talk to: every target that
 * needs one checks first and says, in one line, which engine it asked and how
 * to fix it (exit 3), never docker-compose's Python traceback. The real docker
 * CLI and docker-compose against engines that are not there: a missing socket,
 * a socket nobody listens on, a closed or silent TCP port, a docker context,
 * a socket the user may not open; and the real ml-project in the runner's place.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sh } from '../src/shared/escape.js';
import { generateProject, repoRoot, tempDir, type RunResult } from './helpers/generate.js';
import { closedPort, makeEnv, runMake, shellTools, toolsOnly, type Env } from './helpers/make.js';

let project = '';

beforeAll(async () => {
  const generated = await generateProject({ projectName: 'engine-lab', packageName: 'engine_lab' });
  expect(generated.code, generated.stderr).toBe(0);
  project = generated.dir;
  // create-container needs .env with a token; writing it needs no engine.
  const env = await runMake(project, ['.env'], { ML_PROJECT: '' });
  expect(env.code, env.stderr).toBe(0);
}, 120_000);

/** Targets that talk to the engine, with what each would run. */
const engineTargets = ['init', 'create-container', 'start-container', 'stop-container', 'clean-container', 'urls', 'shell', 'logs', 'status', 'test', 'lint', 'format', 'etl', 'train', 'evaluate', 'dvc-repro'];

const fix = 'start it (sudo systemctl start docker, or open Docker Desktop), or point DOCKER_HOST at a running engine.';

function expectEngineMessage(result: RunResult, target: string, message: string): void {
  expect(result.code, `${target}: ${result.stdout}${result.stderr}`).not.toBe(0);
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines, target).toEqual([`make ${target}: ${message}`, expect.stringMatching(new RegExp(`^make: \\*\\*\\* \\[Makefile:\\d+: ${target}\\] Error 3$`))]);
  expect(result.stdout + result.stderr).not.toMatch(/Traceback|DockerException|docker\.errors/);
}

/** A unix socket file that nothing listens on any more, as a crashed daemon leaves it. */
function staleSocket(): string {
  const path = join(tempDir('cmp-stale-'), 'docker.sock');
  const made = spawnSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
  expect(made.status, made.stderr?.toString()).toBe(0);
  expect(existsSync(path)).toBe(true);
  return path;
}

describe('no engine at DOCKER_HOST: plain docker compose mode', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    for (const server of servers) server.close();
  });

  const unixHosts: Array<[string, () => string]> = [
    ['a socket path that does not exist', () => join(tempDir('cmp-none-'), 'run', 'docker.sock')],
    ['a stale socket nobody listens on', staleSocket],
    ['a regular file', () => {
      const path = join(tempDir('cmp-file-'), 'docker.sock');
      writeFileSync(path, '');
      return path;
    }],
  ];

  it.each(unixHosts)('%s: every target that needs the engine says so and stops (exit 3)', async (_, socket) => {
    const host = `unix://${socket()}`;
    for (const target of engineTargets) {
      const result = await runMake(project, [target], { ML_PROJECT: '', DOCKER_HOST: host });
      expectEngineMessage(result, target, `the Docker engine is not running (nothing answers at ${host}, DOCKER_HOST): ${fix}`);
    }
  }, 120_000);

  it.each([
    ['a closed port', async () => closedPort()],
    ['a port that accepts and never answers', async () => {
      const server = createServer((socket) => sockets.add(socket));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    }],
  ])('tcp://127.0.0.1 with %s: the host named, and how to use the local engine instead', async (_, port) => {
    const host = `tcp://127.0.0.1:${await port()}`;
    for (const target of ['test', 'init', 'status']) {
      const result = await runMake(project, [target], { ML_PROJECT: '', DOCKER_HOST: host, DOCKER_WAIT: '2' });
      expectEngineMessage(result, target, `the Docker engine at ${host} (DOCKER_HOST) does not answer: check that host, or unset DOCKER_HOST (or run docker context use default) to use the local engine.`);
    }
  }, 60_000);
});

describe('DOCKER_WAIT, how long make waits for the engine', () => {
  it.each(['abc', '0', '-1', '', "3'", '3;ls', '1 2'])('DOCKER_WAIT=%j is refused before anything runs', async (value) => {
    const result = await runMake(project, ['test', `DOCKER_WAIT=${value}`], { ML_PROJECT: '' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^Makefile:\d+: \*\*\* DOCKER_WAIT=.*: give a whole number of seconds, 1 or more, e.g. DOCKER_WAIT=30\.  Stop\.$/m);
    expect(result.stderr).not.toMatch(/Docker engine|syntax error/i);
  });

  it.each(['1', '45', '600'])('DOCKER_WAIT=%s bounds docker info', async (value) => {
    const dry = await runMake(project, ['-n', 'test', `DOCKER_WAIT=${value}`], { ML_PROJECT: '' });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`$(timeout ${value} docker info --format`);
  });
});

describe('the engine of a docker context, and the default socket', () => {
  function contextConfig(name: string, socket: string): string {
    const config = tempDir('cmp-dockercfg-');
    const created = spawnSync('docker', ['context', 'create', name, '--docker', `host=unix://${socket}`], { env: { ...makeEnv(), DOCKER_CONFIG: config }, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    return config;
  }

  it.each(['gpu-box', 'lab'])('a docker context %s in use, selected by DOCKER_CONTEXT or by docker context use', async (name) => {
    const socket = join(tempDir('cmp-ctx-'), 'docker.sock');
    const config = contextConfig(name, socket);
    const byVariable = await runMake(project, ['test'], { ML_PROJECT: '', DOCKER_CONFIG: config, DOCKER_CONTEXT: name });
    expectEngineMessage(byVariable, 'test', `the Docker engine is not running (nothing answers at unix://${socket}, docker context ${name}): ${fix}`);
    const used = spawnSync('docker', ['context', 'use', name], { env: { ...makeEnv(), DOCKER_CONFIG: config }, encoding: 'utf8' });
    expect(used.status, used.stderr).toBe(0);
    const byConfig = await runMake(project, ['etl'], { ML_PROJECT: '', DOCKER_CONFIG: config });
    expectEngineMessage(byConfig, 'etl', `the Docker engine is not running (nothing answers at unix://${socket}, docker context ${name}): ${fix}`);
  });

  it.skipIf(existsSync('/var/run/docker.sock'))('no DOCKER_HOST and no context: the default socket', async () => {
    const result = await runMake(project, ['status'], { ML_PROJECT: '', DOCKER_CONFIG: tempDir('cmp-dockercfg-') });
    expectEngineMessage(result, 'status', `the Docker engine is not running (nothing answers at unix:///var/run/docker.sock, the default socket): ${fix}`);
  });
});

describe('a socket the user may not open', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('says permission denied, with the docker group and rootless fixes', async () => {
    const dir = tempDir('cmp-perm-');
    chmodSync(dir, 0o755);
    const socket = join(dir, 'docker.sock');
    server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    // As root, a socket is always open to us: run make as nobody. Otherwise, take our own permission away.
    const root = process.getuid?.() === 0;
    chmodSync(socket, root ? 0o600 : 0o000);
    const work = tempDir('cmp-perm-project-');
    const copy = join(work, 'engine-lab');
    cpSync(project, copy, { recursive: true });
    const home = join(work, 'home');
    mkdirSync(home);
    if (root) spawnSync('chown', ['-R', '65534:65534', work]);
    chmodSync(work, 0o755);
    const env = makeEnv({ ML_PROJECT: '', DOCKER_HOST: `unix://${socket}`, HOME: home, DOCKER_CONFIG: join(home, '.docker') });
    const result = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn('make', ['--no-print-directory', 'test'], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'], ...(root ? { uid: 65534, gid: 65534 } : {}) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
    expectEngineMessage(
      result,
      'test',
      `permission denied on the Docker engine at unix://${socket} (DOCKER_HOST): add yourself to the docker group (sudo usermod -aG docker "$USER", then log in again), or use rootless Docker with DOCKER_HOST at its socket.`,
    );
  });
});

describe('no docker command at all', () => {
  it.each(['test', 'init', 'logs'])('make %s says to install Docker', async (target) => {
    const result = await runMake(project, [target], { ML_PROJECT: '', PATH: toolsOnly([...shellTools, 'docker-compose']) });
    expectEngineMessage(result, target, 'the docker command is not installed: install Docker Engine or Docker Desktop (https://docs.docker.com/get-docker/).');
  });
});

describe('with the real ml-project as the runner', () => {
  const runner = `${sh(process.execPath)} ${sh(join(repoRoot, 'bin', 'ml-project.cjs'))}`;

  it.each(['init', 'create-container', 'doctor'])('make %s: the runner checks the engine and exits 3 with the fix', async (target) => {
    const socket = join(tempDir('cmp-none-'), 'docker.sock');
    const result = await runMake(project, [target, 'GPU=0'], { ML_PROJECT: runner, DOCKER_HOST: `unix://${socket}` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(new RegExp(`\\[Makefile:\\d+: ${target}\\] Error 3$`, 'm'));
    const said = result.stdout + result.stderr;
    expect(said).toContain(socket);
    // The same fix as the Makefile's own check gives.
    expect(said.toLowerCase()).toContain(fix.toLowerCase());
    expect(said).not.toMatch(/Traceback|DockerException/);
  });
});

describe('what needs no engine does not ask for one', () => {
  it.each([['help'], ['-n', 'venv'], ['clean'], ['test', 'LOCAL=1']])('make %j', async (...args) => {
    const result = await runMake(project, args, { ML_PROJECT: '', DOCKER_HOST: `unix://${join(tempDir('cmp-none-'), 'docker.sock')}` });
    expect(result.stderr).not.toMatch(/Docker engine|docker command/);
  });
});
