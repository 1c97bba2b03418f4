/**
 * `create-ml-project update`: the project re-rendered with its stored (or
 * changed) answers by this version of the generator, merged into the user's
 * files by git as a three-way merge whose base is the render the files came
 * from (see template-commits.ts).
 *
 * The repository must be clean and on a branch. The whole update is planned
 * first, in a scratch object store, against what is on disk: when a path is
 * in the way (plan.ts), it stops before anything is written. Every step after
 * that until the final commit is undone with `git reset --hard` to the
 * starting commit when anything fails or the user interrupts. Conflicts are
 * the one outcome left for the user: the merge stays open with standard
 * markers.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveAnswers, type RawAnswers } from '../generate/answers.js';
import { questions, type Answers, type Question } from '../generate/questions.js';
import { renderProject } from '../generate/render.js';
import { loadTemplates } from '../generate/templates.js';
import { InterruptedError, UsageError } from '../shared/errors.js';
import { findBase, refuseNewer, sourceNames } from './base.js';
import { inspectDisk } from './disk.js';
import { changedValues, type Change } from './dotenv.js';
import { describeDotenv, DOTENV, updateDotenv } from './dotenv-file.js';
import { scratchObjects, type Git } from './git-exec.js';
import { mergeUpdate } from './merge.js';
import { planUpdate, untrackedWrites, type PlanItem, type Tree } from './plan.js';
import { predictConflicts } from './predict.js';
import { describeBlocked, describeOutcome } from './report.js';
import { checkIdentity, checkReady, creationYear, findProject, openRepository, recordedVersion } from './repository.js';
import { inRepository, readTree, writeTemplateCommit } from './template-commits.js';

export type Ask = (question: Question, defaultValue: unknown, answers: Partial<Answers>) => Promise<unknown>;

export interface UpdateRequest {
  /** Where the command runs: the project folder or one below it. */
  cwd: string;
  /** Answers to change (--set). */
  set: RawAnswers;
  /** Present with --ask: asks every question again, the current answers as defaults. */
  ask?: Ask;
  dryRun: boolean;
  /** false with --no-verify: the repository's commit hooks do not run for the update commit. */
  verify: boolean;
  signal: AbortSignal;
  version: string;
  /** The generator's templates; the package's own by default. */
  templatesDir?: string;
  out: (line?: string) => void;
}

