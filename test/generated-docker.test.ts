/**
 * The container side of a generated project, checked with the real tools and
 * no Docker engine: docker-compose 1.29 reads the compose files, GNU make
 * reads the Makefile (`make -n`, `make help`, `make .env`), shellcheck reads
 * every shell script the project carries, and the Dockerfiles are held to the
 * classic builder's syntax. Hostile free text must come out verbatim.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cudaImages, pythonImages, tools } from '../src/shared/versions.js';
import { sh } from '../src/shared/escape.js';
import { generateProject, presets, repoRoot, tempDir } from './helpers/generate.js';
import { runProcess } from './helpers/process.js';

const hostile = {
  description: `Churn & "retention" 'model' at 50% <b>$HOME</b> #1 \\o/ 🚀 $(id) \`id\` {{ x }} \${{ y }} %(z)s $$PYTHONPATH`,
  authorName: "Ada O'Brien $USER #1 & <co> \\",
  authorEmail: 'ada@example.com',
};

const baseTargets = [
  'help', 'init', 'create-container', 'start-container', 'stop-container', 'clean-container', 'urls',
  'shell', 'logs', 'status', 'doctor', 'serve', 'venv', 'test', 'lint', 'format', 'lock', 'etl', 'train', 'evaluate', 'clean',
];

interface Generated {
  dir: string;
  answers: { projectName: string; packageName: string; compute: string; dvc: boolean; precommit: boolean; ci: boolean; devcontainer: boolean };
}

const projects: Record<string, Generated> = {};

beforeAll(async () => {
  await Promise.all(
    Object.entries(presets).map(async ([name, answers]) => {
      const result = await generateProject({ ...hostile, ...answers });
      expect(result.code, result.stderr).toBe(0);
      const stored = JSON.parse(readFileSync(join(result.dir, '.yo-rc.json'), 'utf8')) as Record<string, { answers: Generated['answers'] }>;
      projects[name] = { dir: result.dir, answers: stored['create-ml-project']!.answers };
    }),
  );
}, 120_000);

/** The variables a developer's shell might hold that compose or make would read. */
const leaking = [
  'JUPYTER_HOST_PORT', 'MLFLOW_HOST_PORT', 'SERVE_HOST_PORT', 'JUPYTER_TOKEN', 'ML_PROJECT_IMAGE', 'ML_PROJECT_IN_CONTAINER', 'USER_UID', 'USER_GID',
  'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE', 'GPU', 'ML_PROJECT', 'CONFIG', 'SERVICE', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL',
];

