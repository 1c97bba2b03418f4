/**
 * Finding the project an update or check runs on, and making sure its git
 * repository is in a state an update can start from and, if need be, return
 * to exactly.
 */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { readStoredConfig, type StoredConfig } from '../generate/stored.js';
import { STORE_KEY } from '../shared/project-file.js';
import { Git, GitCommandError } from './git-exec.js';
import { isVersion } from './version-order.js';

export interface Project {
  dir: string;
  stored: StoredConfig;
}

/** The generator version the project records, checked to be one. */
export function recordedVersion(project: Project): string | undefined {
  const { version } = project.stored;
  if (version !== undefined && !isVersion(version)) {
    throw new UsageError(`${join(project.dir, '.yo-rc.json')} records version ${JSON.stringify(version)}, which is not a version (like 0.1.0). Fix it there.`);
  }
  return version;
}

/** The nearest folder at or above `start` whose .yo-rc.json has a create-ml-project entry. */
export async function findProject(start: string): Promise<Project> {
  let dir = await realpath(start).catch(() => {
    throw new UsageError(`${start} does not exist.`);
  });
  for (;;) {
    const stored = await readStoredConfig(dir);
    if (stored) return { dir, stored };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new UsageError(
    `No create-ml-project project at ${start} or above it: no .yo-rc.json with a "${STORE_KEY}" entry. ` +
      'Run this inside a generated project (or name its folder).',
  );
}

export interface Repository {
  git: Git;
  root: string;
  /** The project's folder inside the repository, with `/`; empty at the root. */
  prefix: string;
}

export async function openRepository(projectDir: string): Promise<Repository> {
  const git = new Git(projectDir);
  let root: string;
  try {
    root = await git.text(['rev-parse', '--show-toplevel']);
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    throw new UsageError(
      `${projectDir} is not in a git repository: an update merges the new template through git, so that it can be reviewed and undone. To start one:\n` +
        `  cd ${projectDir}\n  git init -b main && git add -A && git commit -m "My project"`,
    );
  }
  const prefix = relative(await realpath(root), projectDir).split(sep).join('/');
  return { git: new Git(root), root, prefix };
}

export interface Head {
  commit: string;
  branch: string;
}

const inProgress: [string, string][] = [
  ['MERGE_HEAD', 'a merge is in progress: finish it (git commit) or abort it (git merge --abort)'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick is in progress: finish it or abort it (git cherry-pick --abort)'],
  ['REVERT_HEAD', 'a revert is in progress: finish it or abort it (git revert --abort)'],
  ['rebase-merge', 'a rebase is in progress: finish it or abort it (git rebase --abort)'],
  ['rebase-apply', 'a rebase or am is in progress: finish it or abort it (git rebase --abort)'],
  ['BISECT_LOG', 'a bisect is in progress: end it (git bisect reset)'],
];

/**
 * HEAD on a branch, no operation half done, nothing uncommitted or untracked:
 * then `git reset --hard` to the returned commit undoes an update completely.
 */
export async function checkReady(git: Git): Promise<Head> {
  const commit = (await git.run(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { allow: [1] })).stdout.trim();
  if (!commit) throw new UsageError('The repository has no commits yet: commit the project first (git add -A && git commit).');
  const branch = (await git.run(['symbolic-ref', '-q', '--short', 'HEAD'], { allow: [1] })).stdout.trim();
  if (!branch) throw new UsageError('HEAD is detached: check out the branch to update first (git switch <branch>).');
  for (const [name, reason] of inProgress) {
    const path = resolve(git.dir, await git.text(['rev-parse', '--git-path', name]));
    if (existsSync(path)) throw new UsageError(`Cannot update now: ${reason}.`);
  }
  const status = await git.text(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none']);
  const changes = status.split('\0').filter((entry) => /^.. /.test(entry));
  if (changes.length > 0) {
    const shown = changes.slice(0, 12).map((entry) => `  ${entry.slice(0, 2).replace(/ /g, '.')} ${entry.slice(3)}`);
    throw new UsageError(
      `The working tree has ${changes.length} uncommitted ${changes.length === 1 ? 'change' : 'changes'}:\n${shown.join('\n')}` +
        `${changes.length > 12 ? `\n  ... and ${changes.length - 12} more` : ''}\n` +
        'Commit or stash them first (git stash -u), so that the update starts from a commit and can be undone in one step.',
    );
  }
  return { commit, branch };
}

/** Whether git can sign commits as someone; the update's merge commit needs it. */
export async function checkIdentity(git: Git): Promise<void> {
  try {
    await git.run(['var', 'GIT_COMMITTER_IDENT']);
    await git.run(['var', 'GIT_AUTHOR_IDENT']);
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    throw new UsageError(
      'git does not know who you are, and the update is a commit. Set it, then run the update again:\n' +
        '  git config --global user.name "Your Name"\n  git config --global user.email "you@example.com"',
    );
  }
}

/** The year the project's .yo-rc.json was first committed: the year its LICENSE carries. */
export async function creationYear(git: Git, prefix: string): Promise<number | undefined> {
  const years = await git.text(['log', '--diff-filter=A', '--format=%ad', '--date=format:%Y', 'HEAD', '--', join(prefix, '.yo-rc.json')]);
  const first = years.split('\n').filter(Boolean).pop();
  return first ? Number(first) : undefined;
}
