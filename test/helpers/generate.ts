/**
 * Running the built CLI as a user would: a child process, in a temporary
 * folder, with git isolated from the developer's own configuration.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess, type ProcessResult } from './process.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const binPath = join(repoRoot, 'bin', 'create-ml-project.cjs');

export type RunResult = ProcessResult;

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Another build of the bin (a copy of the package as another version). */
  bin?: string;
  /** Starts the CLI as the leader of its own process group (for a Ctrl-C sent to the group). */
  detached?: boolean;
}

export function tempDir(prefix = 'cmp-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A git setup of its own: a global config with an identity, no system config, no user hooks. */
export function isolatedGitEnv(home = tempDir('cmp-home-'), identity = true): NodeJS.ProcessEnv {
  const globalConfig = join(home, '.gitconfig');
  writeFileSync(
    globalConfig,
    identity ? '[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = trunk\n' : '',
  );
  return {
    HOME: home,
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: undefined,
    GIT_AUTHOR_EMAIL: undefined,
    GIT_COMMITTER_NAME: undefined,
    GIT_COMMITTER_EMAIL: undefined,
    EMAIL: undefined,
  };
}

/** Runs `node bin/create-ml-project.cjs ...args` with no terminal. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...isolatedGitEnv(), ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return runProcess(process.execPath, [options.bin ?? binPath, ...args], { ...options, cwd: options.cwd ?? tempDir(), env });
}

export interface GenerateOptions extends RunOptions {
  /** Extra command-line arguments. */
  args?: readonly string[];
}

/**
 * Generates a project from answers (written to an answers file) with --yes
 * for the rest and git off unless the answers say otherwise.
 */
export async function generateProject(
  answers: Record<string, unknown> = {},
  options: GenerateOptions = {},
): Promise<RunResult & { dir: string }> {
  const cwd = options.cwd ?? tempDir();
  const projectName = (answers.projectName as string | undefined) ?? 'my-project';
  const file = join(tempDir('cmp-answers-'), 'answers.json');
  writeFileSync(file, JSON.stringify({ git: false, ...answers, projectName }));
  const result = await runCli(['--yes', '--answers', file, ...(options.args ?? [])], { ...options, cwd });
  return { ...result, dir: join(cwd, projectName) };
}

/** Presets every suite checks: the defaults, each compute choice, and every optional part off. */
export const presets: Record<string, Record<string, unknown>> = {
  defaults: {},
  cpu: { compute: 'cpu' },
  gpu: { compute: 'gpu', projectName: 'vision-lab', packageName: 'vision' },
  minimal: { dvc: false, precommit: false, ci: false, devcontainer: false, git: false, license: 'none' },
};

/** The PyTorch variant with each compute choice, one of them with every optional part off. */
export const torchPresets: Record<string, Record<string, unknown>> = {
  'pytorch-auto': { framework: 'pytorch' },
  'pytorch-cpu': { framework: 'pytorch', compute: 'cpu', dvc: false, precommit: false, ci: false, devcontainer: false, license: 'none' },
  'pytorch-gpu': { framework: 'pytorch', compute: 'gpu', cudaVersion: '12.6', projectName: 'vision-lab', packageName: 'vision' },
};

/** The classification task with each framework, one of them with every optional part off. */
export const taskPresets: Record<string, Record<string, unknown>> = {
  classification: { task: 'classification' },
  'pytorch-classification': { task: 'classification', framework: 'pytorch', compute: 'cpu', dvc: false, precommit: false, ci: false, devcontainer: false, license: 'none' },
};
