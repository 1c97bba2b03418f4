/**
 * A `.git` in an existing target that sends git elsewhere: a symbolic link,
 * or a `gitdir:` file (what worktrees and submodules have).
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { readTextFile } from '../shared/text-file.js';
import { GitFailed, runGit } from './git-run.js';

/**
 * Where `dir/.git` sends git, when it is a symbolic link or a `gitdir:` file
 * pointing outside `dir`; undefined when it is a folder, missing, or stays inside.
 */
async function gitLinkOutside(dir: string): Promise<string | undefined> {
  const dotGit = join(dir, '.git');
  let info;
  try {
    info = await lstat(dotGit);
  } catch {
    return undefined;
  }
  let pointsTo: string;
  if (info.isSymbolicLink()) {
    pointsTo = resolve(dir, await readlink(dotGit));
  } else if (info.isFile()) {
    const head = readTextFile(dotGit, 'the git link file') ?? '';
    const gitdir = /^gitdir:\s*(.+?)\s*$/m.exec(head)?.[1];
    if (!gitdir) return undefined;
    pointsTo = resolve(dir, gitdir);
  } else {
    return undefined;
  }
  const real = await realpath(dir).catch(() => dir);
  const inside = (path: string) => path === real || path.startsWith(real + sep) || path === dir || path.startsWith(dir + sep);
  const target = await realpath(pointsTo).catch(() => pointsTo);
  return inside(target) ? undefined : pointsTo;
}

/**
 * Refuses, before anything is written, a target whose `.git` links outside it
 * to something that is not a repository: `git init` would make one there, in
 * a folder the user did not name. A link to a repository (a worktree, a
 * submodule, a repository kept elsewhere) is fine: the target is then already
 * in a repository, and the first-commit step leaves it alone, writing nothing.
 */
export async function checkGitLink(dir: string): Promise<void> {
  const pointsTo = await gitLinkOutside(dir);
  if (!pointsTo) return;
  const repository = await runGit(dir, ['rev-parse', '--git-dir']).then(
    () => true,
    (error: unknown) => !(error instanceof GitFailed), // git missing: no git step, nothing written there
  );
  if (repository) return;
  throw new UsageError(
    `${join(dir, '.git')} points to ${pointsTo}, which is not a git repository: the first commit would make one there, outside ${dir}. ` +
      'Remove that .git, or pass --no-git.',
  );
}
