/**
 * The update carried out: the new template commit merged into the branch,
 * each path git leaves unmerged settled as the plan says (anything the plan
 * did not foresee undoes the update), `.yo-rc.json` rewritten, one commit,
 * then `.env`. Any failure or interrupt before the commit returns branch,
 * index and files to the starting commit.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Answers } from '../generate/questions.js';
import { replaceStoredEntry } from '../generate/stored.js';
import { FailureError, InterruptedError } from '../shared/errors.js';
import { replaceFile } from './disk.js';
import type { Change } from './dotenv.js';
import { describeDotenv, updateDotenv } from './dotenv-file.js';
import { GitCommandError, type Git } from './git-exec.js';
import type { PlanItem } from './plan.js';
import { describeOutcome } from './report.js';
import type { Head } from './repository.js';
import { inProject, inRepository } from './template-commits.js';

export interface MergeInput {
  /** The repository, its calls ended by an interrupt. */
  git: Git;
  /** The same, never interrupted: the undo must finish. */
  undoGit: Git;
  signal: AbortSignal;
  prefix: string;
  projectDir: string;
  head: Head;
  base: { commit: string; version: string; recorded: boolean };
  theirs: string;
  plan: readonly PlanItem[];
  answers: Answers;
  version: string;
  /** What the update is, for its commit message and report. */
  from: string;
  verify: boolean;
  dotenv: { changes: Change[]; tracked: boolean };
  out: (line?: string) => void;
}

interface Unmerged {
  path: string;
  stages: Set<number>;
}

async function unmergedPaths(git: Git, prefix: string): Promise<Unmerged[]> {
  const out = await git.text(['ls-files', '-u', '-z', '--full-name', ...(prefix ? ['--', prefix] : [])]);
  const byPath = new Map<string, Set<number>>();
  for (const line of out.split('\0')) {
    const match = /^\d+ [0-9a-f]+ (\d)\t(.*)$/s.exec(line);
    if (match) byPath.set(match[2]!, (byPath.get(match[2]!) ?? new Set()).add(Number(match[1])));
  }
  return [...byPath].map(([path, stages]) => ({ path, stages }));
}

/**
 * Settles what git left unmerged the way the plan says; a conflict in a
 * merged file stays for the user. git's copy of the template's side of a
 * link it renamed out of the way (`PATH~<label>`) goes: the link is kept.
 */
async function settleAsPlanned(git: Git, prefix: string, plan: readonly PlanItem[]): Promise<void> {
  const actions = new Map(plan.map((item) => [item.path, item.action]));
  const links = plan.filter((item) => item.action === 'kept-link').map((item) => `${item.path}~`);
  for (const { path, stages } of await unmergedPaths(git, prefix)) {
    const at = inProject(prefix, path);
    const action = actions.get(at);
    const theirsOnly = !stages.has(2) && stages.has(3);
    const oursOnly = stages.has(2) && !stages.has(3);
    if (at === '.yo-rc.json' || (action === 'merge' && stages.has(2) && stages.has(3))) continue;
    if ((action === 'kept-deleted' || (action === undefined && links.some((link) => at.startsWith(link)))) && theirsOnly) {
      await git.run(['rm', '--quiet', '--force', '--', path]);
    } else if ((action === 'kept-changed' || action === 'kept-link') && oursOnly) {
      await git.run(['add', '--', path]);
    } else {
      throw new FailureError(`git's merge did not go as planned at ${at} (${action ?? 'not in the plan'}, stages ${[...stages].sort().join(',')}).`);
    }
  }
}

async function writeRecord(input: MergeInput): Promise<void> {
  const { git, prefix } = input;
  const path = inRepository(prefix, '.yo-rc.json');
  const file = join(input.projectDir, '.yo-rc.json');
  const ours = await git.text(['show', `${input.head.commit}:${path}`]);
  await replaceFile(file, Buffer.from(replaceStoredEntry(ours, input.answers, input.version)), (await lstat(file)).mode & 0o7777);
  await git.run(['add', '--', path]);
}

