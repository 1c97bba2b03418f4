/**
 * What a run runs: a commit of the project, never "whatever the folder holds".
 * A clean tree runs HEAD. With --allow-dirty the working tree (changes and
 * the untracked files git does not ignore) becomes a snapshot commit on top
 * of HEAD, written through a temporary index: the user's index, branch and
 * files stay as they are, and the diff goes into the run's record.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FailureError, UsageError } from '../../shared/errors.js';
import { run } from '../compose.js';
import { RUNS_DIR } from './record.js';

export interface Source {
  commit: string;
  /** The project's folder inside the repository, `/`-separated; empty at its root. */
  prefix: string;
  /** For a snapshot of a dirty tree: HEAD, and the diff from it. */
  base?: string;
  diff?: string;
}

const IDENTITY = { GIT_AUTHOR_NAME: 'ml-project', GIT_AUTHOR_EMAIL: 'ml-project@localhost', GIT_COMMITTER_NAME: 'ml-project', GIT_COMMITTER_EMAIL: 'ml-project@localhost' };

export class Git {
  constructor(
    readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  run(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    return run('git', args, { cwd: this.root, env: { ...this.env, ...env, GIT_TERMINAL_PROMPT: '0' }, timeoutMs: 120_000 });
  }

  async must(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const result = await this.run(args, env);
    // git's own words, without its hints.
    const said = result.stderr.split('\n').find((l) => l.trim() && !l.startsWith('hint:'));
    if (result.code !== 0) throw new FailureError(`git ${args[0]} failed: ${said ?? `exit code ${result.code}`}`);
    return result.stdout.trim();
  }

  /** The text of a file at a commit, undefined when it has none. */
  async show(commit: string, path: string): Promise<string | undefined> {
    const result = await this.run(['show', `${commit}:${path}`]);
    return result.code === 0 ? result.stdout : undefined;
  }

  /** A tar of the project's files at `source`: a stream that errors when git fails. */
  archive(source: Source, paths: readonly string[] = []): NodeJS.ReadableStream {
    const treeish = source.prefix ? `${source.commit}:${source.prefix}` : source.commit;
    const child = spawn('git', ['archive', '--format=tar', treeish, ...(paths.length ? ['--', ...paths] : [])], { cwd: this.root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (error) => child.stdout.destroy(new FailureError(`git archive failed: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) child.stdout.destroy(new FailureError(`git archive failed: ${stderr.trim() || `exit code ${code}`}`));
    });
    return child.stdout;
  }
}

/** The paths `git status` reports as changed or untracked in the project, runs/ aside (records are written there). */
async function changedPaths(git: Git): Promise<string[]> {
  const status = await git.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.', `:(exclude)${RUNS_DIR}`]);
  if (status.code !== 0) throw new FailureError(`git status failed: ${status.stderr.trim()}`);
  return status.stdout.split('\0').filter((entry) => /^.. /.test(entry)).map((entry) => entry.slice(3));
}

export async function pinSource(git: Git, allowDirty: boolean): Promise<Source> {
  const top = await git.run(['rev-parse', '--show-toplevel']);
  if (top.notStarted) throw new UsageError('git is not installed: a run is pinned to a commit of the project, which needs git.');
  if (top.code !== 0) throw new UsageError(`${git.root} is not in a git repository: a run is pinned to a commit. Run: git init && git add -A && git commit -m "First commit"`);
  const head = await git.run(['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  if (head.code !== 0) throw new UsageError('The repository has no commit yet: a run is pinned to a commit. Commit the project first: git add -A && git commit -m "First commit"');
  const prefix = relative(top.stdout.trim(), git.root).split('\\').join('/');
  const commit = head.stdout.trim();
  const changed = await changedPaths(git);
  if (changed.length === 0) return { commit, prefix };
  if (!allowDirty) {
    const shown = changed.slice(0, 3).join(', ') + (changed.length > 3 ? ` and ${changed.length - 3} more` : '');
    throw new UsageError(`The project has uncommitted changes (${shown}): a run is pinned to a commit. Commit them, or pass --allow-dirty to run them as they are (the diff is kept with the run).`);
  }
  return snapshot(git, commit, prefix);
}

async function snapshot(git: Git, head: string, prefix: string): Promise<Source> {
  const scratch = await mkdtemp(join(tmpdir(), 'ml-project-run-'));
  try {
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    await git.must(['read-tree', head], env);
    await git.must(['add', '-A', '--', '.'], env);
    // runs/ is the runner's, not the project's: out of the snapshot whether git ignores it or not.
    await git.must(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', RUNS_DIR], env);
    const tree = await git.must(['write-tree'], env);
    const commit = await git.must(['commit-tree', tree, '-p', head, '-m', 'ml-project run: the working tree as it was'], { ...env, ...IDENTITY });
    const diff = await git.must(['diff', '--binary', head, commit, '--', '.']);
    return { commit, prefix, base: head, diff: `${diff}\n` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
