/**
 * The commands run inside an existing project, `update` and `check`: their
 * arguments, help, Ctrl-C and exit codes. The work is in src/update/.
 */
import { resolve } from 'node:path';
import type { RawAnswers } from '../generate/answers.js';
import { scanArgs } from '../shared/argv.js';
import type { Io } from '../shared/io.js';
import { ExitCode, exitCodeFor, isPromptInterrupt, UsageError } from '../shared/errors.js';
import { packageVersion } from '../shared/package-root.js';
import { onInterrupt } from '../shared/signals.js';
import { askOnTerminal } from '../generate/prompts.js';
import { questionByFlag, questionByName, questions } from '../generate/questions.js';
import { closest } from '../shared/closest.js';

export type ProjectCommand = 'update' | 'check';

interface Option {
  value?: string;
  alias?: string;
  help: string;
}

const commandOptions: Record<ProjectCommand, Record<string, Option>> = {
  update: {
    set: { value: 'KEY=VALUE', help: 'Change an answer (repeatable); KEY as in .yo-rc.json (jupyterPort) or as its flag (jupyter-port)' },
    ask: { help: 'Ask every question again, the current answers as defaults' },
    'dry-run': { help: 'Show what the update would change (files and .env lines), and change nothing' },
    to: { value: 'VERSION', help: 'Update to this version of create-ml-project (run through npx) instead of this one' },
    'no-verify': { help: "Skip the repository's commit hooks for the update's commit" },
    help: { alias: 'h', help: 'Show this help' },
  },
  check: {
    json: { help: 'Print the result as JSON' },
    help: { alias: 'h', help: 'Show this help' },
  },
};

interface ParsedCommand {
  dir?: string;
  options: Map<string, string[]>;
}

function parseCommand(command: ProjectCommand, argv: readonly string[]): ParsedCommand {
  const known = commandOptions[command];
  const options = new Map<string, string[]>();
  const alias = (letter: string) => Object.keys(known).find((key) => known[key]!.alias === letter);
  const positionals = scanArgs(argv, alias, ({ name, inline, value }) => {
    const option = known[name];
    if (!option) {
      const hint = closest(name, Object.keys(known));
      throw new UsageError(`Unknown option --${name} for ${command}.${hint ? ` Did you mean --${hint}?` : ''} See create-ml-project ${command} --help.`);
    }
    if (!option.value && inline !== undefined) throw new UsageError(`Option --${name} takes no value.`);
    options.set(name, [...(options.get(name) ?? []), option.value ? value(option.value) : '']);
  });
  if (positionals.length > 1) {
    throw new UsageError(`create-ml-project ${command} takes at most one folder, got ${positionals.length}: ${positionals.join(' ')}.`);
  }
  if (positionals[0] === '') throw new UsageError(`create-ml-project ${command} got an empty folder name: name the project's folder, or leave it out inside the project.`);
  return { dir: positionals[0], options };
}

