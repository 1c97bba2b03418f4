/**
 * `ml-project run`: a command of the project, at its commit, as a job on a
 * target. The record is written before anything is sent, and again at each
 * step, so that whatever happens the user can find the run (ml-project runs)
 * and nothing is left queued that they do not know about: an interrupt while
 * submitting removes what was submitted; an interrupt while an attached run
 * goes on cancels it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailureError, InterruptedError } from '../../shared/errors.js';
import { requireProject } from '../project.js';
import type { Backend, RunPlan } from '../runs/backend.js';
import { fetchOutputs, summary, waitForEnd } from '../runs/lifecycle.js';
import { makePlan, type RunRequest } from '../runs/plan.js';
import { openBackend } from '../runs/open.js';
import { newRunId, runDir, updateRecord, writeRecord, type RunRecord } from '../runs/record.js';
import { Git, pinSource } from '../runs/source.js';
import { loadTargets, pickTarget } from '../runs/targets.js';
import { line, type RunnerContext } from './context.js';

export interface RunOptions extends RunRequest {
  on?: string;
  detach: boolean;
  allowDirty: boolean;
  dryRun: boolean;
  json: boolean;
  buildTimeoutSeconds: number;
}

function firstRecord(plan: RunPlan, where: string): RunRecord {
  const { source } = plan;
  return {
    id: plan.id,
    project: plan.project.name,
    target: { name: plan.target.name, kind: plan.target.kind, where, settings: plan.target },
    command: plan.command,
    commit: source.commit,
    ...(source.base ? { base: source.base, diff: 'diff.patch' } : {}),
    gpus: plan.gpus,
    outputs: plan.outputs,
    ...(plan.sweep.length ? { tasks: plan.sweep.map((config, index) => ({ index, config, state: 'queued' as const })) } : {}),
    state: 'queued',
    submittedAt: new Date().toISOString(),
    fetched: false,
  };
}

/** After an interrupt while submitting: whatever reached the target goes, and the record says so. */
async function interruptedSubmit(root: string, backend: Backend, record: RunRecord): Promise<never> {
  const removed = await backend.abandon(record).catch(() => undefined);
  const reason = removed === undefined ? 'interrupted while submitting; check the target for a job named after the run' : removed ? 'interrupted while submitting: what reached the target was removed' : 'interrupted before it was submitted';
  updateRecord(root, record, { state: 'cancelled', reason, endedAt: new Date().toISOString() });
  throw new InterruptedError(`Interrupted: run ${record.id} ${removed ? 'was submitted and has been removed again' : removed === false ? 'was not submitted' : 'may have reached the target: look for a job named after it'}. Its record: runs/${record.id}/run.json`);
}

export async function run(ctx: RunnerContext, options: RunOptions): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  const targets = loadTargets(project.root);
  const target = pickTarget(targets, options.on);
  const git = new Git(project.root, ctx.env);
  const source = await pinSource(git, options.allowDirty);
  const plan = await makePlan(newRunId(), project, target, git, source, options);
  const backend = await openBackend(target, git, ctx.env, targets.file);
  const say = (text: string) => line(options.json ? ctx.stderr : ctx.stdout, text);
  if (options.dryRun) {
    ctx.stdout.write(await backend.describe(plan));
    return 0;
  }
  // Unreachable is found out before a record exists: nothing to clean up then.
  say(`Target ${target.name}: ${await backend.check()}`);
  let record = firstRecord(plan, backend.where);
  writeRecord(project.root, record);
  if (source.diff !== undefined) writeFileSync(join(runDir(project.root, record.id), 'diff.patch'), source.diff);
  say(`Run ${record.id}: ${plan.command.join(' ')}${plan.sweep.length ? ` over ${plan.sweep.length} experiment files` : ''} at ${source.commit.slice(0, 12)}${source.base ? ' (a snapshot of the working tree: runs/' + record.id + '/diff.patch)' : ''}`);
  if (ctx.signal.aborted) return interruptedSubmit(project.root, backend, record);
  try {
    const submitted = await backend.submit(plan, { signal: ctx.signal, progress: ctx.progress, say, buildTimeoutSeconds: options.buildTimeoutSeconds });
    record = updateRecord(project.root, record, { job: submitted.job, image: submitted.image });
  } catch (error) {
    if (ctx.signal.aborted || error instanceof InterruptedError) return interruptedSubmit(project.root, backend, record);
    // What the submission left half-made on the target (a container that could not start, the run's folder) goes too.
    await backend.abandon(record).catch(() => undefined);
    updateRecord(project.root, record, { state: 'failed', reason: `not submitted: ${(error as Error).message.split('\n')[0]}`, endedAt: new Date().toISOString() });
    throw error;
  }
  if (ctx.signal.aborted) return interruptedSubmit(project.root, backend, record);
  say(`Submitted to ${target.name} as ${record.job}.`);
  if (options.detach) {
    say(`Follow it: ml-project logs ${record.id} -f   state: ml-project runs   outputs, once it ends: ml-project fetch ${record.id}`);
    if (options.json) line(ctx.stdout, JSON.stringify(record, null, 2));
    return 0;
  }
  const out = options.json ? ctx.stderr : ctx.stdout;
  await backend.logs(record, (text) => out.write(text), true, ctx.signal).catch((error: unknown) => {
    if (!ctx.signal.aborted) say(`(the logs stopped: ${(error as Error).message.split('\n')[0]}; waiting for the run to end)`);
  });
  record = await waitForEnd(project.root, backend, record, ctx.signal);
  if (ctx.signal.aborted) {
    await backend.cancel(record).catch(() => undefined);
    record = updateRecord(project.root, record, { state: 'cancelled', reason: 'interrupted while it ran', endedAt: new Date().toISOString() });
    record = await fetchOutputs(project.root, backend, record);
    throw new InterruptedError(`Interrupted: ${summary(record)}`);
  }
  record = await fetchOutputs(project.root, backend, record);
  if (options.json) line(ctx.stdout, JSON.stringify(record, null, 2));
  if (record.state !== 'succeeded') throw new FailureError(summary(record));
  say(summary(record));
  return 0;
}
