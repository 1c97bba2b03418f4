/**
 * Running the built `ml-project` bin as a user would: a child process with
 * an environment the test controls (DOCKER_HOST, PATH, HOME).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tempDir } from '../fakes/project.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const runnerBin = join(repoRoot, 'bin', 'ml-project.cjs');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no DOCKER_* or port variables from the developer's shell leak in. */
export function runnerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: tempDir('mlp-emptypath-'), HOME: tempDir('mlp-home-'), LANG: 'C' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runRunner(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [runnerBin, ...args], { cwd: options.cwd ?? tempDir(), env: options.env ?? runnerEnv(), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}
