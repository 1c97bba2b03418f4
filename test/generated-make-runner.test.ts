/**
 * How the generated Makefile finds ml-project, the runner: on PATH first, then
 * the exact version from the npx cache without the network, then npx where
 * the registry answers with that version, else plain docker compose with one
 * line saying so. Real make, real npm and npx: the registry is a closed
 * loopback port, a loopback registry serving this checkout packed
 * (test/fixtures/npm-registry.ts), or one that never answers; the npx cache is
 * filled the way a user's first online run fills it. The runner on PATH is a
 * stand-in that records its arguments (test/fakes/ml-project).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCheckout, serveRegistry, type PackedPackage } from './fixtures/npm-registry.js';
import { generateProject, repoRoot, tempDir } from './helpers/generate.js';
import { closedPort, fakeRunnerDir, runMake, shellTools, toolsOnly, type Env } from './helpers/make.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const npx = `npx --yes --package=create-ml-project@${version} ml-project`;
const npxOffline = `npx --offline --yes --package=create-ml-project@${version} ml-project`;
const notFound =
  `make: running plain docker compose, no ml-project runner (not on PATH, not in the npx cache, and the npm registry did not answer with create-ml-project@${version}). ` +
  `To use it: npm i -g create-ml-project@${version}`;

let project = '';
let packageName = '';
let pkg: PackedPackage;
/** No engine: nothing here may reach a real Docker. */
const noEngine = `unix://${join(tempDir('cmp-noengine-'), 'docker.sock')}`;

beforeAll(async () => {
  const generated = await generateProject({ projectName: 'lab', packageName: 'lab_code' });
  expect(generated.code, generated.stderr).toBe(0);
  project = generated.dir;
  packageName = 'lab_code';
  pkg = packCheckout();
  expect(pkg.version).toBe(version);
}, 120_000);

/** What every case shares: no engine, compose named, the developer's PATH (which must hold no ml-project). */
function env(extra: Env = {}): Env {
  return { DOCKER_HOST: noEngine, COMPOSE: 'docker-compose', ...extra };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

it('the test machine has no ml-project of its own on PATH', async () => {
  const found = await runMake(project, ['--eval', 'where: ; @command -v ml-project || echo none', 'where'], env());
  expect(found.stdout.trim()).toBe('none');
});

describe('no runner on PATH, an empty npx cache, and a registry that cannot serve this version', () => {
  let silent: Server | undefined;
  const sockets = new Set<Socket>();
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent?.close();
  });

  const registries: Array<[string, () => Promise<string>]> = [
    ['a closed port (offline)', async () => `http://127.0.0.1:${await closedPort()}/`],
    ['a mirror without this version', async () => (await serveRegistry(pkg, ['0.0.1', '0.0.2'])).url],
    ['a registry that accepts and never answers (a proxy that hangs)', async () => {
      silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
    }],
  ];

  it.each(registries)('%s: plain docker compose, said once in one line; never an npm error', async (_, registry) => {
    const result = await runMake(project, ['-n', 'init', 'create-container', 'status', 'test', 'GPU=0'], env({ npm_config_registry: await registry() }));
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stderr)).toEqual([notFound]);
    expect(result.stderr).not.toMatch(/npm error|404|E404|ETIMEDOUT|ECONNREFUSED/);
    const ran = lines(result.stdout);
    for (const command of ['docker-compose build bash-executor', 'docker-compose up -d --remove-orphans', 'docker-compose ps', 'docker-compose exec -T bash-executor python -m pytest']) {
      expect(ran).toContain(command);
    }
    expect(result.stdout).not.toMatch(/npx|ml-project (build|up|status|exec)/);
  }, 60_000);
});

