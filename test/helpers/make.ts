/**
 * GNU make in a generated project, as a user runs it, with an environment the
 * test decides: nothing of the developer's shell that make, compose or npm
 * would read leaks in. Asynchronous, so that a server in the test process (a
 * loopback registry) can answer while make runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir, type RunResult } from './generate.js';
import { freePort } from './ports.js';
import { runProcess } from './process.js';

/** Variables a developer's shell might hold that the Makefile, compose, docker or npm would read. */
const leaking = [
  'JUPYTER_HOST_PORT', 'MLFLOW_HOST_PORT', 'JUPYTER_TOKEN', 'ML_PROJECT_IMAGE', 'ML_PROJECT_IN_CONTAINER', 'USER_UID', 'USER_GID',
  'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE', 'GPU', 'ML_PROJECT', 'CONFIG', 'SERVICE', 'LOCAL', 'PYTHON', 'VENV_ARGS',
  'DOCKER_WAIT', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'VIRTUAL_ENV',
  'MLFLOW_TRACKING_URI', 'PYTHONPATH',
];

export type Env = Record<string, string | undefined>;

/**
 * The environment make gets: the test's own minus what leaks, plus `env`
 * (undefined removes). npm is pointed away from the developer's cache and
 * settings: an empty cache of its own, no user config, no update check.
 */
export function makeEnv(env: Env = {}): NodeJS.ProcessEnv {
  const npmrc = join(tempDir('cmp-npmrc-'), 'npmrc');
  writeFileSync(npmrc, '');
  const full: NodeJS.ProcessEnv = { ...process.env };
  // `npm test` hands its own settings down as npm_config_* variables.
  for (const key of Object.keys(full)) if (leaking.includes(key) || key.startsWith('npm_')) delete full[key];
  Object.assign(full, {
    npm_config_cache: tempDir('cmp-npm-cache-'),
    npm_config_userconfig: npmrc,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
  Object.assign(full, env);
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  return full;
}

/** Runs `make --no-print-directory ARGS` in `dir`; never throws on a non-zero exit. */
export function runMake(dir: string, args: readonly string[], env: Env = {}, timeoutMs = 120_000): Promise<RunResult> {
  return runProcess('make', ['--no-print-directory', ...args], { cwd: dir, env: makeEnv(env), timeoutMs });
}

/** A loopback port nothing listens on: a registry or engine that is down. */
export const closedPort = freePort;

/** The folder of the ml-project stand-in (test/fakes/ml-project), for the front of PATH. */
export const fakeRunnerDir = join(repoRoot, 'test', 'fakes', 'ml-project');

/**
 * A folder holding only links to the given tools, found on the test's own
 * PATH: a PATH without Node, npx or docker for the cases that need one.
 */
export function toolsOnly(tools: readonly string[]): string {
  const bin = tempDir('cmp-bin-');
  mkdirSync(bin, { recursive: true });
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${tool} is not installed`);
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

/** The standard tools every recipe uses, without Node, npm, npx, docker or ml-project. */
export const shellTools = ['make', 'sh', 'grep', 'awk', 'sed', 'od', 'tr', 'mv', 'id', 'cat', 'timeout', 'find', 'rm', 'printf', 'echo', 'env'];
