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
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sh } from '../../src/shared/escape.js';
import { generateProject, repoRoot, tempDir } from '../helpers/generate.js';
import { writeComposeCopy, type ComposeCopy } from './compose-copy.js';
import { baseImageScript, engineEnv, exec, freePort, probeEngine, tail, waitForHttp, type Exec } from './engine.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e docker] skipped: ${engine.skip}`);
const gpuSkip = engine.skip ?? (engine.runtimes.includes('nvidia') ? null : `the engine has no nvidia runtime (runtimes: ${engine.runtimes.join(', ')}); start it with .ci/dockerd start --nvidia-stand-in`);
if (!engine.skip && gpuSkip) console.warn(`[e2e docker] GPU path skipped: ${gpuSkip}`);

// CI sets CMP_E2E_REQUIRED=1 so that an engine that died is a failure, not a skip.
const required = process.env.CMP_E2E_REQUIRED === '1';
describe.runIf(required)('CMP_E2E_REQUIRED=1', () => {
  it('has an engine with the nvidia runtime', () => {
    expect(gpuSkip, gpuSkip ?? '').toBeNull();
  });
});

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

/** What a developer's shell might hold that the generated Makefile reads: unset for make. */
const makeEnvClean: NodeJS.ProcessEnv = {
  ML_PROJECT: undefined, ML_PROJECT_IMAGE: undefined, LOCAL: undefined, CONFIG: undefined, GPU: undefined, COMPOSE: undefined,
  JUPYTER_HOST_PORT: undefined, MLFLOW_HOST_PORT: undefined, CPU_BASE_IMAGE: undefined, GPU_BASE_IMAGE: undefined, PYTHON_IMAGE: undefined,
  MAKEFLAGS: undefined, MFLAGS: undefined, MAKELEVEL: undefined,
};

const runId = `${process.pid}-${Date.now().toString(36)}`;
const projectName = 'e2e-lab';
const packageName = 'e2e_lab';
const tag = (name: string) => `cmp-e2e-${name}:${runId}`;

let project = '';
let baseImage = '';
let firstBuild: Exec | undefined;
let jupyterPort = 0;
let mlflowPort = 0;
const images = new Set<string>();