describe('the npx path: npx where the registry answers with this version, then the npx cache offline', () => {
  const cache = tempDir('cmp-npx-cache-');
  // npm keys its cache by the registry's address: offline is the same address with nothing behind it.
  let registryUrl = '';

  it('an empty cache and a registry with the version: npx pinned to it; make -n fetches nothing but the version list', async () => {
    const registry = await serveRegistry(pkg, ['0.0.1', version]);
    registryUrl = registry.url;
    try {
      const dry = await runMake(project, ['-n', 'init', 'test'], env({ npm_config_registry: registry.url, npm_config_cache: cache }));
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stderr).toBe('');
      expect(lines(dry.stdout)).toEqual(expect.arrayContaining([`${npx} build`, `${npx} exec -- python -m pytest`]));
      expect(new Set(registry.requests)).toEqual(new Set([`/${pkg.name}`]));

      // Run for real: npx downloads this version from the registry and runs its ml-project.
      const doctor = await runMake(project, ['doctor'], env({ npm_config_registry: registry.url, npm_config_cache: cache }));
      expect(doctor.code).not.toBe(0);
      expect(doctor.stdout).toMatch(/^fail {2}engine {4}.*docker\.sock/m);
      expect(registry.requests).toContain(`/${pkg.name}/-/${pkg.name}-${version}.tgz`);
      expect(doctor.stderr).not.toMatch(/npm error|404/);
    } finally {
      await registry.close();
    }
  }, 120_000);

  it('then, with the registry gone: the same version from the npx cache, without the network', async () => {
    expect(registryUrl).not.toBe('');
    const offline = env({ npm_config_registry: registryUrl, npm_config_cache: cache });
    const dry = await runMake(project, ['-n', 'init', 'stop-container', 'etl'], offline);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toBe('');
    expect(lines(dry.stdout)).toEqual(expect.arrayContaining([`${npxOffline} build`, `${npxOffline} stop`, `${npxOffline} exec -- python -m ${packageName}.etl 'configs/examples/baseline.yml'`]));
    const doctor = await runMake(project, ['doctor'], offline);
    expect(doctor.stdout).toMatch(/^fail {2}engine {4}/m);
    expect(doctor.stderr).not.toMatch(/npm error|ENOTCACHED/);
  }, 120_000);

  it('a cache holding another version is not used: the pinned version or nothing', async () => {
    // The cache above holds this version only; the project asks for another one.
    const other = join(tempDir('cmp-other-'), 'lab');
    const generated = await generateProject({ projectName: 'lab' }, { cwd: join(other, '..') });
    expect(generated.code).toBe(0);
    const makefile = join(other, 'Makefile');
    writeFileSync(makefile, readFileSync(makefile, 'utf8').replace(`RUNNER_VERSION := ${version}`, 'RUNNER_VERSION := 99.0.0'));
    const dry = await runMake(other, ['-n', 'init', 'GPU=0'], env({ npm_config_registry: registryUrl, npm_config_cache: cache }));
    expect(dry.code, dry.stderr).toBe(0);
    expect(lines(dry.stderr)).toEqual([notFound.replaceAll(version, '99.0.0')]);
    expect(lines(dry.stdout)).toContain('docker-compose build bash-executor');
  }, 60_000);
});