export async function mergeUpdate(input: MergeInput): Promise<number> {
  const { git, prefix, head, base, plan, out } = input;
  const verify = input.verify ? [] : ['--no-verify'];
  const checkInterrupt = () => {
    if (input.signal.aborted) throw new InterruptedError('Interrupted.');
  };
  let conflicts: string[] = [];
  try {
    if (!base.recorded) {
      // The recorded render joins the history (no file changes), so that the merge below has it as its base.
      await git.run([
        'merge', '--quiet', '-s', 'ours', '--allow-unrelated-histories', '--no-edit', ...verify,
        '-m', `Record the create-ml-project ${base.version} template as the base for updates`, base.commit,
      ]);
      checkInterrupt();
    }
    // Merged through a short-lived ref, whose name labels the template's side of conflict markers.
    const label = `create-ml-project/${input.version}`;
    await git.run(['update-ref', `refs/${label}`, input.theirs]);
    try {
      const message = `Update the project template${prefix ? ` of ${prefix}` : ''}: ${input.from}`;
      await git.run(['merge', '--quiet', '--no-ff', '--no-commit', '-X', 'no-renames', '-m', message, label], { allow: [1] });
    } finally {
      await input.undoGit.run(['update-ref', '-d', `refs/${label}`]);
    }
    checkInterrupt();
    await settleAsPlanned(git, prefix, plan);
    await writeRecord(input);
    checkInterrupt();

    conflicts = (await git.text(['diff', '--name-only', '-z', '--diff-filter=U'])).split('\0').filter(Boolean);
    if (conflicts.length === 0) {
      await git.run(['commit', '--quiet', '--no-edit', ...verify]);
      checkInterrupt();
    }
  } catch (error) {
    const restored = await restore(input.undoGit, head);
    if (error instanceof InterruptedError || input.signal.aborted) throw new InterruptedError(`Interrupted. ${restored}`);
    if (error instanceof GitCommandError) {
      const hint = input.verify && /^git (commit|merge) failed/.test(error.message)
        ? '\nIf a commit hook stopped it, fix what it reports, or run the update with --no-verify.'
        : '';
      throw new FailureError(`The update failed: ${error.message}${hint}\n${restored}`);
    }
    if (error instanceof FailureError) throw new FailureError(`The update failed: ${error.message}\n${restored}`);
    throw error;
  }

  const shown = new Set(conflicts.map((path) => inProject(prefix, path)));
  const lines = describeOutcome({ plan, conflicts: shown }, false);
  const dotenv = await updateDotenv(input.projectDir, input.dotenv.tracked, input.dotenv.changes, conflicts.length === 0);
  if (conflicts.length > 0) {
    out(`Merged the update (${input.from}), with conflicts to resolve:`);
    for (const line of lines) out(line);
    out();
    out(`The merge is not committed yet. Edit the ${conflicts.length === 1 ? 'file' : 'files'} with conflicts, then:`);
    out(`  git add ${conflicts.map((p) => (/^[\w./-]+$/.test(p) ? p : JSON.stringify(p))).join(' ')}`);
    out('  git commit --no-edit');
    out(`To give the update up instead: git merge --abort${base.recorded ? '' : ` (or git reset --hard ${head.commit.slice(0, 12)})`}`);
    for (const line of describeDotenv(dotenv, 'pending')) out(line);
    return 1;
  }
  const commit = await input.undoGit.text(['rev-parse', '--short=12', 'HEAD']);
  out(`Updated the project (${input.from}).`);
  for (const line of lines) out(line);
  for (const line of describeDotenv(dotenv, 'done')) out(line);
  out();
  out(`Committed on ${head.branch} as ${commit}. Review: git show --stat HEAD   Undo: git reset --hard ${head.commit.slice(0, 12)}`);
  return 0;
}

/** Back to the starting commit, index and working tree as they were (the tree was clean). */
async function restore(git: Git, head: Head): Promise<string> {
  try {
    await git.run(['merge', '--abort'], { allow: [128] });
    await git.run(['reset', '--quiet', '--hard', head.commit]);
  } catch (error) {
    return `Restoring failed (${(error as Error).message}): run git reset --hard ${head.commit} to return to where you were.`;
  }
  return `Nothing was changed: ${head.branch} is back at ${head.commit.slice(0, 12)}, the files as they were.`;
}
