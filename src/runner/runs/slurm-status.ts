/**
 * A SLURM run's state from what the cluster says about it: the exit codes
 * its tasks wrote, `scontrol -o show job` (kept a few minutes after the end;
 * accounting may be off, so sacct is not relied on) and `squeue`. Pure: text
 * in, states out, each scheduler state a row of a table test.
 */
import type { RunStatus } from './backend.js';
import type { RunState, TaskRecord } from './record.js';

export const STATUS_MARKS = { exit: '#exit', scontrol: '#scontrol', squeue: '#squeue' } as const;

const RUNNING = new Set(['RUNNING', 'COMPLETING', 'CONFIGURING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING', 'RESIZING']);
const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED']);

interface SchedulerView {
  state: string;
  reason?: string;
  start?: string;
  end?: string;
}

/** `0-2,5` or `0-3%2` to the task numbers it names. */
export function taskRange(text: string): number[] {
  const out: number[] = [];
  for (const part of text.replace(/%\d+$/, '').split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let i = a; i <= (b ?? a) && i - a < 100_000; i++) out.push(i);
  }
  return out;
}

function sections(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) current = line.trim();
    else if (line.trim()) (out[current] ??= []).push(line.trim());
  }
  return out;
}

function time(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d\d-\d\dT/.test(value) ? value : undefined;
}

/** What the scheduler says of each task, from scontrol's one-line records and then squeue's `%i|%T|%r` lines. */
function schedulerViews(parts: Record<string, string[]>): Map<number, SchedulerView> {
  const views = new Map<number, SchedulerView>();
  for (const line of parts[STATUS_MARKS.scontrol] ?? []) {
    const fields = Object.fromEntries(line.split(/\s+/).map((token) => [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)]));
    if (!fields.JobState) continue;
    const view = { state: fields.JobState, reason: fields.Reason && fields.Reason !== 'None' ? fields.Reason : undefined, start: time(fields.StartTime), end: time(fields.EndTime) };
    for (const task of fields.ArrayTaskId ? taskRange(fields.ArrayTaskId) : [0]) views.set(task, view);
  }
  for (const line of parts[STATUS_MARKS.squeue] ?? []) {
    const [id = '', state = '', reason] = line.split('|');
    const task = /_(\[?[\d,%-]+\]?)$/.exec(id)?.[1]?.replace(/[[\]]/g, '');
    for (const t of task ? taskRange(task) : [0]) if (!views.has(t)) views.set(t, { state, reason: reason && reason !== 'None' ? reason : undefined });
  }
  return views;
}

function taskState(exit: number | undefined, view: SchedulerView | undefined): Pick<TaskRecord, 'state' | 'exitCode' | 'reason'> {
  if (exit !== undefined) return exit === 0 ? { state: 'succeeded', exitCode: 0 } : { state: 'failed', exitCode: exit, reason: `exit code ${exit}` };
  if (!view) return { state: 'failed', reason: 'the scheduler no longer knows the job and it left no exit code (was its node lost?)' };
  const state = view.state.replace(/\+$/, '');
  if (QUEUED.has(state)) return { state: 'queued', reason: view.reason };
  if (RUNNING.has(state)) return { state: 'running' };
  if (state === 'CANCELLED') return { state: 'cancelled', reason: 'cancelled on the cluster' };
  if (state === 'COMPLETED') return { state: 'failed', reason: 'the job ended without the command\'s exit code' };
  return { state: 'failed', reason: `${state}${view.reason ? ` (${view.reason})` : ''} on the cluster` };
}

const ORDER: RunState[] = ['running', 'queued', 'failed', 'cancelled', 'succeeded'];

/** The run's status from the output of the status script (see slurm-target.ts). */
export function parseStatus(text: string, configs: readonly string[]): RunStatus {
  const parts = sections(text);
  const exits = new Map((parts[STATUS_MARKS.exit] ?? []).map((line) => line.split('|').map(Number) as [number, number]).filter(([t, c]) => Number.isInteger(t) && Number.isInteger(c)));
  const views = schedulerViews(parts);
  const count = Math.max(1, configs.length);
  const tasks: TaskRecord[] = Array.from({ length: count }, (_, index) => ({ index, config: configs[index] ?? '', ...taskState(exits.get(index), views.get(index)) }));
  // The run is as far as its least finished task; among finished ones, a failure outweighs a cancel.
  const state = ORDER.find((s) => tasks.some((t) => t.state === s))!;
  const known = [...views.values()];
  const starts = known.map((v) => v.start).filter(Boolean).sort();
  const ends = known.map((v) => v.end).filter(Boolean).sort();
  const worst = tasks.find((t) => t.state === state);
  const status: RunStatus = { state, startedAt: starts[0], endedAt: state === 'running' || state === 'queued' ? undefined : ends.at(-1) };
  if (configs.length) status.tasks = tasks;
  if (state === 'failed' || state === 'cancelled' || state === 'queued') {
    status.reason = configs.length && worst && state !== 'queued' ? `task ${worst.index} (${worst.config}): ${worst.reason}` : worst?.reason;
  }
  const failedCode = tasks.find((t) => t.exitCode !== undefined && t.exitCode !== 0)?.exitCode;
  if (state === 'succeeded') status.exitCode = 0;
  else if (failedCode !== undefined) status.exitCode = failedCode;
  return status;
}
