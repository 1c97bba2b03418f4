/**
 * `create-ml-project update`: the project re-rendered with its stored (or
 * changed) answers by this version of the generator, merged into the user's
 * files by git as a three-way merge whose base is the render the files came
 * from (see template-commits.ts).
 *
 * The repository must be clean and on a branch; every step until the final
 * commit is undone with `git reset --hard` to the starting commit when
 * anything fails or the user interrupts. Conflicts are the one outcome left
 * for the user: the merge stays open with standard markers.
 */
import { lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveAnswers, type RawAnswers } from '../generate/answers.js';
import { FailureError, InterruptedError, UsageError } from '../shared/errors.js';
import { questions, type Answers, type Question } from '../generate/questions.js';
import { renderProject, type RenderedProject } from '../generate/render.js';
import { replaceStoredEntry } from '../generate/stored.js';
import { loadTemplates } from '../generate/templates.js';
import { GitCommandError, type Git } from './git-exec.js';
import { describeOutcome, planUpdate, type PlanItem, type Tree } from './plan.js';
import { publishedCommand, renderPublished } from './published.js';
import { checkIdentity, checkReady, creationYear, findProject, openRepository, recordedVersion, type Head, type Project } from './repository.js';
import { findTemplateCommit, inProject, inRepository, readTree, writeTemplateCommit } from './template-commits.js';
import { compareVersions } from './version-order.js';

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

const sourceNames = {
  flag: (q: Question) => `(from --set ${q.name})`,
  file: (q: Question) => `(from "${q.name}" in .yo-rc.json; fix it there or pass --set ${q.name}=VALUE)`,
  default: (q: Question) => `(the default for a question new in this version; pass --set ${q.name}=VALUE)`,
};

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

/** A scratch object store for a dry run: git writes there, reads the repository's own as well. */
async function scratchObjects(git: Git): Promise<{ git: Git; cleanup: () => Promise<void> }> {
  const objects = resolve(git.dir, await git.text(['rev-parse', '--git-path', 'objects']));
  const scratch = await mkdtemp(join(tmpdir(), 'cmp-dry-run-'));
  await mkdir(join(scratch, 'objects'));
  return {
    git: git.with({ GIT_OBJECT_DIRECTORY: join(scratch, 'objects'), GIT_ALTERNATE_OBJECT_DIRECTORIES: objects }),
    cleanup: () => rm(scratch, { recursive: true, force: true }),
  };
}

