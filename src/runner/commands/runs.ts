/**
 * The commands on runs that exist: `runs` (the list, states asked of the
 * targets), `logs RUN-ID`, `fetch RUN-ID` and `cancel RUN-ID`. Each reads the
 * record first, so a run id that does not exist is one clear line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, FailureError, InterruptedError } from '../../shared/errors.js';
import { requireProject } from '../project.js';
import type { Backend } from '../runs/backend.js';
import { fetchOutputs, refresh, summary, waitForEnd } from '../runs/lifecycle.js';
import { openBackend } from '../runs/open.js';
import { finalStates, listRecords, readRecord, runDir, updateRecord, type RunRecord } from '../runs/record.js';
import { Git } from '../runs/source.js';
import { TARGETS_FILE } from '../runs/targets.js';
import { line, type RunnerContext } from './context.js';

function open(ctx: RunnerContext, root: string, record: RunRecord): Promise<Backend> {
  return openBackend(record.target.settings, new Git(root, ctx.env), ctx.env, TARGETS_FILE);
}

/** The record as its target sees it now; a target that does not answer leaves it as it was, with why. */
async function current(ctx: RunnerContext, root: string, record: RunRecord): Promise<{ record: RunRecord; problem?: string }> {
  if (finalStates.has(record.state)) return { record };
  try {
    return { record: await refresh(root, await open(ctx, root, record), record) };
  } catch (error) {
    if (error instanceof CliError) return { record, problem: error.message.split('\n')[0] };
    throw error;
  }
}

export async function listRuns(ctx: RunnerContext, json: boolean): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  const { records, broken } = listRecords(project.root);
  const rows = await Promise.all(records.map((r) => current(ctx, project.root, r)));
  for (const problem of broken) line(ctx.stderr, `Skipped: ${problem}`);
  if (json) {
    line(ctx.stdout, JSON.stringify({ runs: rows.map((r) => ({ ...r.record, ...(r.problem ? { problem: r.problem } : {}) })) }, null, 2));
    return 0;
  }
  if (!rows.length) {
    line(ctx.stdout, 'No runs yet. Start one with: ml-project run [--on TARGET] -- COMMAND...');
    return 0;
  }
  line(ctx.stdout, `${'RUN'.padEnd(21)}${'STATE'.padEnd(11)}${'TARGET'.padEnd(14)}${'COMMIT'.padEnd(10)}COMMAND`);
  for (const { record: r, problem } of rows) {
    const state = r.state === 'failed' && r.exitCode !== undefined ? `failed(${r.exitCode})` : r.state;
    line(ctx.stdout, `${r.id.padEnd(21)}${state.padEnd(11)}${r.target.name.padEnd(14)}${r.commit.slice(0, 8).padEnd(10)}${r.command.join(' ')}`);
    if (problem) line(ctx.stdout, `${' '.repeat(21)}(state not known now: ${problem})`);
    else if (finalStates.has(r.state) && !r.fetched) line(ctx.stdout, `${' '.repeat(21)}outputs not fetched${r.fetchError ? ` (${r.fetchError})` : ''}: ml-project fetch ${r.id}`);
  }
  return 0;
}

/** The logs a fetched run brought back: output.log, or each task's. */
function localLogs(dir: string): string[] {
  const files = [join(dir, 'output.log')];
  try {
    for (const task of readdirSync(join(dir, 'tasks')).sort((a, b) => Number(a) - Number(b))) files.push(join(dir, 'tasks', task, 'output.log'));
  } catch {
    // a single run
  }
  return files.filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });
}

export async function runLogs(ctx: RunnerContext, id: string, follow: boolean): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  let record = readRecord(project.root, id);
  const kept = localLogs(runDir(project.root, id));
  if (finalStates.has(record.state) && record.fetched && kept.length) {
    for (const file of kept) ctx.stdout.write(readFileSync(file));
    return 0;
  }
  const backend = await open(ctx, project.root, record);
  await backend.logs(record, (text) => ctx.stdout.write(text), follow && !finalStates.has(record.state), ctx.signal);
  if (ctx.signal.aborted) throw new InterruptedError();
  if (!follow) return 0;
  // Following ends with the run: its outputs come back now.
  record = await waitForEnd(project.root, backend, record, ctx.signal);
  if (ctx.signal.aborted) throw new InterruptedError();
  if (!record.fetched) record = await fetchOutputs(project.root, backend, record);
  line(ctx.stderr, summary(record));
  return record.state === 'succeeded' ? 0 : 1;
}

export async function fetchRun(ctx: RunnerContext, id: string, json: boolean): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  let record = readRecord(project.root, id);
  const backend = await open(ctx, project.root, record);
  record = await refresh(project.root, backend, record);
  if (!finalStates.has(record.state)) throw new FailureError(`Run ${id} is ${record.state}: its outputs come back when it ends (ml-project logs ${id} -f follows it to the end and fetches them).`);
  record = await fetchOutputs(project.root, backend, record);
  if (json) line(ctx.stdout, JSON.stringify(record, null, 2));
  if (!record.fetched) throw new FailureError(`The outputs of run ${id} could not be fetched: ${record.fetchError}. The run keeps its record; try again later: ml-project fetch ${id}`);
  if (!json) line(ctx.stdout, summary(record));
  return 0;
}

export async function cancelRun(ctx: RunnerContext, id: string, json: boolean): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  let record = readRecord(project.root, id);
  const backend = await open(ctx, project.root, record);
  record = await refresh(project.root, backend, record);
  if (finalStates.has(record.state)) throw new FailureError(`Run ${id} has already ended (${record.state}): nothing to cancel.`);
  await backend.cancel(record);
  record = updateRecord(project.root, record, { state: 'cancelled', reason: 'cancelled with ml-project cancel', endedAt: new Date().toISOString() });
  record = await fetchOutputs(project.root, backend, record);
  if (json) line(ctx.stdout, JSON.stringify(record, null, 2));
  else line(ctx.stdout, summary(record));
  return 0;
}
