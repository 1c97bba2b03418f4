/**
 * git as a child process, for the commands an update needs that a porcelain
 * wrapper does not offer: standard input, exit codes that are not failures,
 * and an environment per call (a temporary index, a temporary object store).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FailureError, InterruptedError } from '../shared/errors.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitCallOptions {
  input?: string | Buffer;
  /** Exit codes that are answers, not failures (0 is always one). */
  allow?: readonly number[];
  env?: NodeJS.ProcessEnv;
  /** Raw bytes of standard output, for blob contents. */
  binary?: boolean;
}

/** Seconds without an exit before a git command is taken as hanging (a signing prompt, a hook). */
const HANG_TIMEOUT_MS = 120_000;

export class GitCommandError extends FailureError {
  constructor(
    readonly args: readonly string[],
    readonly result: GitResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().split('\n').filter((line) => line.trim() !== '');
    super(`git ${args[0]} failed${detail.length ? `: ${detail.slice(0, 6).join('\n  ')}` : ` (exit ${result.code})`}`);
  }
}

export class Git {
  constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv = {},
    private readonly signal?: AbortSignal,
  ) {}

  /** The same repository with extra environment variables on every call. */
  with(env: NodeJS.ProcessEnv): Git {
    return new Git(this.dir, { ...this.env, ...env }, this.signal);
  }

  /**
   * The same repository, its calls ended when `signal` aborts: a SIGTERM sent
   * to this process alone (not its group) reaches no git child, and a slow
   * hook would otherwise hold the interrupt up until it finished.
   */
  until(signal: AbortSignal): Git {
    return new Git(this.dir, this.env, signal);
  }

  run(args: readonly string[], options: GitCallOptions = {}): Promise<GitResult> {
    return this.call(args, options).then(({ result }) => result);
  }

  /** Standard output as bytes. */
  async bytes(args: readonly string[], options: GitCallOptions = {}): Promise<Buffer> {
    return (await this.call(args, { ...options, binary: true })).raw;
  }

  /** Standard output with the final newline removed. */
  async text(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    return (await this.run(args, options)).stdout.replace(/\n$/, '');
  }

  private call(args: readonly string[], options: GitCallOptions): Promise<{ result: GitResult; raw: Buffer }> {
    return new Promise((resolve, reject) => {
      const abort = this.signal;
      if (abort?.aborted) return reject(new InterruptedError());
      const env = { ...process.env, ...this.env, ...options.env };
      for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
      const child = spawn('git', args, { cwd: this.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), HANG_TIMEOUT_MS);
      const onAbort = () => child.kill('SIGTERM');
      abort?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        done();
        reject(error.code === 'ENOENT' ? new FailureError('git was not found: install git and run the command again.') : error);
      });
      // Once git is gone the interrupt is answered; a hook it started may still hold the pipes open.
      child.on('exit', () => {
        if (abort?.aborted) {
          done();
          reject(new InterruptedError());
        }
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
      child.on('close', (code, signal) => {
        done();
        const raw = Buffer.concat(out);
        const result = { code: code ?? 128, stdout: options.binary ? '' : raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
        if (signal === 'SIGKILL' && code === null) {
          result.stderr = `git ${args[0]} did not finish within ${HANG_TIMEOUT_MS / 1000} s (waiting for a signing passphrase or a hook?)`;
        }
        if (result.code === 0 || options.allow?.includes(result.code)) resolve({ result, raw });
        else reject(new GitCommandError(args, result));
      });
    });
  }
}

/**
 * The repository with a scratch object store: git writes there and reads the
 * repository's own as well, so that planning leaves no object behind.
 */
export async function scratchObjects(git: Git): Promise<{ git: Git; cleanup: () => Promise<void> }> {
  const objects = resolve(git.dir, await git.text(['rev-parse', '--git-path', 'objects']));
  const scratch = await mkdtemp(join(tmpdir(), 'cmp-plan-'));
  await mkdir(join(scratch, 'objects'));
  return {
    git: git.with({ GIT_OBJECT_DIRECTORY: join(scratch, 'objects'), GIT_ALTERNATE_OBJECT_DIRECTORIES: objects }),
    cleanup: () => rm(scratch, { recursive: true, force: true }),
  };
}
