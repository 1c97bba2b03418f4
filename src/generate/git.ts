/**
 * git: the user's identity for defaults (from git's global files when they
 * settle it, otherwise one `git config` read, started as soon as the CLI
 * knows it will generate), and the new project's repository with its first
 * commit. Never fatal and never waiting for a terminal: a problem becomes a
 * warning with the commands to finish. An interrupt is the exception: it
 * stops git at once (hooks included) and is thrown, so that the caller can
 * undo the whole run.
 */
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError } from '../shared/errors.js';
import { templateTrailers } from '../shared/template-trailers.js';
import { identityFromConfigFiles, identityInNewRepository, outsideRepositories, type GitIdentity } from './git-config.js';
import { BLOCK_TIMEOUT_MS, GitFailed, runGit } from './git-run.js';

export type { GitIdentity };

export type GitOutcome =
  | { status: 'committed'; message: string }
  | { status: 'skipped' | 'unavailable' | 'incomplete'; message: string; commands: string[] };

export const COMMIT_MESSAGE = 'Initial commit from create-ml-project';

/**
 * user.name and user.email as git would use them in `dir`, or nothing when
 * unset or git is missing: from the global files when they settle it, else
 * one `git config` call (node:child_process is loaded only then).
 */
export function readGitIdentity(dir: string): Promise<GitIdentity> {
  const known = identityFromConfigFiles(dir, process.env);
  return known ? Promise.resolve(known) : askGitIdentity(dir);
}

/** One `git config` call for the identity in `dir`. */
function askGitIdentity(dir: string): Promise<GitIdentity> {
  return new Promise((resolve) => {
    const { execFile } = process.getBuiltinModule('node:child_process');
    const args = ['config', '--null', '--get-regexp', '^user\\.(name|email)$'];
    execFile('git', args, { cwd: dir, timeout: BLOCK_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) => {
      const identity: GitIdentity = {};
      // Later entries win, as in git: local config after global after system.
      for (const entry of error ? [] : stdout.split('\0')) {
        const [key, ...value] = entry.split('\n');
        const text = value.join('\n').trim() || undefined;
        if (key === 'user.name') identity.name = text;
        if (key === 'user.email') identity.email = text;
      }
      resolve(identity);
    });
  });
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}

/** An interrupt goes up to the caller, who undoes the run; any other failure is the step's to report. */
function unlessInterrupted(error: unknown): void {
  if (error instanceof InterruptedError) throw error;
}

/** What runGit's failure to start git at all stands for. */
const NOT_INSTALLED: unique symbol = Symbol('git not installed');

/** The generated files and the generator version, for a first commit that is the template's render. */
export interface RenderedFiles {
  paths: readonly string[];
  version: string;
  /** The folder was there before (with --force it may hold other files, which stay out of the commit). */
  folderExisted: boolean;
}

/**
 * `git init` (branch main) and a first commit. `shownDir` is how the user
 * reaches the folder (for the printed commands). Given the rendered files,
 * the commit holds exactly those, with the trailers that make it the base of
 * later updates (other files already in the folder stay uncommitted, and
 * `aside`, the writer's folder of replaced files, is not counted among them);
 * otherwise it holds everything in `dir`. Throws InterruptedError when
 * `signal` aborts, with git stopped.
 */
export async function initRepository(
  dir: string,
  shownDir: string,
  rendered?: RenderedFiles,
  options: { signal?: AbortSignal; aside?: string } = {},
): Promise<GitOutcome> {
  const git = (...args: string[]) => runGit(dir, args, options.signal);
  const cd = `cd ${shownDir}`;
  const commit = `git add -A && git commit -m "${COMMIT_MESSAGE}"`;

  // One call says both whether git runs at all and whether the folder is in a repository already
  // (not needed when git is on the PATH and nothing around the folder can be a repository).
  const outside = outsideRepositories(dir, process.env);
  const found = outside
    ? undefined
    : await git('rev-parse', '--show-toplevel', '--absolute-git-dir').catch((error: unknown) => {
        unlessInterrupted(error);
        return error instanceof GitFailed ? undefined : NOT_INSTALLED;
      });
  if (found === NOT_INSTALLED) {
    return {
      status: 'unavailable',
      message: 'git was not found, so the project is not a repository yet. Once git is installed:',
      commands: [cd, 'git init -b main', commit],
    };
  }
  if (found) {
    const [topLevel = '', gitDir = ''] = found.trim().split('\n');
    // A .git file or link in the folder itself: a worktree, a submodule, a repository kept elsewhere.
    const real = await realpath(dir).catch(() => dir);
    const where =
      topLevel !== real ? `inside the git repository ${topLevel}`
      : gitDir === join(real, '.git') ? 'already a git repository'
      : `already in a git repository (its .git points to ${gitDir})`;
    return { status: 'skipped', message: `${shownDir} is ${where}: no new repository made, nothing committed.`, commands: [] };
  }

  try {
    await git('init', '--initial-branch=main');
  } catch (error) {
    unlessInterrupted(error);
    try {
      await git('init');
      await git('symbolic-ref', 'HEAD', 'refs/heads/main');
    } catch (error) {
      unlessInterrupted(error);
      return { status: 'incomplete', message: `git init failed: ${firstLine(error)}. To finish:`, commands: [cd, 'git init -b main', commit] };
    }
  }

  // The new repository's own config may set an identity (from git's template).
  const identity = (outside && identityInNewRepository(dir, process.env)) || (await askGitIdentity(dir));
  if (options.signal?.aborted) throw new InterruptedError();
  if (!identity.name || !identity.email) {
    return {
      status: 'incomplete',
      message: 'Made a git repository but no first commit: git does not know who you are. To finish:',
      commands: [
        cd,
        ...(identity.name ? [] : ['git config --global user.name "Your Name"']),
        ...(identity.email ? [] : ['git config --global user.email "you@example.com"']),
        commit,
      ],
    };
  }

  let others = 0;
  try {
    if (rendered) {
      await git('add', '--force', '--', ...rendered.paths.map((path) => `:(literal)${path}`));
      const tree = (await git('write-tree')).trim();
      await git('commit', '-q', '-m', COMMIT_MESSAGE, '-m', templateTrailers(rendered.version, tree, ''));
      if (rendered.folderExisted) {
        const outside = options.aside ? [':(top)', `:(exclude,top,literal)${options.aside}`] : [];
        others = (await git('status', '--porcelain', '-z', '--untracked-files=all', '--', ...outside)).split('\0').filter(Boolean).length;
      }
    } else {
      await git('add', '-A');
      await git('commit', '-q', '-m', COMMIT_MESSAGE);
    }
  } catch (error) {
    unlessInterrupted(error);
    return {
      status: 'incomplete',
      message: `Made a git repository but the first commit failed (${firstLine(error)}). Check commit signing and hooks, then:`,
      commands: [cd, commit],
    };
  }
  const left = others ? ` ${others} ${others === 1 ? 'file that was' : 'files that were'} already in the folder ${others === 1 ? 'is' : 'are'} not committed.` : '';
  return { status: 'committed', message: `Made a git repository (branch main) with a first commit.${left}` };
}
