/**
 * The compose tool, used as a child process rather than re-implemented:
 * `docker compose` (v2 plugin) when present, else `docker-compose` 1.28 or
 * newer (the first to read profiles and the GPU `devices` syntax).
 */
import { spawn } from 'node:child_process';
import { FailureError } from '../shared/errors.js';
import { INTERRUPT_SIGNALS } from '../shared/signals.js';

export interface ComposeTool {
  /** The command and its leading arguments: ['docker', 'compose'] or ['docker-compose']. */
  command: string[];
  version: string;
  flavour: 'v2' | 'standalone';
}

export interface RunResult {
  /** The exit code; 130 when the program died of an interrupt signal (Ctrl-C, SIGTERM, SIGHUP reaching it too). */
  code: number;
  stdout: string;
  stderr: string;
  /** The program could not be started at all (then code is 127 or 126), as opposed to exiting with that code. */
  notStarted?: boolean;
  /** The signal that ended the program, if one did. */
  signal?: NodeJS.Signals;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Hand the terminal to the child (shell, logs -f) instead of capturing its output. */
  inherit?: boolean;
  /** Start the child in a process group of its own, out of reach of the terminal's Ctrl-C. */
  detached?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to the program's stdin (else it has none). */
  input?: string;
}

/** Runs a program; never throws, not even for a missing program (code 127, notStarted). */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: options.inherit ? 'inherit' : [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: options.detached,
    });
    let stdout = '';
    let stderr = '';
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    const onAbort = () => child.kill('SIGINT');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (code: number, more: Partial<RunResult> = {}) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr, ...more });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      stderr += error.message;
      finish(error.code === 'ENOENT' ? 127 : 126, { notStarted: true });
    });
    child.on('close', (code, sig) => finish(code ?? ((INTERRUPT_SIGNALS as readonly string[]).includes(sig ?? '') ? 130 : 1), sig ? { signal: sig } : {}));
  });
}

function parseVersion(text: string): string | undefined {
  return /v?(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/** Whether version a >= b, comparing numeric fields. */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export const COMPOSE_HINT =
  'Install the Docker Compose v2 plugin (Debian/Ubuntu: sudo apt-get install docker-compose-plugin; it comes with Docker Desktop), or docker-compose 1.28 or newer.';

/** Finds the compose tool; undefined, with the reason, when there is none usable. */
export async function findCompose(env: NodeJS.ProcessEnv = process.env): Promise<ComposeTool | { missing: string }> {
  const v2 = await run('docker', ['compose', 'version', '--short'], { env, timeoutMs: 15_000 });
  const v2Version = v2.code === 0 ? parseVersion(v2.stdout) : undefined;
  if (v2Version) return { command: ['docker', 'compose'], version: v2Version, flavour: 'v2' };
  const v1 = await run('docker-compose', ['version', '--short'], { env, timeoutMs: 15_000 });
  const v1Version = v1.code === 0 ? parseVersion(v1.stdout) : undefined;
  if (v1Version) {
    if (versionAtLeast(v1Version, '1.28')) return { command: ['docker-compose'], version: v1Version, flavour: 'standalone' };
    return { missing: `docker-compose ${v1Version} is too old (1.28 or newer needed). ${COMPOSE_HINT}` };
  }
  return { missing: `Neither \`docker compose\` nor \`docker-compose\` was found. ${COMPOSE_HINT}` };
}

export async function requireCompose(env: NodeJS.ProcessEnv = process.env): Promise<ComposeTool> {
  const found = await findCompose(env);
  if ('missing' in found) throw new FailureError(found.missing);
  return found;
}

/** The argument list for one compose call on the given files. */
export function composeArgs(tool: ComposeTool, files: readonly string[], args: readonly string[]): { file: string; args: string[] } {
  const [file, ...lead] = tool.command;
  return { file: file!, args: [...lead, ...files.flatMap((f) => ['-f', f]), ...args] };
}

/** One compose call in the project folder. */
export interface Compose {
  run(args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export function composeRunner(tool: ComposeTool, files: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Compose {
  return {
    run(args, options = {}) {
      const call = composeArgs(tool, files, args);
      return run(call.file, call.args, { cwd, env, ...options });
    },
  };
}
