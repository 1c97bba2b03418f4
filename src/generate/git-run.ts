/**
 * One git command as a child process, for the first commit: in a session of
 * its own, so that it has no terminal to wait on (a signing passphrase, a
 * hook asking) and so that an interrupt or the timeout ends it together with
 * its hooks.
 */
import { InterruptedError } from '../shared/errors.js';

/** Milliseconds without output before a git command is killed (signing or hook prompts). */
export const BLOCK_TIMEOUT_MS = 20_000;
/** After an interrupt, how long git gets to end on SIGTERM before SIGKILL. */
const GRACE_MS = 2_000;

/** git ran and failed; the message is its first line of error. */
export class GitFailed extends Error {}

/**
 * One git command in `dir`; resolves with its output, rejects with a
 * GitFailed (or the spawn error when git is missing), or an InterruptedError
 * once `signal` aborts and git has ended. The user's environment is
 * inherited as is (GIT_CONFIG_GLOBAL and the like keep working).
 */
export function runGit(dir: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    // Loaded at the first command: a run that starts no git never loads it.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn('git', args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let stdout = '';
    let stderr = '';
    let ended: 'interrupted' | 'timeout' | undefined;
    let timer: NodeJS.Timeout | undefined;
    const end = (why: 'interrupted' | 'timeout') => {
      ended ??= why;
      const group = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // already gone
        }
      };
      group('SIGTERM');
      setTimeout(() => group('SIGKILL'), GRACE_MS).unref();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => end('timeout'), BLOCK_TIMEOUT_MS);
    };
    const onAbort = () => end('interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk), arm()));
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk), arm()));
    child.on('error', (error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (ended === 'interrupted') reject(new InterruptedError());
      else if (ended === 'timeout') reject(new GitFailed(`git ${args[0]} gave no sign of life for ${BLOCK_TIMEOUT_MS / 1000} s (waiting for a passphrase or a hook?) and was stopped`));
      else if (code === 0) resolve(stdout);
      else reject(new GitFailed(stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `git ${args[0]} exited with ${code}`));
    });
  });
}