describe('Node.js too old or missing: plain docker compose, and how to get the runner', () => {
  const needsNode = `make: running plain docker compose, no ml-project runner (it needs Node.js 20.17 or newer with npx). To use it: install Node.js (https://nodejs.org), then npm i -g create-ml-project@${version}`;
  // A Node reporting another version: the Makefile asks Node itself for it.
  const preload = join(tempDir('cmp-node-'), 'version.cjs');
  writeFileSync(preload, "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: process.env.FAKE_NODE_VERSION } });\n");

  it.each(['16.20.2', '18.20.4', '20.16.0', '20.9.0'])('Node %s', async (nodeVersion) => {
    const result = await runMake(project, ['-n', 'init', 'GPU=0'], env({ NODE_OPTIONS: `--require ${preload}`, FAKE_NODE_VERSION: nodeVersion }));
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stderr)).toEqual([needsNode]);
    expect(lines(result.stdout)).toContain('docker-compose build bash-executor');
  });

  it.each(['20.17.0', '20.18.1', '22.0.0', '24.1.0'])('Node %s is new enough: the search goes on to npx', async (nodeVersion) => {
    const result = await runMake(project, ['-n', 'init', 'GPU=0'], env({ NODE_OPTIONS: `--require ${preload}`, FAKE_NODE_VERSION: nodeVersion, npm_config_registry: `http://127.0.0.1:${await closedPort()}/` }));
    expect(lines(result.stderr).at(-1)).toBe(notFound);
  });

  it('no Node and no npx on PATH', async () => {
    const bin = toolsOnly([...shellTools, 'docker', 'docker-compose']);
    const result = await runMake(project, ['-n', 'init', 'status', 'GPU=0'], env({ PATH: bin }));
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stderr)).toEqual([needsNode]);
    expect(lines(result.stdout)).toContain('docker-compose ps');
  });
});

describe('the search runs once per make run, and only for targets that use the runner', () => {
  // A stand-in npx that logs every call (test/fakes/npx), before the real one.
  const path = `${join(repoRoot, 'test', 'fakes', 'npx')}:${process.env.PATH}`;

  async function calls(args: readonly string[], extra: Env = {}): Promise<string[]> {
    const log = join(tempDir('cmp-npxlog-'), 'log');
    const result = await runMake(project, args, env({ PATH: path, FAKE_NPX_LOG: log, npm_config_registry: `http://127.0.0.1:${await closedPort()}/`, ...extra }));
    expect(result.code, result.stderr).toBe(0);
    return existsSync(log) ? lines(readFileSync(log, 'utf8')) : [];
  }

  it('several targets that use it: one search', async () => {
    expect(await calls(['-n', 'init', 'create-container', 'status', 'logs', 'test', 'lint', 'train'])).toEqual([
      `--offline --yes --package=create-ml-project@${version} ml-project --version`,
    ]);
  });

  it.each([
    [['help'], {}],
    [[], {}],
    [['-n', 'venv'], {}],
    [['-n', 'clean'], {}],
    [['-n', 'urls'], {}],
    [['-n', 'test', 'lint', 'etl', 'LOCAL=1'], {}],
    [['-n', 'test', 'etl', 'dvc-repro'], { ML_PROJECT_IN_CONTAINER: '1' }],
    [['-n', 'init', 'test'], { ML_PROJECT: '' }],
    [['-n', 'init', 'test', 'ML_PROJECT='], {}],
    [['-n', 'init', 'test', 'ML_PROJECT=node /opt/ml-project.js'], {}],
  ] as const)('make %j, environment %j: no search', async (args, extra) => {
    expect(await calls(args, extra)).toEqual([]);
  });
});

