/**
 * Follows the engine's build stream: which step of how many is running, the
 * log of the current step (kept short), and the error if one arrives. Pure:
 * events in, state out, so a recorded stream is a test case.
 */
import type { BuildEvent } from './engine.js';

export interface Step {
  index: number;
  total: number;
  instruction: string;
}

const KEEP_LINES = 40;

export class BuildLog {
  step?: Step;
  error?: string;
  imageId?: string;
  /** The last lines of output of the current step. */
  readonly lines: string[] = [];
  private partial = '';

  /** Returns the new step when this event started one. */
  push(event: BuildEvent): Step | undefined {
    if (event.error || event.errorDetail) {
      this.error = (event.errorDetail?.message ?? event.error ?? 'unknown build error').trim();
      return undefined;
    }
    if (event.aux?.ID) this.imageId = event.aux.ID;
    if (event.status) this.addLine(`${event.id ? `${event.id}: ` : ''}${event.status}${event.progress ? ` ${event.progress}` : ''}`);
    if (event.stream === undefined) return undefined;
    let started: Step | undefined;
    const text = this.partial + event.stream;
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      const m = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
      if (m) {
        started = this.step = { index: Number(m[1]), total: Number(m[2]), instruction: m[3]!.trim() };
        this.lines.length = 0;
        continue;
      }
      const id = /^Successfully built ([0-9a-f]+)/.exec(line);
      if (id) this.imageId ??= id[1];
      if (line.trim() && !/^ ---> /.test(line)) this.addLine(line);
    }
    return started;
  }

  private addLine(line: string): void {
    this.lines.push(line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
    if (this.lines.length > KEEP_LINES) this.lines.splice(0, this.lines.length - KEEP_LINES);
  }

  /** The failure as users should see it: the step, the end of its log, the engine's message. */
  failure(tail = 15): string {
    const where = this.step ? `at step ${this.step.index}/${this.step.total}: ${this.step.instruction}` : 'before the first step';
    const log = this.lines.filter((l) => l.trim() !== this.error).slice(-tail);
    return [`Build failed ${where}`, ...(log.length ? ['--- last lines of the step ---', ...log.map((l) => `  ${l}`), '---'] : []), this.error ?? ''].join('\n');
  }
}
