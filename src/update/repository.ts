/**
 * Finding the project an update or check runs on, and making sure its git
 * repository is in a state an update can start from and, if need be, return
 * to exactly.
 */
import { existsSync } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { readStoredConfig, type StoredConfig } from '../generate/stored.js';
import { STORE_KEY } from '../shared/project-file.js';
import { Git, GitCommandError } from './git-exec.js';
import { listed } from './report.js';
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
  if (!(await stat(dir)).isDirectory()) throw new UsageError(`${start} is not a folder: name the project's folder (or run the command inside it).`);
  for (;;) {
    // The shared reader refuses a .yo-rc.json that is a FIFO, device or folder: reading one would never end.
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
  const relativePath = relative(await realpath(root), projectDir);
  if (relativePath === '..' || relativePath.startsWith(`..${sep}`) || isAbsolute(relativePath)) {
    // A .git file or core.worktree can put the work tree elsewhere; an update there would merge into someone else's files.
    throw new UsageError(`The git repository of ${projectDir} has its work tree at ${root}, which does not hold the project. Update it from a repository of its own.`);
  }
  return { git: new Git(root), root, prefix: relativePath.split(sep).join('/') };
}

export interface Head {
  commit: string;
  branch: string;
  /** Files git neither tracks nor ignores, with `/`, relative to the repository. */
  untracked: string[];
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
 * HEAD on a branch, no operation half done, nothing uncommitted: then `git
 * reset --hard` to the returned commit undoes an update completely. Untracked
 * files are returned, for the caller to refuse once it knows which of them
 * the update would reach.
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
  const entries = status.split('\0').filter((entry) => /^.. /.test(entry));
  const hidden = await hiddenChanges(git);
  if (hidden.length > 0 || entries.some((entry) => !entry.startsWith('??'))) {
    // Untracked files are listed too, so that one round of commit or stash is enough.
    const changes = [...entries.map((entry) => `${entry.slice(0, 2).replace(/ /g, '.')} ${entry.slice(3)}`), ...hidden];
    throw new UsageError(
      `The working tree has ${changes.length} uncommitted ${changes.length === 1 ? 'change' : 'changes'}:\n${listed(changes)}\n` +
        'Commit or stash them first (git stash -u), so that the update starts from a commit and can be undone in one step.',
    );
  }
  return { commit, branch, untracked: entries.filter((entry) => entry.startsWith('??')).map((entry) => entry.slice(3)) };
}

/**
 * Changes git does not show: files marked assume-unchanged or skip-worktree
 * whose content differs from the index. `git reset --hard` (the undo) and a
 * failed merge overwrite the first kind without a word. Files a sparse
 * checkout leaves out are not on disk and differ from nothing.
 */
async function hiddenChanges(git: Git): Promise<string[]> {
  const flagged: { path: string; oid: string; flag: string }[] = [];
  for (const line of (await git.text(['ls-files', '-s', '-v', '-z'])).split('\0')) {
    const match = /^([a-zS]) \d+ ([0-9a-f]+) \d\t(.*)$/s.exec(line);
    if (match) flagged.push({ flag: match[1] === 'S' ? 'skip-worktree' : 'assume-unchanged', oid: match[2]!, path: match[3]! });
  }
  const present = [];
  for (const entry of flagged) {
    const stats = await lstat(join(git.dir, entry.path)).catch(() => undefined);
    if (stats) present.push({ ...entry, file: stats.isFile() });
  }
  const files = present.filter((entry) => entry.file);
  const oids = files.length ? (await git.text(['hash-object', '--stdin-paths'], { input: `${files.map((e) => e.path).join('\n')}\n` })).split('\n') : [];
  return present
    .filter((entry) => !entry.file || oids[files.indexOf(entry)] !== entry.oid)
    .map((entry) => `${entry.flag === 'skip-worktree' ? 'S.' : 'h.'} ${entry.path} (marked ${entry.flag}: git update-index --no-${entry.flag} -- ${entry.path})`);
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