describe('ml-project on PATH comes first', () => {
  const path = `${fakeRunnerDir}:${process.env.PATH}`;

  async function runner(args: readonly string[], extra: Env = {}) {
    const log = join(tempDir('cmp-runnerlog-'), 'log');
    const result = await runMake(project, args, env({ PATH: path, FAKE_ML_PROJECT_LOG: log, ...extra }));
    return { ...result, calls: existsSync(log) ? lines(readFileSync(log, 'utf8')).map((l) => l.replace(/ JUPYTER_HOST_PORT=.*$/, '')) : [] };
  }

  it('even where the registry has the version: nothing is asked of npm', async () => {
    const registry = await serveRegistry(pkg);
    try {
      const result = await runner(['init'], { npm_config_registry: registry.url });
      expect(result.code, result.stderr).toBe(0);
      expect(result.calls).toEqual(['[build]']);
      expect(registry.requests).toEqual([]);
    } finally {
      await registry.close();
    }
  });

  it.each([
    [['init'], ['[build]']],
    [['init', 'GPU=1'], ['[build][--gpu][on]']],
    [['create-container', 'GPU=0'], ['[up][--gpu][off]']],
    [['start-container'], ['[start]']],
    [['stop-container'], ['[stop]']],
    [['clean-container'], ['[down]']],
    [['status'], ['[status]']],
    [['logs'], ['[logs][-f]']],
    [['logs', 'SERVICE=jupyter'], ['[logs][-f][jupyter]']],
    [['shell'], ['[shell]']],
    [['doctor'], ['[doctor]']],
  ])('make %j runs ml-project %j', async (args, expected) => {
    const result = await runner(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.calls).toEqual(expected);
    expect(result.stderr).toBe('');
  });

  it('project code runs in bash-executor through ml-project exec, each word one argument', async () => {
    const cases: Array<[string[], string[]]> = [
      [['test'], ['[exec][--][python][-m][pytest]']],
      [['lint'], ['[exec][--][ruff][check][.]', '[exec][--][ruff][format][--check][.]']],
      [['format'], ['[exec][--][ruff][format][.]', '[exec][--][ruff][check][--fix][.]']],
      [['etl'], [`[exec][--][python][-m][${packageName}.etl][configs/examples/baseline.yml]`]],
      [['train', "CONFIG=configs/examples/it's a \"test\".yml"], [`[exec][--][python][-m][${packageName}.train][configs/examples/it's a "test".yml]`]],
      [['evaluate', 'CONFIG=configs/examples/random_forest.yml'], [`[exec][--][python][-m][${packageName}.evaluate][configs/examples/random_forest.yml]`]],
      [['dvc-repro'], ['[exec][--][dvc][repro]']],
    ];
    for (const [args, expected] of cases) {
      const result = await runner(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.calls, args.join(' ')).toEqual(expected);
    }
  });

  it.each([1, 3, 42])("the runner's exit code %i fails the target, and make stops there", async (code) => {
    for (const target of ['test', 'init', 'lint']) {
      const result = await runner([target], { FAKE_ML_PROJECT_EXIT: String(code) });
      expect(result.code, target).not.toBe(0);
      expect(result.stderr, target).toMatch(new RegExp(`\\[Makefile:\\d+: ${target}\\] Error ${code}$`, 'm'));
      // lint's second command never runs after the first failed.
      expect(result.calls, target).toHaveLength(1);
    }
  });

  it('the ports given to make reach the runner', async () => {
    const log = join(tempDir('cmp-runnerlog-'), 'log');
    const result = await runMake(project, ['create-container', 'JUPYTER_HOST_PORT=9900'], env({ PATH: path, FAKE_ML_PROJECT_LOG: log, MLFLOW_HOST_PORT: '5001' }));
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('[up] JUPYTER_HOST_PORT=9900 MLFLOW_HOST_PORT=5001\n');
  });

  it.each([
    ['on the command line', ['ML_PROJECT='], {}],
    ['in the environment', [], { ML_PROJECT: '' }],
  ] as const)('ML_PROJECT= %s: plain docker compose, without a word about the runner', async (_, args, extra) => {
    const result = await runner(['-n', 'init', 'test', 'GPU=0', ...args], extra);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(lines(result.stdout)).toEqual(expect.arrayContaining(['docker-compose build bash-executor', 'docker-compose exec -T bash-executor python -m pytest']));
    expect(result.calls).toEqual([]);
  });

  it.each([
    "node '/opt/create ml project/bin/ml-project.cjs'",
    'npx --yes --package=create-ml-project@0.1.0 ml-project',
  ])('ML_PROJECT=%s: that command, not the one on PATH', async (command) => {
    const result = await runner(['-n', 'init', 'test'], { ML_PROJECT: command });
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual(expect.arrayContaining([`${command} build`, `${command} exec -- python -m pytest`]));
    expect(result.calls).toEqual([]);
  });
});
