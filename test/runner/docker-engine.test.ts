/** The dockerode module against the fake Engine API server: answers, builds, a vanished daemon. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { BuildLog } from '../../src/runner/build-log.js';
import { DockerEngine } from '../../src/runner/docker-engine.js';
import { demuxLogs } from '../../src/runner/engine-streams.js';
import type { BuildEvent } from '../../src/runner/engine.js';
import { nvidiaSupport } from '../../src/runner/gpu.js';
import { startFakeEngine, startGarbageServer, type FakeEngine, type GarbageMode, type GarbageServer } from '../fakes/engine-server.js';
import { tempDir } from '../fakes/project.js';
import { pack } from 'tar-stream';

const fakes: Array<FakeEngine | GarbageServer> = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function engineWith(options: Parameters<typeof startFakeEngine>[0] = {}) {
  const fake = await startFakeEngine(options);
  fakes.push(fake);
  return { fake, engine: new DockerEngine({ kind: 'unix', socketPath: fake.socketPath, source: 'test' }) };
}

function emptyContext(): NodeJS.ReadableStream {
  const p = pack();
  p.entry({ name: 'docker/Dockerfile.cpu' }, 'FROM scratch\n');
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

async function collectBuild(engine: DockerEngine, signal = new AbortController().signal) {
  const events: BuildEvent[] = [];
  await engine.build({ context: emptyContext(), dockerfile: 'docker/Dockerfile.cpu', tag: 'p-cpu:latest', buildArgs: { USER_UID: '1000' }, signal, onEvent: (e) => events.push(e) });
  return events;
}

describe('DockerEngine against the fake engine', () => {
  it('pings, reads the version and finds the nvidia runtime or its absence', async () => {
    const { engine } = await engineWith({ runtimes: ['runc', 'nvidia'] });
    await engine.ping();
    expect(await engine.version()).toMatchObject({ version: '27.5.1', apiVersion: '1.47' });
    expect(nvidiaSupport(await engine.info()).available).toBe(true);
    const other = await engineWith({ runtimes: ['runc'] });
    expect(nvidiaSupport(await other.engine.info()).available).toBe(false);
  });

  it('streams a build, reassembling lines cut across chunks, and sends tag and build args in the request', async () => {
    const { fake, engine } = await engineWith();
    const events = await collectBuild(engine);
    const log = new BuildLog();
    const steps = events.map((e) => log.push(e)).filter(Boolean);
    expect(steps.map((s) => `${s!.index}/${s!.total}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(log.error).toBeUndefined();
    const build = fake.requests.find((r) => r.path === '/build')!;
    expect(build.query).toMatchObject({ t: 'p-cpu:latest', dockerfile: 'docker/Dockerfile.cpu', rm: 'true', forcerm: 'true' });
    expect(JSON.parse(build.query.buildargs!)).toEqual({ USER_UID: '1000' });
    expect(build.contextFiles).toEqual(['docker/Dockerfile.cpu']);
  });

  it('hands the error inside a successful stream to the caller, with the failing step and its log', async () => {
    const { fake, engine } = await engineWith({ build: 'error' });
    const log = new BuildLog();
    (await collectBuild(engine)).forEach((e) => log.push(e));
    expect(log.step).toMatchObject({ index: 3, total: 4, instruction: 'RUN pip install --no-cache-dir no-such-package' });
    expect(log.failure()).toMatch(/^Build failed at step 3\/4: RUN pip install --no-cache-dir no-such-package\n[\s\S]*No matching distribution found for no-such-package[\s\S]*returned a non-zero code: 1$/);
    expect(fake.requests.some((r) => r.path.includes('/tag'))).toBe(false);
    expect(await engine.imageExists('p-cpu:latest')).toBe(false);
  });

  it('cancels a stalled build when its signal aborts, closing the request', async () => {
    const { fake, engine } = await engineWith({ build: 'stall' });
    const controller = new AbortController();
    const pending = collectBuild(engine, controller.signal).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await pending;
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.buildAborted).toBe(true);
  });

  it('reports a vanished daemon as Docker unavailable (exit 3), socket gone or refusing', async () => {
    const { fake, engine } = await engineWith();
    await engine.ping();
    await fake.close();
    const error = await engine.ping().catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: ExitCode.dockerUnavailable });
    expect((error as Error).message).toMatch(/not running|closed the connection/);
    const nowhere = new DockerEngine({ kind: 'unix', socketPath: `${tempDir()}/docker.sock`, source: 'test' });
    expect(await nowhere.version().catch((e: Error) => e.message)).toMatch(/The Docker daemon is not running \(no engine at .*docker\.sock: ENOENT\)/);
  });

  it.each(['text', 'bytes', 'web', 'ok-page'] as GarbageMode[])('a socket answering garbage (%s) is no engine: exit 3 naming it, at the ping', async (mode) => {
    const server = await startGarbageServer(mode);
    fakes.push(server);
    const engine = new DockerEngine({ kind: 'unix', socketPath: server.host.slice('unix://'.length), source: 'test' });
    const error = (await engine.ping().catch((e: unknown) => e)) as Error & { exitCode?: number };
    expect(error.exitCode).toBe(ExitCode.dockerUnavailable);
    expect(error.message).toMatch(new RegExp(`^Something answers at ${server.host}, but it is not a Docker engine: (its answer is not HTTP|it answers /_ping with (HTTP 404|"<html>welcome</html>\\?", not OK))`));
  });

  it.each([
    ['/info', (e: DockerEngine) => e.info()],
    ['/version', (e: DockerEngine) => e.version()],
    ['/containers/c-bash/json', (e: DockerEngine) => e.inspectContainer('c-bash')],
  ])('an engine that hangs on %s after answering the ping: exit 3 once the limit passes, never a hang', async (path, call) => {
    const { fake } = await engineWith({ hang: [path] });
    const engine = new DockerEngine({ kind: 'unix', socketPath: fake.socketPath, source: 'test' }, { pingMs: 5_000, callMs: 300 });
    await engine.ping();
    const error = (await call(engine).catch((e: unknown) => e)) as Error & { exitCode?: number };
    expect(error.exitCode).toBe(ExitCode.dockerUnavailable);
    expect(error.message).toMatch(/did not answer in time/);
  });

  it.each([
    ['no healthcheck', undefined, undefined],
    ['starting', { Status: 'starting', FailingStreak: 1, Log: [] }, { status: 'starting', failingStreak: 1, lastOutput: '' }],
    ['healthy', { Status: 'healthy', FailingStreak: 0, Log: [{ ExitCode: 0, Output: '' }] }, { status: 'healthy', failingStreak: 0, lastOutput: '' }],
    [
      'unhealthy, the last of its checks',
      { Status: 'unhealthy', FailingStreak: 5, Log: [{ ExitCode: 1, Output: 'old\n' }, { ExitCode: 1, Output: 'Traceback\nConnectionRefusedError: refused\n' }] },
      { status: 'unhealthy', failingStreak: 5, lastOutput: 'Traceback\nConnectionRefusedError: refused' },
    ],
    ['a status it does not know, as still starting', { Status: 'none', FailingStreak: 0, Log: [] }, { status: 'starting', failingStreak: 0, lastOutput: '' }],
  ])('reads a container\'s healthcheck (State.Health): %s', async (_, reported, expected) => {
    const stackFile = join(tempDir('fake-stack-'), 'stack');
    writeFileSync(stackFile, 'c-mlflow\n');
    const { engine } = await engineWith({ stackFile, containers: { 'c-mlflow': { health: reported } } });
    expect((await engine.inspectContainer('c-mlflow'))?.health).toEqual(expected);
  });

  it('lists the containers that carry every label asked for, running or not', async () => {
    const stackFile = join(tempDir('fake-stack-'), 'stack');
    writeFileSync(stackFile, 'c-bash\nc-mlflow\n');
    const { engine, fake } = await engineWith({ stackFile, project: 'p1', containers: { 'c-mlflow': { running: false, exitCode: 1 } } });
    const labels = (project: string) => ({ 'com.docker.compose.project': project, 'com.docker.compose.oneoff': 'False' });
    expect((await engine.listContainers(labels('p1'))).sort()).toEqual(['c-bash', 'c-mlflow']);
    expect(await engine.listContainers(labels('p2'))).toEqual([]);
    expect(fake.requests.filter((r) => r.path === '/containers/json').map((r) => JSON.parse(r.query.filters!))).toEqual([
      { label: ['com.docker.compose.project=p1', 'com.docker.compose.oneoff=False'] },
      { label: ['com.docker.compose.project=p2', 'com.docker.compose.oneoff=False'] },
    ]);
  });

  it('reads a missing image as absent, not as an error', async () => {
    const { engine } = await engineWith({ images: ['p-gpu:latest'] });
    expect(await engine.imageExists('p-gpu:latest')).toBe(true);
    expect(await engine.imageExists('p-cpu:latest')).toBe(false);
  });
});

describe('demuxLogs', () => {
  it('joins framed stdout and stderr, and passes a TTY log through', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'out line\n'), frame(2, 'Error: boom\n')]))).toBe('out line\nError: boom\n');
    expect(demuxLogs(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
  });
});

describe('BuildLog', () => {
  it('keeps only the current step\'s lines, strips escapes and records the image id', () => {
    const log = new BuildLog();
    log.push({ stream: 'Step 1/2 : FROM x\n' });
    log.push({ stream: 'old line\n' });
    log.push({ stream: 'Step 2/2 : RUN make\n' });
    log.push({ stream: '\u001b[31mred\u001b[0m\n' });
    log.push({ status: 'Downloading', id: 'abc', progress: '[==>  ]' });
    log.push({ aux: { ID: 'sha256:feed' } });
    expect(log.lines).toEqual(['red', 'abc: Downloading [==>  ]']);
    expect(log.imageId).toBe('sha256:feed');
    log.push({ error: 'boom' });
    expect(log.failure()).toMatch(/^Build failed at step 2\/2: RUN make\n--- last lines of the step ---\n {2}red\n[\s\S]*boom$/);
  });

  it('names a failure before the first step', () => {
    const log = new BuildLog();
    log.push({ errorDetail: { message: 'Cannot locate specified Dockerfile: docker/Dockerfile.cpu' } });
    expect(log.failure()).toBe('Build failed before the first step\nCannot locate specified Dockerfile: docker/Dockerfile.cpu');
  });
});