function run(command: string, args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const key of leaking) if (!(key in env)) delete full[key];
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  const result = spawnSync(command, args, { cwd, env: full, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh copy of a generated project, for tests that write into it. */
function copyOf(preset: string): string {
  const dir = join(tempDir('cmp-docker-'), projects[preset]!.answers.projectName);
  cpSync(projects[preset]!.dir, dir, { recursive: true });
  return dir;
}

interface ComposeService {
  image: string;
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  depends_on?: Record<string, { condition: string }>;
  build: { context: string; dockerfile: string; args: Record<string, string>; labels: Record<string, string> };
  command: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes: string[];
  working_dir: string;
  deploy?: { resources: { reservations: { devices: Record<string, unknown>[] } } };
}

function composeConfig(dir: string, files: readonly string[], env: Record<string, string> = {}) {
  const result = run('docker-compose', [...files.flatMap((f) => ['-f', f]), 'config'], dir, env);
  expect(result.code, result.stderr).toBe(0);
  return (parseYaml(result.stdout) as { services: Record<string, ComposeService> }).services;
}

const allGpus = [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }];

describe('docker-compose files', () => {
  it.each(Object.keys(presets))('%s: build arguments take the pinned base images, or a mirror from the environment', (preset) => {
    const { dir, answers } = projects[preset]!;
    const files = answers.compute === 'auto' ? [['docker-compose.yml'], ['docker-compose.yml', 'docker-compose.gpu.yml']] : [['docker-compose.yml']];
    for (const stack of files) {
      const gpu = answers.compute === 'gpu' || stack.length === 2;
      const pinned = gpu
        ? { BASE_IMAGE: cudaImages[answers.cudaVersion as keyof typeof cudaImages], PYTHON_IMAGE: pythonImages[answers.pythonVersion as keyof typeof pythonImages] }
        : { BASE_IMAGE: pythonImages[answers.pythonVersion as keyof typeof pythonImages] };
      const mirrored = gpu ? { BASE_IMAGE: 'mirror.example/cuda', PYTHON_IMAGE: 'mirror.example/python' } : { BASE_IMAGE: 'mirror.example/python' };
      const env = { CPU_BASE_IMAGE: 'mirror.example/python', GPU_BASE_IMAGE: 'mirror.example/cuda', PYTHON_IMAGE: 'mirror.example/python' };
      for (const [settings, expected] of [[{}, pinned], [env, mirrored]] as const) {
        const { serve, ...services } = composeConfig(dir, stack, settings);
        for (const [name, service] of Object.entries(services)) {
          expect(service.build.args, `${name} ${stack.join(' ')}`).toMatchObject(expected);
          if (!gpu) expect(service.build.args.PYTHON_IMAGE).toBeUndefined();
        }
        // The serving image is a Python one everywhere: a CPU serves the model.
        const python = settings === env ? 'mirror.example/python' : pythonImages[answers.pythonVersion as keyof typeof pythonImages];
        expect(serve!.build.args, stack.join(' ')).toEqual({ BASE_IMAGE: python });
      }
    }
  });

  it.each(Object.keys(presets))('%s: docker-compose config accepts docker-compose.yml; ports on 127.0.0.1 only', (preset) => {
    const { dir, answers } = projects[preset]!;
    const { serve, ...services } = composeConfig(dir, ['docker-compose.yml']);
    expect(Object.keys(services).sort()).toEqual(['bash-executor', 'jupyter', 'mlflow']);
    expect(serve).toMatchObject({
      image: `${answers.projectName}-serve:latest`,
      build: { context: dir, dockerfile: 'docker/Dockerfile.serve' },
      ports: ['127.0.0.1:8000:8000/tcp'],
      profiles: ['serve'],
      healthcheck: { test: ['CMD', 'python', '-c', expect.any(String), 'http://127.0.0.1:8000/health'] },
    });
    // The same probe and timings as every web service of the stack (the x-health convention).
    const { test: probe, ...timings } = serve!.healthcheck!;
    const { test: mlflowProbe, ...mlflowTimings } = services.mlflow!.healthcheck!;
    expect(probe.slice(0, 4)).toEqual(mlflowProbe.slice(0, 4));
    expect(timings).toEqual(mlflowTimings);
    expect(serve!.volumes, 'the serving image holds its model').toBeUndefined();
    const kind = answers.compute === 'gpu' ? 'gpu' : 'cpu';
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toBe(`${answers.projectName}-${kind}:latest`);
      expect(service.build.dockerfile, name).toBe(`docker/Dockerfile.${kind}`);
      expect(service.build.args, name).toMatchObject({ USER_UID: '1000', USER_GID: '1000' });
      expect(service.build.labels['org.opencontainers.image.title'], name).toBe(answers.projectName);
      expect(service.volumes, name).toEqual([`${dir}:/workspace:rw`]);
      expect(service.working_dir, name).toBe('/workspace');
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(services.jupyter!.ports).toEqual(['127.0.0.1:8888:8888/tcp']);
    expect(services.mlflow!.ports).toEqual(['127.0.0.1:5000:5000/tcp']);
    expect(services['bash-executor']!.ports).toBeUndefined();
    expect(services['bash-executor']!.environment).toEqual({ MLFLOW_TRACKING_URI: 'http://mlflow:5000' });
    expect(services.jupyter!.environment).toEqual({ MLFLOW_TRACKING_URI: 'http://mlflow:5000', JUPYTER_TOKEN: '' });
    expect(services.mlflow!.command.join(' ')).toMatch(/mlflow server .*--backend-store-uri sqlite:\/\/\/\/workspace\/mlruns\/mlflow\.db --artifacts-destination \/workspace\/mlruns\/artifacts/);
    const devices = (name: string) => services[name]!.deploy?.resources.reservations.devices ?? null;
    const gpu = answers.compute === 'gpu' ? allGpus : null;
    expect({ bash: devices('bash-executor'), jupyter: devices('jupyter'), mlflow: devices('mlflow') }).toEqual({ bash: gpu, jupyter: gpu, mlflow: null });
  });

  it.each(Object.keys(presets))('%s: docker-compose config shows the healthchecks of jupyter and mlflow, and jupyter waiting for mlflow to be healthy', (preset) => {
    const { dir, answers } = projects[preset]!;
    for (const files of answers.compute === 'auto' ? [['docker-compose.yml'], ['docker-compose.yml', 'docker-compose.gpu.yml']] : [['docker-compose.yml']]) {
      const services = composeConfig(dir, files);
      const probe = ['CMD', 'python', '-c', 'import sys, urllib.request as r; r.urlopen(sys.argv[1], timeout=4)'];
      const timing = { interval: '5s', timeout: '5s', retries: 5, start_period: '2m' };
      expect(services.jupyter!.healthcheck, files.join(' ')).toEqual({ test: [...probe, 'http://127.0.0.1:8888/api'], ...timing });
      expect(services.mlflow!.healthcheck, files.join(' ')).toEqual({ test: [...probe, 'http://127.0.0.1:5000/health'], ...timing });
      expect(services.jupyter!.depends_on).toEqual({ mlflow: { condition: 'service_healthy' } });
      // The shell starts whatever MLflow does: a broken tracking server never keeps you from running the tests.
      expect(services['bash-executor']!.healthcheck).toBeUndefined();
      expect(services['bash-executor']!.depends_on).toBeUndefined();
      expect(services.mlflow!.depends_on).toBeUndefined();
    }
  });

  it('the healthcheck probe passes when its URL answers 2xx, and fails when it errs, is refused, or hangs', async () => {
    const source = parseYaml(readFileSync(join(projects.defaults!.dir, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { healthcheck: { test: string[] } }> };
    const [, , flag, code] = source.services.mlflow!.healthcheck.test;
    const server = createServer((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/ok' ? 200 : 500).end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const probe = (path: string) => runProcess('/usr/bin/python3', [flag!, code!, `http://127.0.0.1:${port}${path}`], { timeoutMs: 30_000 });
      expect((await probe('/ok')).code).toBe(0);
      for (const path of ['/error', '/hang']) expect((await probe(path)).code, path).not.toBe(0);
      const refused = await runProcess('/usr/bin/python3', [flag!, code!, 'http://127.0.0.1:9/health'], { timeoutMs: 30_000 });
      expect(refused.code).not.toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it.each(Object.keys(presets))('%s: the host ports follow the environment and .env, the environment first', (preset) => {
    const dir = copyOf(preset);
    let services = composeConfig(dir, ['docker-compose.yml'], { JUPYTER_HOST_PORT: '9900', MLFLOW_HOST_PORT: '5001' });
    expect(services.jupyter!.ports).toEqual(['127.0.0.1:9900:8888/tcp']);
    expect(services.mlflow!.ports).toEqual(['127.0.0.1:5001:5000/tcp']);
    writeFileSync(join(dir, '.env'), 'JUPYTER_HOST_PORT=7777\nMLFLOW_HOST_PORT=7778\nJUPYTER_TOKEN=abc\nUSER_UID=501\nUSER_GID=20\n');
    services = composeConfig(dir, ['docker-compose.yml']);
    expect(services.jupyter!.ports).toEqual(['127.0.0.1:7777:8888/tcp']);
    expect(services.mlflow!.ports).toEqual(['127.0.0.1:7778:5000/tcp']);
    expect(services.jupyter!.environment!.JUPYTER_TOKEN).toBe('abc');
    expect(services['bash-executor']!.build.args).toMatchObject({ USER_UID: '501', USER_GID: '20' });
    services = composeConfig(dir, ['docker-compose.yml'], { JUPYTER_HOST_PORT: '9900' });
    expect(services.jupyter!.ports).toEqual(['127.0.0.1:9900:8888/tcp']);
  });

  it('the GPU override (compute auto) switches every service to the GPU image and gives GPUs to bash-executor and jupyter', () => {
    const { dir, answers } = projects.defaults!;
    expect(answers.compute).toBe('auto');
    const { serve, ...services } = composeConfig(dir, ['docker-compose.yml', 'docker-compose.gpu.yml'], { JUPYTER_HOST_PORT: '9900' });
    expect(serve!.build.dockerfile).toBe('docker/Dockerfile.serve');
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toBe(`${answers.projectName}-gpu:latest`);
      expect(service.build.dockerfile, name).toBe('docker/Dockerfile.gpu');
      expect(service.volumes, name).toEqual([`${dir}:/workspace:rw`]);
    }
    expect(services['bash-executor']!.deploy!.resources.reservations.devices).toEqual(allGpus);
    expect(services.jupyter!.deploy!.resources.reservations.devices).toEqual(allGpus);
    expect(services.mlflow!.deploy).toBeUndefined();
    expect(services.jupyter!.ports).toEqual(['127.0.0.1:9900:8888/tcp']);
    expect(services.mlflow!.ports).toEqual(['127.0.0.1:5000:5000/tcp']);
  });

  it('the free-text image label comes out of docker-compose verbatim, with and without the GPU override', () => {
    const { dir } = projects.defaults!;
    for (const files of [['docker-compose.yml'], ['docker-compose.yml', 'docker-compose.gpu.yml']]) {
      const result = run('docker-compose', [...files.flatMap((f) => ['-f', f]), 'config'], dir);
      expect(result.code, result.stderr).toBe(0);
      const services = (parseYaml(result.stdout) as { services: Record<string, { build: { labels: Record<string, string> } }> }).services;
      // `config` prints a compose file again, so its `$` come out doubled.
      const label = services.jupyter!.build.labels['org.opencontainers.image.description']!.replaceAll('$$', '$');
      expect(label).toBe(hostile.description);
    }
  });

  it('ML_PROJECT_IMAGE names the image (the ml-project runner sets it)', () => {
    const services = composeConfig(projects.defaults!.dir, ['docker-compose.yml'], { ML_PROJECT_IMAGE: 'mirror/x:1' });
    expect(services.jupyter!.image).toBe('mirror/x:1');
  });

  it('there is a GPU override only for compute auto; the files use the compose-spec form (no version key), no nvidia-docker', () => {
    for (const [preset, { dir, answers }] of Object.entries(projects)) {
      expect(existsSync(join(dir, 'docker-compose.gpu.yml')), preset).toBe(answers.compute === 'auto');
      for (const file of ['docker-compose.yml', 'docker-compose.gpu.yml'].filter((f) => existsSync(join(dir, f)))) {
        const text = readFileSync(join(dir, file), 'utf8');
        expect(parseYaml(text), `${preset} ${file}`).not.toHaveProperty('version');
        expect(text).not.toMatch(/nvidia-docker|runtime:\s*nvidia/);
      }
    }
  });

  it('Jupyter refuses to start with an empty token (the container command, run by sh)', () => {
    const { dir } = projects.defaults!;
    const source = parseYaml(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command: string[] }> };
    const script = source.services.jupyter!.command[2]!.replaceAll('$$', '$');
    const bin = tempDir('cmp-fakebin-');
    writeFileSync(join(bin, 'jupyter'), '#!/bin/sh\necho "started: $*"\n');
    chmodSync(join(bin, 'jupyter'), 0o755);
    const path = `${bin}:${process.env.PATH}`;
    const empty = run('sh', ['-c', script], dir, { PATH: path, JUPYTER_TOKEN: '' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/JUPYTER_TOKEN is empty/);
    expect(empty.stdout).toBe('');
    const set = run('sh', ['-c', script], dir, { PATH: path, JUPYTER_TOKEN: 'abc' });
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^started: lab --ip=0\.0\.0\.0 --port=8888 --no-browser/);
    expect(set.stdout).not.toContain('abc');
  });
});

/** A `docker` on PATH that answers `docker compose version` and `docker info` as told, and nothing else. */
function fakeDocker(runtimes: string | null, composePlugin: boolean): string {
  const bin = tempDir('cmp-fakedocker-');
  writeFileSync(
    join(bin, 'docker'),
    [
      '#!/bin/sh',
      'if [ "$1" = compose ] && [ "$2" = version ]; then',
      composePlugin ? '  echo "Docker Compose version v2.29.7"; exit 0' : '  echo "docker: unknown command: docker compose" >&2; exit 1',
      'fi',
      'if [ "$1" = info ]; then',
      runtimes === null ? '  echo "Cannot connect to the Docker daemon" >&2; exit 1' : `  echo '${runtimes}'; exit 0`,
      'fi',
      'echo "fake docker: $*" >&2; exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'docker'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

const nvidiaRuntimes = '{"io.containerd.runc.v2":{"path":"runc"},"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}';
const plainRuntimes = '{"io.containerd.runc.v2":{"path":"runc"},"runc":{"path":"runc"}}';

/** make in plain docker compose mode (ML_PROJECT empty) unless the test says otherwise. */
function make(dir: string, args: readonly string[], env: Record<string, string | undefined> = {}) {
  return run('make', ['--no-print-directory', ...args], dir, { PATH: fakeDocker(null, false), ML_PROJECT: '', ...env });
}

function expectedTargets(answers: Generated['answers']): string[] {
  return [...baseTargets, ...(answers.dvc ? ['dvc-repro'] : []), ...(answers.precommit ? ['pre-commit-install'] : [])];
}

describe('Makefile', () => {
  it.each(Object.keys(presets))('%s: help is the default goal and lists every target, and only those', (preset) => {
    const { dir, answers } = projects[preset]!;
    const help = make(dir, []);
    expect(help.code, help.stderr).toBe(0);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z][a-z0-9-]*) {2,}\S/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(expectedTargets(answers).sort());
    // The description, verbatim: make expanded nothing in it.
    expect(help.stdout.split('\n')[0]).toBe(`${answers.projectName}: ${hostile.description}`);
    expect(make(dir, ['help']).stdout).toBe(help.stdout);
  });

  it.each(Object.keys(presets))('%s: make -n succeeds for every target', (preset) => {
    const { dir, answers } = projects[preset]!;
    for (const target of expectedTargets(answers)) {
      const dry = make(dir, ['-n', target]);
      expect(dry.code, `make -n ${target}: ${dry.stderr}`).toBe(0);
    }
  });

  it('a part switched off leaves no target behind', () => {
    const { dir } = projects.minimal!;
    for (const target of ['dvc-repro', 'pre-commit-install']) {
      const dry = make(dir, ['-n', target]);
      expect(dry.code).not.toBe(0);
      expect(dry.stderr).toMatch(/No rule to make target/);
    }
    expect(readFileSync(join(dir, 'Makefile'), 'utf8')).not.toMatch(/dvc|pre-commit/i);
  });

  it('make serve refuses before a model exists, then builds and starts the serve profile with SERVE_HOST_PORT', () => {
    const dir = copyOf('defaults');
    const refused = make(dir, ['serve']);
    expect(refused.code).toBe(2); // make's own code for a recipe that failed
    expect(refused.stderr).toContain('make serve: models/model.joblib does not exist yet: train a model first (make etl train).');
    writeFileSync(join(dir, 'models', 'model.joblib'), '');
    for (const [port, prefix] of [['9123', "SERVE_HOST_PORT='9123' "], [undefined, '']] as const) {
      const dry = make(dir, ['-n', 'serve', ...(port ? [`SERVE_HOST_PORT=${port}`] : [])]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`\n${prefix}docker-compose --profile serve up -d --build serve\n`);
      expect(dry.stdout).toContain(`$(${prefix}docker-compose --profile serve port serve 8000)`);
    }
  });

  it('make -n create-container JUPYTER_HOST_PORT=9900 hands the port to compose; without it .env decides', () => {
    const { dir } = projects.defaults!;
    const dry = make(dir, ['-n', 'create-container', 'JUPYTER_HOST_PORT=9900']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("JUPYTER_HOST_PORT='9900' docker-compose up -d");
    const fromEnv = make(dir, ['-n', 'create-container'], { MLFLOW_HOST_PORT: '5001' });
    expect(fromEnv.stdout).toContain("MLFLOW_HOST_PORT='5001' docker-compose up -d");
    const plain = make(dir, ['-n', 'create-container']);
    expect(plain.stdout).toMatch(/^docker-compose up -d --remove-orphans$/m);
    expect(plain.stdout).not.toContain('HOST_PORT=');
  });

  it('create-container and start-container print the Jupyter URL with its token and the MLflow URL', () => {
    const { dir } = projects.defaults!;
    for (const target of ['create-container', 'start-container', 'urls']) {
      const dry = make(dir, ['-n', target]).stdout;
      expect(dry, target).toContain('docker-compose port jupyter 8888');
      expect(dry, target).toContain('docker-compose port mlflow 5000');
      expect(dry, target).toContain('docker-compose exec -T jupyter printenv JUPYTER_TOKEN');
      expect(dry, target).toContain("printf 'Jupyter: http://%s/lab?token=%s\\nMLflow:  http://%s");
    }
  });

  it('project code runs through docker compose exec on the host, once the engine answers and bash-executor runs, and directly inside the container', () => {
    const { dir, answers } = projects.defaults!;
    const pkg = answers.packageName;
    const host = make(dir, ['-n', 'train', 'CONFIG=configs/examples/random_forest.yml']);
    const [engine, running, exec, ...rest] = host.stdout.trim().split('\n');
    expect(engine).toMatch(/^command -v docker .*docker info .*exit 3; fi$/);
    expect(running).toMatch(/^docker-compose ps --services --filter status=running \| grep -qx bash-executor \|\| \{ echo 'make train: bash-executor is not running: start it with make create-container/);
    expect(exec).toBe(`docker-compose exec -T bash-executor python -m ${pkg}.train 'configs/examples/random_forest.yml'`);
    expect(rest).toEqual([]);
    const inside = (target: string, ...extra: string[]) => make(dir, ['-n', target, ...extra], { ML_PROJECT_IN_CONTAINER: '1' });
    expect(inside('etl').stdout.trim()).toBe(`python -m ${pkg}.etl 'configs/examples/baseline.yml'`);
    expect(inside('evaluate', "CONFIG=configs/examples/it's.yml").stdout.trim()).toBe(`python -m ${pkg}.evaluate 'configs/examples/it'\\''s.yml'`);
    expect(inside('test').stdout.trim()).toBe('python -m pytest');
    expect(inside('lint').stdout.trim().split('\n')).toEqual(['ruff check .', 'ruff format --check .']);
    expect(inside('format').stdout.trim().split('\n')).toEqual(['ruff format .', 'ruff check --fix .']);
    expect(inside('dvc-repro').stdout.trim()).toBe('dvc repro');
    for (const target of ['init', 'create-container', 'shell', 'venv']) {
      const refused = make(dir, [target], { ML_PROJECT_IN_CONTAINER: '1' });
      expect(refused.code, target).not.toBe(0);
      expect(refused.stderr, target).toContain(`make ${target} runs on the host`);
    }
  });

  it.each([
    ['defaults', nvidiaRuntimes, true, [], 'docker compose -f docker-compose.yml -f docker-compose.gpu.yml build bash-executor'],
    ['defaults', plainRuntimes, true, [], 'docker compose build bash-executor'],
    ['defaults', null, false, [], 'docker-compose build bash-executor'],
    ['defaults', nvidiaRuntimes, false, ['GPU=0'], 'docker-compose build bash-executor'],
    ['defaults', plainRuntimes, false, ['GPU=1'], 'docker-compose -f docker-compose.yml -f docker-compose.gpu.yml build bash-executor'],
    ['cpu', nvidiaRuntimes, true, [], 'docker compose build bash-executor'],
    ['gpu', plainRuntimes, true, [], 'docker compose build bash-executor'],
  ] as const)('%s, runtimes %s, compose plugin %s, %j: init runs %s', (preset, runtimes, plugin, args, expected) => {
    const { dir, answers } = projects[preset]!;
    const dry = make(dir, ['-n', 'init', ...args], { PATH: fakeDocker(runtimes, plugin) });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`\n${expected}\n`);
    const kind = answers.compute === 'gpu' || expected.includes('gpu.yml') ? 'GPU' : 'CPU';
    expect(dry.stdout).toContain(`Building the ${kind} (docker/Dockerfile.${kind.toLowerCase()}) image`);
  });

  it.each([
    ['both healthy, mlflow after two checks', { mlflow: 'starting starting healthy', jupyter: 'healthy' }, 0, []],
    ['no healthchecks (an older compose file): running is enough', { mlflow: 'running', jupyter: 'running' }, 0, []],
    ['mlflow unhealthy', { mlflow: 'starting unhealthy', jupyter: 'healthy' }, 1, ['make create-container: mlflow is unhealthy after 1 s; its last log lines:', 'mlflow: its last words']],
    ['jupyter stopped', { mlflow: 'healthy', jupyter: 'exited' }, 1, ['make create-container: jupyter is exited after 0 s; its last log lines:', 'jupyter: its last words']],
  ] as const)('without the runner, create-container waits on the healthchecks (%s)', (_, states, code, said) => {
    const { dir } = projects.defaults!;
    const recipe = make(dir, ['-n', 'create-container']).stdout.split('\n').find((l) => l.startsWith('for service in mlflow jupyter'))!;
    const bin = tempDir('cmp-health-');
    // docker inspect answers each service's states in turn, the last one for good; compose knows ps -q and logs.
    for (const [service, sequence] of Object.entries(states)) writeFileSync(join(bin, service), sequence.split(' ').join('\n') + '\n');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\nf="${bin}/$(echo "$4" | sed 's/^id-//')"\nhead -n 1 "$f"; [ "$(wc -l < "$f")" -gt 1 ] && sed -i 1d "$f"; exit 0\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'docker-compose'), '#!/bin/sh\ncase "$1" in ps) echo "id-$3" ;; logs) echo "$3: its last words" ;; esac\n', { mode: 0o755 });
    const result = run('sh', ['-c', recipe], dir, { PATH: `${bin}:${process.env.PATH}` });
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr.trim().split('\n').filter(Boolean)).toEqual(said);
  });

  it.each([
    ['the nvidia runtime', nvidiaRuntimes, {}, 'gpu'],
    ['no nvidia runtime', plainRuntimes, {}, 'cpu'],
    ['no engine answering', null, {}, 'cpu'],
    ['GPU=0 with the nvidia runtime', nvidiaRuntimes, { GPU: '0' }, 'cpu'],
    ['GPU=1 without it', plainRuntimes, { GPU: '1' }, 'gpu'],
  ] as const)('the devcontainer (compute auto) opens the image make would pick: %s gives the %s stack', (_, runtimes, env, kind) => {
    const dir = copyOf('defaults');
    const devcontainer = JSON.parse(readFileSync(join(dir, '.devcontainer/devcontainer.json'), 'utf8')) as { dockerComposeFile: string[]; initializeCommand: string };
    expect(devcontainer.dockerComposeFile).toEqual(['../docker-compose.yml', 'compute.yml']);
    expect(devcontainer.initializeCommand).toBe('make .env && sh .devcontainer/compute.sh');
    // VS Code runs initializeCommand in the project folder, on the host.
    const init = run('sh', ['-c', devcontainer.initializeCommand], dir, { PATH: fakeDocker(runtimes, true), ...env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`Dev container: the ${kind.toUpperCase()} image (docker/Dockerfile.${kind})`);
    const files = devcontainer.dockerComposeFile.map((f) => join('.devcontainer', f));
    // serve (a profile of its own) keeps its slim image whichever image the stack gets.
    const { serve, ...services } = composeConfig(dir, files);
    expect(serve!.build.dockerfile).toBe('docker/Dockerfile.serve');
    for (const [name, service] of Object.entries(services)) expect(service.build.dockerfile, name).toBe(`docker/Dockerfile.${kind}`);
    expect(services.jupyter!.deploy?.resources.reservations.devices ?? null).toEqual(kind === 'gpu' ? allGpus : null);
    expect(run('git', ['init', '-q'], dir).code).toBe(0);
    expect(run('git', ['check-ignore', '.devcontainer/compute.yml'], dir).stdout.trim()).toBe('.devcontainer/compute.yml');
  });

  it('the devcontainer of a CPU-only or GPU-only project opens its one stack, with no choice to make', () => {
    for (const preset of ['cpu', 'gpu']) {
      const devcontainer = JSON.parse(readFileSync(join(projects[preset]!.dir, '.devcontainer/devcontainer.json'), 'utf8')) as { dockerComposeFile: string[]; initializeCommand: string };
      expect(devcontainer).toMatchObject({ dockerComposeFile: ['../docker-compose.yml'], initializeCommand: 'make .env' });
      expect(existsSync(join(projects[preset]!.dir, '.devcontainer/compute.sh'))).toBe(false);
    }
  });

  it('make .env writes a random token and your UID/GID once, readable by you only; compose reads it', () => {
    const dir = copyOf('defaults');
    const first = make(dir, ['.env']);
    expect(first.code, first.stderr).toBe(0);
    const env = readFileSync(join(dir, '.env'), 'utf8');
    const token = /^JUPYTER_TOKEN=([0-9a-f]{48})$/m.exec(env)?.[1];
    expect(token, env).toBeDefined();
    expect(env).toContain(`\nUSER_UID=${process.getuid!()}\n`);
    expect(env).toContain(`\nUSER_GID=${process.getgid!()}\n`);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(make(dir, ['.env']).stdout).toMatch(/is up to date/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(env);
    const services = composeConfig(dir, ['docker-compose.yml']);
    expect(services.jupyter!.environment!.JUPYTER_TOKEN).toBe(token);
    expect(services.mlflow!.build.args.USER_UID).toBe(String(process.getuid!()));
    // A second project gets another token.
    const other = copyOf('defaults');
    make(other, ['.env']);
    expect(readFileSync(join(other, '.env'), 'utf8')).not.toContain(token!);
  });

  it('create-container refuses an empty JUPYTER_TOKEN before starting anything', () => {
    const dir = copyOf('defaults');
    writeFileSync(join(dir, '.env'), readFileSync(join(dir, '.env.example')));
    const refused = make(dir, ['create-container']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/JUPYTER_TOKEN is empty in \.env/);
  });

  it('keeps shell variables intact in recipes ($$ in the Makefile, $ for the shell)', () => {
    const { dir } = projects.defaults!;
    const dry = make(dir, ['-n', '.env', 'create-container']).stdout;
    expect(dry).toContain('token=$(od -An -tx1 -N24 /dev/urandom');
    expect(dry).toContain('USER_UID=$(id -u)');
    expect(dry).toContain('[ -n "${JUPYTER_TOKEN:-}" ]');
    expect(dry).toContain('"$jupyter" "$token" "$mlflow"');
  });
});

/** A PATH of its own: the fake docker, make and grep, and npx and node only when asked for. */
function toolPath(options: { npx: boolean; node: 'new' | 'old' | 'none' }): string {
  const bin = tempDir('cmp-tools-');
  const fake = fakeDocker(null, false).split(':')[0]!;
  symlinkSync(join(fake, 'docker'), join(bin, 'docker'));
  for (const tool of ['make', 'grep']) {
    const found = run('sh', ['-c', `command -v ${tool}`], bin).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  // make -n never runs npx; it only has to be there.
  if (options.npx) writeFileSync(join(bin, 'npx'), '#!/bin/sh\necho "stand-in npx $*"\n', { mode: 0o755 });
  if (options.node === 'new') symlinkSync(process.execPath, join(bin, 'node'));
  // A Node too old for the runner: the Makefile's version check fails.
  if (options.node === 'old') writeFileSync(join(bin, 'node'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  return bin;
}

/** A stand-in runner command, as a user would give it. */
const standIn = "node '/opt/create-ml-project/bin/ml-project.cjs'";

describe('Makefile with the ml-project runner', () => {
  const runnerRecipes: Array<[string, string[], string]> = [
    ['init', [], 'build'],
    ['create-container', [], 'up'],
    ['start-container', [], 'start'],
    ['stop-container', [], 'stop'],
    ['clean-container', [], 'down'],
    ['status', [], 'status'],
    ['logs', [], 'logs -f'],
    ['logs', ['SERVICE=jupyter'], "logs -f 'jupyter'"],
    ['shell', [], 'shell'],
    ['doctor', [], 'doctor'],
  ];

  it.each(runnerRecipes)('make -n %s %j with ML_PROJECT set runs: ml-project %s, and no compose', (target, args, command) => {
    const { dir } = projects.defaults!;
    const dry = make(dir, ['-n', target, ...args], { ML_PROJECT: standIn });
    expect(dry.code, dry.stderr).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`${standIn} ${command}`);
    expect(dry.stdout).not.toMatch(/docker-compose|docker compose|Building the/);
  });

  it.each(Object.keys(presets))('%s: make -n succeeds for every target with the runner', (preset) => {
    const { dir, answers } = projects[preset]!;
    for (const target of expectedTargets(answers)) {
      const dry = make(dir, ['-n', target], { ML_PROJECT: standIn });
      expect(dry.code, `make -n ${target}: ${dry.stderr}`).toBe(0);
    }
  });

  it('the runner make looks for is the version in .yo-rc.json, this package (generated-make-runner.test.ts runs the search)', () => {
    const { dir } = projects.defaults!;
    const stored = JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, { version: string }>;
    const version = stored['create-ml-project']!.version;
    expect(version).toBe((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    expect(readFileSync(join(dir, 'Makefile'), 'utf8')).toContain(`\nRUNNER_VERSION := ${version}\n`);
  });

  it.each([
    ['no npx on PATH', { npx: false, node: 'new' }, undefined],
    ['no Node on PATH', { npx: true, node: 'none' }, undefined],
    ['a Node older than 20.17', { npx: true, node: 'old' }, undefined],
    ['ML_PROJECT= (empty)', { npx: true, node: 'new' }, ''],
  ] as const)('%s: plain docker compose, each command after the engine check', (_, tools, mlProject) => {
    const { dir } = projects.defaults!;
    const env = { PATH: toolPath(tools), ML_PROJECT: mlProject };
    const lines = (target: string, ...args: string[]) => {
      const dry = make(dir, ['-n', target, ...args], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).not.toMatch(/ml-project (build|up|start|stop|down|status|logs|shell|doctor|exec)/);
      return dry.stdout.trim().split('\n');
    };
    const engine = expect.stringMatching(/^command -v docker >\/dev\/null 2>&1 \|\| .*docker info .*exit 3; fi$/);
    const running = expect.stringMatching(/^docker-compose ps --services --filter status=running \| grep -qx bash-executor \|\| /);
    expect(lines('init').slice(-3)).toEqual([engine, "echo 'Building the CPU (docker/Dockerfile.cpu) image'", 'docker-compose build bash-executor']);
    const waits = expect.stringMatching(/^for service in mlflow jupyter; do id=\$\(docker-compose ps -q \$service\);/);
    expect(lines('create-container').slice(-4, -1)).toEqual([engine, 'docker-compose up -d --remove-orphans', waits]);
    expect(lines('start-container').slice(-4, -1)).toEqual([engine, 'docker-compose start', waits]);
    expect(lines('stop-container')).toEqual([engine, 'docker-compose stop']);
    expect(lines('clean-container')).toEqual([engine, 'docker-compose down --remove-orphans']);
    expect(lines('status')).toEqual([engine, 'docker-compose ps']);
    expect(lines('logs', 'SERVICE=jupyter')).toEqual([engine, 'docker-compose logs -f --tail=200 jupyter']);
    expect(lines('urls')[0]).toEqual(engine);
    // make runs here without a terminal: compose is told not to allocate one.
    expect(lines('shell')).toEqual([engine, running, 'docker-compose exec -T bash-executor bash']);
    expect(lines('test')).toEqual([engine, running, 'docker-compose exec -T bash-executor python -m pytest']);
    expect(lines('doctor')).toEqual([
      "echo 'make doctor runs ml-project, which is not here: npm i -g create-ml-project@0.1.0 (Node.js 20.17 or newer, https://nodejs.org), or ML_PROJECT=COMMAND.' >&2; exit 1",
    ]);
  });

  it('the Node version the Makefile asks for is package.json\'s engines.node', () => {
    const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const [major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!.slice(1);
    const makefile = readFileSync(join(projects.defaults!.dir, 'Makefile'), 'utf8');
    expect(makefile).toContain(`a > ${major} || (a === ${major} && b >= ${minor})`);
    expect(makefile).toContain(`Node.js ${major}.${minor} or newer`);
  });

  it('the port overrides reach the runner as they reach compose, from make and from the shell', () => {
    const { dir } = projects.defaults!;
    for (const [mlProject, command] of [[standIn, `${standIn} up`], ['', 'docker-compose up -d --remove-orphans']] as const) {
      const given = make(dir, ['-n', 'create-container', 'JUPYTER_HOST_PORT=9900'], { ML_PROJECT: mlProject });
      expect(given.stdout).toContain(`\nJUPYTER_HOST_PORT='9900' ${command}\n`);
      const fromShell = make(dir, ['-n', 'create-container'], { ML_PROJECT: mlProject, MLFLOW_HOST_PORT: '5001' });
      expect(fromShell.stdout).toContain(`\nMLFLOW_HOST_PORT='5001' ${command}\n`);
      const both = make(dir, ['-n', 'create-container', 'JUPYTER_HOST_PORT=9900', 'MLFLOW_HOST_PORT=5001'], { ML_PROJECT: mlProject });
      expect(both.stdout).toContain(`\nJUPYTER_HOST_PORT='9900' MLFLOW_HOST_PORT='5001' ${command}\n`);
    }
  });

  it.each([
    ['defaults', ['GPU=1'], {}, ' --gpu on'],
    ['defaults', ['GPU=0'], {}, ' --gpu off'],
    ['defaults', [], { GPU: '1' }, ' --gpu on'],
    ['defaults', [], { GPU: '0' }, ' --gpu off'],
    ['defaults', [], {}, ''],
    ['cpu', ['GPU=1'], {}, ''],
    ['gpu', ['GPU=0'], {}, ''],
  ] as const)('%s, %j, environment %j: build, up and start get%s', (preset, args, env, flag) => {
    const { dir } = projects[preset]!;
    // Docker with the nvidia runtime: the runner, not make, decides when GPU is not given.
    const path = fakeDocker(nvidiaRuntimes, true);
    for (const [target, command] of [['init', 'build'], ['create-container', 'up'], ['start-container', 'start']]) {
      const dry = make(dir, ['-n', target, ...args], { ML_PROJECT: standIn, PATH: path, ...env });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout.trim().split('\n').at(-1), target).toBe(`${standIn} ${command}${flag}`);
    }
  });

  it('the README says how make finds the runner, how to force compose, what to do without Docker, and make doctor', () => {
    const readme = readFileSync(join(projects.defaults!.dir, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(readme).toContain(`make looks for create-ml-project ${version}, the version that generated this project (recorded in \`.yo-rc.json\`)`);
    expect(readme).toContain(`1. \`ml-project\` on your PATH (\`npm i -g create-ml-project@${version}\` puts it there); 2. that version in the npx cache, run without the network`);
    expect(readme).toContain('3. `npx`, only when the npm registry answers with that version within a few seconds');
    expect(readme).toContain('the same targets run plain `docker compose` (the compose files work on their own) and say so in one line');
    expect(readme).toContain('`ML_PROJECT=` (empty)');
    expect(readme).toContain("`ML_PROJECT='node /path/to/bin/ml-project.cjs'`");
    expect(readme).toMatch(/make doctor +# check Docker, compose, NVIDIA support and the ports \(needs the runner\)/);
    expect(readme).toContain('## When Docker is not running');
    expect(readme).toContain('make says which engine it asked (`DOCKER_HOST`, or the socket of your docker context) and how to start it');
    expect(readme).toContain('## Without Docker');
    expect(readme).toContain('make venv # python3 -m venv .venv; pip install -r requirements-dev.txt');
    expect(readme).toContain('make test LOCAL=1 # pytest in .venv');
    expect(readme).toContain('make etl train evaluate LOCAL=1 # the pipeline in .venv');
    expect(readme).toContain('`LOCAL=1` applies to `make test`, `lint`, `format`, `etl`, `train`, `evaluate` and `dvc-repro`');
    expect(readme).toContain('`make venv PYTHON=python3.12`');
    const minimal = readFileSync(join(projects.minimal!.dir, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(minimal).toContain('`LOCAL=1` applies to `make test`, `lint`, `format`, `etl`, `train`, `evaluate`;');
    expect(minimal).not.toMatch(/dvc/i);
  });

  it('make doctor runs the real runner (a missing engine: its report and its failure); without it, says how to get it', () => {
    const dir = copyOf('defaults');
    const runner = `${sh(process.execPath)} ${sh(join(repoRoot, 'bin', 'ml-project.cjs'))}`;
    const result = make(dir, ['doctor'], { ML_PROJECT: runner, DOCKER_HOST: `unix://${tempDir('cmp-nodocker-')}/docker.sock` });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/^fail {2}engine {4}/m);
    expect(result.stdout).toMatch(/^(ok {4}|warn {2})port 8888 /m);
    const plain = make(dir, ['doctor']);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/make doctor runs ml-project, which is not here: npm i -g create-ml-project@\S+ \(Node\.js 20\.17 or newer/);
  });
});

describe('shell scripts', () => {
  function shellcheck(script: string, label: string, exclude: readonly string[] = []): void {
    const dir = tempDir('cmp-sc-');
    const file = join(dir, 'script.sh');
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    const result = run('shellcheck', ['--shell=sh', '--severity=style', ...exclude.map((code) => `--exclude=${code}`), file], dir);
    expect(result.code, `${label}\n${script}\n${result.stdout}${result.stderr}`).toBe(0);
  }

  /** RUN instructions of a Dockerfile as the shell gets them. */
  function runScripts(dockerfile: string): string[] {
    const joined = dockerfile.replace(/\\\n/g, '\n');
    const scripts: string[] = [];
    let current: string[] | undefined;
    for (const line of dockerfile.split('\n')) {
      if (current) {
        current.push(line.replace(/\\$/, ''));
        if (!line.endsWith('\\')) {
          scripts.push(current.join('\n'));
          current = undefined;
        }
      } else if (/^RUN /.test(line)) {
        current = [line.slice(4).replace(/\\$/, '')];
        if (!line.endsWith('\\')) {
          scripts.push(current.join('\n'));
          current = undefined;
        }
      }
    }
    expect(joined).toContain('RUN');
    return scripts;
  }

  it.each(Object.keys(presets))('%s: the compose commands and the Dockerfiles RUN scripts pass shellcheck', (preset) => {
    const { dir } = projects[preset]!;
    const compose = parseYaml(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command?: string[] }> };
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.command?.[0] === 'sh') shellcheck(service.command[2]!.replaceAll('$$', '$'), `docker-compose.yml ${name}`);
    }
    for (const file of ['docker/Dockerfile.cpu', 'docker/Dockerfile.gpu', 'docker/Dockerfile.serve'].filter((f) => existsSync(join(dir, f)))) {
      const scripts = runScripts(readFileSync(join(dir, file), 'utf8'));
      expect(scripts.length, file).toBeGreaterThanOrEqual(file.endsWith('serve') ? 1 : 2);
      for (const script of scripts) shellcheck(script, file);
    }
  });

  // Each way a recipe can come out: compose, the runner, LOCAL=1, and (for the project
  // code, as the other targets refuse there) inside a container.
  const modes: Record<string, string | undefined>[] = [
    { ML_PROJECT: '' },
    { ML_PROJECT: 'npx --yes --package=create-ml-project@0.1.0 ml-project' },
    { ML_PROJECT: '', LOCAL: '1' },
    { ML_PROJECT_IN_CONTAINER: '1' },
  ];
  const codeTargets = ['test', 'lint', 'format', 'etl', 'train', 'evaluate', 'dvc-repro'];

  it.each(Object.keys(presets))('%s: every recipe make would run passes shellcheck', (preset) => {
    const { dir, answers } = projects[preset]!;
    for (const target of [...expectedTargets(answers), '.env']) {
      for (const mode of modes) {
        if (mode.ML_PROJECT_IN_CONTAINER && !codeTargets.includes(target)) continue;
        const dry = make(dir, ['-n', target, 'SERVICE=jupyter', 'JUPYTER_HOST_PORT=9900'], mode);
        const label = `make -n ${target} ${JSON.stringify(mode)}`;
        expect(dry.code, `${label}: ${dry.stderr}`).toBe(0);
        // SC2016 (a `$` in single quotes does not expand) is the point of make(): free text stays literal.
        if (dry.stdout.trim()) shellcheck(dry.stdout, label, ['SC2016']);
      }
    }
  });

  it.each(Object.keys(presets))('%s: the search for the runner (a $(shell) script, not a recipe) passes shellcheck', (preset) => {
    const { dir } = projects[preset]!;
    const shown = make(dir, ['--eval', 'show-search: ; @: $(info $(FIND_RUNNER))', 'show-search'], { ML_PROJECT: undefined });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toMatch(/^if command -v ml-project .* fi$/);
    shellcheck(shown.stdout, `${preset} FIND_RUNNER`);
  });

  it('the user setup reuses a group or user that already has the GID or UID', () => {
    const dockerfile = readFileSync(join(projects.defaults!.dir, 'docker/Dockerfile.cpu'), 'utf8');
    const script = runScripts(dockerfile).find((s) => s.includes('useradd'))!;
    const simulate = (uid: number, gid: number, groups: string, passwd: string) => {
      const dir = tempDir('cmp-users-');
      writeFileSync(join(dir, 'group'), groups);
      writeFileSync(join(dir, 'passwd'), passwd);
      const log = join(dir, 'log');
      const stub = (name: string, body: string) => {
        writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(dir, name), 0o755);
      };
      // getent from the two files; the rest only logs what it was asked to do.
      stub('getent', `awk -F: -v k="$2" '$3 == k' "${dir}/$1"`);
      for (const cmd of ['groupadd', 'useradd', 'usermod', 'mkdir', 'chown']) stub(cmd, `echo "${cmd} $*" >> "${log}"`);
      const result = run('sh', ['-c', script], dir, { PATH: `${dir}:${process.env.PATH}`, USER_UID: String(uid), USER_GID: String(gid), USER_NAME: 'ml' });
      expect(result.code, result.stderr).toBe(0);
      return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    };
    const base = 'root:x:0:\ndialout:x:20:\n';
    const users = 'root:x:0:0:root:/root:/bin/bash\n';
    expect(simulate(1000, 1000, base, users)).toEqual([
      'groupadd --gid 1000 ml',
      'useradd --uid 1000 --gid ml --home-dir /home/ml --create-home --shell /bin/bash ml',
      'mkdir -p /workspace',
      'chown 1000:1000 /workspace',
    ]);
    // macOS: GID 20 (staff there) is dialout in Debian.
    expect(simulate(501, 20, base, users)).toEqual([
      'useradd --uid 501 --gid dialout --home-dir /home/ml --create-home --shell /bin/bash ml',
      'mkdir -p /workspace',
      'chown 501:20 /workspace',
    ]);
    // Ubuntu 24.04 (the CUDA images) has ubuntu:1000:1000.
    expect(simulate(1000, 1000, `${base}ubuntu:x:1000:\n`, `${users}ubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n`)).toEqual([
      'usermod --gid ubuntu --shell /bin/bash ubuntu',
      'mkdir -p /home/ubuntu',
      'chown 1000:1000 /home/ubuntu',
      'mkdir -p /workspace',
      'chown 1000:1000 /workspace',
    ]);
    // A system user whose home is not under /home gets one there.
    expect(simulate(33, 33, `${base}www-data:x:33:\n`, `${users}www-data:x:33:33::/var/www:/usr/sbin/nologin\n`)).toEqual([
      'usermod --home /home/ml www-data',
      'usermod --gid www-data --shell /bin/bash www-data',
      'mkdir -p /home/ml',
      'chown 33:33 /home/ml',
      'mkdir -p /workspace',
      'chown 33:33 /workspace',
    ]);
    // root on the host: the containers run as root.
    expect(simulate(0, 0, base, users)).toEqual(['mkdir -p /workspace', 'chown 0:0 /workspace']);
  });
});

describe('Dockerfiles', () => {
  const instructions = (text: string) =>
    text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));

  it.each(Object.keys(presets))('%s: classic-builder syntax, base image by build arg, dependencies before the source, non-root', (preset) => {
    const { dir, answers } = projects[preset]!;
    const files = ['cpu', 'gpu'].filter((k) => existsSync(join(dir, `docker/Dockerfile.${k}`)));
    expect(files).toEqual(answers.compute === 'auto' ? ['cpu', 'gpu'] : [answers.compute]);
    for (const kind of files) {
      const text = readFileSync(join(dir, `docker/Dockerfile.${kind}`), 'utf8');
      const lines = instructions(text);
      expect(text, kind).not.toMatch(/--mount|<<-?\s*['"]?[A-Z]+|^# syntax=|nvidia-docker/m);
      const python = pythonImages['3.12'];
      if (kind === 'cpu') {
        expect(lines.slice(0, 2)).toEqual([`ARG BASE_IMAGE=${python}`, 'FROM ${BASE_IMAGE}']);
      } else {
        expect(lines.slice(0, 4)).toEqual([
          `ARG PYTHON_IMAGE=${python}`,
          `ARG BASE_IMAGE=${cudaImages['12.8']}`,
          'FROM ${PYTHON_IMAGE} AS python',
          'FROM ${BASE_IMAGE}',
        ]);
        expect(lines).toContain('COPY --from=python /usr/local /usr/local');
      }
      const index = (re: RegExp) => lines.findIndex((l) => re.test(l));
      const requirements = index(/^COPY requirements\* docker\/lock\.py \/tmp\/requirements\/$/);
      const pip = index(/^RUN .*pip install -r /);
      // Owned by the user as it is copied: no chown -R storing the project a second time.
      const source = index(/^COPY --chown=\$\{USER_UID\}:\$\{USER_GID\} \. \/workspace$/);
      expect(text).not.toMatch(/chown -R/);
      expect(requirements).toBeGreaterThan(0);
      expect(pip).toBeGreaterThan(requirements);
      expect(source).toBeGreaterThan(pip);
      expect(lines.filter((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from'))).toHaveLength(2);
      expect(lines).toContain('WORKDIR /workspace');
      expect(lines.at(-3)).toBe('USER ${USER_UID}:${USER_GID}');
      expect(text).toMatch(/python3 -m venv --system-site-packages "\$\{VIRTUAL_ENV\}"/);
      expect(text).toMatch(/ML_PROJECT_IN_CONTAINER=1/);
      expect(text).not.toMatch(/JUPYTER_TOKEN|\.env\b/);
    }
  });
});

describe('hygiene and docs', () => {
  it.each(Object.keys(presets))('%s: .gitignore keeps the folders, ignores outputs, secrets and runs; .dockerignore keeps them out of the image', (preset) => {
    const dir = copyOf(preset);
    expect(run('git', ['init', '-q'], dir).code).toBe(0);
    // With DVC, metrics and the run's config are committed so that `dvc metrics diff` can compare commits.
    const results = ['reports/metrics.json', 'reports/config.yml'];
    const outputs = ['data/raw/x.csv', 'data/interim/x.csv', 'data/processed/train.csv', 'data/external/x.csv', 'models/model.joblib', 'reports/figures/a.png', 'mlruns/mlflow.db', '.env', 'notebooks/.ipynb_checkpoints/a.ipynb', `${projects[preset]!.answers.packageName}/__pycache__/a.pyc`, ...(projects[preset]!.answers.dvc ? [] : results)];
    for (const file of outputs) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), 'x');
    }
    const ignored = run('git', ['check-ignore', '--no-index', ...outputs], dir).stdout.trim().split('\n');
    expect(ignored.sort()).toEqual([...outputs].sort());
    const kept = ['data/raw/.gitkeep', 'models/.gitkeep', 'reports/figures/.gitkeep', '.env.example', 'Makefile', 'docker-compose.yml', ...(projects[preset]!.answers.dvc ? results : [])];
    for (const file of kept) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), 'x');
    }
    expect(run('git', ['check-ignore', '--no-index', ...kept], dir).stdout).toBe('');
    const dockerignore = readFileSync(join(dir, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', '.env', 'data', 'mlruns', 'models/*']) expect(dockerignore).toContain(entry);
    // The trained model only: the serving image holds it.
    expect(dockerignore.filter((line) => line.startsWith('!'))).toEqual(['!models/model.joblib']);
    expect(dockerignore.includes('.dvc/cache')).toBe(projects[preset]!.answers.dvc);
  });

  it.each(Object.keys(presets))('%s: .env.example has an empty token, the ports and ids; docker-compose reads it', (preset) => {
    const dir = copyOf(preset);
    const example = readFileSync(join(dir, '.env.example'), 'utf8');
    expect(example).toMatch(/^JUPYTER_TOKEN=$/m);
    expect(example).toMatch(/^JUPYTER_HOST_PORT=8888$/m);
    expect(example).toMatch(/^MLFLOW_HOST_PORT=5000$/m);
    expect(example).toMatch(/^USER_UID=1000$/m);
    expect(example).toMatch(/^COMPOSE_PROJECT_NAME='[a-z0-9_-]+'$/m);
    writeFileSync(join(dir, '.env'), example);
    composeConfig(dir, ['docker-compose.yml']);
  });

  it('README, LICENSE, CI and devcontainer carry the free text verbatim and the ${{ }} expressions intact', () => {
    const { dir, answers } = projects.defaults!;
    const readme = readFileSync(join(dir, 'README.md'), 'utf8').split('\n');
    const unescape = (line: string) => line.replace(/\\(.)/g, '$1');
    expect(unescape(readme[2]!)).toBe(hostile.description);
    expect(unescape(readme[4]!)).toBe(`Author: ${hostile.authorName} (${hostile.authorEmail})`);
    const license = readFileSync(join(dir, 'LICENSE'), 'utf8');
    expect(license).toContain(`Copyright (c) ${new Date().getFullYear()} ${hostile.authorName}\n`);
    const devcontainer = JSON.parse(readFileSync(join(dir, '.devcontainer/devcontainer.json'), 'utf8')) as Record<string, unknown>;
    expect(devcontainer).toMatchObject({ name: answers.projectName, service: 'bash-executor', workspaceFolder: '/workspace', dockerComposeFile: ['../docker-compose.yml', 'compute.yml'] });
    const ci = readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8');
    expect(ci).toContain('name: reports-${{ github.sha }}');
    const workflow = parseYaml(ci) as { jobs: { test: { steps: { uses?: string; run?: string; with?: Record<string, string> }[] } } };
    const steps = workflow.jobs.test.steps;
    expect(steps.map((s) => s.uses).filter(Boolean)).toEqual([
      `actions/checkout@${tools.actionsCheckout}`,
      `actions/setup-python@${tools.actionsSetupPython}`,
      `actions/upload-artifact@${tools.actionsUploadArtifact}`,
    ]);
    expect(steps[1]!.with!['python-version']).toBe('3.12');
    const runs = steps.map((s) => s.run ?? '').join('\n');
    for (const command of ['pip install -r requirements-dev.txt', 'ruff check . && ruff format --check .', 'python -m pytest', `python -m ${answers.packageName}.evaluate "$CONFIG"`, '"$GITHUB_STEP_SUMMARY"']) {
      expect(runs).toContain(command);
    }
  });

  it('the CI metrics summary turns reports/metrics.json into a Markdown table', () => {
    const { dir } = projects.defaults!;
    const workflow = parseYaml(readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8')) as { jobs: { test: { steps: { name?: string; run?: string }[] } } };
    const step = workflow.jobs.test.steps.find((s) => s.name === 'Metrics summary')!;
    const work = tempDir('cmp-ci-');
    mkdirSync(join(work, 'reports'));
    writeFileSync(join(work, 'reports', 'metrics.json'), JSON.stringify({ mse: 2900.123456, r2: 0.45 }));
    const summary = join(work, 'summary.md');
    writeFileSync(summary, '');
    const result = run('bash', ['-e', '-c', step.run!], work, { GITHUB_STEP_SUMMARY: summary, CONFIG: 'configs/examples/baseline.yml' });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(summary, 'utf8')).toBe(
      '### Test metrics (configs/examples/baseline.yml)\n\n| metric | value |\n| --- | ---: |\n| mse | 2900.1235 |\n| r2 | 0.4500 |\n',
    );
  });

  it('pre-commit pins every hook repository', () => {
    const config = parseYaml(readFileSync(join(projects.defaults!.dir, '.pre-commit-config.yaml'), 'utf8')) as { repos: { repo: string; rev: string; hooks: { id: string }[] }[] };
    expect(config.repos.map((r) => [r.repo.split('/').at(-1), r.rev])).toEqual([
      ['ruff-pre-commit', tools.ruffPreCommit],
      ['nbstripout', tools.nbstripout],
      ['pre-commit-hooks', tools.preCommitHooks],
    ]);
    expect(config.repos.flatMap((r) => r.hooks.map((h) => h.id))).toEqual([
      'ruff', 'ruff-format', 'nbstripout', 'check-added-large-files', 'end-of-file-fixer', 'trailing-whitespace', 'check-yaml',
    ]);
  });

  it.each([
    ['MIT', 'Permission is hereby granted, free of charge'],
    ['BSD-3-Clause', 'Neither the name of the copyright holder nor the names of its'],
    ['Apache-2.0', 'TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION'],
  ])('LICENSE %s is the full text with the year and author', async (license, phrase) => {
    const result = await generateProject({ ...hostile, license, dvc: false });
    expect(result.code, result.stderr).toBe(0);
    const text = readFileSync(join(result.dir, 'LICENSE'), 'utf8');
    expect(text).toContain(phrase);
    expect(text).toContain(`${new Date().getFullYear()}`);
    expect(text).toContain(hostile.authorName);
    expect(text.length).toBeGreaterThan(license === 'Apache-2.0' ? 10_000 : 1_000);
    expect(readFileSync(join(result.dir, 'README.md'), 'utf8')).toContain(`${license}, see \`LICENSE\`.`);
  });

  it('README sections follow the parts that are on', () => {
    const full = readFileSync(join(projects.defaults!.dir, 'README.md'), 'utf8');
    const minimal = readFileSync(join(projects.minimal!.dir, 'README.md'), 'utf8');
    for (const heading of ['## DVC', '## pre-commit', '## Continuous integration', '## VS Code', '## License', '## GPU']) {
      expect(full, heading).toContain(`\n${heading}\n`);
    }
    for (const heading of ['## DVC', '## pre-commit', '## Continuous integration', '## VS Code', '## License']) {
      expect(minimal, heading).not.toContain(`\n${heading}\n`);
    }
    expect(readFileSync(join(projects.cpu!.dir, 'README.md'), 'utf8')).not.toContain('## GPU');
    expect(full).toContain('make init && make create-container');
    expect(full).toContain('make create-container JUPYTER_HOST_PORT=9900');
    expect(full).toContain('sudo nvidia-ctk runtime configure --runtime=docker');
    expect(full).not.toMatch(/nvidia-docker/);
  });
});

describe('snapshots of the defaults preset', () => {
  it.each(['docker/Dockerfile.cpu', 'docker/Dockerfile.gpu', 'docker/Dockerfile.serve', 'docker-compose.yml', 'docker-compose.gpu.yml', 'Makefile'])('%s', async (file) => {
    const text = readFileSync(join(projects.defaults!.dir, file), 'utf8');
    await expect(text).toMatchFileSnapshot(`__snapshots__/generated-docker/${file.replace('/', '_')}`);
  });
});
