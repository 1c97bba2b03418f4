/**
 * `ml-project exec` (what the Makefile runs project code with) and `shell`:
 * a command in a running service through compose exec, whose exit code
 * becomes the runner's.
 *
 * compose exec does not pass signals on: without a terminal, a killed client
 * leaves the command running in the container. So the command carries a
 * marker in its environment, and on Ctrl-C, SIGTERM or SIGHUP the runner
 * sends the same signal to every process group in the container led by a
 * process with that marker (each exec'd command leads its own group), as a
 * terminal sends Ctrl-C to its foreground group.
 */
import { randomBytes } from 'node:crypto';
import { FailureError, InterruptedError } from '../../shared/errors.js';
import { INTERRUPT_SIGNALS } from '../../shared/signals.js';
import type { Compose } from '../compose.js';
import { sleep } from '../wait.js';
import type { RunnerContext } from './context.js';
import { openStack, requireRunning, serviceNamed, tail, type Service } from './stack.js';

export const EXEC_MARKER = 'ML_PROJECT_EXEC';

/**
 * `sh -c` script: sends signal $1 to the group of each process whose
 * environment holds the line $0 (a member that is no leader fails quietly),
 * then prints how many matched. POSIX sh, tr and grep only.
 */
const SIGNAL_MARKED =
  'n=0; for d in /proc/[0-9]*; do if tr "\\0" "\\n" 2>/dev/null < "$d/environ" | grep -qxF "$0"; then n=$((n+1)); kill -s "$1" -- "-${d#/proc/}" 2>/dev/null; fi; done; echo "$n"';

/** Which signal to pass on: the one the runner got, Ctrl-C's when it came another way. */
function signalOf(reason: unknown): NodeJS.Signals {
  return (INTERRUPT_SIGNALS as readonly unknown[]).includes(reason) ? (reason as NodeJS.Signals) : 'SIGINT';
}

/**
 * Signals the marked command, at least once (the compose client may have
 * died of the same Ctrl-C, leaving the command running), and again while
 * the client runs and nothing was found: an interrupt that comes while
 * compose is still starting the command finds nothing yet.
 */
async function passOn(compose: Compose, service: Service, marker: string, signal: NodeJS.Signals, ended: () => boolean): Promise<void> {
  for (;;) {
    const sent = await compose.run(['exec', '-T', service, 'sh', '-c', SIGNAL_MARKED, marker, signal.replace(/^SIG/, '')], { timeoutMs: 30_000 });
    if (sent.code !== 0 || Number(sent.stdout.trim()) > 0 || ended()) return;
    await sleep(500);
  }
}

export async function exec(ctx: RunnerContext, name: string | undefined, command: readonly string[]): Promise<number> {
  const service = serviceNamed(name ?? 'bash-executor');
  const { compose, ...stack } = await openStack(ctx);
  await requireRunning(stack, service);
  if (ctx.signal.aborted) throw new InterruptedError('Interrupted: nothing was run.');

  const marker = `${EXEC_MARKER}=${randomBytes(8).toString('hex')}`;
  // Without a terminal (a pipe, CI, make in a script) compose refuses to allocate one: ask it not to.
  // Then compose gets a process group of its own, so that a Ctrl-C reaches the runner alone, which
  // passes it on, and compose goes on showing the command's output until the command has ended.
  // With a terminal, compose owns it and sends Ctrl-C into the container itself.
  const tty = Boolean(process.stdin.isTTY);
  let ended = false;
  const running = compose.run(['exec', ...(tty ? [] : ['-T']), '-e', marker, service, ...command], { inherit: true, detached: !tty }).finally(() => (ended = true));
  let passed: Promise<void> | undefined;
  let signal: NodeJS.Signals = 'SIGINT';
  const interrupted = (got: NodeJS.Signals) => {
    signal = got;
    passed ??= passOn(compose, service, marker, signal, () => ended);
  };
  const onAbort = () => interrupted(signalOf(ctx.signal.reason));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await running;
    if (result.notStarted) throw new FailureError(`Could not run compose: ${tail(result.stderr)}`);
    // A hang-up or kill that ended compose may come before the runner hears of its own.
    if (result.signal && (INTERRUPT_SIGNALS as readonly string[]).includes(result.signal)) interrupted(result.signal);
    if (passed) {
      await passed;
      throw new InterruptedError(`Interrupted: ${signal} was passed to ${command[0]} in ${service}.`);
    }
    // The command's own exit code, passed on as is.
    return result.code;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

export function shell(ctx: RunnerContext): Promise<number> {
  return exec(ctx, 'bash-executor', ['bash']);
}
