/**
 * What every kind of target does for a run, whatever engine is behind it:
 * the commands (run, runs, logs, cancel, fetch) are written against this,
 * and each kind implements it in a module of its own, loaded when used.
 */
import { CliError, ExitCode } from '../../shared/errors.js';
import type { Progress } from '../progress.js';
import type { RunRecord, RunState, TaskRecord } from './record.js';
import type { Source } from './source.js';
import type { Target } from './targets.js';

/** A target that cannot be reached or logged in to: exit 3, naming it. */
export class TargetUnavailableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.dockerUnavailable);
  }
}

/** Everything a target needs to start a run. */
export interface RunPlan {
  id: string;
  project: { name: string; root: string; hasCpuImage: boolean; hasGpuImage: boolean; dotenv: Record<string, string> };
  target: Target;
  source: Source;
  /** The command, word by word; in a sweep each task gets its experiment file as one more word. */
  command: string[];
  /** A sweep's experiment files, one task each; empty for a single command. */
  sweep: string[];
  gpus: number;
  /** The command's environment: the target's, ML_PROJECT_RUN_ID and ML_PROJECT_COMMIT. */
  env: Record<string, string>;
  outputs: string[];
}

export interface Submitted {
  job: string;
  image?: { name: string; digest?: string };
}

export interface RunStatus {
  state: RunState;
  exitCode?: number;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  tasks?: TaskRecord[];
}

export interface SubmitOptions {
  signal: AbortSignal;
  progress: () => Progress;
  /** Lines for the user while preparing (the image build...). */
  say: (text: string) => void;
  /** The longest silence of an image build, in seconds. */
  buildTimeoutSeconds: number;
}

export interface Backend {
  /** Where the target is, for messages: `ssh://me@gpu-box`, `slurm on login.hpc (partition gpu)`. */
  readonly where: string;
  /** Throws TargetUnavailableError (exit 3) when the target cannot be reached; else one line on what answered. */
  check(): Promise<string>;
  /** What would be submitted, as text (--dry-run): a manifest, a job script, a container. */
  describe(plan: RunPlan): Promise<string>;
  /** Builds what the run needs and submits it. On an interrupt it resolves or throws as soon as it can; `abandon` then removes what it may have left. */
  submit(plan: RunPlan, options: SubmitOptions): Promise<Submitted>;
  /** Removes whatever a submission of this run left, known or not (by the names derived from its id); true when it found something. */
  abandon(record: RunRecord): Promise<boolean>;
  status(record: RunRecord): Promise<RunStatus>;
  /** The logs so far; with `follow`, then what comes, until the run ends or `signal` aborts. */
  logs(record: RunRecord, write: (text: string) => void, follow: boolean, signal: AbortSignal): Promise<void>;
  /** Brings the outputs and the logs into `dir` (runs/<id>/); throws when it cannot, leaving what is on the target. */
  fetch(record: RunRecord, dir: string): Promise<void>;
  cancel(record: RunRecord): Promise<void>;
  /** Frees what the run holds on the target once its outputs are fetched. */
  release(record: RunRecord): Promise<void>;
}
