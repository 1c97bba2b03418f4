/**
 * The Yeoman generator. Each lifecycle step is a few lines that call into
 * src/: answers are resolved while prompting, files rendered in memory and
 * written once while writing, git runs at the end.
 */
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Generator from 'yeoman-generator';
import { InterruptedError } from '../shared/errors.js';
import { PROJECT_FILE, projectFileIn, readProjectFile } from '../shared/project-file.js';
import { resolveAnswers, type Mode, type RawAnswers } from './answers.js';
import { knownAnswers, withStoredEntry } from './stored.js';
import { initRepository, readGitIdentity, type GitIdentity, type GitOutcome } from './git.js';
import { checkGitLink } from './git-link.js';
import { askThrough } from './prompts.js';
import type { Answers } from './questions.js';
import { loadTemplates } from './templates.js';
import { checkPlace, checkTarget } from './target.js';
import { writeProject, type WrittenProject } from './write.js';

export interface AppOptions {
  mode: Mode;
  force: boolean;
  /** Answers given as positional arguments (the project name). */
  args?: RawAnswers;
  flags: RawAnswers;
  file?: RawAnswers;
  fileName?: string;
  generatorVersion: string;
  templatesDir?: string;
  /** The user's git identity, when the caller started reading it already. */
  gitIdentity?: Promise<GitIdentity>;
  /** The answer to the first question, when the caller asked it before Yeoman was loaded. */
  early?: { name: string; value: unknown };
  signal?: AbortSignal;
  /** Filled in as the run goes, for the CLI to report. */
  outcome: {
    answers?: Answers;
    target?: string;
    existed?: boolean;
    /** The entries of the target's .yo-rc.json (other generators' are kept). */
    storedEntries?: Record<string, unknown>;
    writing?: boolean;
    written?: WrittenProject;
    git?: GitOutcome;
    /** The run is complete and kept: an interrupt no longer undoes it. */
    kept?: boolean;
  };
}

export default class AppGenerator extends Generator {
  declare options: Generator['options'] & AppOptions;

  constructor(args: string[], options: Generator['options'] & AppOptions) {
    // The generated project is Python: there is no npm install to run or announce.
    // The files are written by writeProject, not through Yeoman's in-memory file
    // system (which only ever holds the config files Yeoman read): no commit to run.
    super(args, options, { customInstallTask: true, customCommitTask: true });
    // Failures are reported once, by the CLI; Yeoman's own "error while running" line would repeat them.
    const adapterLog = this.log;
    const log = ((...parts: Parameters<typeof adapterLog>) => adapterLog(...parts)) as typeof adapterLog;
    (this as { log: typeof adapterLog }).log = Object.assign(log, adapterLog, { error: () => log });
  }

  async prompting(): Promise<void> {
    const { mode, force, args, flags, file, fileName, outcome, gitIdentity } = this.options;
    let { early } = this.options;
    // The project folder is created in the environment's working folder.
    const cwd = this.env.cwd;
    const identity = await (gitIdentity ?? readGitIdentity(cwd));
    outcome.answers = await resolveAnswers({
      args,
      flags,
      file,
      fileName,
      mode,
      context: { gitUserName: identity.name, gitUserEmail: identity.email },
      ask: async (question, defaultValue, answers, names) => {
        if (early?.name === question.name) {
          const { value } = early;
          early = undefined;
          return value;
        }
        return askThrough((definition) => this.prompt([definition as never]), question, defaultValue, answers, names);
      },
      onProjectName: async (name) => {
        outcome.target = resolve(cwd, name);
        await checkPlace(outcome.target, name);
        const exists = await checkTarget(outcome.target, force);
        outcome.existed = exists;
        // Other generators' entries are kept when the file is written again (--force).
        const stored = exists ? readProjectFile(projectFileIn(outcome.target)) : undefined;
        outcome.storedEntries = stored?.entries;
        return stored?.entry && knownAnswers(stored.entry.answers);
      },
    });
  }

  async writing(): Promise<void> {
    const { outcome, templatesDir, generatorVersion, force, signal } = this.options;
    const answers = outcome.answers!;
    // Before anything is written: a .git that would send the first commit elsewhere is refused.
    if (answers.git && outcome.existed) await checkGitLink(outcome.target!);
    // ejs is loaded here, once the questions are answered, not before the first prompt.
    const [templates, { renderProject }] = await Promise.all([loadTemplates(templatesDir), import('./render.js')]);
    const project = renderProject(answers, templates, { year: new Date().getFullYear(), generatorVersion });
    if (outcome.storedEntries) {
      const content = Buffer.from(withStoredEntry(outcome.storedEntries, answers, generatorVersion));
      project.set(PROJECT_FILE, { ...project.get(PROJECT_FILE)!, content });
    }
    outcome.writing = true;
    outcome.written = await writeProject(outcome.target!, project, { force, signal });
  }

  /**
   * The first commit, then the run is kept. An interrupt up to that point
   * (while git runs, too) undoes all of it: a .git this run made goes with
   * the files, and replaced files come back.
   */
  async end(): Promise<void> {
    const { outcome, signal } = this.options;
    const written = outcome.written!;
    const target = outcome.target!;
    try {
      if (signal?.aborted) throw new InterruptedError();
      if (outcome.answers!.git) {
        const hadGit = await lstat(join(target, '.git')).then(() => true, () => false);
        if (!hadGit) written.alsoCreated('.git');
        const rendered = { paths: [...written.created, ...written.overwritten], version: this.options.generatorVersion, folderExisted: outcome.existed ?? true };
        outcome.git = await initRepository(target, outcome.answers!.projectName, rendered, { signal, aside: written.aside });
      }
      if (signal?.aborted) throw new InterruptedError();
    } catch (error) {
      const undone = await written.undo();
      if (error instanceof InterruptedError) throw new InterruptedError(`Interrupted. ${undone}`);
      throw error;
    }
    await written.keep();
    outcome.kept = true;
  }
}
