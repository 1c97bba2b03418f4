/**
 * Showing progress: on a terminal, one line redrawn with a spinner; anywhere
 * else (CI, pipes, logs), plain lines, one per change, with no escape codes.
 */

export interface Progress {
  /** The current activity; replaces the previous one. */
  update(text: string): void;
  /** A line that stays (a finished step, a notice). */
  note(text: string): void;
  stop(): void;
}

const frames = ['|', '/', '-', '\\'];

export function createProgress(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, tty = Boolean(out.isTTY)): Progress {
  if (!tty) {
    let last = '';
    return {
      update(text) {
        if (text !== last) out.write(`${text}\n`);
        last = text;
      },
      note: (text) => out.write(`${text}\n`),
      stop() {},
    };
  }
  let current = '';
  let frame = 0;
  const draw = () => {
    const width = Math.max(20, (out.columns ?? 80) - 3);
    out.write(`\r\x1b[2K${frames[frame % frames.length]} ${current.slice(0, width)}`);
  };
  const timer = setInterval(() => {
    frame++;
    if (current) draw();
  }, 120);
  timer.unref();
  return {
    update(text) {
      current = text;
      draw();
    },
    note(text) {
      out.write(`\r\x1b[2K${text}\n`);
      if (current) draw();
    },
    stop() {
      clearInterval(timer);
      if (current) out.write('\r\x1b[2K');
      current = '';
    },
  };
}
