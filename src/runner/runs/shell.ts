/**
 * Shell scripts on a target's machine: here, or on a login node through the
 * system's ssh (`ssh HOST 'sh -c SCRIPT'`, one connection a call). ssh's own
 * failures (exit 255: refused, unknown host, login refused) are exit 3
 * naming the target, never mistaken for the script's.
 */
import { spawn } from 'node:child_process';
import { sh } from '../../shared/escape.js';
import type { RunResult } from '../compose.js';
import { parseDestination, sshArgs, sshError } from '../ssh.js';
import { TargetUnavailableError } from './backend.js';

export interface ShellOptions {
  /** Sent to the script's stdin. */
  input?: NodeJS.ReadableStream | string;
  timeoutMs?: number;
}

export interface Shell {
  /** `this machine` or `ssh login.hpc`. */
  readonly where: string;
  run(script: string, options?: ShellOptions): Promise<RunResult>;
  /** The script's stdout as a stream, which errors when the script fails. */
  read(script: string): NodeJS.ReadableStream;
}

/**
 * In a process group of its own: a Ctrl-C at the terminal reaches the runner
 * alone, so a submission (sbatch) is never cut in half; the runner then
 * removes what it queued, by name.
 */
function spawnScript(file: string, args: string[], env: NodeJS.ProcessEnv) {
  return spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
}

export function openShell(targetName: string, host: string | undefined, env: NodeJS.ProcessEnv): Shell {
  const destination = host ? parseDestination(host) : undefined;
  const command = (script: string): [string, string[]] => (destination ? ['ssh', [...sshArgs(destination), `sh -c ${sh(script)}`]] : ['sh', ['-c', script]]);
  const where = host ? `ssh ${host}` : 'this machine';
  const unreachable = (code: number | null, stderr: string): TargetUnavailableError | undefined => {
    if (!destination) return undefined;
    const error = sshError(code, stderr);
    if (!error) return undefined;
    const what = error.level === 'client-authentication' ? `ssh refused the login to ${host}` : `${host} cannot be reached over ssh`;
    return new TargetUnavailableError(`Target ${targetName}: ${what}: ${error.message.replace(/\.+$/, '')}. Check that \`ssh ${host}\` works without a password or a question (ssh-agent, IdentityFile and known_hosts in ~/.ssh/config).`);
  };
  return {
    where,
    run(script, options = {}) {
      return new Promise((resolve, reject) => {
        const [file, args] = command(script);
        const child = spawnScript(file, args, env);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
        child.on('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(error.code === 'ENOENT' ? new TargetUnavailableError(`Target ${targetName}: ${file} is not installed here (needed to reach ${where}).`) : error);
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const failed = unreachable(code, stderr);
          if (failed) reject(failed);
          else resolve({ code: code ?? 1, stdout, stderr, ...(signal ? { signal } : {}) });
        });
        child.stdin.on('error', () => undefined);
        if (typeof options.input === 'string') child.stdin.end(options.input);
        else if (options.input) options.input.on('error', (error: Error) => child.stdin.destroy(error)).pipe(child.stdin);
        else child.stdin.end();
      });
    },
    read(script) {
      const [file, args] = command(script);
      const child = spawnScript(file, args, env);
      child.stdin.end();
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (error) => child.stdout.destroy(error));
      child.on('close', (code) => {
        if (code !== 0) child.stdout.destroy(unreachable(code, stderr) ?? new Error(stderr.trim().split('\n').pop() || `exit code ${code}`));
      });
      return child.stdout;
    },
  };
}
