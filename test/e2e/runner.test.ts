/**
 * `ml-project` on a real Docker engine: doctor, build through the Engine API,
 * up/status/down through the real compose tool, and the make targets that
 * call it, on a copy of a generated project whose compose file runs on host
 * networking (see runner-project.ts).
 *
 * Runs only when CMP_DOCKER_HOST names an engine that answers (see
 * .ci/dockerd); CMP_E2E_REQUIRED=1 turns the skip into a failure. As root, the
 * runner and make run as UID/GID 4321 through a socket relay (as-user.ts).
 * With host networking the services listen on 127.0.0.1:8888 and :5000,
 * which must be free. test/fixtures/base-image/README.md says what the
 * stand-in base image and the stand-in nvidia runtime prove and what not.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject, repoRoot, tempDir } from '../helpers/generate.js';
import { runAs, startRelay, testUser, type Relay, type User } from './as-user.js';
import { baseImageScript, engineEnv, exec, probeEngine, tail, waitForHttp, type Exec } from './engine.js';
import { copyProject, type ProjectCopy } from './runner-project.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e runner] skipped: ${engine.skip}`);
const hasNvidia = engine.runtimes.includes('nvidia');

const required = process.env.CMP_E2E_REQUIRED === '1';
describe.runIf(required)('CMP_E2E_REQUIRED=1 (runner)', () => {
  it('has an engine for the runner tests', () => {
    expect(engine.skip, engine.skip ?? '').toBeNull();
  });
});

const env = engineEnv(engine.host);
const docker = (args: readonly string[], timeoutMs = 120_000) => exec('docker', args, { env, timeoutMs });
const runnerBin = join(repoRoot, 'bin', 'ml-project.cjs');
const dockerdScript = join(repoRoot, '.ci', 'dockerd');
const user = testUser();
const root: User = { uid: 0, gid: 0, switch: false };

const JUPYTER_PORT = 8888;
const MLFLOW_PORT = 5000;

let work = '';
let home = '';
let pristine = '';
let baseImage = '';
let relay: Relay | undefined;
let main: ProjectCopy | undefined;
const copies: ProjectCopy[] = [];
const images = new Set<string>();
let plainEngineDir = '';

/** The runner's environment: the relay as DOCKER_HOST, the user's HOME, the ports the services listen on with host networking. */
function runnerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...engineEnv(relay?.host ?? engine.host),
    HOME: home,
    JUPYTER_HOST_PORT: String(JUPYTER_PORT),
    MLFLOW_HOST_PORT: String(MLFLOW_PORT),
    ML_PROJECT_IMAGE: undefined,
    JUPYTER_TOKEN: undefined,
    USER_UID: undefined,
    USER_GID: undefined,
    ML_PROJECT: undefined,
    CPU_BASE_IMAGE: undefined,
    GPU_BASE_IMAGE: undefined,
    PYTHON_IMAGE: undefined,
    GPU: undefined,
    MAKEFLAGS: undefined,
    MFLAGS: undefined,
    ...extra,
  };
}

function mlProject(
  dir: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; as?: User; interruptWhen?: (stdout: string) => boolean; interruptWith?: { signal: NodeJS.Signals; group: boolean } } = {},
): Promise<Exec> {
  return runAs(process.execPath, [runnerBin, ...args], {
    cwd: dir,
    env: options.env ?? runnerEnv(),
    user: options.as ?? user,
    timeoutMs: options.timeoutMs ?? 120_000,
    interruptWhen: options.interruptWhen,
    interruptWith: options.interruptWith,
  });
}

interface Container {
  id: string;
  service: string;
  image: string;
  state: string;
}

/** The containers compose made for the project in `dir`, as the engine lists them. */
async function containersOf(dir: string): Promise<Container[]> {
  const ps = await docker(['ps', '-a', '--no-trunc', '--filter', `label=com.docker.compose.project.working_dir=${dir}`, '--format', '{{.ID}}\t{{.Label "com.docker.compose.service"}}\t{{.Image}}\t{{.State}}']);
  expect(ps.code, tail(ps)).toBe(0);
  return ps.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, service, image, state] = l.split('\t');
      return { id: id!, service: service!, image: image!, state: state! };
    })
    .sort((a, b) => a.service.localeCompare(b.service));
}

async function imageId(image: string): Promise<string | undefined> {
  const inspect = await docker(['image', 'inspect', image, '--format', '{{.Id}}']);
  return inspect.code === 0 ? inspect.stdout.trim() : undefined;
}

/** `docker history` oldest first: the layer's ID (`<missing>` for imported ones) and the instruction that made it. */
async function history(image: string): Promise<{ id: string; createdBy: string }[]> {
  const h = await docker(['history', '--no-trunc', '--format', '{{.ID}}\t{{.CreatedBy}}', image]);
  expect(h.code, tail(h)).toBe(0);
  return h.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, createdBy] = l.split('\t');
      return { id: id!, createdBy: createdBy ?? '' };
    })
    .reverse();
}

