/** Runs the built bin on a pseudo-terminal, answering its prompts (see pty_session.py). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, isolatedGitEnv, tempDir } from './generate.js';

export interface Step {
  /** A regular expression (Python syntax) the screen must show before `send` is typed. */
  expect: string;
  send: string;
  /** Instead of typing: a signal (SIGTERM, SIGHUP...) sent to the program's process alone. */
  signal?: string;
}

export interface PtyResult {
  code: number;
  transcript: string;
  failed_step: number | null;
}

export const keys = { enter: '\r', up: '\u001b[A', down: '\u001b[B', ctrlC: '\u0003', backspace: '\u007f', clearLine: '\u0015' };

export function runOnPty(args: readonly string[], steps: Step[], cwd: string, timeoutS = 40): PtyResult {
  const script = join(tempDir('cmp-pty-'), 'script.json');
  const env = Object.fromEntries(Object.entries(isolatedGitEnv()).filter(([, v]) => v !== undefined));
  writeFileSync(script, JSON.stringify({ argv: [process.execPath, binPath, ...args], cwd, env, steps, timeout: timeoutS }));
  const out = execFileSync('python3', [join(import.meta.dirname, 'pty_session.py'), script], { encoding: 'utf8', timeout: (timeoutS + 10) * 1000 });
  return JSON.parse(out) as PtyResult;
}
