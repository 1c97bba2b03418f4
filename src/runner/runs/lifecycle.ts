/**
 * The steps every run command shares once a run exists: asking its target
 * how it is, waiting for its end, and bringing its outputs back. Each step
 * writes the record as soon as it learns something, so an interrupt or a
 * failure never loses what was known.
 */
import { mkdirSync } from 'node:fs';
import { CliError } from '../../shared/errors.js';
import { sleep } from '../wait.js';
import type { Backend } from './backend.js';
import { finalStates, runDir, updateRecord, type RunRecord } from './record.js';

/** The record with what the target says now; unchanged once the run has ended. */
export async function refresh(root: string, backend: Backend, record: RunRecord): Promise<RunRecord> {
  if (finalStates.has(record.state)) return record;
  const status = await backend.status(record);
  // A queued run's reason says why it waits (no GPU free...); a running one has none.
  const change: Partial<RunRecord> = { state: status.state, startedAt: status.startedAt ?? record.startedAt, reason: status.reason };
  if (status.tasks) change.tasks = status.tasks;
  if (finalStates.has(status.state)) Object.assign(change, { exitCode: status.exitCode, reason: status.reason, endedAt: status.endedAt ?? new Date().toISOString() });
  return updateRecord(root, record, change);
}

/** Polls until the run has ended or `signal` aborts. */
export async function waitForEnd(root: string, backend: Backend, record: RunRecord, signal: AbortSignal, everyMs = 2000): Promise<RunRecord> {
  let current = await refresh(root, backend, record);
  while (!finalStates.has(current.state) && !signal.aborted) {
    await sleep(everyMs, signal);
    if (!signal.aborted) current = await refresh(root, backend, current);
  }
  return current;
}

/** Brings the outputs and logs back; a failure is recorded (`ml-project fetch` retries), never thrown. */
export async function fetchOutputs(root: string, backend: Backend, record: RunRecord): Promise<RunRecord> {
  const dir = runDir(root, record.id);
  mkdirSync(dir, { recursive: true });
  try {
    await backend.fetch(record, dir);
  } catch (error) {
    const why = error instanceof CliError || error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return updateRecord(root, record, { fetched: false, fetchError: why });
  }
  const fetched = updateRecord(root, record, { fetched: true, fetchError: undefined });
  // What the target keeps for the run (a container, a work folder, a Job) goes once its outputs are here.
  await backend.release(fetched).catch(() => undefined);
  return fetched;
}

/** One line on a run, for the end of a command. */
export function summary(record: RunRecord): string {
  const where = `runs/${record.id}`;
  const fetched = record.fetched ? `logs and outputs in ${where}/` : `outputs not fetched${record.fetchError ? ` (${record.fetchError})` : ''}: ml-project fetch ${record.id}`;
  if (record.state === 'succeeded') return `Run ${record.id} succeeded on ${record.target.name}; ${fetched}.`;
  if (record.state === 'failed') return `Run ${record.id} failed on ${record.target.name}: ${record.reason ?? `exit code ${record.exitCode}`}; ${fetched}.`;
  if (record.state === 'cancelled') return `Run ${record.id} was cancelled${record.reason ? ` (${record.reason})` : ''}; ${fetched}.`;
  return `Run ${record.id} is ${record.state} on ${record.target.name}.`;
}
