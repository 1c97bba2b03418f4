/**
 * The Yeoman generator. Each lifecycle step is a few lines that call into
 * src/: answers are resolved while prompting, files rendered in memory and
 * written once while writing, git runs at the end.
 */
import { resolve } from 'node:path';
import Generator from 'yeoman-generator';
import { PROJECT_FILE, projectFileIn, readProjectFile } from '../shared/project-file.js';
import { resolveAnswers, type Mode, type RawAnswers } from './answers.js';
import { knownAnswers, withStoredEntry } from './stored.js';
import { initRepository, readGitIdentity, type GitIdentity, type GitOutcome } from './git.js';
import { askThrough } from './prompts.js';
import type { Answers } from './questions.js';
import { loadTemplates } from './templates.js';
import { checkTarget, writeProject, type WriteResult } from './write.js';

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
    written?: WriteResult;
    git?: GitOutcome;
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
    // ejs is loaded here, once the questions are answered, not before the first prompt.
    const [templates, { renderProject }] = await Promise.all([loadTemplates(templatesDir), import('./render.js')]);
    const project = renderProject(outcome.answers!, templates, { year: new Date().getFullYear(), generatorVersion });
    if (outcome.storedEntries) {
      const content = Buffer.from(withStoredEntry(outcome.storedEntries, outcome.answers!, generatorVersion));
      project.set(PROJECT_FILE, { ...project.get(PROJECT_FILE)!, content });
    }
    outcome.writing = true;
    outcome.written = await writeProject(outcome.target!, project, { force, signal });
  }

  async end(): Promise<void> {
    const { outcome } = this.options;
    if (!outcome.answers!.git) return;
    const { created, overwritten } = outcome.written!;
    const rendered = { paths: [...created, ...overwritten], version: this.options.generatorVersion, folderExisted: outcome.existed ?? true };
    outcome.git = await initRepository(outcome.target!, outcome.answers!.projectName, rendered);
  }
}