/** The `Step n/m: INSTRUCTION` lines the runner printed, in order. */
function stepLines(stdout: string): { index: number; total: number; instruction: string }[] {
  return [...stdout.matchAll(/^Step (\d+)\/(\d+): (.*)$/gm)].map((m) => ({ index: Number(m[1]), total: Number(m[2]), instruction: m[3]! }));
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Waits (another suite may hold them for a while) until the ports the stack listens on are free. */
async function waitPortsFree(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const taken: number[] = [];
    for (const p of ports) if (await portTaken(p)) taken.push(p);
    if (!taken.length) return;
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${taken.join(', ')} still in use after ${timeoutMs} ms; the stack listens there with host networking`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Removes whatever compose made for the copy, whatever state the runner left it in. */
async function removeContainers(dir: string): Promise<void> {
  const left = await containersOf(dir).catch(() => []);
  if (left.length) await docker(['rm', '--force', '--volumes', ...left.map((c) => c.id)]);
}

/** Waits until no container on the engine runs a command containing `marker`; the engine cancels an abandoned build step on its own time. */
async function waitNoContainerWith(marker: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ps = await docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Status}} {{.Command}}']);
    const left = ps.stdout.split('\n').filter((l) => l.includes(marker));
    if (!left.length || Date.now() > deadline) return left.join('\n');
    await new Promise((r) => setTimeout(r, 500));
  }
}

function readDotenv(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(dir, '.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return out;
}

describe.skipIf(engine.skip)(`ml-project on a real Docker engine${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
  beforeAll(async () => {
    work = tempDir('cmp-runner-e2e-');
    chmodSync(work, 0o755);
    home = join(work, 'home');
    mkdirSync(home);
    if (user.switch) execFileSync('chown', [`${user.uid}:${user.gid}`, home]);

    const generated = await generateProject({ projectName: 'runner-lab', packageName: 'runner_lab', compute: 'auto' });
    expect(generated.code, generated.stderr).toBe(0);
    pristine = generated.dir;

    if (user.switch) {
      if (!engine.host.startsWith('unix://')) throw new Error(`running as root needs a unix:// CMP_DOCKER_HOST to relay, not ${engine.host}`);
      const relayDir = join(work, 'relay');
      mkdirSync(relayDir);
      execFileSync('chown', [`${user.uid}:${user.gid}`, relayDir]);
      relay = await startRelay(engine.host.slice('unix://'.length), relayDir, user);
    }

    main = copyProject(pristine, join(work, 'main'), 'runner-lab', user, env);
    copies.push(main);
    expect(main.listens).toEqual({ jupyter: JUPYTER_PORT, mlflow: MLFLOW_PORT });

    const base = await exec(baseImageScript, ['-r', join(pristine, 'requirements.txt'), '-r', join(pristine, 'requirements-dev.txt')], { env, timeoutMs: 900_000 });
    expect(base.code, tail(base)).toBe(0);
    baseImage = base.stdout.trim().split('\n').at(-1)!;
  }, 1_200_000);

  afterAll(async () => {
    for (const copy of copies) {
      if (existsSync(join(copy.dir, '.env'))) {
        await exec('docker-compose', ['-f', 'docker-compose.yml', 'down', '--remove-orphans', '--timeout', '2'], { cwd: copy.dir, env, timeoutMs: 120_000 }).catch(() => undefined);
      }
      await removeContainers(copy.dir);
    }
    if (images.size) await docker(['rmi', '--force', ...images]);
    await docker(['image', 'prune', '--force']);
    await relay?.close();
    if (plainEngineDir) await exec(dockerdScript, ['stop', '--purge'], { env: { ...process.env, CMP_DOCKERD_DIR: plainEngineDir }, timeoutMs: 60_000 });
    if (work) rmSync(work, { recursive: true, force: true });
    if (pristine) rmSync(join(pristine, '..'), { recursive: true, force: true });
  }, 300_000);

  it(`doctor --json: the engine and its version, docker-compose, ${hasNvidia ? 'the nvidia runtime detected (a stand-in: this checks detection, not a GPU)' : 'no nvidia runtime, with the toolkit hint'}`, async () => {
    const doctor = await mlProject(main!.dir, ['doctor', '--json']);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; exitCode: number; project: string; checks: { name: string; status: string; detail: string; fix?: string }[] };
    expect({ code: doctor.code, ok: report.ok, exitCode: report.exitCode }, tail(doctor)).toEqual({ code: 0, ok: true, exitCode: 0 });
    expect(report.project).toBe(main!.dir);
    const check = (name: string) => report.checks.find((c) => c.name === name);

    const server = (await docker(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}'])).stdout.trim().split(' ');
    expect(check('engine')).toMatchObject({ status: 'ok', detail: `Docker ${server[0]} (API ${server[1]}) at ${relay?.host ?? engine.host}` });

    const composeVersion = (await exec('docker-compose', ['version', '--short'], { env })).stdout.trim();
    expect(composeVersion).toMatch(/^1\.(29|[3-9]\d)\./);
    expect(check('compose')).toEqual({ name: 'compose', status: 'ok', detail: `docker-compose ${composeVersion}` });

    if (hasNvidia) expect(check('nvidia')).toMatchObject({ status: 'ok', detail: 'GPU containers supported: the engine has the nvidia runtime' });
    else expect(check('nvidia')).toMatchObject({ status: 'warn', fix: expect.stringContaining('nvidia-container-toolkit') });

    // The ports the stack needs, from the environment as the runner is given them here.
    for (const [port, variable] of [[JUPYTER_PORT, 'JUPYTER_HOST_PORT'], [MLFLOW_PORT, 'MLFLOW_HOST_PORT']] as const) {
      expect(check(`port ${port}`)?.detail).toContain(`${variable}, from environment`);
    }
  });

  it.skipIf(!user.switch || !engine.host.startsWith('unix://'))('the engine\'s socket without permission (the user, no relay): exit 3 naming the socket, the docker group hint, no stack trace', async () => {
    const socket = engine.host.slice('unix://'.length);
    const denied = await mlProject(main!.dir, ['status'], { env: runnerEnv({ DOCKER_HOST: engine.host }) });
    expect(denied.code, tail(denied)).toBe(3);
    expect(denied.stderr).toContain(`Permission denied on the Docker socket ${socket}`);
    expect(denied.stderr).toContain('docker group');
    expect(denied.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('no engine behind DOCKER_HOST: exit 3 naming it, before anything is built', async () => {
    const missing = join(work, 'no-engine.sock');
    const build = await mlProject(main!.dir, ['build', '--gpu', 'off', '--base-image', baseImage], { env: runnerEnv({ DOCKER_HOST: `unix://${missing}` }) });
    expect(build.code, tail(build)).toBe(3);
    expect(build.stderr).toContain(missing);
    expect(build.stdout).not.toContain('Building');
    expect(build.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('no engine behind DOCKER_HOST: stop, down, logs, shell and exec exit 3 with the doctor\'s message, never docker-compose\'s traceback', async () => {
    const missing = `unix://${join(work, 'no-engine.sock')}`;
    const doctor = await mlProject(main!.dir, ['doctor', '--json'], { env: runnerEnv({ DOCKER_HOST: missing }) });
    const check = (JSON.parse(doctor.stdout) as { checks: { name: string; detail: string; fix?: string }[] }).checks.find((c) => c.name === 'engine')!;
    for (const args of [['stop'], ['down'], ['logs', '-f'], ['shell'], ['exec', '--', 'make', 'test']]) {
      const result = await mlProject(main!.dir, args, { env: runnerEnv({ DOCKER_HOST: missing }) });
      expect(result.code, tail(result)).toBe(3);
      expect(result.stderr).toBe(`${check.detail}\n${check.fix}\n`);
      expect(result.stderr + result.stdout).not.toMatch(/Traceback|docker\.errors|DockerException/);
    }
  });

  it('build --gpu off --base-image: docker/Dockerfile.cpu through the Engine API, step n/m lines, tagged <project>-cpu:latest, runs as the host UID/GID', async () => {
    const tag = 'runner-lab-cpu:latest';
    images.add(tag);
    const build = await mlProject(main!.dir, ['build', '--gpu', 'off', '--base-image', baseImage], { timeoutMs: 600_000 });
    expect(build.code, tail(build, 60)).toBe(0);
    expect(build.stdout).toContain(`Building ${tag} from docker/Dockerfile.cpu`);
    expect(build.stdout).toMatch(new RegExp(`^Built ${tag.replace(/[.]/g, '\\.')} \\([0-9a-f]{12}\\)`, 'm'));
    // No terminal: plain lines, no carriage returns or escape codes.
    expect(build.stdout).not.toMatch(/[\r\x1b]/);

    // Step n/m is the classic builder's numbering; every step shown once, in order.
    const steps = stepLines(build.stdout);
    const total = steps[0]?.total ?? 0;
    expect(total, build.stdout).toBeGreaterThan(5);
    expect(steps.map((s) => `${s.index}/${s.total}`)).toEqual(Array.from({ length: total }, (_, i) => `${i + 1}/${total}`));
    expect(steps[0]!.instruction).toMatch(/^ARG BASE_IMAGE=/);
    expect(steps.some((s) => /^COPY --chown=\S+ \. \/workspace/.test(s.instruction))).toBe(true);

    // Built on the image given as --base-image: its layers come first.
    const layers = async (image: string) => JSON.parse((await docker(['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'])).stdout) as string[];
    const baseLayers = await layers(baseImage);
    expect((await layers(tag)).slice(0, baseLayers.length)).toEqual(baseLayers);

    const id = await docker(['run', '--rm', '--network', 'none', tag, 'sh', '-c', 'id -u; id -g']);
    expect(id.code, tail(id)).toBe(0);
    expect(id.stdout.trim().split('\n').map(Number)).toEqual([user.uid, user.gid]);
  }, 600_000);

  it('a second build after a source-only change reuses every layer before the source copy', async () => {
    const tag = 'runner-lab-cpu:latest';
    const firstId = await imageId(tag);
    expect(firstId, 'the first build left no image').toBeDefined();
    const before = await history(firstId!);
    writeFileSync(join(main!.dir, 'runner_lab', 'etl.py'), `${readFileSync(join(main!.dir, 'runner_lab', 'etl.py'), 'utf8')}\n# a source-only change\n`);

    const rebuild = await mlProject(main!.dir, ['build', '--gpu', 'off', '--base-image', baseImage], { timeoutMs: 600_000 });
    expect(rebuild.code, tail(rebuild, 60)).toBe(0);
    const secondId = await imageId(tag);
    expect(secondId).not.toBe(firstId);
    const after = await history(secondId!);

    // The same instructions; the source copy's content digest is the one expected difference.
    const instructions = (layers: typeof before) => layers.map((l) => l.createdBy.replace(/(COPY (?:--chown=\d+:\d+ ?)?)dir:[0-9a-f]+ in \/workspace/, '$1dir:<digest> in /workspace'));
    expect(instructions(after)).toEqual(instructions(before));
    const source = after.findIndex((l) => /COPY (--chown=\d+:\d+ ?)?dir:\S+ in \/workspace\s*$/.test(l.createdBy));
    const dependencies = after.findLastIndex((l) => /pip install/.test(l.createdBy));
    const from = after.findIndex((l) => l.id !== '<missing>');
    expect(source, 'no layer copies the source').toBeGreaterThan(0);
    expect(dependencies, 'the requirements are not installed before the source is copied').toBeGreaterThan(from);
    expect(dependencies).toBeLessThan(source);
    for (let i = 0; i < source; i++) expect(after[i]!.id, `layer ${i} "${after[i]!.createdBy}" was rebuilt`).toBe(before[i]!.id);
    expect(after[source]!.id, 'the source layer did not change').not.toBe(before[source]!.id);
  }, 600_000);

  it('a Dockerfile with RUN false: exit 1, the failing step and the end of its log, nothing tagged, no container left', async () => {
    const broken = copyProject(pristine, join(work, 'broken'), 'runner-broken', user, env);
    copies.push(broken);
    const tag = 'runner-broken-cpu:latest';
    images.add(tag);
    const dockerfile = join(broken.dir, 'docker', 'Dockerfile.cpu');
    writeFileSync(dockerfile, `${readFileSync(dockerfile, 'utf8')}\nRUN echo "cmp-e2e: the last words of a failing step"; false\n`);
    if (user.switch) execFileSync('chown', [`${user.uid}:${user.gid}`, dockerfile]);

    const build = await mlProject(broken.dir, ['build', '--gpu', 'off', '--base-image', baseImage], { timeoutMs: 600_000 });
    expect(build.code, tail(build, 60)).toBe(1);
    const steps = stepLines(build.stdout);
    const last = steps.at(-1)!;
    expect(last.index).toBe(last.total);
    expect(last.instruction).toBe('RUN echo "cmp-e2e: the last words of a failing step"; false');
    expect(build.stderr).toContain(`Build failed at step ${last.total}/${last.total}: RUN echo "cmp-e2e: the last words of a failing step"; false`);
    expect(build.stderr).toMatch(/^ {2}cmp-e2e: the last words of a failing step$/m);
    expect(build.stderr).toMatch(/returned a non-zero code: 1/);
    expect(build.stderr).toContain('Nothing was tagged.');
    expect(build.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(build.stdout).not.toMatch(/^Built /m);

    expect(await imageId(tag)).toBeUndefined();
    const left = await docker(['ps', '-a', '--no-trunc', '--format', '{{.Command}}']);
    expect(left.stdout).not.toContain('cmp-e2e: the last words');
  }, 600_000);

  describe('a build that stalls or is interrupted', () => {
    let slow: ProjectCopy | undefined;
    const instruction = 'RUN echo "cmp-e2e: a slow step"; sleep 60';

    beforeAll(() => {
      slow = copyProject(pristine, join(work, 'slow'), 'runner-slow', user, env);
      copies.push(slow);
      images.add('runner-slow-cpu:latest');
      const dockerfile = join(slow.dir, 'docker', 'Dockerfile.cpu');
      writeFileSync(dockerfile, `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\n${instruction}\n`);
      if (user.switch) execFileSync('chown', [`${user.uid}:${user.gid}`, dockerfile]);
    });

    it('silent for --timeout: exit 1 naming the step and the limit, nothing tagged, the step\'s container gone', async () => {
      const build = await mlProject(slow!.dir, ['build', '--gpu', 'off', '--base-image', baseImage, '--timeout', '3'], { timeoutMs: 60_000 });
      expect(build.code, tail(build)).toBe(1);
      expect(build.stderr).toContain(`The build stalled at step 3/3 (${instruction}): no output for 3s`);
      expect(build.stderr).toContain('--timeout SECONDS');
      expect(await imageId('runner-slow-cpu:latest')).toBeUndefined();
      expect(await waitNoContainerWith('cmp-e2e: a slow step', 20_000), 'the stalled step still has a container').toBe('');
    }, 60_000);

    it('Ctrl-C during the build: exit 130, nothing tagged, the step\'s container gone', async () => {
      const build = await mlProject(slow!.dir, ['build', '--gpu', 'off', '--base-image', baseImage], {
        timeoutMs: 60_000,
        interruptWhen: (stdout) => stdout.includes('cmp-e2e: a slow step\n'),
      });
      expect(build.code, tail(build)).toBe(130);
      expect(build.stderr).toContain('no image was tagged');
      expect(await imageId('runner-slow-cpu:latest')).toBeUndefined();
      expect(await waitNoContainerWith('cmp-e2e: a slow step', 20_000), 'the interrupted step still has a container').toBe('');
    }, 60_000);
  });

  describe('up, status and down on host networking', () => {
    const links = () => {
      const token = readDotenv(main!.dir).JUPYTER_TOKEN!;
      return { token, jupyter: `http://127.0.0.1:${JUPYTER_PORT}/lab?token=${token}`, mlflow: `http://127.0.0.1:${MLFLOW_PORT}` };
    };
    let firstIds: string[] = [];

    beforeAll(async () => {
      await waitPortsFree([JUPYTER_PORT, MLFLOW_PORT], 180_000);
    }, 200_000);

    it('up writes .env, starts bash-executor, jupyter and mlflow, waits until they answer and prints both URLs with the token', async () => {
      expect(await imageId('runner-lab-cpu:latest'), 'the build test made no image').toBeDefined();
      expect(existsSync(join(main!.dir, '.env'))).toBe(false);
      const up = await mlProject(main!.dir, ['up'], { timeoutMs: 300_000 });
      expect(up.code, tail(up, 60)).toBe(0);

      expect(up.stdout).toContain(`Wrote .env with a new random JUPYTER_TOKEN and your UID/GID (${user.uid}:${user.gid})`);
      const dotenv = readDotenv(main!.dir);
      expect(dotenv.JUPYTER_TOKEN).toMatch(/^[0-9a-f]{48}$/);
      expect({ uid: dotenv.USER_UID, gid: dotenv.USER_GID }).toEqual({ uid: String(user.uid), gid: String(user.gid) });
      expect(statSync(join(main!.dir, '.env')).mode & 0o777).toBe(0o600);

      // auto on this engine: the GPU image is not built, so the CPU image the build test made runs.
      expect(up.stdout).toContain('Image: runner-lab-cpu:latest');
      const { jupyter, mlflow } = links();
      expect(up.stdout).toContain(`Jupyter: ${jupyter}\n`);
      expect(up.stdout).toContain(`MLflow:  ${mlflow}\n`);

      const containers = await containersOf(main!.dir);
      expect(containers.map((c) => [c.service, c.image, c.state])).toEqual([
        ['bash-executor', 'runner-lab-cpu:latest', 'running'],
        ['jupyter', 'runner-lab-cpu:latest', 'running'],
        ['mlflow', 'runner-lab-cpu:latest', 'running'],
      ]);
      firstIds = containers.map((c) => c.id);

      // The URLs printed answer, and the token reached Jupyter.
      const jupyterReply = JSON.parse(await waitForHttp(jupyter, 10_000)) as Record<string, unknown>;
      expect(jupyterReply).toMatchObject({ standin: 'jupyter', port: JUPYTER_PORT, token_set: true });
      const mlflowReply = JSON.parse(await waitForHttp(mlflow, 10_000)) as Record<string, unknown>;
      expect(mlflowReply).toMatchObject({ standin: 'mlflow', port: MLFLOW_PORT });

      const whoami = await docker(['exec', containers[0]!.id, 'id', '-u']);
      expect(Number(whoami.stdout.trim()), tail(whoami)).toBe(user.uid);
    }, 300_000);

    it('a second up says what already runs and prints the URLs again, restarting nothing', async () => {
      const up = await mlProject(main!.dir, ['up'], { timeoutMs: 120_000 });
      expect(up.code, tail(up)).toBe(0);
      expect(up.stdout).toContain('Already running: bash-executor, jupyter, mlflow (runner-lab-cpu:latest).');
      const { jupyter, mlflow } = links();
      expect(up.stdout).toContain(`Jupyter: ${jupyter}\n`);
      expect(up.stdout).toContain(`MLflow:  ${mlflow}\n`);
      expect(up.stdout).not.toContain('Starting the stack');
      expect((await containersOf(main!.dir)).map((c) => c.id)).toEqual(firstIds);
    }, 120_000);

    it('status --json lists the three services running, with the URLs', async () => {
      const status = await mlProject(main!.dir, ['status', '--json']);
      expect(status.code, tail(status)).toBe(0);
      const report = JSON.parse(status.stdout) as { project: string; services: { service: string; state: string; running: boolean; image: string; url: string | null }[] };
      expect(report.project).toBe('runner-lab');
      const { jupyter, mlflow } = links();
      expect(report.services.map((s) => [s.service, s.state, s.running, s.image, s.url])).toEqual([
        ['bash-executor', 'running', true, 'runner-lab-cpu:latest', null],
        ['jupyter', 'running', true, 'runner-lab-cpu:latest', jupyter],
        ['mlflow', 'running', true, 'runner-lab-cpu:latest', mlflow],
      ]);
    });

    it('logs jupyter shows that service\'s output; stop keeps the containers; start runs them again and prints the URLs', async () => {
      const logs = await mlProject(main!.dir, ['logs', 'jupyter']);
      expect(logs.code, tail(logs)).toBe(0);
      expect(logs.stdout).toMatch(/jupyter stand-in \S+ listening on http:\/\/127\.0\.0\.1:8888/);
      expect(logs.stdout).not.toContain('mlflow stand-in');

      const stop = await mlProject(main!.dir, ['stop'], { timeoutMs: 120_000 });
      expect(stop.code, tail(stop)).toBe(0);
      const stopped = await containersOf(main!.dir);
      expect(stopped.map((c) => [c.id, c.state])).toEqual(firstIds.map((id) => [id, 'exited']));
      expect(await portTaken(JUPYTER_PORT)).toBe(false);

      const start = await mlProject(main!.dir, ['start'], { timeoutMs: 180_000 });
      expect(start.code, tail(start, 60)).toBe(0);
      const { jupyter, mlflow } = links();
      expect(start.stdout).toContain(`Jupyter: ${jupyter}\n`);
      expect(start.stdout).toContain(`MLflow:  ${mlflow}\n`);
      expect((await containersOf(main!.dir)).map((c) => [c.id, c.state])).toEqual(firstIds.map((id) => [id, 'running']));
      expect(JSON.parse(await waitForHttp(jupyter, 10_000))).toMatchObject({ standin: 'jupyter', token_set: true });
    }, 300_000);

    it('exec runs a command in a running service as the user, every argument as given, and exits with its code; shell runs bash', async () => {
      const python = await mlProject(main!.dir, ['exec', '--', 'python3', '-c', 'import os, sys; print(os.getuid(), os.getcwd(), sys.argv[1:]); sys.exit(7)', 'a b', '$HOME', '--flag', '']);
      expect(python.code, tail(python)).toBe(7);
      expect(python.stdout).toContain(`${user.uid} /workspace ['a b', '$HOME', '--flag', '']`);
      // The services differ in their environment: only jupyter has the token.
      const token = ['sh', '-c', 'test -n "$JUPYTER_TOKEN"'];
      expect((await mlProject(main!.dir, ['exec', '--service', 'jupyter', '--', ...token])).code).toBe(0);
      expect((await mlProject(main!.dir, ['exec', ...token])).code).toBe(1);
      expect((await mlProject(main!.dir, ['exec', '--service', 'mlflow', 'sh', '-c', 'exit 42'])).code).toBe(42);
      const notFound = await mlProject(main!.dir, ['exec', '--', 'sh', '-c', 'no-such-command-cmp']);
      expect(notFound.code, tail(notFound)).toBe(127);
      // No such program at all: the engine's own code for it (126 here), and its reason shown.
      const missing = await mlProject(main!.dir, ['exec', '--', 'no-such-command-cmp']);
      expect([126, 127], tail(missing)).toContain(missing.code);
      expect(missing.stdout + missing.stderr).toContain('no-such-command-cmp');
      // No terminal here: bash reads its commands from stdin, which is empty.
      const shell = await mlProject(main!.dir, ['shell']);
      expect(shell.code, tail(shell)).toBe(0);
    }, 120_000);

    it.each([
      ['SIGTERM', false],
      ['SIGINT', true],
      ['SIGHUP', false],
    ] as const)('exec: %s (to the whole group: %s) reaches the command in the container, which cleans up; ml-project exits 130', async (signal, group) => {
      const mark = join(main!.dir, '.cmp-e2e-signal');
      rmSync(mark, { force: true });
      const traps = ['INT', 'TERM', 'HUP'].map((s) => `trap "echo ${s} > .cmp-e2e-signal; exit 9" ${s}`).join('; ');
      const run = await mlProject(main!.dir, ['exec', '--', 'sh', '-c', `${traps}; echo cmp-e2e-ready; while :; do sleep 0.2; done`], {
        timeoutMs: 60_000,
        interruptWhen: (stdout) => stdout.includes('cmp-e2e-ready'),
        interruptWith: { signal, group },
      });
      expect(run.code, tail(run)).toBe(130);
      expect(run.stderr).toContain(`Interrupted: ${signal} was passed to sh in bash-executor.`);
      expect(readFileSync(mark, 'utf8')).toBe(`${signal.slice(3)}\n`);
      rmSync(mark);
      const bash = (await containersOf(main!.dir)).find((c) => c.service === 'bash-executor')!;
      const left = await docker(['exec', bash.id, 'ps', '-eo', 'args']);
      expect(left.stdout).not.toContain('cmp-e2e-ready');
    }, 90_000);

    it('down removes the three containers (none left on the engine)', async () => {
      const down = await mlProject(main!.dir, ['down'], { timeoutMs: 120_000 });
      expect(down.code, tail(down)).toBe(0);
      expect(await containersOf(main!.dir)).toEqual([]);
      const status = await mlProject(main!.dir, ['status', '--json']);
      expect((JSON.parse(status.stdout) as { services: { state: string }[] }).services.map((s) => s.state)).toEqual(['not created', 'not created', 'not created']);
      expect(await portTaken(JUPYTER_PORT)).toBe(false);
      expect(await portTaken(MLFLOW_PORT)).toBe(false);
    }, 120_000);

    it('with nothing running, shell, exec, stop and logs say so and what to run (exit 1), instead of compose\'s silence or "Attaching to"', async () => {
      for (const args of [['shell'], ['exec', '--', 'pytest'], ['stop'], ['logs'], ['logs', 'jupyter']]) {
        const result = await mlProject(main!.dir, args);
        expect(result.code, tail(result)).toBe(1);
        expect(result.stderr).toBe('Nothing is running: the stack has no containers. Start it with: make create-container\n');
        expect(result.stdout).toBe('');
      }
    }, 120_000);

    it('a port already in use: up fails naming the port and JUPYTER_HOST_PORT, and leaves no container', async () => {
      const squatter: Server = createServer();
      await new Promise<void>((resolve, reject) => {
        squatter.once('error', reject);
        squatter.listen(JUPYTER_PORT, '127.0.0.1', () => resolve());
      });
      try {
        const up = await mlProject(main!.dir, ['up'], { timeoutMs: 120_000 });
        expect(up.code, tail(up)).toBe(1);
        expect(up.stderr).toContain(`Port ${JUPYTER_PORT} (jupyter, JUPYTER_HOST_PORT) is already in use`);
        expect(up.stderr).toMatch(/JUPYTER_HOST_PORT=\d+ make create-container/);
        expect(await containersOf(main!.dir)).toEqual([]);
      } finally {
        await new Promise((r) => squatter.close(r));
      }
    }, 120_000);
  });

  describe('up that fails on host networking', () => {
    beforeAll(async () => {
      await waitPortsFree([JUPYTER_PORT, MLFLOW_PORT], 180_000);
    }, 200_000);

    it('a container that exits at once (.env with an empty JUPYTER_TOKEN): exit 1, its exit code and last log lines, nothing left', async () => {
      const file = join(main!.dir, '.env');
      const kept = readFileSync(file, 'utf8');
      writeFileSync(file, kept.replace(/^JUPYTER_TOKEN=.*$/m, 'JUPYTER_TOKEN='));
      try {
        const up = await mlProject(main!.dir, ['up'], { timeoutMs: 180_000 });
        expect(up.code, tail(up, 60)).toBe(1);
        expect(up.stderr).toMatch(/The jupyter container \(\S+\) exited with code 1 right after starting/);
        // The evidence, read before the containers went.
        expect(up.stderr).toMatch(/^--- jupyter \(\S+, exited with code 1\): its last log lines ---\n(.*\n)*.*JUPYTER_TOKEN is empty: Jupyter does not start without a token\./m);
        expect(up.stderr).toContain('Cleaned up: the containers this run created were removed. To keep the containers for inspection: ml-project up --keep');
        expect(up.stderr).not.toContain('ml-project logs');
        expect(await containersOf(main!.dir)).toEqual([]);
      } finally {
        writeFileSync(file, kept);
      }
    }, 180_000);

    it('up --keep with a container that exits at once: the containers stay, logs then shows why, down removes them', async () => {
      const file = join(main!.dir, '.env');
      const kept = readFileSync(file, 'utf8');
      writeFileSync(file, kept.replace(/^JUPYTER_TOKEN=.*$/m, 'JUPYTER_TOKEN='));
      try {
        const up = await mlProject(main!.dir, ['up', '--keep'], { timeoutMs: 180_000 });
        expect(up.code, tail(up, 60)).toBe(1);
        expect(up.stderr).toContain('JUPYTER_TOKEN is empty');
        expect(up.stderr).toMatch(/\nThe containers were kept for inspection \(--keep\): ml-project logs jupyter, ml-project status; remove them with: ml-project down\n$/);
        const containers = await containersOf(main!.dir);
        expect(containers.map((c) => c.service)).toEqual(['bash-executor', 'jupyter', 'mlflow']);
        expect(containers.find((c) => c.service === 'jupyter')!.state).toBe('exited');

        const logs = await mlProject(main!.dir, ['logs', 'jupyter']);
        expect(logs.code, tail(logs)).toBe(0);
        expect(logs.stdout).toContain('JUPYTER_TOKEN is empty: Jupyter does not start without a token.');
        expect(logs.stderr).toBe('Nothing is running in jupyter: its container is stopped. Start it with: ml-project start\n');

        const down = await mlProject(main!.dir, ['down'], { timeoutMs: 120_000 });
        expect(down.code, tail(down)).toBe(0);
        expect(await containersOf(main!.dir)).toEqual([]);
      } finally {
        writeFileSync(file, kept);
        await removeContainers(main!.dir);
      }
    }, 300_000);

    it.each([
      ['SIGTERM', false],
      ['SIGHUP', true],
    ] as const)('%s (to the whole group: %s) while the stack starts: exit 130, no container left', async (signal, group) => {
      const up = await mlProject(main!.dir, ['up'], { interruptWhen: (stdout) => stdout.includes('Starting the stack'), interruptWith: { signal, group } });
      expect(up.code, tail(up)).toBe(130);
      expect(up.stderr).toMatch(/Interrupted/);
      expect(await containersOf(main!.dir)).toEqual([]);
    }, 120_000);

    it('Ctrl-C while the stack starts: exit 130, no container left', async () => {
      const up = await mlProject(main!.dir, ['up'], { interruptWhen: (stdout) => stdout.includes('Starting the stack') });
      expect(up.code, tail(up)).toBe(130);
      expect(up.stderr).toMatch(/Interrupted/);
      expect(await containersOf(main!.dir)).toEqual([]);
    }, 120_000);

    // A Ctrl-C in a terminal reaches the whole foreground process group: the
    // runner and the compose call it is running. Here docker-compose is a
    // wrapper that does exactly that (`kill -INT 0`) once its `up` has
    // started the containers, as the runner turns to waiting for them.
    let composeCalls = '';
    it('Ctrl-C to the whole group as compose\'s up returns, before up waits for the services: exit 130, nothing left running', async () => {
      const real = execFileSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).trim();
      const wrapDir = join(work, 'compose-wrapper');
      const calls = join(wrapDir, 'calls');
      mkdirSync(wrapDir, { recursive: true });
      writeFileSync(
        join(wrapDir, 'docker-compose'),
        `#!/bin/sh\necho "$*" >> "${calls}"\ncase " $* " in\n  *" up "*) ${real} "$@"; echo "interrupt: $*" >> "${calls}"; kill -INT 0 ;;\nesac\nexec ${real} "$@"\n`,
        { mode: 0o755 },
      );
      writeFileSync(calls, '');
      if (user.switch) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, wrapDir]);
      try {
        const up = await mlProject(main!.dir, ['up'], { env: runnerEnv({ PATH: `${wrapDir}:${process.env.PATH}` }), timeoutMs: 120_000 });
        composeCalls = readFileSync(calls, 'utf8');
        expect(up.code, tail(up)).toBe(130);
        expect(await containersOf(main!.dir)).toEqual([]);
      } finally {
        await removeContainers(main!.dir);
      }
    }, 120_000);

    it('(the Ctrl-C of the test above came once compose\'s up had run)', () => {
      const lines = composeCalls.split('\n').filter(Boolean);
      const up = lines.findIndex((l) => / up -d\b/.test(l));
      const interrupt = lines.findIndex((l) => l.startsWith('interrupt: ') && / up -d\b/.test(l));
      expect(up, composeCalls).toBeGreaterThanOrEqual(0);
      expect(interrupt, composeCalls).toBeGreaterThan(up);
    });
  });

  describe('the Makefile through the runner', () => {
    let makeCopy: ProjectCopy | undefined;
    // make init passes no --base-image: CPU_BASE_IMAGE, as for a registry mirror, names the stand-in.
    // GPU_BASE_IMAGE and PYTHON_IMAGE stand in for the CUDA and Python images of docker/Dockerfile.gpu.
    const makeEnv = () => runnerEnv({ ML_PROJECT: `${process.execPath} ${runnerBin}`, CPU_BASE_IMAGE: baseImage, GPU_BASE_IMAGE: baseImage, PYTHON_IMAGE: baseImage });
    const make = (target: string, vars: readonly string[], timeoutMs = 300_000) => runAs('make', [target, ...vars], { cwd: makeCopy!.dir, env: makeEnv(), user, timeoutMs });

    beforeAll(async () => {
      await waitPortsFree([JUPYTER_PORT, MLFLOW_PORT], 180_000);
      makeCopy = copyProject(pristine, join(work, 'make'), 'runner-make', user, env);
      copies.push(makeCopy);
      images.add('runner-make-cpu:latest');
      images.add('runner-make-gpu:latest');
    }, 200_000);

    it('make init && make create-container GPU=0 with ML_PROJECT=node bin/ml-project.cjs build and start the CPU stack; make clean-container removes it', async () => {
      const makefile = readFileSync(join(makeCopy!.dir, 'Makefile'), 'utf8');
      expect(makefile, 'the generated Makefile does not call the runner').toMatch(/\$\(RUNNER\) up/);

      const init = await make('init', ['GPU=0'], 600_000);
      expect(init.code, tail(init, 60)).toBe(0);
      expect(init.stdout).toContain('Writing .env from .env.example');
      expect(init.stdout).toContain('Building runner-make-cpu:latest from docker/Dockerfile.cpu');
      expect(stepLines(init.stdout).length).toBeGreaterThan(5);
      const baseLayers = JSON.parse((await docker(['image', 'inspect', baseImage, '--format', '{{json .RootFS.Layers}}'])).stdout) as string[];
      const layers = JSON.parse((await docker(['image', 'inspect', 'runner-make-cpu:latest', '--format', '{{json .RootFS.Layers}}'])).stdout) as string[];
      expect(layers.slice(0, baseLayers.length), 'not built on CPU_BASE_IMAGE').toEqual(baseLayers);

      const up = await make('create-container', ['GPU=0']);
      expect(up.code, tail(up, 60)).toBe(0);
      const token = readDotenv(makeCopy!.dir).JUPYTER_TOKEN!;
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      const jupyter = `http://127.0.0.1:${JUPYTER_PORT}/lab?token=${token}`;
      expect(up.stdout).toContain(`Jupyter: ${jupyter}\n`);
      expect(up.stdout).toContain(`MLflow:  http://127.0.0.1:${MLFLOW_PORT}\n`);
      expect(JSON.parse(await waitForHttp(jupyter, 10_000))).toMatchObject({ standin: 'jupyter', token_set: true });
      expect(JSON.parse(await waitForHttp(`http://127.0.0.1:${MLFLOW_PORT}`, 10_000))).toMatchObject({ standin: 'mlflow' });
      expect((await containersOf(makeCopy!.dir)).map((c) => [c.service, c.image, c.state])).toEqual([
        ['bash-executor', 'runner-make-cpu:latest', 'running'],
        ['jupyter', 'runner-make-cpu:latest', 'running'],
        ['mlflow', 'runner-make-cpu:latest', 'running'],
      ]);

      const clean = await make('clean-container', [], 120_000);
      expect(clean.code, tail(clean)).toBe(0);
      expect(await containersOf(makeCopy!.dir)).toEqual([]);
    }, 900_000);

    it.skipIf(!hasNvidia)(`make init && make create-container, GPU left to detection: the GPU image and docker-compose.gpu.yml on the stand-in nvidia runtime (detection and wiring, not a GPU)${hasNvidia ? '' : ' (skipped: the engine has no nvidia runtime)'}`, async () => {
      const init = await make('init', [], 600_000);
      expect(init.code, tail(init, 60)).toBe(0);
      expect(init.stdout).toContain('Image: GPU (auto): the engine has the nvidia runtime and the project has a GPU image');
      expect(init.stdout).toContain('Building runner-make-gpu:latest from docker/Dockerfile.gpu');

      const up = await make('create-container', []);
      expect(up.code, tail(up, 60)).toBe(0);
      expect(up.stdout).toContain('Image: runner-make-gpu:latest');
      expect(up.stdout).toContain('-f docker-compose.yml -f docker-compose.gpu.yml');
      const token = readDotenv(makeCopy!.dir).JUPYTER_TOKEN!;
      expect(JSON.parse(await waitForHttp(`http://127.0.0.1:${JUPYTER_PORT}/lab?token=${token}`, 10_000))).toMatchObject({ standin: 'jupyter', token_set: true });
      const containers = await containersOf(makeCopy!.dir);
      expect(containers.map((c) => [c.service, c.image, c.state])).toEqual([
        ['bash-executor', 'runner-make-gpu:latest', 'running'],
        ['jupyter', 'runner-make-gpu:latest', 'running'],
        ['mlflow', 'runner-make-gpu:latest', 'running'],
      ]);
      const requests: Record<string, unknown> = {};
      for (const c of containers) requests[c.service] = JSON.parse((await docker(['inspect', c.id, '--format', '{{json .HostConfig.DeviceRequests}}'])).stdout);
      const allGpus = [{ Driver: 'nvidia', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }];
      expect(requests).toEqual({ 'bash-executor': allGpus, jupyter: allGpus, mlflow: null });

      const clean = await make('clean-container', [], 120_000);
      expect(clean.code, tail(clean)).toBe(0);
      expect(await containersOf(makeCopy!.dir)).toEqual([]);
    }, 900_000);
  });

  describe('--gpu on without the nvidia runtime', () => {
    const needsOwnEngine = hasNvidia;
    const ownEngineSkip = !needsOwnEngine
      ? null
      : process.getuid?.() !== 0
        ? 'this engine has the nvidia runtime and starting a plain one takes root'
        : !existsSync(dockerdScript)
          ? `${dockerdScript} is missing`
          : null;
    let plainHost = '';

    beforeAll(async () => {
      if (ownEngineSkip) return;
      if (!needsOwnEngine) {
        plainHost = engine.host;
        return;
      }
      plainEngineDir = `/tmp/cmpd-plain-${process.pid}`;
      const started = await exec(dockerdScript, ['start'], { env: { ...process.env, CMP_DOCKERD_DIR: plainEngineDir }, timeoutMs: 60_000 });
      expect(started.code, tail(started)).toBe(0);
      plainHost = /^export CMP_DOCKER_HOST=(\S+)$/m.exec(started.stdout)![1]!;
    }, 90_000);

    it.skipIf(ownEngineSkip)(`fails before building with the nvidia-container-toolkit hint, exit 1, no image${ownEngineSkip ? ` (skipped: ${ownEngineSkip})` : needsOwnEngine ? ' (on a second private engine started without the stand-in)' : ''}`, async () => {
      const plainEnv = engineEnv(plainHost);
      const runtimes = await exec('docker', ['info', '--format', '{{json .Runtimes}}'], { env: plainEnv });
      expect(Object.keys(JSON.parse(runtimes.stdout) as object)).not.toContain('nvidia');
      const imagesBefore = (await exec('docker', ['images', '-aq', '--no-trunc'], { env: plainEnv })).stdout;

      const build = await mlProject(main!.dir, ['build', '--gpu', 'on', '--base-image', baseImage || 'debian:bookworm'], {
        as: root,
        env: runnerEnv({ DOCKER_HOST: plainHost, HOME: home }),
      });
      expect(build.code, tail(build)).toBe(1);
      expect(build.stderr).toContain('--gpu on, but the engine has no nvidia runtime');
      expect(build.stderr).toContain('nvidia-container-toolkit');
      expect(build.stderr).toContain('nvidia-ctk runtime configure --runtime=docker');
      expect(build.stdout).not.toContain('Building');
      expect((await exec('docker', ['images', '-aq', '--no-trunc'], { env: plainEnv })).stdout).toBe(imagesBefore);
      expect((await exec('docker', ['image', 'inspect', 'runner-lab-gpu:latest'], { env: plainEnv })).code).not.toBe(0);
    });
  });
});