/** `docker build` of one of the project's Dockerfiles, as its header comment says, on the stand-in base image. */
function build(image: string, dockerfile: string, buildArgs: Record<string, string> = {}): Promise<Exec> {
  images.add(image);
  const args = { BASE_IMAGE: baseImage, USER_UID: String(uid), USER_GID: String(gid), ...buildArgs };
  return docker(
    ['build', '-f', dockerfile, ...Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), '-t', image, '.'],
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

/** Fails with a clear message when something on this machine already listens on the port. */
async function expectFree(port: number, service: string): Promise<void> {
  const taken = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
  expect(taken, `127.0.0.1:${port} is in use; ${service} listens there with host networking`).toBe(false);
}

interface Stack {
  copy: ComposeCopy;
  compose(args: readonly string[], timeoutMs?: number): Promise<Exec>;
  /** The generated Makefile's target, its compose command pointed at this stack (COMPOSE=...). */
  make(target: string, vars?: readonly string[]): Promise<Exec>;
  /** Waits for every service that publishes a port to answer; their JSON replies by service. */
  answers(): Promise<Record<string, Record<string, unknown>>>;
  down(): Promise<void>;
}

const stacks = new Set<Stack>();

/** The generated compose files (test copies on host networking) started with `up -d --no-build` on the given image. */
async function startStack(label: string, files: readonly string[], image: string): Promise<Stack> {
  const copy = writeComposeCopy(project, files, env);
  expect(Object.keys(copy.services).sort()).toEqual(['bash-executor', 'jupyter', 'mlflow']);
  const name = `cmpe2e${label}${process.pid}`;
  const extraEnv = { ML_PROJECT_IMAGE: image, JUPYTER_TOKEN: randomBytes(16).toString('hex') };
  const composeCall = (args: readonly string[], timeoutMs = 120_000) =>
    run('docker-compose', ['-p', name, ...copy.files.flatMap((f) => ['-f', f]), ...args], { cwd: project, timeoutMs, extraEnv });
  for (const [service, port] of Object.entries(copy.listens)) await expectFree(port, service);
  const stack: Stack = {
    copy,
    compose: composeCall,
    make: (target, vars = []) =>
      run('make', ['--no-print-directory', target, 'ML_PROJECT=', 'GPU=0', `COMPOSE=docker-compose -p ${name} ${copy.files.map((f) => `-f ${f}`).join(' ')}`, ...vars], {
        cwd: project,
        timeoutMs: 600_000,
        extraEnv: { ...extraEnv, ...makeEnvClean },
      }),
    async answers() {
      const replies: Record<string, Record<string, unknown>> = {};
      for (const [service, port] of Object.entries(copy.listens)) {
        const body = await waitForHttp(`http://127.0.0.1:${port}/`, 60_000).catch(async (error: Error) => {
          const logs = await composeCall(['logs', '--tail', '30', service]);
          throw new Error(`${error.message}\n${logs.stdout}${logs.stderr}`);
        });
        replies[service] = JSON.parse(body) as Record<string, unknown>;
        expect(replies[service]).toMatchObject({ standin: service, port });
      }
      return replies;
    },
    async down() {
      stacks.delete(stack);
      const down = await composeCall(['down', '--volumes', '--remove-orphans', '--timeout', '5']);
      expect(down.code, tail(down)).toBe(0);
      const left = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]);
      expect(left.stdout.trim(), 'containers left after down').toBe('');
    },
  };
  stacks.add(stack);
  const up = await composeCall(['up', '-d', '--no-build'], 300_000);
  expect(up.code, tail(up)).toBe(0);
  return stack;
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
    for (const stack of stacks) await stack.down().catch(() => undefined);
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
    const source = after.findIndex((s) => /^COPY (--chown=\S+ )?\. /i.test(s.instruction));
    const dependencies = after.findLastIndex((s) => /pip install/.test(s.instruction));
    expect(source, 'no step copies the source').toBeGreaterThan(from);
    expect(dependencies, 'no step installs the requirements before the source is copied').toBeGreaterThan(from);
    expect(dependencies, `the requirements are installed at step ${dependencies + 1}, after the source is copied at step ${source + 1}`).toBeLessThan(source);
    for (let i = from + 1; i < source; i++) {
      expect(after[i]!.cached, `step ${i + 1} "${after[i]!.instruction}" was rebuilt:\n${rebuild.stdout}`).toBe(true);
      expect(after[i]!.id).toBe(before[i]!.id);
    }
    // The source step itself did run again: the change reached the image.
    expect(after[source]!.cached).toBe(false);
  }, 600_000);

  it('holds the project once: copied owned by the user, no chown layer storing it again', async () => {
    const history = await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}\t{{.Size}}', tag('cpu')]);
    expect(history.code, tail(history)).toBe(0);
    expect(history.stdout).not.toMatch(/chown -R/);
    // The classic builder records it without a space: `COPY --chown=1000:1000dir:<digest> in /workspace`.
    expect(history.stdout).toMatch(new RegExp(`COPY --chown=${uid}:${gid} ?dir:[0-9a-f]+ in /workspace`));
    const owners = await docker(['run', '--rm', '--network', 'none', tag('cpu'), 'sh', '-c', 'find /workspace \\! -user "$(id -u)" | head -5; stat -c %u /workspace']);
    expect(owners.code, tail(owners)).toBe(0);
    expect(owners.stdout.trim()).toBe(String(uid));
  });

  it('installs from the lock with pip --require-hashes; a wrong hash or a stale lock stops the build', async () => {
    // A lock as make lock writes it, made from the stand-in wheels pip finds in the base image (no pip-tools offline).
    const hashes = await docker(['run', '--rm', '--network', 'none', baseImage, 'sh', '-c', 'cd /opt/wheels && python3 -m pip hash *.whl']);
    expect(hashes.code, tail(hashes)).toBe(0);
    const entries = [...hashes.stdout.matchAll(/^(\S+?)-([^-\s]+)-py3-none-any\.whl:\n(--hash=sha256:[0-9a-f]{64})$/gm)].map(([, name, version, hash]) => `${name!.replace(/_/g, '-')}==${version} \\\n    ${hash}`);
    expect(entries.length).toBeGreaterThan(5);
    const stamp = await run('python3', ['-c', 'import sys; sys.path.insert(0, "docker"); import lock; from pathlib import Path; print(lock.stamp_line(Path(".")))'], { cwd: project });
    expect(stamp.code, tail(stamp)).toBe(0);
    const lockFile = join(project, 'requirements-cpu.lock');
    writeFileSync(lockFile, `${stamp.stdout.trim()}\n${entries.join('\n')}\n`);
    if (hostUid === 0) execFileSync('chown', [`${uid}:${gid}`, lockFile]);
    try {
      const locked = await build(tag('cpu-locked'), 'docker/Dockerfile.cpu');
      expect(locked.code, tail(locked, 60)).toBe(0);
      // set -x traces the command on stderr, which the builder colours word by word.
      expect(locked.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toContain('+ pip install --require-hashes -r requirements-cpu.lock');
      const pip = await docker(['run', '--rm', '--network', 'none', tag('cpu-locked'), 'python', '-m', 'pip', 'list', '--format', 'freeze']);
      const installed = pip.stdout.toLowerCase().replace(/_/g, '-');
      for (const entry of entries) expect(installed).toContain(entry.split(' ')[0]!.toLowerCase());

      writeFileSync(lockFile, readFileSync(lockFile, 'utf8').replace(/--hash=sha256:[0-9a-f]{4}/, '--hash=sha256:0000'));
      const tampered = await build(tag('cpu-tampered'), 'docker/Dockerfile.cpu');
      expect(tampered.code).not.toBe(0);
      expect(tampered.stdout + tampered.stderr).toMatch(/THESE PACKAGES DO NOT MATCH THE HASHES/);

      writeFileSync(join(project, 'requirements-dev.txt'), `${readFileSync(join(project, 'requirements-dev.txt'), 'utf8')}# a changed requirement\n`);
      const stale = await build(tag('cpu-stale'), 'docker/Dockerfile.cpu');
      expect(stale.code).not.toBe(0);
      expect(stale.stdout + stale.stderr).toContain('requirements-cpu.lock is older than requirements.txt and requirements-dev.txt: run `make lock`');
    } finally {
      rmSync(lockFile, { force: true });
      writeFileSync(join(project, 'requirements-dev.txt'), readFileSync(join(project, 'requirements-dev.txt'), 'utf8').replace('# a changed requirement\n', ''));
    }
  }, 900_000);

  it('starts bash-executor, jupyter and mlflow; the services answer; the project tests pass inside', async () => {
    const stack = await startStack('cpu', ['docker-compose.yml'], tag('cpu'));
    try {
      expect(stack.copy.published).toEqual({ jupyter: jupyterPort, mlflow: mlflowPort });
      const answers = await stack.answers();
      expect(answers.jupyter).toMatchObject({ standin: 'jupyter', token_set: true });
      expect(answers.mlflow).toMatchObject({ standin: 'mlflow' });

      const where = await stack.compose(['exec', '-T', 'bash-executor', 'sh', '-c', 'pwd; id -u; ls; python -c "import urllib.request as u; print(u.urlopen(\'http://mlflow:5000/health\').read().decode())"']);
      expect(where.code, tail(where)).toBe(0);
      const [cwd, user, ...rest] = where.stdout.trim().split('\n');
      expect({ cwd, user: Number(user) }).toEqual({ cwd: '/workspace', user: uid });
      // The project is bind-mounted (the test's compose copies are there), and
      // MLFLOW_TRACKING_URI's host name reaches the mlflow service.
      expect(rest).toEqual(expect.arrayContaining(['requirements.txt', packageName, 'tests', stack.copy.files[0]!]));
      expect(rest.at(-1)).toBe('OK');

      const pytest = await stack.compose(['exec', '-T', 'bash-executor', 'python', '-m', 'pytest', '-q'], 600_000);
      expect(pytest.code, tail(pytest, 60)).toBe(0);
      expect(pytest.stdout).toMatch(/\d+ passed/);

      // The Makefile without the runner: engine check, running check, then compose exec.
      const makeTest = await stack.make('test');
      expect(makeTest.code, tail(makeTest, 60)).toBe(0);
      expect(makeTest.stdout).toMatch(/\d+ passed/);
      const makeEtl = await stack.make('etl', ['CONFIG=configs/examples/random_forest.yml']);
      expect(makeEtl.code, tail(makeEtl, 60)).toBe(0);
      expect(existsSync(join(project, 'data', 'processed', 'train.csv'))).toBe(true);
    } finally {
      await stack.down();
    }
  }, 900_000);

  describe('make, out of the box, with the npm registry unreachable', () => {
    let npmEnv: NodeJS.ProcessEnv = {};
    const make = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      run('make', ['--no-print-directory', ...args], { cwd: project, timeoutMs: 900_000, extraEnv: { ...makeEnvClean, ...npmEnv, ...extraEnv } });
    const image = `${projectName}-cpu:latest`;

    beforeAll(async () => {
      // npm pointed at a closed loopback port, with an empty cache and no user settings: offline.
      const npmrc = join(tempDir('cmp-e2e-npmrc-'), 'npmrc');
      writeFileSync(npmrc, '');
      npmEnv = {
        npm_config_registry: `http://127.0.0.1:${await freePort()}/`,
        npm_config_cache: tempDir('cmp-e2e-npm-cache-'),
        npm_config_userconfig: npmrc,
        npm_config_update_notifier: 'false',
        // A registry mirror for the base image, as the generated README says.
        CPU_BASE_IMAGE: baseImage,
      };
      images.add(image);
      const where = await run('sh', ['-c', 'command -v ml-project || echo none']);
      expect(where.stdout.trim(), 'this machine has an ml-project of its own on PATH').toBe('none');
      // .env as make writes it, with the UID/GID the image above was built for, so its layers are reused.
      const dotenv = await make(['.env']);
      expect(dotenv.code, tail(dotenv)).toBe(0);
      const file = join(project, '.env');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^USER_UID=.*$/m, `USER_UID=${uid}`).replace(/^USER_GID=.*$/m, `USER_GID=${gid}`));
    }, 120_000);

    it('make test with the engine up and nothing running: one line saying how to start it', async () => {
      const result = await make(['test', 'ML_PROJECT=', 'GPU=0']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('make test: bash-executor is not running: start it with make create-container (make start-container after make stop-container), or run it on this machine with make test LOCAL=1 (after make venv).');
      expect(result.stderr).toMatch(/\[Makefile:\d+: test\] Error 1$/m);
      expect(result.stdout + result.stderr).not.toMatch(/Traceback|DockerException/);
    }, 120_000);

    it('no runner on PATH: make init builds the image with plain docker compose, says so in one line, exits 0', async () => {
      await docker(['rmi', '--force', image]);
      const init = await make(['init', 'GPU=0']);
      expect(init.code, tail(init, 60)).toBe(0);
      const said = init.stderr.split('\n').filter((l) => l.startsWith('make: '));
      expect(said).toEqual([expect.stringMatching(/^make: running plain docker compose, no ml-project runner \(not on PATH, not in the npx cache, and the npm registry did not answer with create-ml-project@.*\)\. To use it: npm i -g create-ml-project@/)]);
      expect(init.stderr).not.toMatch(/npm error|\b404\b/);
      expect(init.stdout).toContain('Building the CPU (docker/Dockerfile.cpu) image');
      expect(init.stdout).toMatch(/^docker(-| )compose build bash-executor$/m);
      const inspect = await docker(['image', 'inspect', image, '--format', '{{.Id}}']);
      expect(inspect.code, tail(inspect)).toBe(0);
    }, 900_000);

    it('ml-project on PATH: make init builds the image through the runner, exits 0', async () => {
      await docker(['rmi', '--force', image]);
      const bin = tempDir('cmp-e2e-bin-');
      writeFileSync(join(bin, 'ml-project'), `#!/bin/sh\nexec ${sh(process.execPath)} ${sh(join(repoRoot, 'bin', 'ml-project.cjs'))} "$@"\n`, { mode: 0o755 });
      const init = await make(['init', 'GPU=0'], { PATH: `${bin}:${process.env.PATH}` });
      expect(init.code, tail(init, 60)).toBe(0);
      expect(init.stdout).toContain(`Building ${image} from docker/Dockerfile.cpu`);
      expect(init.stdout + init.stderr).not.toMatch(/plain docker compose|npm error|\b404\b/);
      const inspect = await docker(['image', 'inspect', image, '--format', '{{.Id}}']);
      expect(inspect.code, tail(inspect)).toBe(0);
    }, 900_000);
  });

  describe.skipIf(gpuSkip)(`GPU path on the stand-in nvidia runtime: detection and wiring, no GPU${gpuSkip ? ` (skipped: ${gpuSkip})` : ''}`, () => {
    it('builds docker/Dockerfile.gpu with the base image standing in for the CUDA and Python images', async () => {
      const gpu = await build(tag('gpu'), 'docker/Dockerfile.gpu', { PYTHON_IMAGE: baseImage });
      expect(gpu.code, tail(gpu, 60)).toBe(0);
    }, 600_000);

    it("accepts the GPU override's device reservations and starts the stack", async () => {
      expect(existsSync(join(project, 'docker-compose.gpu.yml'))).toBe(true);
      const stack = await startStack('gpu', ['docker-compose.yml', 'docker-compose.gpu.yml'], tag('gpu'));
      try {
        const requests: Record<string, unknown> = {};
        for (const service of ['bash-executor', 'jupyter', 'mlflow']) {
          const ids = await stack.compose(['ps', '-q', service]);
          const inspect = await docker(['inspect', ids.stdout.trim(), '--format', '{{.State.Running}} {{json .HostConfig.DeviceRequests}}']);
          expect(inspect.code, tail(inspect)).toBe(0);
          const [running, json] = inspect.stdout.trim().split(' ');
          expect(running, `${service} is not running`).toBe('true');
          requests[service] = JSON.parse(json!);
        }
        const allGpus = [{ Driver: 'nvidia', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }];
        expect(requests).toEqual({ 'bash-executor': allGpus, jupyter: allGpus, mlflow: null });
        const answers = await stack.answers();
        expect(answers.jupyter).toMatchObject({ standin: 'jupyter', token_set: true });
        const user = await stack.compose(['exec', '-T', 'bash-executor', 'id', '-u']);
        expect(Number(user.stdout.trim()), tail(user)).toBe(uid);
      } finally {
        await stack.down();
      }
    }, 600_000);
  });
});
