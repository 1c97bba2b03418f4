/**
 * Every command that talks to the engine, run as the built bin against what
 * may stand where an engine should: something that answers garbage, nothing
 * at all, or something that never answers. Each ends with exit 3 and the
 * doctor's own message naming the endpoint, before compose is ever called.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGarbageServer, type GarbageMode, type GarbageServer } from '../fakes/engine-server.js';
import { fakePath, makeProject, tempDir } from '../fakes/project.js';
import { runnerEnv, runRunner } from './helpers.js';

const servers: GarbageServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function garbage(mode: GarbageMode, transport: 'unix' | 'tcp' = 'unix'): Promise<GarbageServer> {
  const server = await startGarbageServer(mode, transport);
  servers.push(server);
  return server;
}

const commands = [['doctor'], ['build'], ['up'], ['start'], ['status'], ['stop'], ['down'], ['logs'], ['logs', 'jupyter', '-f'], ['shell'], ['exec', '--', 'true'], ['exec', '--service', 'mlflow', 'python', '-V']];

/** Runs `args` with DOCKER_HOST=`host` and the fake docker tool, which logs every call compose would get. */
async function runWith(args: readonly string[], host: string, timeoutMs?: number) {
  const log = join(tempDir('mlp-log-'), 'docker.log');
  writeFileSync(log, '');
  const env = runnerEnv({ DOCKER_HOST: host, PATH: fakePath(['docker']), FAKE_COMPOSE_VERSION: '2.29.1', FAKE_DOCKER_LOG: log });
  const result = await runRunner(args, { cwd: makeProject({ files: { '.env': 'JUPYTER_TOKEN=t\n' } }), env, timeoutMs });
  const composeCalls = readFileSync(log, 'utf8').split('\n').filter((l) => l && !/^compose version/.test(l));
  // doctor reports on stdout; every other command says it on stderr.
  return { ...result, said: args[0] === 'doctor' ? result.stdout : result.stderr, composeCalls };
}

function noTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(text).not.toMatch(/Unexpected error|Traceback|docker\.errors/);
}

describe.concurrent('an engine socket that answers garbage', () => {
  const cases: Array<[GarbageMode, 'unix' | 'tcp', readonly (readonly string[])[]]> = [
    ['text', 'unix', commands],
    ['bytes', 'unix', [['build'], ['status'], ['logs'], ['exec', '--', 'true']]],
    ['text', 'tcp', [['build'], ['stop'], ['exec', '--', 'true']]],
    ['web', 'unix', [['doctor'], ['up'], ['logs'], ['exec', '--', 'true']]],
    ['ok-page', 'unix', [['doctor'], ['build'], ['down'], ['shell']]],
  ];
  for (const [mode, transport, list] of cases) {
    it.each(list.map((args) => [args.join(' '), args] as const))(`${mode} on ${transport}: %s exits 3 naming the endpoint, compose never called`, async (_, args) => {
      const server = await garbage(mode, transport);
      const result = await runWith(args, server.host);
      expect(result.code, result.stderr).toBe(3);
      expect(result.said).toContain(`Something answers at ${server.host}, but it is not a Docker engine`);
      expect(result.said).toMatch(/Point DOCKER_HOST \(or the docker context\) at the Docker engine/);
      expect(result.composeCalls).toEqual([]);
      expect(server.connections).toBeGreaterThan(0);
      noTrace(result.stdout + result.stderr);
    });
  }

  it.each([
    ['build', ['build']],
    ['stop', ['stop']],
    ['exec', ['exec', '--', 'true']],
  ])('one that never answers: %s gives up, exit 3 naming it, no hang', async (_, args) => {
    const server = await garbage('silent');
    const result = await runWith(args, server.host, 45_000);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`The Docker engine at ${server.host.replace('unix://', '')} did not answer in time`);
    expect(result.composeCalls).toEqual([]);
    noTrace(result.stderr);
  });
});

describe.concurrent('commands that hand over to compose check the engine first', () => {
  const handOver = [['stop'], ['down'], ['logs'], ['logs', 'mlflow', '--follow'], ['shell'], ['status'], ['start'], ['up'], ['exec', '--', 'make', 'test']];
  const unreachable: Array<[string, () => string, string[][]]> = [
    ['no daemon behind the socket', () => `unix://${tempDir()}/docker.sock`, handOver],
    ['a closed tcp port', () => 'tcp://127.0.0.1:1', [['stop'], ['logs', 'mlflow', '--follow'], ['exec', '--', 'make', 'test']]],
  ];
  for (const [what, host, list] of unreachable) {
    it.each(list.map((args) => [args.join(' '), args] as const))(`${what}: %s exits 3 with doctor's message, compose never called`, async (_, args) => {
      const where = host();
      const doctor = await runWith(['doctor', '--json'], where);
      const engine = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; detail: string; fix?: string }> }).checks.find((c) => c.name === 'engine')!;
      const result = await runWith(args, where);
      expect(result.code).toBe(3);
      expect(result.stderr).toBe(`${[engine.detail, engine.fix].filter(Boolean).join('\n')}\n`);
      expect(result.composeCalls).toEqual([]);
      noTrace(result.stderr);
    });
  }
});