/** `--set KEY=VALUE` pairs as raw answers, each key a question's name or flag; values are checked later, like any answer. */
export function parseSets(pairs: readonly string[]): RawAnswers {
  const answers: RawAnswers = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--set takes KEY=VALUE, not ${JSON.stringify(pair)}. Example: --set jupyterPort=9000`);
    const key = pair.slice(0, at);
    const raw = pair.slice(at + 1);
    const question = questionByName.get(key) ?? questionByFlag.get(key);
    if (!question) {
      const hint = closest(key, questions.map((q) => q.name)) ?? closest(key, questions.map((q) => q.flag));
      throw new UsageError(`--set ${key}: no such answer.${hint ? ` Did you mean ${hint}?` : ''} The answers: ${questions.map((q) => q.name).join(', ')}.`);
    }
    if (answers[question.name] !== undefined) throw new UsageError(`--set ${question.name} is given twice.`);
    answers[question.name] = question.kind === 'boolean' && (raw === 'true' || raw === 'false') ? raw === 'true' : raw;
  }
  return answers;
}

export function commandHelp(command: ProjectCommand, version: string): string {
  const rows = Object.entries(commandOptions[command]).map(([name, o]) => [`${o.alias ? `-${o.alias}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`, o.help] as const);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const table = rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
  if (command === 'check') {
    return `create-ml-project check ${version}

Tells whether a newer create-ml-project template than the project's is
available (this version of create-ml-project is the one compared with).

Usage:
  npx create-ml-project@latest check [PROJECT-FOLDER] [--json]

Options:
${table}

Exit codes: 0 up to date, 1 an update is available, 2 not a project or bad usage.
`;
  }
  return `create-ml-project update ${version}

Brings the project up to this version of the template, keeping your changes.
The project is re-rendered with the answers in its .yo-rc.json (and any you
change) and merged into your files by git, three-way, from the render your
files came from: what only the template changed is updated, what only you
changed is kept, what both changed is merged or left with conflict markers.
Files you deleted stay deleted; files the template dropped are removed only
if you never changed them; a file you made a symbolic link stays your link.
The result is one merge commit.

Run it in a clean git working tree (commit or stash first). Files git does
not track are never overwritten, deleted or renamed: when one is in the way
of the new template (an ignored file where it adds one, a file where it adds
a folder, a folder where it adds a file) the update stops before it starts
and names it. Lines of .env that hold the value of a changed answer (the
ports, COMPOSE_PROJECT_NAME) are changed to the new one once the merge is
committed; values you set yourself are left and listed.

Usage:
  npx create-ml-project@latest update [PROJECT-FOLDER] [options]

Options:
${table}

Exit codes: 0 updated (or already up to date), 1 conflicts to resolve or the
update failed (then nothing was changed), 2 bad usage or a tree not ready,
130 interrupted: Ctrl-C, SIGTERM or SIGHUP (nothing was changed).

Examples:
  npx create-ml-project@latest update --dry-run
  npx create-ml-project@latest update
  npx create-ml-project update --set jupyterPort=9000 --set compute=cpu
`;
}

/**
 * A reader that closed the pipe early (`update | head`) or a terminal that
 * went away (SIGHUP) must not crash the command half way with a stack trace:
 * the update carries on, its output dropped.
 */
function ignoreClosedPipe(stream: NodeJS.WritableStream): () => void {
  const onError = () => undefined;
  stream.on('error', onError);
  return () => stream.off('error', onError);
}

export async function runProjectCommand(command: ProjectCommand, argv: readonly string[], io: Io): Promise<number> {
  const controller = new AbortController();
  // The signal's name is the reason: a child run through npx gets the same one.
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  const stopListening = onInterrupt(onSignal);
  const pipes = [ignoreClosedPipe(io.stdout), ignoreClosedPipe(io.stderr)];
  try {
    const { dir, options } = parseCommand(command, argv);
    const version = packageVersion();
    if (options.has('help')) {
      io.stdout.write(commandHelp(command, version));
      return ExitCode.ok;
    }
    const cwd = resolve(io.cwd, dir ?? '.');
    const out = (line = '') => io.stdout.write(`${line}\n`);

    if (command === 'check') {
      const { checkProject, describeCheck } = await import('./check.js');
      const report = await checkProject(cwd, version);
      out(options.has('json') ? JSON.stringify(report, null, 2) : describeCheck(report));
      return report.updateAvailable ? ExitCode.failure : ExitCode.ok;
    }

    const set = parseSets(options.get('set') ?? []);
    const to = options.get('to')?.at(-1);
    if (to !== undefined && to !== version) {
      const { isVersion } = await import('./version-order.js');
      if (!isVersion(to)) throw new UsageError(`--to ${JSON.stringify(to)} is not a version: give one like 0.2.0.`);
      const { runPublished } = await import('./published.js');
      const rest = argv.filter((arg, i) => arg !== '--to' && argv[i - 1] !== '--to' && !arg.startsWith('--to='));
      return (await runPublished(to, ['update', ...rest], { cwd: io.cwd, inherit: true, signal: controller.signal })).code;
    }
    if (options.has('ask') && !io.interactive) {
      throw new UsageError('--ask needs a terminal to ask on. Without one, change answers with --set KEY=VALUE.');
    }
    const { runUpdate } = await import('./update.js');
    return await runUpdate({
      cwd,
      set,
      ask: options.has('ask') ? askOnTerminal : undefined,
      dryRun: options.has('dry-run'),
      verify: !options.has('no-verify'),
      signal: controller.signal,
      version,
      out,
    });
  } catch (error) {
    const interrupted = isPromptInterrupt(error) || controller.signal.aborted;
    return exitCodeFor(error, io.stderr, interrupted, '\nInterrupted: nothing was changed.\n');
  } finally {
    stopListening();
    for (const stop of pipes) stop();
  }
}
