/**
 * `create-ml-project [PROJECT-NAME] [options]`: parses the arguments, runs the
 * Yeoman generator through yeoman-environment, reports, and is the one place
 * where generation's errors become messages and exit codes.
 */
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppOptions } from './generator.js';
import { helpOrVersion, parseArgs } from './args.js';
import { ExitCode, exitCodeFor, InterruptedError, isPromptInterrupt, UsageError } from '../shared/errors.js';
import { quote } from '../shared/excerpt.js';
import { readGitIdentity, type GitIdentity } from './git.js';
import { packageRoot, packageVersion } from '../shared/package-root.js';
import { projectFileIn, readProjectFile } from '../shared/project-file.js';
import type { Mode, RawAnswers } from './answers.js';
import { askOnTerminal, firstAsked } from './prompts.js';
import type { Question } from './questions.js';
import type { Io } from '../shared/io.js';
import { onInterrupt } from '../shared/signals.js';
import { dropOutputErrors, exitProcess, terminalGone } from '../shared/terminal.js';

/** Yeoman's environment and the generator, loaded together (their chunks share most of the code). */
function loadGenerator() {
  return Promise.all([import('yeoman-environment'), import('./generator.js')]);
}

async function runGenerator(cwd: string, loaded: ReturnType<typeof loadGenerator>, options: AppOptions): Promise<void> {
  const [{ createEnv }, { default: AppGenerator }] = await loaded;
  const env = createEnv({ cwd, skipInstall: true });
  const namespace = 'ml-project:app';
  env.register(AppGenerator, { namespace, packagePath: packageRoot(), resolved: fileURLToPath(import.meta.url) });
  const generator = await env.create(namespace, { generatorOptions: options as never });
  await env.runGenerator(generator);
}

/**
 * Yeoman reads the working folder's .yo-rc.json and the user's
 * ~/.yo-rc-global.json before anything else; one that is not what a
 * .yo-rc.json holds (broken JSON, a list, a FIFO...) is reported here, as
 * the user's input it is, before any question.
 */
function checkYeomanConfig(cwd: string): void {
  readProjectFile(projectFileIn(cwd));
  readProjectFile(join(homedir(), '.yo-rc-global.json'));
}

/**
 * Asks the first question before Yeoman is loaded, and loads Yeoman while
 * the user answers it; the generator takes the answer when its turn comes.
 * git's answer is waited for only by a question whose default comes from it;
 * otherwise git starts once the question is on the screen.
 */
async function askFirst(question: Question, cwd: string) {
  let shown!: () => void;
  const onScreen = new Promise<void>((resolve) => (shown = resolve));
  const gitIdentity = question.defaultFromGit ? readGitIdentity(cwd) : onScreen.then(() => readGitIdentity(cwd));
  const loaded = onScreen.then(loadGenerator);
  // Awaited in runGenerator; a Ctrl-C at the prompt ends the run before that.
  loaded.catch(() => undefined);
  const identity: GitIdentity = question.defaultFromGit ? await gitIdentity : {};
  const value = await askOnTerminal(question, question.default({}, { gitUserName: identity.name, gitUserEmail: identity.email }), {}, undefined, shown);
  shown();
  return { loaded, gitIdentity, early: { name: question.name, value } };
}

function report(io: Io, outcome: AppOptions['outcome']): void {
  const { answers, target, written, git } = outcome;
  if (!answers || !target || !written) return;
  const shown = relative(io.cwd, target) || '.';
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const files = written.created.length + written.overwritten.length;
  out(`\nCreated ${answers.projectName} in ${target} (${files} files${written.overwritten.length ? `, ${written.overwritten.length} overwritten` : ''}).`);
  if (git) {
    const write = git.status === 'committed' || git.status === 'skipped' ? out : (line: string) => io.stderr.write(`${line}\n`);
    write(git.status === 'committed' || git.status === 'skipped' ? git.message : `Warning: ${git.message}`);
    if (git.status !== 'committed') for (const command of git.commands) write(`  ${command}`);
  }
  out('\nNext steps:');
  out(`  cd ${shown}`);
  const image = { auto: 'the Docker image (GPU when NVIDIA is available)', cpu: 'the CPU Docker image', gpu: 'the GPU Docker image' }[answers.compute];
  out(`  make init              # build ${image}`);
  out('  make create-container  # start the shell, Jupyter and MLflow; prints their URLs');
}

export async function generate(argv: readonly string[], io: Io): Promise<number> {
  const controller = new AbortController();
  const outcome: AppOptions['outcome'] = {};
  // Before writing starts there is nothing to undo: leave at once. While
  // writing or committing, the generator sees the abort, undoes the run, and
  // the error below reports it.
  const onSignal = () => {
    // The terminal may be gone (SIGHUP): what is printed from now on may go nowhere.
    dropOutputErrors([io.stdout, io.stderr]);
    controller.abort();
    if (!outcome.written && !outcome.writing) {
      io.stderr.write('\nInterrupted: nothing was written.\n');
      exitProcess(ExitCode.interrupted);
    }
  };
  const stopListening = onInterrupt(onSignal);
  try {
    const parsed = parseArgs(argv);
    const version = packageVersion();
    const shown = helpOrVersion(parsed, version);
    if (shown !== undefined) {
      io.stdout.write(shown);
      return ExitCode.ok;
    }
    const { flags } = parsed;
    const args: RawAnswers = {};
    if (parsed.positional !== undefined) {
      if (flags.projectName !== undefined && flags.projectName !== parsed.positional) {
        throw new UsageError(`Two project names given: ${quote(parsed.positional)} and --project-name ${quote(flags.projectName)}.`);
      }
      args.projectName = parsed.positional;
      delete flags.projectName;
    }
    const file = parsed.answersFile ? await (await import('./answers-file.js')).readAnswersFile(parsed.answersFile) : undefined;
    const mode: Mode = parsed.yes ? 'yes' : io.interactive ? 'interactive' : 'non-interactive';
    checkYeomanConfig(io.cwd);
    const first = firstAsked(mode, { ...flags, ...args }, file);
    // git runs while Yeoman loads: its answer is there by the time the defaults need it.
    const { loaded, early, gitIdentity } = first ? await askFirst(first, io.cwd) : { loaded: loadGenerator(), early: undefined, gitIdentity: readGitIdentity(io.cwd) };
    await runGenerator(io.cwd, loaded, {
      mode,
      force: parsed.force,
      args,
      flags,
      file,
      fileName: parsed.answersFile,
      generatorVersion: version,
      gitIdentity,
      early,
      signal: controller.signal,
      outcome,
    });
    if (controller.signal.aborted && !outcome.kept) throw new InterruptedError();
    report(io, outcome);
    return ExitCode.ok;
  } catch (error) {
    const code = exitCodeFor(error, io.stderr, isPromptInterrupt(error) || controller.signal.aborted, '\nInterrupted: nothing was written.\n');
    // The run is undone; with the terminal gone, end here rather than on a later turn that writes to it.
    if (terminalGone()) exitProcess(code);
    return code;
  } finally {
    stopListening();
  }
}
