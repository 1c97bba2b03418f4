/**
 * The generated project on a real Docker engine: its own Dockerfile built, its
 * compose stack started, its tests run inside the container.
 *
 * Runs only when CMP_DOCKER_HOST names an engine that answers (see
 * .ci/dockerd). The base image is an offline stand-in for python:X-slim and
 * the `nvidia` runtime a stand-in for NVIDIA's: test/fixtures/base-image/README.md
 * says what that proves and what it does not.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../helpers/generate.js';
import { writeComposeCopy, type ComposeCopy } from './compose-copy.js';
import { baseImageScript, engineEnv, exec, freePort, probeEngine, tail, waitForHttp, type Exec } from './engine.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e docker] skipped: ${engine.skip}`);
const gpuSkip = engine.skip ?? (engine.runtimes.includes('nvidia') ? null : `the engine has no nvidia runtime (runtimes: ${engine.runtimes.join(', ')}); start it with .ci/dockerd start --nvidia-stand-in`);
if (!engine.skip && gpuSkip) console.warn(`[e2e docker] GPU path skipped: ${gpuSkip}`);

const env = engineEnv(engine.host);
const run = (command: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number; extraEnv?: NodeJS.ProcessEnv } = {}) =>
  exec(command, args, { cwd: options.cwd, env: { ...env, ...options.extraEnv }, timeoutMs: options.timeoutMs });
const docker = (args: readonly string[], options?: Parameters<typeof run>[2]) => run('docker', args, options);

// As root (CI), the container user gets an ordinary UID that owns the project,
// as a developer's own UID would; otherwise the caller's own.
const hostUid = process.getuid?.() ?? 1000;
const hostGid = process.getgid?.() ?? 1000;
const uid = hostUid === 0 ? 4321 : hostUid;
const gid = hostGid === 0 ? 4321 : hostGid;

const run_id = `${process.pid}-${Date.now().toString(36)}`;
const projectName = 'e2e-lab';
const packageName = 'e2e_lab';
const tag = (name: string) => `cmp-e2e-${name}:${run_id}`;

let project = '';
let baseImage = '';
let firstBuild: Exec | undefined;
let jupyterPort = 0;
let mlflowPort = 0;
const images = new Set<string>();
const composeProjects = new Set<string>();

function build(image: string, dockerfile: string): Promise<Exec> {
  images.add(image);
  return docker(
    [
      'build',
      '-f', dockerfile,
      '--build-arg', `BASE_IMAGE=${baseImage}`,
      '--build-arg', `USER_UID=${uid}`,
      '--build-arg', `USER_GID=${gid}`,
      '-t', image,
      '.',
    ],
    { cwd: project, timeoutMs: 600_000 },
  );
}

/** The steps of a classic-builder log: instruction, whether it came from cache, the resulting layer. */
function steps(log: string): { instruction: string; cached: boolean; id: string }[] {
  return log.split(/^Step \d+\/\d+ : /m).slice(1).map((chunk) => {
    const instruction = chunk.split('\n', 1)[0]!;
    const ids = [...chunk.matchAll(/^ ---> ([0-9a-f]{12})\s*$/gm)].map((m) => m[1]!);
    return { instruction, cached: /^ ---> Using cache$/m.test(chunk), id: ids.at(-1) ?? '' };
  });
}

function compose(copy: ComposeCopy, name: string, args: readonly string[], timeoutMs = 180_000, extraEnv: NodeJS.ProcessEnv = {}) {
  composeProjects.add(`${name}\0${copy.files.join('\0')}`);
  return run('docker-compose', ['-p', name, ...copy.files.flatMap((f) => ['-f', f]), ...args], { cwd: project, timeoutMs, extraEnv });
}

async function composeDown(entry: string): Promise<void> {
  const [name, ...files] = entry.split('\0');
  await run('docker-compose', ['-p', name!, ...files.flatMap((f) => ['-f', f]), 'down', '--volumes', '--remove-orphans', '--timeout', '5'], {
    cwd: project,
    timeoutMs: 120_000,
  });
}

