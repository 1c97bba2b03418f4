/**
 * What a run will run, decided before anything is sent: the command (or
 * papermill's, for a notebook), the experiment files of a sweep as they are
 * in the commit, the GPUs, the environment and the outputs to bring back.
 */
import { posix } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { quote } from '../../shared/excerpt.js';
import { createMatcher } from '../dockerignore.js';
import type { Project } from '../project.js';
import type { RunPlan } from './backend.js';
import type { Git, Source } from './source.js';
import type { Target } from './targets.js';

export interface RunRequest {
  command: string[];
  notebook?: string;
  parameters: [string, string][];
  sweep: string[];
  gpus?: number;
}

/** The files of the commit in the project's folder, relative to it (git runs there). */
async function commitFiles(git: Git, source: Source): Promise<string[]> {
  const listing = await git.must(['ls-tree', '-r', '-z', '--name-only', source.commit, '--', '.']);
  return listing.split('\0').filter(Boolean);
}

/** Each pattern's files (a plain path must exist; a pattern with * ? [ must match), in order, once each. */
export function expandSweep(patterns: readonly string[], files: readonly string[]): string[] {
  const out: string[] = [];
  for (const pattern of patterns) {
    const clean = posix.normalize(pattern.replace(/^\.\//, ''));
    const matcher = createMatcher(clean);
    const matched = /[*?[]/.test(clean) ? files.filter((f) => matcher.ignores(f) && !f.endsWith('/')) : files.filter((f) => f === clean);
    if (!matched.length) throw new UsageError(`--sweep ${quote(pattern)}: no such file in the commit. Commit the experiment files first (git add, git commit); a sweep runs them as they are there.`);
    for (const file of matched) if (!out.includes(file)) out.push(file);
  }
  return out;
}

/** A notebook run: papermill writes the executed copy over the notebook in the job's workspace, and it comes back with the outputs. */
export function notebookCommand(notebook: string, parameters: readonly [string, string][]): string[] {
  return ['papermill', notebook, notebook, ...parameters.flatMap(([k, v]) => ['-p', k, v])];
}

export async function makePlan(id: string, project: Project, target: Target, git: Git, source: Source, request: RunRequest): Promise<RunPlan> {
  const files = request.notebook || request.sweep.length ? await commitFiles(git, source) : [];
  let command = request.command;
  let outputs = target.outputs;
  if (request.notebook) {
    const notebook = posix.normalize(request.notebook.replace(/^\.\//, ''));
    if (!files.includes(notebook)) throw new UsageError(`${quote(request.notebook)} is not a notebook of the commit (paths are relative to the project's folder). Commit it first: a run takes it from the commit.`);
    command = notebookCommand(notebook, request.parameters);
    outputs = [...outputs.filter((o) => o !== notebook), notebook];
  }
  const sweep = request.sweep.length ? expandSweep(request.sweep, files) : [];
  return {
    id,
    project: { name: project.name, root: project.root, hasCpuImage: project.hasCpuImage, hasGpuImage: project.hasGpuImage, dotenv: project.dotenv },
    target,
    source,
    command,
    sweep,
    gpus: request.gpus ?? target.gpus,
    env: { ...target.env, ML_PROJECT_RUN_ID: id, ML_PROJECT_COMMIT: source.commit },
    outputs,
  };
}
