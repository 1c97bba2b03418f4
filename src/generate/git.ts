/**
 * git: the user's identity for defaults (two `git config` reads, started as
 * soon as the CLI knows it will generate), and the new project's repository
 * with its first commit, through simple-git, loaded only then. Never fatal
 * and never waiting for a terminal: a problem becomes a warning with the
 * commands to finish.
 */
import { execFile } from 'node:child_process';
import type { SimpleGit } from 'simple-git';
import { templateTrailers } from '../shared/template-trailers.js';

export interface GitIdentity {
  name?: string;
  email?: string;
}

export type GitOutcome =
  | { status: 'committed'; message: string }
  | { status: 'skipped' | 'unavailable' | 'incomplete'; message: string; commands: string[] };

/** Seconds without output before a git command is killed (signing or hook prompts). */
const BLOCK_TIMEOUT_MS = 20_000;

export const COMMIT_MESSAGE = 'Initial commit from create-ml-project';

/**
 * The user's environment is inherited as is (GIT_CONFIG_GLOBAL and the like
 * keep working). Init, add and commit ask for no credentials; what could wait
 * on a terminal (a signing passphrase, a hook) is killed by the timeout.
 */
async function git(baseDir: string): Promise<SimpleGit> {
  const { simpleGit } = await import('simple-git');
  return simpleGit({ baseDir, timeout: { block: BLOCK_TIMEOUT_MS } });
}

/** user.name and user.email as git would use them in `dir` (one `git config` call), or nothing when unset or git is missing. */
export function readGitIdentity(dir: string): Promise<GitIdentity> {
  return new Promise((resolve) => {
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
 * later updates (other files already in the folder stay uncommitted);
 * otherwise it holds everything in `dir`.
 */
export async function initRepository(dir: string, shownDir: string, rendered?: RenderedFiles): Promise<GitOutcome> {
  const client = await git(dir);
  const cd = `cd ${shownDir}`;
  const commit = `git add -A && git commit -m "${COMMIT_MESSAGE}"`;

  const version = await client.version().catch(() => ({ installed: false }));
  if (!version.installed) {
    return {
      status: 'unavailable',
      message: 'git was not found, so the project is not a repository yet. Once git is installed:',
      commands: [cd, 'git init -b main', commit],
    };
  }
  const topLevel = await client.revparse(['--show-toplevel']).catch(() => undefined);
  if (topLevel) {
    return {
      status: 'skipped',
      message: `${shownDir} is inside the git repository ${topLevel.trim()}: no new repository made, nothing committed.`,
      commands: [],
    };
  }

  try {
    await client.init(['--initial-branch=main']);
  } catch {
    try {
      await client.init();
      await client.raw(['symbolic-ref', 'HEAD', 'refs/heads/main']);
    } catch (error) {
      return { status: 'incomplete', message: `git init failed: ${firstLine(error)}. To finish:`, commands: [cd, 'git init -b main', commit] };
    }
  }

  const identity = await readGitIdentity(dir);
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
      await client.raw(['add', '--force', '--', ...rendered.paths.map((path) => `:(literal)${path}`)]);
      const tree = (await client.raw(['write-tree'])).trim();
      await client.commit([COMMIT_MESSAGE, templateTrailers(rendered.version, tree, '')]);
      if (rendered.folderExisted) others = (await client.raw(['status', '--porcelain', '-z', '--untracked-files=all'])).split('\0').filter(Boolean).length;
    } else {
      await client.add(['-A']);
      await client.commit(COMMIT_MESSAGE);
    }
  } catch (error) {
    return {
      status: 'incomplete',
      message: `Made a git repository but the first commit failed (${firstLine(error)}). Check commit signing and hooks, then:`,
      commands: [cd, commit],
    };
  }
  const left = others ? ` ${others} ${others === 1 ? 'file that was' : 'files that were'} already in the folder ${others === 1 ? 'is' : 'are'} not committed.` : '';
  return { status: 'committed', message: `Made a git repository (branch main) with a first commit.${left}` };
}
