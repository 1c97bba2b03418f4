/**
 * The private Docker engine of the end-to-end tests (`.ci/dockerd`), reached
 * through CMP_DOCKER_HOST only, never the developer's own engine.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../helpers/generate.js';

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Run as this user instead of the test's own. */
  uid?: number;
  gid?: number;
  /** Sends SIGINT to the command's process group, as Ctrl-C in a terminal does, once its stdout so far passes this test. */
  interruptWhen?: (stdout: string) => boolean;
  /** What interruptWhen sends instead, and to whom: SIGTERM to the command alone is a supervisor's stop. */
  interruptWith?: { signal: NodeJS.Signals; group: boolean };
}

export const baseImageScript = join(repoRoot, 'test', 'fixtures', 'base-image', 'build.sh');

/** The environment every docker and docker-compose call gets: our engine, the classic builder. */
export function engineEnv(host: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: host,
    DOCKER_BUILDKIT: '0',
    COMPOSE_DOCKER_CLI_BUILD: '0',
    DOCKER_CONTEXT: undefined,
    DOCKER_CONFIG: undefined,
    COMPOSE_FILE: undefined,
    COMPOSE_PROJECT_NAME: undefined,
  };
}

/** Runs a command to its end (or kills it at the timeout); never throws on a non-zero exit. */
export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<Exec> {
  const env = { ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    const ids = options.uid === undefined ? {} : { uid: options.uid, gid: options.gid };
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...ids });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!interrupted && options.interruptWhen?.(stdout) && child.pid) {
        interrupted = true;
        try {
          const { signal, group } = options.interruptWith ?? { signal: 'SIGINT', group: true };
          process.kill(group ? -child.pid : child.pid, signal);
        } catch {
          // Already gone: the result says how it ended.
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs} ms]`;
      // The child leads its own process group: end it and whatever it started.
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Why the engine cannot be used, or null when CMP_DOCKER_HOST answers; with its runtimes. */
export async function probeEngine(): Promise<{ host: string; skip: string | null; runtimes: string[] }> {
  const host = process.env.CMP_DOCKER_HOST ?? '';
  if (!host) {
    return { host, runtimes: [], skip: 'CMP_DOCKER_HOST is not set (start one with .ci/dockerd start, then eval "$(.ci/dockerd env)")' };
  }
  try {
    const info = await exec('docker', ['info', '--format', '{{json .Runtimes}}'], { env: engineEnv(host), timeoutMs: 15_000 });
    if (info.code !== 0) return { host, runtimes: [], skip: `CMP_DOCKER_HOST=${host} does not answer: ${info.stderr.trim()}` };
    const runtimes = Object.keys(JSON.parse(info.stdout) as Record<string, unknown>);
    for (const tool of ['docker-compose']) {
      const found = await exec(tool, ['version', '--short'], { env: engineEnv(host), timeoutMs: 15_000 }).catch(() => null);
      if (!found || found.code !== 0) return { host, runtimes, skip: `${tool} is not installed (Debian package docker-compose)` };
    }
    return { host, runtimes, skip: null };
  } catch (error) {
    return { host, runtimes: [], skip: `docker CLI unusable: ${(error as Error).message}` };
  }
}

/** A TCP port free on 127.0.0.1 right now, away from the usual 5000/8888. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** GETs the URL until it answers 200 or the time is up; returns the last body or throws with the last error. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      const body = await response.text();
      if (response.status === 200) return body;
      last = `HTTP ${response.status}: ${body.slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).cause ? String((error as Error).cause) : (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** A command's output for an assertion message: the end of stdout and stderr. */
export function tail(result: Exec, lines = 40): string {
  const cut = (s: string) => s.trimEnd().split('\n').slice(-lines).join('\n');
  return `exit ${result.code}\n--- stdout\n${cut(result.stdout)}\n--- stderr\n${cut(result.stderr)}`;
}
