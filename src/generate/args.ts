/**
 * Command-line parsing and --help, both derived from the questions list:
 * every question is a flag, booleans also take `--no-<flag>`.
 */
import { scanArgs } from '../shared/argv.js';
import { UsageError } from '../shared/errors.js';
import { clip, quote } from '../shared/excerpt.js';
import { questionByFlag, questions } from './questions.js';
import { closest } from '../shared/closest.js';
import type { RawAnswers } from './answers.js';

export interface ParsedArgs {
  /** The project name given as the first positional argument. */
  positional?: string;
  flags: RawAnswers;
  yes: boolean;
  force: boolean;
  help: boolean;
  version: boolean;
  answersFile?: string;
}

const optionFlags = {
  yes: { alias: 'y', help: 'Take the default for every answer not given; ask nothing' },
  answers: { value: 'FILE', help: 'Read answers from a JSON or YAML file (keys as in .yo-rc.json)' },
  force: { help: 'Write into a non-empty folder: replace generated files, keep all others' },
  help: { alias: 'h', help: 'Show this help' },
  version: { alias: 'v', help: 'Show the version' },
} as const;

type OptionName = keyof typeof optionFlags;
const aliases = new Map<string, OptionName>(
  Object.entries(optionFlags).flatMap(([name, o]) => ('alias' in o ? [[o.alias, name as OptionName]] : [])),
);

function unknownFlag(name: string): never {
  const known = [...Object.keys(optionFlags), ...questions.flatMap((q) => (q.kind === 'boolean' ? [q.flag, `no-${q.flag}`] : [q.flag]))];
  const hint = closest(name, known);
  throw new UsageError(`Unknown option --${clip(name)}.${hint ? ` Did you mean --${hint}?` : ''} See --help.`);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { flags: {}, yes: false, force: false, help: false, version: false };
  const positionals = scanArgs(argv, (letter) => aliases.get(letter), ({ name, inline, value }) => {
    if (name in optionFlags) {
      const option = name as OptionName;
      if (option === 'answers') parsed.answersFile = value('FILE');
      else if (inline !== undefined) throw new UsageError(`Option --${option} takes no value.`);
      else parsed[option] = true;
      return;
    }
    const negated = name.startsWith('no-') ? questionByFlag.get(name.slice(3)) : undefined;
    if (negated?.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`Option --${name} takes no value.`);
      parsed.flags[negated.name] = false;
      return;
    }
    const question = questionByFlag.get(name) ?? unknownFlag(name);
    if (question.kind === 'boolean') {
      if (inline === undefined || inline === 'true') parsed.flags[question.name] = true;
      else if (inline === 'false') parsed.flags[question.name] = false;
      else throw new UsageError(`Option --${name} is true or false, not ${quote(inline)}.`);
      return;
    }
    parsed.flags[question.name] = value(question.kind === 'port' ? 'PORT' : 'VALUE');
  });
  if (positionals.length > 1) {
    throw new UsageError(
      `Expected one project name, got ${positionals.length}: ${positionals.slice(0, 3).map((p) => quote(p)).join(' ')}${positionals.length > 3 ? ' ...' : ''}. ` +
        'Quote a description that has spaces: --description "my words".',
    );
  }
  parsed.positional = positionals[0];
  return parsed;
}

/** What --help or --version prints, when asked for (help first, as the flags are read). */
export function helpOrVersion(parsed: Pick<ParsedArgs, 'help' | 'version'>, version: string): string | undefined {
  if (parsed.help) return helpText(version);
  if (parsed.version) return `${version}\n`;
  return undefined;
}

export function helpText(version: string): string {
  const rows: [string, string][] = [];
  for (const q of questions) {
    const left = q.kind === 'boolean' ? `--${q.flag}, --no-${q.flag}` : `--${q.flag} ${q.kind === 'port' ? 'PORT' : 'VALUE'}`;
    const choices = q.choices ? ` [${q.choices.join(', ')}]` : '';
    const def = q.default({}, {});
    const shownDefault = q.name === 'projectName' || q.name === 'packageName' || q.name.startsWith('author') ? '' : ` (default: ${String(def)})`;
    rows.push([left, `${q.help}${choices}${shownDefault}`]);
  }
  const options: [string, string][] = Object.entries(optionFlags).map(([name, o]) => [
    `${'alias' in o ? `-${o.alias}, ` : ''}--${name}${'value' in o ? ` ${o.value}` : ''}`,
    o.help,
  ]);
  const width = Math.max(...[...rows, ...options].map(([left]) => left.length)) + 2;
  const table = (list: [string, string][]) => list.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join('\n');
  return `create-ml-project ${version}

Create a machine-learning project: data folders, notebooks, base-plus-delta
configs, an etl/train/evaluate pipeline with MLflow tracking, CPU and GPU
Docker images, a docker-compose stack (bash executor, Jupyter, MLflow) and a
Makefile (make init && make create-container).

Usage:
  npx create-ml-project [PROJECT-NAME] [options]
  npm create ml-project [PROJECT-NAME] -- [options]

In a generated project (see create-ml-project update --help, check --help):
  npx create-ml-project@latest update [options]   take a newer template, keeping your changes
  npx create-ml-project@latest check [--json]     exit 1 when a newer template is available
(A project named update or check is made with --project-name.)

Questions not given as options are asked on the terminal. Without a terminal,
pass every answer, or --yes to take the defaults.

Answers:
${table(rows)}

Options:
${table(options)}

Answers are stored in the project's .yo-rc.json. Exit codes: 0 done, 1 failed,
2 invalid input or usage, 130 interrupted.

Examples:
  npx create-ml-project churn-model
  npx create-ml-project churn-model --yes --compute cpu --no-dvc
  npx create-ml-project churn-model --answers answers.yml
`;
}
