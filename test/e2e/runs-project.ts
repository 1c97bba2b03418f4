/**
 * A generated project (with git) for the end-to-end tests of `ml-project run`,
 * and the runner spawned in it against the private engines: the Docker engine
 * of .ci/dockerd (CMP_DOCKER_HOST), the SLURM cluster of .ci/slurm
 * (CMP_SLURM_CONF) and the SSH server of .ci/sshd (CMP_SSH_CONFIG).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateProject, isolatedGitEnv, repoRoot, tempDir } from '../helpers/generate.js';
import { listRecords } from '../../src/runner/runs/record.js';
import { baseImageScript, engineEnv, exec, type Exec, type ExecOptions } from './engine.js';

export const runnerBin = join(repoRoot, 'bin', 'ml-project.cjs');

export interface RunsProject {
  dir: string;
  pkg: string;
  /** The environment the runner gets: the private engine, git isolated, HOME of its own. */
  env: NodeJS.ProcessEnv;
}

export async function runsProject(name: string, answers: Record<string, unknown> = {}): Promise<RunsProject> {
  const git = isolatedGitEnv();
  const pkg = name.replace(/-/g, '_');
  const made = await generateProject({ projectName: name, packageName: pkg, compute: 'cpu', git: true, ...answers }, { cwd: tempDir('mlp-runs-'), env: git });
  if (made.code !== 0) throw new Error(`generating ${name} failed: ${made.stderr}`);
  const env: NodeJS.ProcessEnv = { ...engineEnv(process.env.CMP_DOCKER_HOST ?? 'unix:///nonexistent'), ...git, SLURM_CONF: process.env.CMP_SLURM_CONF, ML_PROJECT_IMAGE: undefined };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return { dir: made.dir, pkg, env };
}

/** The offline stand-in base image for the project's requirements (built once per engine). */
export async function baseImageFor(project: RunsProject): Promise<string> {
  const base = await exec(baseImageScript, ['-r', join(project.dir, 'requirements.txt'), '-r', join(project.dir, 'requirements-dev.txt')], { env: project.env, timeoutMs: 900_000 });
  if (base.code !== 0) throw new Error(`the base image did not build: ${base.stderr}`);
  return base.stdout.trim().split('\n').at(-1)!;
}

/** Commits the targets file (and whatever else changed). */
export function commitTargets(project: RunsProject, yaml: string): void {
  writeFileSync(join(project.dir, 'configs', 'targets.yml'), yaml);
  execFileSync('git', ['add', '-A'], { cwd: project.dir, env: project.env });
  execFileSync('git', ['commit', '-qm', 'Targets'], { cwd: project.dir, env: project.env });
}

export function mlProject(project: RunsProject, args: readonly string[], options: Omit<ExecOptions, 'cwd'> = {}): Promise<Exec> {
  return exec(process.execPath, [runnerBin, ...args], { cwd: project.dir, timeoutMs: 300_000, ...options, env: { ...project.env, ...options.env } });
}

export interface RunFile {
  id: string;
  state: string;
  exitCode?: number;
  reason?: string;
  commit: string;
  job?: string;
  image?: { name: string; digest?: string };
  fetched: boolean;
  fetchError?: string;
  startedAt?: string;
  endedAt?: string;
  tasks?: { index: number; config: string; state: string; exitCode?: number }[];
  target: { name: string; kind: string };
}

/** The newest run's id, from runs/. */
/** The run made last, as `ml-project runs` lists it first (runs made in the same second included). */
export function newestRun(project: RunsProject): string {
  return listRecords(project.dir).records[0]!.id;
}

export function record(project: RunsProject, id = newestRun(project)): RunFile {
  return JSON.parse(readFileSync(join(project.dir, 'runs', id, 'run.json'), 'utf8')) as RunFile;
}

/** Every file of the project outside .git and runs/, with its size and modification time: what a run must not change. */
export function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (rel === '.git' || rel === 'runs') continue;
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else out[rel] = `${info.size}:${info.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

/** Removes the images a test's runs built (`<project>-cpu:run-*`, and their tags in a registry). */
export async function removeRunImages(project: RunsProject, registryHost?: string): Promise<void> {
  const references = [`${project.dir.split('/').at(-1)}-cpu`, ...(registryHost ? [`${registryHost}/*/*`] : [])];
  for (const reference of references) {
    const listed = await exec('docker', ['image', 'ls', '--filter', `reference=${reference}`, '--format', '{{.Repository}}:{{.Tag}}'], { env: project.env, timeoutMs: 60_000 });
    const tags = listed.stdout.split('\n').filter(Boolean);
    if (tags.length) await exec('docker', ['image', 'rm', '-f', ...tags], { env: project.env, timeoutMs: 120_000 });
  }
}
