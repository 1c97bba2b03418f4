/**
 * The base of an update's merge: the render the project's files came from.
 * The newest template commit in the history, or else the recorded version's
 * render of the recorded answers, made into a template commit of its own.
 */
import { resolveAnswers, type RawAnswers } from '../generate/answers.js';
import type { Answers, Question } from '../generate/questions.js';
import type { RenderedProject } from '../generate/render.js';
import { UsageError } from '../shared/errors.js';
import type { Git } from './git-exec.js';
import type { Tree } from './plan.js';
import { publishedCommand, renderPublished } from './published.js';
import type { Project } from './repository.js';
import { findTemplateCommit, readTree, writeTemplateCommit, type NewTemplateCommit } from './template-commits.js';
import { compareVersions } from './version-order.js';

/** Where an answer came from, in the messages of its validation. */
export const sourceNames = {
  flag: (q: Question) => `(from --set ${q.name})`,
  file: (q: Question) => `(from "${q.name}" in .yo-rc.json; fix it there or pass --set ${q.name}=VALUE)`,
  default: (q: Question) => `(the default for a question new in this version; pass --set ${q.name}=VALUE)`,
};

export function refuseNewer(projectVersion: string, version: string): void {
  if (compareVersions(projectVersion, version) <= 0) return;
  throw new UsageError(
    `This project was made with create-ml-project ${projectVersion}, newer than this ${version}. ` +
      `Update with that version or a later one: ${publishedCommand(projectVersion, 'update')}`,
  );
}

export interface Base {
  commit: string;
  tree: string;
  version: string;
  entries: Tree;
  /** Not in the history: the commit to write for real, once the plan holds (`commit` is a planning copy). */
  unrecorded?: NewTemplateCommit;
}

export interface BaseContext {
  prefix: string;
  project: Project;
  recorded: string | undefined;
  version: string;
  render: (answers: Answers, version: string) => RenderedProject;
  out: (line?: string) => void;
  signal: AbortSignal;
}

export async function findBase(git: Git, ctx: BaseContext): Promise<Base> {
  const found = await findTemplateCommit(git, ctx.prefix);
  if (found) {
    refuseNewer(found.version, ctx.version);
    return { ...found, entries: await readTree(git, found.commit, ctx.prefix) };
  }
  const { recorded } = ctx;
  if (!recorded) {
    throw new UsageError(
      'The project\'s .yo-rc.json records no generator version, and its history has no template commit to start from. ' +
        'Add "version": "<the create-ml-project version that made it>" to its create-ml-project entry and commit it.',
    );
  }
  const stored: RawAnswers = ctx.project.stored.answers;
  let rendered: RenderedProject;
  if (recorded === ctx.version) {
    rendered = ctx.render(await resolveAnswers({ file: stored, fileName: '.yo-rc.json', mode: 'yes', sourceNames }), recorded);
  } else {
    ctx.out(`No template commit of ${recorded} in the history: rendering it with ${publishedCommand(recorded, '')}...`);
    rendered = await renderPublished(recorded, stored, ctx.signal);
  }
  const spec: NewTemplateCommit = {
    project: rendered,
    prefix: ctx.prefix,
    version: recorded,
    parents: [],
    subject: `create-ml-project ${recorded} template, as recorded in .yo-rc.json`,
  };
  return { ...(await writeTemplateCommit(git, spec, { sign: false })), unrecorded: spec };
}