describe.skipIf(engine.skip)(`the generated project on a real Docker engine${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
  beforeAll(async () => {
    jupyterPort = await freePort();
    do mlflowPort = await freePort();
    while (mlflowPort === jupyterPort);
    const generated = await generateProject({ projectName, packageName, compute: 'auto', jupyterPort, mlflowPort });
    expect(generated.code, generated.stderr).toBe(0);
    project = generated.dir;
    if (hostUid === 0) execFileSync('chown', ['-R', `${uid}:${gid}`, project]);

    const base = await exec(baseImageScript, ['-r', join(project, 'requirements.txt'), '-r', join(project, 'requirements-dev.txt')], {
      env,
      timeoutMs: 900_000,
    });
    expect(base.code, tail(base)).toBe(0);
    baseImage = base.stdout.trim().split('\n').at(-1)!;

    firstBuild = await build(tag('cpu'), 'docker/Dockerfile.cpu');
    expect(firstBuild.code, tail(firstBuild, 60)).toBe(0);
  }, 1_200_000);

  afterAll(async () => {
    for (const entry of composeProjects) await composeDown(entry);
    if (images.size > 0) await docker(['rmi', '--force', ...images], { timeoutMs: 120_000 });
    await docker(['image', 'prune', '--force'], { timeoutMs: 120_000 });
    if (project) rmSync(dirname(project), { recursive: true, force: true });
  }, 300_000);

  it('builds docker/Dockerfile.cpu on the base image given as BASE_IMAGE', async () => {
    const layers = async (image: string) => {
      const inspect = await docker(['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}']);
      expect(inspect.code, tail(inspect)).toBe(0);
      return JSON.parse(inspect.stdout) as string[];
    };
    const base = await layers(baseImage);
    expect((await layers(tag('cpu'))).slice(0, base.length)).toEqual(base);
    const pip = await docker(['run', '--rm', '--network', 'none', tag('cpu'), 'python', '-m', 'pip', 'list', '--format', 'freeze']);
    expect(pip.code, tail(pip)).toBe(0);
    // Every pin of requirements.txt is what pip reports as installed in the image.
    const pins = readFileSync(join(project, 'requirements.txt'), 'utf8').split('\n').filter((l) => /^[A-Za-z0-9]/.test(l));
    const installed = new Set(pip.stdout.toLowerCase().replace(/_/g, '-').split('\n'));
    for (const pin of pins) expect(installed, pin).toContain(pin.trim().toLowerCase().replace(/_/g, '-'));
  });

  it('runs as a non-root user with the UID and GID given at build time', async () => {
    const id = await docker(['run', '--rm', '--network', 'none', tag('cpu'), 'sh', '-c', 'id -u; id -g; id -un; echo "$HOME"']);
    expect(id.code, tail(id)).toBe(0);
    const [u, g, user, home] = id.stdout.trim().split('\n');
    expect({ u: Number(u), g: Number(g) }).toEqual({ u: uid, g: gid });
    expect(user).not.toBe('root');
    expect(home).not.toBe('/root');
  });

  it('rebuilds no dependency layer after a change to the source only', async () => {
    appendFileSync(join(project, packageName, 'etl.py'), '\n# a source-only change\n');
    const rebuild = await build(tag('cpu-rebuild'), 'docker/Dockerfile.cpu');
    expect(rebuild.code, tail(rebuild, 60)).toBe(0);
    const before = steps(firstBuild!.stdout);
    const after = steps(rebuild.stdout);
    expect(after.map((s) => s.instruction)).toEqual(before.map((s) => s.instruction));
    const from = after.findIndex((s) => /^FROM /i.test(s.instruction));
    const lastDependencyStep = after.findLastIndex((s) => /requirements|pip install/.test(s.instruction));
    expect(lastDependencyStep, 'no step installs the requirements').toBeGreaterThan(from);
    for (let i = from + 1; i <= lastDependencyStep; i++) {
      expect(after[i]!.cached, `step ${i + 1} "${after[i]!.instruction}" was rebuilt:\n${rebuild.stdout}`).toBe(true);
      expect(after[i]!.id).toBe(before[i]!.id);
    }
  });

  it('starts bash-executor, jupyter and mlflow; the services answer; the project tests pass inside', async () => {
    const copy = writeComposeCopy(project, ['docker-compose.yml'], env);
    expect(Object.keys(copy.services).sort()).toEqual(['bash-executor', 'jupyter', 'mlflow']);
    const name = `cmpe2ecpu${process.pid}`;
    const stackEnv = { ML_PROJECT_IMAGE: tag('cpu') };
    const up = await compose(copy, name, ['up', '-d', '--no-build'], 300_000, stackEnv);
    expect(up.code, tail(up)).toBe(0);
    try {
      for (const service of ['jupyter', 'mlflow']) {
        const port = copy.listens[service];
        expect(port, `${service} publishes no port`).toBeTruthy();
        const body = await waitForHttp(`http://127.0.0.1:${port}/`, 60_000).catch(async (error: Error) => {
          const logs = await compose(copy, name, ['logs', '--tail', '30', service], 60_000, stackEnv);
          throw new Error(`${error.message}\n${logs.stdout}${logs.stderr}`);
        });
        expect(JSON.parse(body)).toMatchObject({ standin: service, port });
      }
      expect(copy.listens).toMatchObject({ jupyter: jupyterPort, mlflow: mlflowPort });

      const where = await compose(copy, name, ['exec', '-T', 'bash-executor', 'sh', '-c', 'pwd; id -u; ls'], 60_000, stackEnv);
      expect(where.code, tail(where)).toBe(0);
      const [cwd, user, ...files] = where.stdout.trim().split('\n');
      expect({ cwd, user: Number(user) }).toEqual({ cwd: '/workspace', user: uid });
      expect(files).toEqual(expect.arrayContaining(['requirements.txt', packageName, 'tests']));

      const pytest = await compose(copy, name, ['exec', '-T', 'bash-executor', 'python', '-m', 'pytest', '-q'], 600_000, stackEnv);
      expect(pytest.code, tail(pytest, 60)).toBe(0);
      expect(pytest.stdout).toMatch(/\d+ passed/);
    } finally {
      const down = await compose(copy, name, ['down', '--volumes', '--remove-orphans', '--timeout', '5'], 120_000, stackEnv);
      expect(down.code, tail(down)).toBe(0);
    }
    const left = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]);
    expect(left.stdout.trim()).toBe('');
  }, 900_000);

  describe.skipIf(gpuSkip)(`GPU path with the stand-in nvidia runtime (detection and wiring, no GPU)${gpuSkip ? ` (skipped: ${gpuSkip})` : ''}`, () => {
    it('accepts the GPU override\'s device reservation and starts the container', async () => {
      expect(existsSync(join(project, 'docker-compose.gpu.yml'))).toBe(true);
      const copy = writeComposeCopy(project, ['docker-compose.yml', 'docker-compose.gpu.yml'], env);
      const name = `cmpe2egpu${process.pid}`;
      const stackEnv = { ML_PROJECT_IMAGE: tag('cpu') };
      const up = await compose(copy, name, ['up', '-d', '--no-build', '--no-deps', 'bash-executor'], 300_000, stackEnv);
      expect(up.code, tail(up)).toBe(0);
      try {
        const ids = await compose(copy, name, ['ps', '-q', 'bash-executor'], 60_000, stackEnv);
        const id = ids.stdout.trim();
        expect(id, tail(ids)).not.toBe('');
        const inspect = await docker(['inspect', id, '--format', '{{json .HostConfig.DeviceRequests}} {{.State.Running}}']);
        expect(inspect.code, tail(inspect)).toBe(0);
        const [requests, running] = inspect.stdout.trim().split(' ');
        expect(running).toBe('true');
        expect(JSON.parse(requests!)).toEqual(
          expect.arrayContaining([expect.objectContaining({ Driver: 'nvidia', Capabilities: expect.arrayContaining([expect.arrayContaining(['gpu'])]) })]),
        );
      } finally {
        await compose(copy, name, ['down', '--volumes', '--remove-orphans', '--timeout', '5'], 120_000, stackEnv);
      }
    }, 600_000);
  });
});