async function newAnswers(request: UpdateRequest, stored: RawAnswers): Promise<Answers> {
  if (request.ask) {
    // Whether to make a repository was settled at generation: not asked again.
    const flags = { git: stored.git ?? true, ...request.set };
    return resolveAnswers({ flags, defaults: stored, mode: 'interactive', ask: request.ask, sourceNames });
  }
  return resolveAnswers({ flags: request.set, file: stored, fileName: '.yo-rc.json', mode: 'yes', sourceNames });
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** "jupyterPort 8888 -> 9000" for each answer that changed or is new. */
function answerChanges(before: RawAnswers, after: Answers): string[] {
  return questions.flatMap((q) => {
    if (before[q.name] === undefined) return [`${q.name} ${show(after[q.name])} (new question, its default)`];
    return before[q.name] === after[q.name] ? [] : [`${q.name} ${show(before[q.name])} -> ${show(after[q.name])}`];
  });
}


/** An answer from the terminal, or the interrupt: a SIGTERM does not end a prompt waiting for a key. */
function interruptibleAsk(ask: Ask, signal: AbortSignal): Ask {
  const interrupted = new Promise<never>((_, reject) => {
    const stop = () => reject(new InterruptedError('Interrupted: nothing was changed.'));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  interrupted.catch(() => undefined);
  return (question, defaultValue, answers) => Promise.race([ask(question, defaultValue, answers), interrupted]);
}

async function blobText(git: Git, tree: Tree, path: string): Promise<string | undefined> {
  const entry = tree.get(path);
  return entry && (await git.bytes(['cat-file', 'blob', entry.oid])).toString('latin1');
}

/** The values of .env.example the update changes: the lines of .env that may follow. */
async function dotenvChanges(git: Git, base: Tree, theirs: Tree): Promise<Change[]> {
  const [before, after] = await Promise.all([blobText(git, base, '.env.example'), blobText(git, theirs, '.env.example')]);
  return before === undefined || after === undefined ? [] : changedValues(before, after);
}

export async function runUpdate(request: UpdateRequest): Promise<number> {
  const { out, signal } = request;
  const project = await findProject(request.cwd);
  if ((await lstat(join(project.dir, '.yo-rc.json'))).isSymbolicLink()) {
    throw new UsageError(`${join(project.dir, '.yo-rc.json')} is a symbolic link; create-ml-project never writes through links. Replace it with the file.`);
  }
  const repository = await openRepository(project.dir);
  const { prefix } = repository;
  const git = repository.git.until(signal);
  const recorded = recordedVersion(project);
  if (recorded) refuseNewer(recorded, request.version);

  let merge: Parameters<typeof mergeUpdate>[0];
  // Everything is planned in a scratch object store: a refusal, a dry run or an interrupt leaves .git as it was.
  const scratch = await scratchObjects(git);
  try {
    const head = await checkReady(git);
    if (!request.dryRun) await checkIdentity(git);
    const answers = await newAnswers({ ...request, ask: request.ask && interruptibleAsk(request.ask, signal) }, project.stored.answers);
    const year = (await creationYear(git, prefix)) ?? new Date().getFullYear();
    const templates = await loadTemplates(request.templatesDir);
    const render = (a: Answers, version: string) => renderProject(a, templates, { year, generatorVersion: version });

    const base = await findBase(scratch.git, { prefix, project, recorded, version: request.version, render, out, signal });
    const theirsSpec = { project: render(answers, request.version), prefix, version: request.version, subject: `create-ml-project ${request.version} template` };
    const theirs = await writeTemplateCommit(scratch.git, { ...theirsSpec, parents: [base.commit] }, { sign: false });
    const what = [...(base.version === request.version ? [] : [`create-ml-project ${base.version} -> ${request.version}`]), ...answerChanges(project.stored.answers, answers)];
    const from = what.join('; ') || `create-ml-project ${request.version}`;
    if (theirs.tree === base.tree) {
      out(`Already up to date: the template of create-ml-project ${request.version} with these answers changes nothing.`);
      return 0;
    }

    const ours = await readTree(git, head.commit, prefix);
    const disk = await inspectDisk(project.dir, untrackedWrites(base.entries, ours, theirs.entries), new Set(ours.keys()));
    const plan: PlanItem[] = planUpdate(base.entries, ours, theirs.entries, disk).map((item) =>
      // .yo-rc.json is rewritten by the update itself: the new version and answers, other generators' entries kept.
      item.path === '.yo-rc.json' && item.action === 'merge' ? { ...item, action: 'updated' as const } : item,
    );
    const dotenv = { changes: await dotenvChanges(scratch.git, base.entries, theirs.entries), tracked: ours.has(DOTENV) };
    const blocked = plan.filter((item) => item.action === 'blocked');
    const inTheWay = blocked.map((item) => inRepository(prefix, item.path));
    const untracked = head.untracked.filter((path) => !inTheWay.some((way) => path === way || path.startsWith(`${way}/`)));
    if (signal.aborted) throw new InterruptedError();

    if (request.dryRun) {
      const conflicts = await predictConflicts(scratch.git, plan, { base: base.entries, ours, theirs: theirs.entries });
      const changing = plan.length - blocked.length;
      out(`Dry run: the update (${from}) would change ${changing} ${changing === 1 ? 'file' : 'files'}; nothing was changed.`);
      for (const line of describeOutcome({ plan, conflicts }, true)) out(line);
      for (const line of describeDotenv(await updateDotenv(project.dir, dotenv.tracked, dotenv.changes, false), 'dry')) out(line);
    }
    if (blocked.length > 0 || untracked.length > 0) throw new UsageError(describeBlocked(blocked, untracked));
    if (request.dryRun) return 0;

    // The plan holds: its commits, written again where they stay (signed, if the repository signs).
    const baseCommit = base.unrecorded ? (await writeTemplateCommit(git, base.unrecorded)).commit : base.commit;
    const theirsCommit = (await writeTemplateCommit(git, { ...theirsSpec, parents: [baseCommit] })).commit;
    merge = {
      git, undoGit: repository.git, signal, prefix, projectDir: project.dir, head, plan, answers, from, dotenv, out,
      base: { commit: baseCommit, version: base.version, recorded: !base.unrecorded },
      theirs: theirsCommit, version: request.version, verify: request.verify,
    };
  } catch (error) {
    if (signal.aborted) throw new InterruptedError('Interrupted: nothing was changed.');
    throw error;
  } finally {
    await scratch.cleanup();
  }
  return mergeUpdate(merge);
}
