/**
 * Answer resolution, in one fixed order of precedence:
 *   flags > answers file > stored answers (.yo-rc.json of the target) > prompt > default.
 * Every value, whatever its source, goes through the question's own parse.
 */
import { UsageError, ValidationError } from '../shared/errors.js';
import { nounOf, questionByName, questions, type AnswerKey, type AnswerNames, type Answers, type DefaultsContext, type Question } from './questions.js';

export type RawAnswers = Partial<Record<AnswerKey, unknown>>;

/** How missing answers are obtained: asked, defaulted (--yes), or refused (no terminal). */
export type Mode = 'interactive' | 'yes' | 'non-interactive';

/** Asks one question; returns the raw answer. Must re-ask until `question.parse` accepts it (given `names`). */
export type Ask = (question: Question, defaultValue: unknown, answers: Partial<Answers>, names: AnswerNames) => Promise<unknown>;

export interface ResolveOptions {
  /** Answers given as positional arguments (the project name), above flags. */
  args?: RawAnswers;
  flags?: RawAnswers;
  file?: RawAnswers;
  /** Name of the answers file, for messages. */
  fileName?: string;
  mode: Mode;
  context?: DefaultsContext;
  ask?: Ask;
  /**
   * Called as soon as the project name is known, before anything else is asked:
   * checks the target and returns the answers stored there, if any.
   */
  onProjectName?: (name: string) => Promise<RawAnswers | undefined> | RawAnswers | undefined;
  /** Values asked questions start from, instead of the questions' own defaults (parsed as from the file). */
  defaults?: RawAnswers;
  /**
   * How a source is named in messages, where the command words it its own way
   * (update's `--set KEY=VALUE`): the answer is then called by its key.
   */
  sourceNames?: Partial<Record<Source, (question: Question) => string>>;
}

export type Source = 'argument' | 'flag' | 'file' | 'stored' | 'prompt' | 'default';

/** How a message names an answer from `source`: `label` before the value, `where` after the reason. */
function describeSource(question: Question, source: Source, options: ResolveOptions): { label: string; where: string } {
  const named = options.sourceNames?.[source];
  if (named) return { label: question.name, where: ` ${named(question)}` };
  switch (source) {
    case 'argument':
      return { label: nounOf(question), where: '' };
    case 'flag':
      return { label: `--${question.flag}`, where: '' };
    case 'file':
      return { label: question.name, where: ` (from key "${question.name}" in ${options.fileName ?? 'the answers file'})` };
    case 'stored':
      return { label: question.name, where: ` (from .yo-rc.json in the target; pass --${question.flag} to replace it)` };
    case 'prompt':
      return { label: nounOf(question), where: '' };
    case 'default':
      return { label: question.name, where: ` (the default; pass --${question.flag} to choose another)` };
  }
}

/** How an answer from `source` is referred to in another answer's message ("the same port as ..."). */
function reference(question: Question, source: Source, options: ResolveOptions): string {
  if (options.sourceNames?.[source]) return question.name;
  switch (source) {
    case 'argument':
      return `the ${nounOf(question)} (the first argument)`;
    case 'flag':
      return `--${question.flag}`;
    case 'file':
    case 'stored':
      return question.name;
    case 'prompt':
      return `the ${nounOf(question)}`;
    case 'default':
      return `the default ${nounOf(question)}`;
  }
}

function parseFrom(question: Question, raw: unknown, answers: Partial<Answers>, source: Source, options: ResolveOptions, names: AnswerNames) {
  try {
    return question.parse(raw, answers, names);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const { label, where } = describeSource(question, source, options);
    const inline = source === 'argument' ? ' (the first argument)' : '';
    throw new ValidationError(error.field, error.value, error.detail, `Invalid ${label} ${error.value}${inline}: ${error.detail}${where}`);
  }
}

export async function resolveAnswers(options: ResolveOptions): Promise<Answers> {
  const { args = {}, flags = {}, file = {}, mode, context = {} } = options;
  let stored: RawAnswers = {};
  const answers: Partial<Answers> = {};
  const sources: Partial<Record<AnswerKey, Source>> = {};
  const names: AnswerNames = (name) => {
    const source = sources[name];
    const question = questionByName.get(name);
    return source && question ? reference(question, source, options) : name;
  };
  const missing: Question[] = [];
  const set = <K extends AnswerKey>(key: K, value: Answers[K], source: Source) => {
    answers[key] = value;
    sources[key] = source;
  };

  for (const question of questions) {
    const layers: [Source, unknown][] = [
      ['argument', args[question.name]],
      ['flag', flags[question.name]],
      ['file', file[question.name]],
      ['stored', stored[question.name]],
    ];
    const given = layers.find(([, value]) => value !== undefined);
    const preset = options.defaults?.[question.name];
    const defaultValue =
      preset === undefined ? question.default(answers, context) : parseFrom(question, preset, answers, 'file', options, names);

    if (given) {
      set(question.name, parseFrom(question, given[1], answers, given[0], options, names), given[0]);
    } else if (question.when && !question.when(answers)) {
      set(question.name, parseFrom(question, defaultValue, answers, 'default', options, names), 'default');
    } else if (mode === 'interactive' && options.ask) {
      const reply = await options.ask(question, defaultValue, answers, names);
      set(question.name, parseFrom(question, reply, answers, 'prompt', options, names), 'prompt');
    } else if (mode === 'yes') {
      set(question.name, parseFrom(question, defaultValue, answers, 'default', options, names), 'default');
    } else {
      missing.push(question);
      set(question.name, defaultValue, 'default');
    }

    if (question.name === 'projectName' && missing.length === 0 && options.onProjectName) {
      stored = (await options.onProjectName(answers.projectName!)) ?? {};
    }
  }

  if (missing.length > 0) {
    const flagList = missing.map((q) => `--${q.flag}${q.kind === 'boolean' ? '/--no-' + q.flag : ' VALUE'}`);
    throw new UsageError(
      `No terminal to ask on, and ${missing.length === 1 ? 'this answer is' : 'these answers are'} missing: ` +
        `${missing.map((q) => q.name).join(', ')}.\n` +
        `Pass --yes to take the defaults, or give ${missing.length === 1 ? 'it' : 'them'} as ${flagList.join(', ')} ` +
        'or in an --answers file (see --help).',
    );
  }
  return answers as Answers;
}

/** Answers for a given project with every other answer at its default: for tests and presets. */
export function defaultAnswers(overrides: RawAnswers = {}, context: DefaultsContext = {}): Promise<Answers> {
  return resolveAnswers({ flags: overrides, mode: 'yes', context });
}
