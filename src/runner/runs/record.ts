/**
 * A run's record, `runs/<id>/run.json`, beside what came back (logs, reports,
 * models, the executed notebook). Written whole to a temporary file and
 * renamed, so a reader never sees half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { quote } from '../../shared/excerpt.js';
import { readTextFile } from '../../shared/text-file.js';
import type { Target } from './targets.js';

export const RUNS_DIR = 'runs';

export const runStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunState = (typeof runStates)[number];

export const finalStates: ReadonlySet<RunState> = new Set(['succeeded', 'failed', 'cancelled']);

export interface TaskRecord {
  index: number;
  /** The experiment file of a sweep's task. */
  config: string;
  state: RunState;
  exitCode?: number;
  reason?: string;
}

export interface RunRecord {
  id: string;
  project: string;
  /** The target as it was when the run started (its settings, so the run is found again if the file changes). */
  target: { name: string; kind: string; where: string; settings: Target };
  /** The command as given after `--` (or papermill's, for a notebook), word by word. */
  command: string[];
  notebook?: { input: string; output: string; parameters: [string, string][] };
  /** The commit the run is pinned to; with --allow-dirty, a snapshot commit of the working tree on top of `base`. */
  commit: string;
  base?: string;
  /** The file in the run's folder holding the snapshot's diff against `base`. */
  diff?: string;
  image?: { name: string; digest?: string };
  /** What the engine calls the job: a container, a SLURM job id, a Kubernetes Job. */
  job?: string;
  gpus: number;
  /** The paths brought back when the run ends. */
  outputs: string[];
  /** A sweep: one task per experiment file. */
  tasks?: TaskRecord[];
  state: RunState;
  /** Why a run failed or was cancelled, in the engine's words where it gave some. */
  reason?: string;
  exitCode?: number;
  submittedAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Whether the outputs are in the run's folder; fetchError says why not (ml-project fetch retries). */
  fetched: boolean;
  fetchError?: string;
}

/**
 * `20261202-180501-3f9a`: sorts by the second it was made in, and is safe as a folder, job,
 * container and Kubernetes name. Within a second, submittedAt orders runs.
 */
export function newRunId(now: Date = new Date(), random: () => string = () => randomBytes(2).toString('hex')): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${random()}`;
}

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

export function runDir(root: string, id: string): string {
  return join(root, RUNS_DIR, id);
}

export function writeRecord(root: string, record: RunRecord): void {
  const dir = runDir(root, record.id);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.run.json.${process.pid}.tmp`);
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temp, join(dir, 'run.json'));
}

/** The record with `change` applied, written. */
export function updateRecord(root: string, record: RunRecord, change: Partial<RunRecord>): RunRecord {
  const next = { ...record, ...change };
  writeRecord(root, next);
  return next;
}

function parseRecord(text: string, where: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${where} is not valid JSON: fix or remove it.`);
  }
  const r = value as Partial<RunRecord> | null;
  const ok = r && typeof r === 'object' && typeof r.id === 'string' && runStates.includes(r.state as RunState) && Array.isArray(r.command) && typeof r.commit === 'string' && r.target && typeof r.target.kind === 'string' && typeof r.target.settings === 'object';
  if (!ok) throw new UsageError(`${where} is not a run record of ml-project: fix or remove it.`);
  return r as RunRecord;
}

export function readRecord(root: string, id: string): RunRecord {
  if (!isRunId(id)) throw new UsageError(`${quote(id)} is not a run id: they look like 20261202-180501-3f9a (ml-project runs lists them).`);
  const file = join(runDir(root, id), 'run.json');
  const text = readTextFile(file);
  if (text === undefined) throw new UsageError(`No run ${id} in this project: ${join(RUNS_DIR, id)} does not exist (ml-project runs lists the runs).`);
  return parseRecord(text, file);
}

/** Every run of the project, newest first (to the millisecond); what cannot be read is reported, not fatal. */
export function listRecords(root: string): { records: RunRecord[]; broken: string[] } {
  let names: string[];
  try {
    names = readdirSync(join(root, RUNS_DIR));
  } catch {
    return { records: [], broken: [] };
  }
  const records: RunRecord[] = [];
  const broken: string[] = [];
  for (const id of names.filter(isRunId).sort().reverse()) {
    try {
      records.push(readRecord(root, id));
    } catch (error) {
      broken.push((error as Error).message);
    }
  }
  // Two runs made in the same second sort by their ids' random part: their submission times decide.
  records.sort((a, b) => b.submittedAt.localeCompare(a.submittedAt) || b.id.localeCompare(a.id));
  return { records, broken };
}
