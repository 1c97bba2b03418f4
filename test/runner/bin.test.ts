/**
 * The built `ml-project` bin spawned as a user runs it: help, usage errors,
 * exit codes, doctor --json and builds against the fake Engine API server.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeEngine, type FakeEngine } from '../fakes/engine-server.js';
import { fakePath, makeProject, tempDir } from '../fakes/project.js';
import { loadedBy } from '../helpers/loaded.js';
import { runnerBin, runnerEnv, runRunner } from './helpers.js';

const fakes: FakeEngine[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function engine(options: Parameters<typeof startFakeEngine>[0] = {}): Promise<FakeEngine> {
  const fake = await startFakeEngine(options);
  fakes.push(fake);
  return fake;
}

function envFor(fake: FakeEngine | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return runnerEnv({ DOCKER_HOST: fake ? `unix://${fake.socketPath}` : undefined, PATH: fakePath(['docker']), FAKE_COMPOSE_VERSION: '2.29.1', ...extra });
}

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(text).not.toMatch(/Unexpected error/);
}

describe.concurrent('ml-project (the built bin)', () => {
  it('--help lists the commands and flags without loading dockerode', async () => {
    const result = await runRunner(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage:\n {2}ml-project COMMAND \[OPTIONS\]/);
    for (const word of ['doctor', 'build', 'up', 'start', 'stop', 'down', 'status', 'logs', 'shell', 'exec [--service NAME] -- COMMAND [ARG...]', '--gpu auto|on|off', '--base-image', '--python-image', 'PYTHON_IMAGE', '--timeout', '(1 to 2147483 seconds)', '--keep', '--service NAME', '--json']) {
      expect(result.stdout).toContain(word);
    }
    for (const args of [['--help'], ['build', '--gpu', 'maybe']]) {
      const loaded = loadedBy(runnerBin, args, { env: runnerEnv() });
      expect(loaded.status).toBe(args.length === 1 ? 0 : 2);
      expect([...loaded.packages].filter((name) => /dockerode|docker-modem|ssh2|yeoman/.test(name))).toEqual([]);
    }
    // The probe sees dockerode when a command does load it.
    const doctor = loadedBy(runnerBin, ['doctor'], { env: runnerEnv({ DOCKER_HOST: 'unix:///nonexistent.sock' }) });
    expect(doctor.status).toBe(3);
    expect([...doctor.packages]).toContain('dockerode');
    expect([...doctor.packages].filter((name) => /yeoman|inquirer|ejs/.test(name))).toEqual([]);
  });

  it('--help and --version load the flags and their help only, not the commands\' code (compose, the engine\'s address)', () => {
    for (const args of [['--help'], ['--version'], ['up', '--help']]) {
      const loaded = loadedBy(runnerBin, args, { env: runnerEnv() });
      expect(loaded.status).toBe(0);
      expect(loaded.sources).toContain('src/runner/args.ts');
      expect([...loaded.sources].filter((file) => /^src\/runner\/(cli|compose|endpoint|progress)\.ts$/.test(file))).toEqual([]);
    }
  });

  it.each([
    [[], /No command given/],
    [['frob'], /Unknown command "frob"/],
    [['build', '--frob'], /Unknown option --frob/],
    [['build', '--json'], /build does not take --json/],
    [['status', '--gpu', 'on'], /status does not take --gpu/],
    [['build', '--gpu', 'maybe'], /--gpu takes auto, on or off/],
    [['build', '--gpu'], /--gpu needs a value/],
    [['build', '--timeout', '10s'], /--timeout takes a whole number/],
    [['build', '--base-image', 'a b'], /--base-image is not an image reference/],
    [['build', '--python-image', 'a b'], /--python-image is not an image reference/],
    [['build', '--python-image'], /--python-image needs a value/],
    [['up', '--python-image', 'python:3.12-slim'], /up does not take --python-image/],
    [['logs', 'nope'], /Unknown service "nope"/],
    [['up', 'extra'], /up takes no argument "extra"/],
    [['doctor', '--json=yes'], /--json takes no value/],
    [['exec'], /exec needs a command to run/],
    [['up', '--keep=yes'], /--keep takes no value/],
    [['build', '--keep'], /build does not take --keep/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const result = await runRunner(args, { cwd: makeProject(), env: envFor(undefined) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    noStack(result.stderr);
  });

  it.each(
    ['build', 'up', 'start'].flatMap((command) =>
      ['0', '-1', '=-5', 'abc', '1.5', '1e3', ' 5', '=', '0x10', '99999999999', '2147484', '9'.repeat(400)].map((value) => [command, value] as const),
    ),
  )('%s --timeout %j is refused with the accepted range (exit 2), before anything runs', async (command, value) => {
    const fake = await engine();
    const args = value.startsWith('=') ? [command, `--timeout${value}`] : [command, '--timeout', value];
    const result = await runRunner(args, { cwd: makeProject(), env: envFor(fake) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`--timeout takes a whole number of seconds from 1 to 2147483 (about 24 days), not ${JSON.stringify(value.replace(/^=/, ''))}.\n`);
    expect(fake.requests).toEqual([]);
  });

  it.each(['2147483', '600', '2'])('build --timeout %s is honoured: a second of silence is no stall', async (value) => {
    const fake = await engine({ build: 'slow' });
    const result = await runRunner(['build', '--timeout', value], { cwd: makeProject(), env: envFor(fake) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Built my-project-cpu:latest/m);
  });

  it('outside a project, commands that need one say so (exit 2)', async () => {
    const result = await runRunner(['build'], { cwd: tempDir(), env: envFor(undefined) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No create-ml-project project here: no \.yo-rc\.json/);
  });

  it('finds the project root from a subfolder', async () => {
    const fake = await engine();
    const root = makeProject();
    const result = await runRunner(['build', '--gpu', 'off'], { cwd: `${root}/docker`, env: envFor(fake) });
    expect(result.code).toBe(0);
  });

  it('doctor --json reports each check against the fake engine', async () => {
    const fake = await engine({ runtimes: ['runc'] });
    const result = await runRunner(['doctor', '--json'], { cwd: makeProject({ jupyterPort: 18888, mlflowPort: 15000 }), env: envFor(fake) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string; fix?: string }> };
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName.engine).toMatchObject({ status: 'ok', detail: expect.stringMatching(/Docker 27\.5\.1 \(API 1\.47\) at unix:\/\//) });
    expect(byName.nvidia).toMatchObject({ status: 'warn', fix: expect.stringMatching(/nvidia-ctk runtime configure --runtime=docker/) });
    expect(byName.compose).toMatchObject({ status: 'ok', detail: 'docker compose 2.29.1' });
    expect(byName['port 18888']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/jupyter \(JUPYTER_HOST_PORT, from \.yo-rc\.json\)/) });
    expect(byName['port 15000']?.status).toBe('ok');
  });

  it('doctor shows the nvidia runtime, a busy port with the variable to change, and missing compose', async () => {
    const fake = await engine({ runtimes: ['runc', 'nvidia'] });
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const env = envFor(fake, { JUPYTER_HOST_PORT: String(port), MLFLOW_HOST_PORT: '15001', PATH: fakePath([]) });
    const result = await runRunner(['doctor'], { cwd: makeProject(), env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ok {4}nvidia .*nvidia runtime/m);
    expect(result.stdout).toMatch(new RegExp(`^warn  port ${port} .*in use \\(jupyter, JUPYTER_HOST_PORT\\)`, 'm'));
    expect(result.stdout).toMatch(/JUPYTER_HOST_PORT=9900 make create-container/);
    expect(result.stdout).toMatch(/^fail  compose .*Neither/m);
    expect(result.stdout).toMatch(/docker-compose-plugin/);
  });

  it('doctor against a missing daemon: exit 3, the socket named, the other checks still shown', async () => {
    const socket = `${tempDir()}/docker.sock`;
    const result = await runRunner(['doctor', '--json'], { cwd: makeProject(), env: envFor(undefined, { DOCKER_HOST: `unix://${socket}` }) });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'engine', status: 'fail', detail: expect.stringContaining(socket) });
    expect(report.checks.map((c) => c.name)).toContain('compose');
  });

  it.each([
    ['a missing socket', (dir: string) => `unix://${dir}/docker.sock`, /The Docker daemon is not running \(no engine at .*docker\.sock: ENOENT\)/],
    ['a closed tcp port', () => 'tcp://127.0.0.1:1', /The Docker engine at tcp:\/\/127\.0\.0\.1:1 is unreachable: the connection was refused/],
    ['an ssh host refusing', () => 'ssh://me@127.0.0.1:1', /^The Docker engine at ssh:\/\/me@127\.0\.0\.1:1 is unreachable: the connection was refused/],
  ])('build with %s: exit 3, no stack trace', async (_, host, message) => {
    const result = await runRunner(['build'], { cwd: makeProject(), env: envFor(undefined, { DOCKER_HOST: host(tempDir()) }) });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(message);
    noStack(result.stderr);
  });

  it('build fails on the error inside the stream: exit 1, the failing step and its log, nothing tagged', async () => {
    const fake = await engine({ build: 'error' });
    const result = await runRunner(['build'], { cwd: makeProject(), env: envFor(fake) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Build failed at step 3\/4: RUN pip install --no-cache-dir no-such-package$/m);
    expect(result.stderr).toMatch(/--- last lines of the step ---\n.*Could not find a version[^\n]*\n.*No matching distribution found for no-such-package\n---\n/);
    expect(result.stderr).toMatch(/returned a non-zero code: 1\nNothing was tagged\.\n$/);
    expect(fake.requests.filter((r) => /\/tag$/.test(r.path) || r.path.startsWith('/images/') && r.method === 'POST')).toEqual([]);
    expect(fake.options.images ?? []).toEqual([]);
    noStack(result.stderr);
  });

  it('build: CPU on an engine without NVIDIA, the project context honouring .dockerignore, host UID/GID and BASE_IMAGE', async () => {
    const fake = await engine({ runtimes: ['runc'] });
    const root = makeProject({ files: { '.dockerignore': 'data\n.git\n', 'data/raw/big.csv': '1,2,3', 'src/a.py': 'print(1)' } });
    const result = await runRunner(['build', '--base-image', 'python:3.12-slim'], { cwd: root, env: envFor(fake) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Image: CPU \(auto\): the engine has no nvidia runtime/m);
    expect(result.stdout).toMatch(/^Step 1\/4: ARG BASE_IMAGE=python:3\.12-slim$/m);
    expect(result.stdout).toMatch(/^Step 4\/4: WORKDIR \/workspace$/m);
    expect(result.stdout).toMatch(/^Built my-project-cpu:latest \(3c4d5e6f7a8b\)\. Next: make create-container$/m);
    expect(result.stdout).not.toMatch(/\x1b/);
    const build = fake.requests.find((r) => r.path === '/build')!;
    expect(build.query).toMatchObject({ t: 'my-project-cpu:latest', dockerfile: 'docker/Dockerfile.cpu' });
    expect(JSON.parse(build.query.buildargs!)).toEqual({ USER_UID: String(process.getuid!()), USER_GID: String(process.getgid!()), BASE_IMAGE: 'python:3.12-slim' });
    expect(build.contextFiles).toContain('src/a.py');
    expect(build.contextFiles!.some((f) => f.startsWith('data'))).toBe(false);
  });

  it('build --gpu auto picks the GPU image when the engine has the nvidia runtime, and says why', async () => {
    const fake = await engine({ runtimes: ['runc', 'nvidia'] });
    const result = await runRunner(['build'], { cwd: makeProject(), env: envFor(fake) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Image: GPU \(auto\): the engine has the nvidia runtime and the project has a GPU image$/m);
    expect(fake.requests.find((r) => r.path === '/build')!.query).toMatchObject({ t: 'my-project-gpu:latest', dockerfile: 'docker/Dockerfile.gpu' });
  });

  it.each([
    ['CPU, from .env', { '.env': 'CPU_BASE_IMAGE=mirror.example/python:3.12-slim\n' }, {}, ['runc'], { BASE_IMAGE: 'mirror.example/python:3.12-slim' }],
    ['CPU, the shell over .env', { '.env': 'CPU_BASE_IMAGE=from-dotenv/python\n' }, { CPU_BASE_IMAGE: 'from-shell/python' }, ['runc'], { BASE_IMAGE: 'from-shell/python' }],
    ['GPU, from .env', { '.env': 'GPU_BASE_IMAGE=mirror.example/cuda\nPYTHON_IMAGE=mirror.example/python\nCPU_BASE_IMAGE=unused\n' }, {}, ['runc', 'nvidia'], { BASE_IMAGE: 'mirror.example/cuda', PYTHON_IMAGE: 'mirror.example/python' }],
    ['none set', {}, {}, ['runc'], {}],
  ] as const)('build takes base images from a mirror the way compose does (%s)', async (_, files, env, runtimes, expected) => {
    const fake = await engine({ runtimes: [...runtimes] });
    const result = await runRunner(['build'], { cwd: makeProject({ files: { ...files } }), env: { ...envFor(fake), ...env } });
    expect(result.code, result.stderr).toBe(0);
    const build = fake.requests.find((r) => r.path === '/build')!;
    expect(JSON.parse(build.query.buildargs!)).toEqual({ USER_UID: String(process.getuid!()), USER_GID: String(process.getgid!()), ...expected });
  });

  it('build on the GPU Dockerfile: --base-image is the CUDA image, --python-image the Python image, both build arguments', async () => {
    const fake = await engine({ runtimes: ['runc', 'nvidia'] });
    const args = ['build', '--gpu', 'on', '--base-image', 'mirror.example/nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04', '--python-image=mirror.example/python:3.12-slim'];
    const result = await runRunner(args, { cwd: makeProject(), env: envFor(fake) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const build = fake.requests.find((r) => r.path === '/build')!;
    expect(build.query).toMatchObject({ t: 'my-project-gpu:latest', dockerfile: 'docker/Dockerfile.gpu' });
    expect(JSON.parse(build.query.buildargs!)).toEqual({
      USER_UID: String(process.getuid!()),
      USER_GID: String(process.getgid!()),
      BASE_IMAGE: 'mirror.example/nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04',
      PYTHON_IMAGE: 'mirror.example/python:3.12-slim',
    });
  });

  it.each([
    ['--gpu off', ['--gpu', 'off'], 'auto'],
    ['auto without NVIDIA', [], 'auto'],
    ['a CPU-only project', [], 'cpu'],
  ] as const)('build --python-image on the CPU image (%s) is a usage error and builds nothing', async (_, flags, compute) => {
    const fake = await engine({ runtimes: ['runc'] });
    const result = await runRunner(['build', ...flags, '--python-image', 'python:3.12-slim'], { cwd: makeProject({ compute }), env: envFor(fake) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--python-image applies to the GPU image \(docker\/Dockerfile\.gpu\) only; this build is CPU/);
    expect(fake.requests.some((r) => r.path === '/build')).toBe(false);
    noStack(result.stderr);
  });

  it('build --gpu on without NVIDIA fails before building, with the install hint', async () => {
    const fake = await engine({ runtimes: ['runc'] });
    const result = await runRunner(['build', '--gpu', 'on'], { cwd: makeProject(), env: envFor(fake) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--gpu on, but the engine has no nvidia runtime[\s\S]*nvidia-container-toolkit[\s\S]*sudo nvidia-ctk runtime configure --runtime=docker\n {2}sudo systemctl restart docker/);
    expect(fake.requests.some((r) => r.path === '/build')).toBe(false);
  });

  it('maps the engine\'s "could not select device driver" to the same hint', async () => {
    const fake = await engine({ runtimes: ['runc', 'nvidia'], build: 'gpu-driver' });
    const result = await runRunner(['build'], { cwd: makeProject(), env: envFor(fake) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/could not select device driver[\s\S]*nvidia-ctk runtime configure/);
  });

  it('a stalled build times out: exit 1, a message, the request closed, nothing tagged', async () => {
    const fake = await engine({ build: 'stall' });
    const result = await runRunner(['build', '--timeout', '1'], { cwd: makeProject(), env: envFor(fake) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The build stalled at step 2\/4 \(FROM \$\{BASE_IMAGE\}\): no output for 1s[\s\S]*--timeout SECONDS/);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.buildAborted).toBe(true);
    expect(fake.options.images ?? []).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s during a build: exit 130, the build request aborted, nothing tagged', async (signal) => {
    const fake = await engine({ build: 'stall' });
    let sent = false;
    const result = await runRunner(['build'], {
      cwd: makeProject(),
      env: envFor(fake),
      onStdout: (text, kill) => {
        if (!sent && text.includes('Step 2/4')) {
          sent = true;
          kill(signal);
        }
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/Interrupted: the build was cancelled; no image was tagged/);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.buildAborted).toBe(true);
    expect(fake.options.images ?? []).toEqual([]);
  });
});
