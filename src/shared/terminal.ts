/**
 * A terminal that went away while a command ran (SIGHUP: its window or SSH
 * session closed). Writing to it fails with EIO, which an unhandled stream
 * error turns into a crash in the middle of undoing the run; and Node 20
 * aborts at exit when it cannot restore the terminal's settings
 * (nodejs/node#51519, fixed in later releases by ignoring that error), which
 * would replace the command's exit code with SIGABRT.
 */
import { closeSync, writeSync } from 'node:fs';

/** Output errors on these streams are dropped: after an interrupt there may be no one to read them. */
export function dropOutputErrors(streams: readonly NodeJS.WritableStream[]): void {
  for (const stream of streams) if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
}

/** Whether an error is the terminal going away under a stream (EIO on a read, a write or a mode change). */
export function isTerminalLoss(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EIO';
}

/**
 * Whether the terminal on `fd` hung up: a write of nothing then fails with
 * EIO (on a live one, a file or a pipe it succeeds). isatty() cannot tell: it
 * is false for a terminal that hung up.
 */
function hungUp(fd: number): boolean {
  try {
    writeSync(fd, '');
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EIO';
  }
}

/** Whether the standard streams' terminal has gone away. */
export function terminalGone(): boolean {
  return [0, 1, 2].some(hungUp);
}

/**
 * Ends the process with `code`. A terminal that hung up is let go of first:
 * Node's exit skips a descriptor that is closed, so the code stays the command's own.
 */
export function exitProcess(code: number): never {
  for (const fd of [0, 1, 2]) {
    if (!hungUp(fd)) continue;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
  process.exit(code);
}