/** Which of the merges git would leave with conflict markers, merging each file as git merge would. */
async function predictConflicts(git: Git, plan: readonly PlanItem[], trees: { base: Tree; ours: Tree; theirs: Tree }): Promise<Set<string>> {
  const conflicts = new Set<string>();
  const merges = plan.filter((item) => item.action === 'merge' && item.path !== '.yo-rc.json');
  if (merges.length === 0) return conflicts;
  const scratch = await mkdtemp(join(tmpdir(), 'cmp-merge-'));
  try {
    for (const { path } of merges) {
      const files = await Promise.all(
        (['ours', 'base', 'theirs'] as const).map(async (side) => {
          const entry = trees[side].get(path);
          const file = join(scratch, side);
          await writeFile(file, entry ? await git.bytes(['cat-file', 'blob', entry.oid]) : Buffer.alloc(0));
          return file;
        }),
      );
      const result = await git.run(['merge-file', '-q', '-p', ...files], { allow: Array.from({ length: 255 }, (_, i) => i + 1) });
      if (result.code !== 0) conflicts.add(path);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return conflicts;
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

function refuseNewer(projectVersion: string, version: string): void {
  if (compareVersions(projectVersion, version) <= 0) return;
  throw new UsageError(
    `This project was made with create-ml-project ${projectVersion}, newer than this ${version}. ` +
      `Update with that version or a later one: ${publishedCommand(projectVersion, 'update')}`,
  );
}

interface Base {
  commit: string;
  tree: string;
  version: string;
  entries: Tree;
  /** Found in the history, rather than rendered again. */
  recorded: boolean;
}

interface BaseContext {
  prefix: string;
  project: Project;
  recorded: string | undefined;
  version: string;
  render: (answers: Answers, version: string) => RenderedProject;
  out: (line?: string) => void;
}

/**
 * The render the project's files came from: the newest template commit in the
 * history, or else the recorded version's render of the recorded answers,
 * written as a template commit of its own.
 */
async function findBase(git: Git, ctx: BaseContext): Promise<Base> {
  const found = await findTemplateCommit(git, ctx.prefix);
  if (found) {
    refuseNewer(found.version, ctx.version);
    return { ...found, entries: await readTree(git, found.commit, ctx.prefix), recorded: true };
  }
  const { recorded } = ctx;
  if (!recorded) {
    throw new UsageError(
      'The project\'s .yo-rc.json records no generator version, and its history has no template commit to start from. ' +
        'Add "version": "<the create-ml-project version that made it>" to its create-ml-project entry and commit it.',
    );
  }
  const stored = ctx.project.stored.answers;
  let rendered: RenderedProject;
  if (recorded === ctx.version) {
    rendered = ctx.render(await resolveAnswers({ file: stored, fileName: '.yo-rc.json', mode: 'yes', sourceNames }), recorded);
  } else {
    ctx.out(`No template commit of ${recorded} in the history: rendering it with ${publishedCommand(recorded, '')}...`);
    rendered = await renderPublished(recorded, stored);
  }
  const written = await writeTemplateCommit(git, {
    project: rendered,
    prefix: ctx.prefix,
    version: recorded,
    parents: [],
    subject: `create-ml-project ${recorded} template, as recorded in .yo-rc.json`,
  });
  return { ...written, recorded: false };
}

export async function runUpdate(request: UpdateRequest): Promise<number> {
  const { out } = request;
  const project = await findProject(request.cwd);
  if ((await lstat(join(project.dir, '.yo-rc.json'))).isSymbolicLink()) {
    throw new UsageError(`${join(project.dir, '.yo-rc.json')} is a symbolic link; create-ml-project never writes through links. Replace it with the file.`);
  }
  const repository = await openRepository(project.dir);
  const { prefix } = repository;
  const head = await checkReady(repository.git);
  if (!request.dryRun) await checkIdentity(repository.git);

  const recorded = recordedVersion(project);
  if (recorded) refuseNewer(recorded, request.version);
  const answers = await newAnswers(request, project.stored.answers);
  if (request.signal.aborted) throw new InterruptedError('Interrupted: nothing was changed.');

  const scratch = request.dryRun ? await scratchObjects(repository.git) : undefined;
  const git = scratch?.git ?? repository.git;
  try {
    const year = (await creationYear(git, prefix)) ?? new Date().getFullYear();
    const templates = await loadTemplates(request.templatesDir);
    const render = (a: Answers, version: string) => renderProject(a, templates, { year, generatorVersion: version });

    const base = await findBase(git, { prefix, project, recorded, version: request.version, render, out });
    const theirs = await writeTemplateCommit(git, {
      project: render(answers, request.version),
      prefix,
      version: request.version,
      parents: [base.commit],
      subject: `create-ml-project ${request.version} template`,
    });
    const changes = answerChanges(project.stored.answers, answers);
    const what = [...(base.version === request.version ? [] : [`create-ml-project ${base.version} -> ${request.version}`]), ...changes];
    const from = what.join('; ') || `create-ml-project ${request.version}`;
    if (theirs.tree === base.tree) {
      out(`Already up to date: the template of create-ml-project ${request.version} with these answers changes nothing.`);
      return 0;
    }

    const ours = await readTree(git, head.commit, prefix);
    const plan = planUpdate(base.entries, ours, theirs.entries).map((item) =>
      // .yo-rc.json is rewritten by the update itself: the new version and answers, other generators' entries kept.
      item.path === '.yo-rc.json' && item.action === 'merge' ? { ...item, action: 'updated' as const } : item,
    );
    await refuseToReplaceUntracked(project.dir, plan);

    if (request.signal.aborted) throw new InterruptedError('Interrupted: nothing was changed.');
    if (request.dryRun) {
      const conflicts = await predictConflicts(git, plan, { base: base.entries, ours, theirs: theirs.entries });
      if (request.signal.aborted) throw new InterruptedError('Interrupted.');
      out(`Dry run: the update (${from}) would change ${plan.length} ${plan.length === 1 ? 'file' : 'files'}; nothing was changed.`);
      for (const line of describeOutcome({ plan, conflicts }, true)) out(line);
      return 0;
    }

    return await mergeUpdate(request, { git, prefix, head, base, theirs, plan, answers, from, projectDir: project.dir });
  } finally {
    await scratch?.cleanup();
  }
}

/** New template files must not land on files git does not track (ignored ones, which git would overwrite silently). */
async function refuseToReplaceUntracked(projectDir: string, plan: readonly PlanItem[]): Promise<void> {
  const taken: string[] = [];
  for (const item of plan.filter((i) => i.action === 'added')) {
    const exists = await lstat(join(projectDir, item.path)).then(
      () => true,
      () => false,
    );
    if (exists) taken.push(item.path);
  }
  if (taken.length > 0) {
    throw new UsageError(
      `The new template adds ${taken.length === 1 ? 'a file' : 'files'} that you have but git does not track (ignored):\n` +
        `${taken.map((p) => `  ${p}`).join('\n')}\nMove ${taken.length === 1 ? 'it' : 'them'} away (or commit ${taken.length === 1 ? 'it' : 'them'}), then run the update again. Nothing was changed.`,
    );
  }
}

interface MergeInput {
  git: Git;
  prefix: string;
  head: Head;
  base: Base;
  theirs: { commit: string };
  plan: PlanItem[];
  answers: Answers;
  from: string;
  projectDir: string;
}

async function mergeUpdate(request: UpdateRequest, input: MergeInput): Promise<number> {
  const { git, prefix, head, base, plan } = input;
  const { out } = request;
  const verify = request.verify ? [] : ['--no-verify'];
  const checkInterrupt = () => {
    if (request.signal.aborted) throw new InterruptedError('Interrupted.');
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
    const label = `create-ml-project/${request.version}`;
    await git.run(['update-ref', `refs/${label}`, input.theirs.commit]);
    try {
      const message = `Update the project template${prefix ? ` of ${prefix}` : ''}: ${input.from}`;
      await git.run(['merge', '--quiet', '--no-ff', '--no-commit', '-X', 'no-renames', '-m', message, label], { allow: [1] });
    } finally {
      await git.run(['update-ref', '-d', `refs/${label}`]);
    }
    checkInterrupt();

    for (const { path, stages } of await unmergedPaths(git, prefix)) {
      if (!stages.has(2) && stages.has(3)) await git.run(['rm', '--quiet', '--force', '--', path]);
      else if (stages.has(2) && !stages.has(3)) await git.run(['add', '--', path]);
    }
    const rc = join(input.projectDir, '.yo-rc.json');
    const ours = await git.text(['show', `${head.commit}:${inRepository(prefix, '.yo-rc.json')}`]);
    await writeFile(rc, replaceStoredEntry(ours, input.answers, request.version));
    await git.run(['add', '--', inRepository(prefix, '.yo-rc.json')]);
    checkInterrupt();

    conflicts = (await git.text(['diff', '--name-only', '-z', '--diff-filter=U'])).split('\0').filter(Boolean);
    if (conflicts.length === 0) {
      await git.run(['commit', '--quiet', '--no-edit', ...verify]);
      checkInterrupt();
    }
  } catch (error) {
    const restored = await restore(git, head);
    if (error instanceof InterruptedError || request.signal.aborted) throw new InterruptedError(`Interrupted. ${restored}`);
    if (error instanceof GitCommandError) {
      const hint = request.verify && /^git (commit|merge) failed/.test(error.message)
        ? '\nIf a commit hook stopped it, fix what it reports, or run the update with --no-verify.'
        : '';
      throw new FailureError(`The update failed: ${error.message}${hint}\n${restored}`);
    }
    throw error;
  }

  const shown = new Set(conflicts.map((path) => inProject(prefix, path)));
  const lines = describeOutcome({ plan, conflicts: shown }, false);
  if (conflicts.length > 0) {
    out(`Merged the update (${input.from}), with conflicts to resolve:`);
    for (const line of lines) out(line);
    out();
    out(`The merge is not committed yet. Edit the ${conflicts.length === 1 ? 'file' : 'files'} with conflicts, then:`);
    out(`  git add ${conflicts.map((p) => (/^[\w./-]+$/.test(p) ? p : JSON.stringify(p))).join(' ')}`);
    out('  git commit --no-edit');
    out(`To give the update up instead: git merge --abort${base.recorded ? '' : ` (or git reset --hard ${head.commit.slice(0, 12)})`}`);
    return 1;
  }
  const commit = await git.text(['rev-parse', '--short=12', 'HEAD']);
  out(`Updated the project (${input.from}).`);
  for (const line of lines) out(line);
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
