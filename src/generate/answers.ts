/**
 * Answer resolution, in one fixed order of precedence:
 *   flags > answers file > stored answers (.yo-rc.json of the target) > prompt > default.
 * Every value, whatever its source, goes through the question's own parse.
 */
import { UsageError, ValidationError } from '../shared/errors.js';
import { questions, type AnswerKey, type Answers, type DefaultsContext, type Question } from './questions.js';

export type RawAnswers = Partial<Record<AnswerKey, unknown>>;

/** How missing answers are obtained: asked, defaulted (--yes), or refused (no terminal). */
export type Mode = 'interactive' | 'yes' | 'non-interactive';

export interface ResolveOptions {
  flags?: RawAnswers;
  file?: RawAnswers;
  /** Name of the answers file, for messages. */
  fileName?: string;
  mode: Mode;
  context?: DefaultsContext;
  /** Asks one question; returns the raw answer. Must re-ask until `question.parse` accepts it. */
  ask?: (question: Question, defaultValue: unknown, answers: Partial<Answers>) => Promise<unknown>;
  /**
   * Called as soon as the project name is known, before anything else is asked:
   * checks the target and returns the answers stored there, if any.
   */
  onProjectName?: (name: string) => Promise<RawAnswers | undefined> | RawAnswers | undefined;
  /** Values asked questions start from, instead of the questions' own defaults (parsed as from the file). */
  defaults?: RawAnswers;
  /** How a source is named in messages, where the command words it its own way. */
  sourceNames?: Partial<Record<Source, (question: Question) => string>>;
}

export type Source = 'flag' | 'file' | 'stored' | 'default';

function where(question: Question, source: Source, fileName = 'the answers file', names: ResolveOptions['sourceNames'] = {}): string {
  const named = names[source];
  if (named) return named(question);
  switch (source) {
    case 'flag':
      return `(from --${question.flag})`;
    case 'file':
      return `(from key "${question.name}" in ${fileName})`;
    case 'stored':
      return `(from .yo-rc.json in the target; pass --${question.flag} to replace it)`;
    case 'default':
      return `(the default; pass --${question.flag} to choose another)`;
  }
}

function parseFrom(question: Question, raw: unknown, answers: Partial<Answers>, source: Source, options: ResolveOptions) {
  try {
    return question.parse(raw, answers);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(error.field, `${error.message} ${where(question, source, options.fileName, options.sourceNames)}`);
    }
    throw error;
  }
}

export async function resolveAnswers(options: ResolveOptions): Promise<Answers> {
  const { flags = {}, file = {}, mode, context = {} } = options;
  let stored: RawAnswers = {};
  const answers: Partial<Answers> = {};
  const missing: Question[] = [];
  const set = <K extends AnswerKey>(key: K, value: Answers[K]) => {
    answers[key] = value;
  };

  for (const question of questions) {
    const layers: [Source, unknown][] = [
      ['flag', flags[question.name]],
      ['file', file[question.name]],
      ['stored', stored[question.name]],
    ];
    const given = layers.find(([, value]) => value !== undefined);
    const preset = options.defaults?.[question.name];
    const defaultValue =
      preset === undefined ? question.default(answers, context) : parseFrom(question, preset, answers, 'file', options);

    if (given) {
      set(question.name, parseFrom(question, given[1], answers, given[0], options));
    } else if (question.when && !question.when(answers)) {
      set(question.name, parseFrom(question, defaultValue, answers, 'default', options));
    } else if (mode === 'interactive' && options.ask) {
      set(question.name, question.parse(await options.ask(question, defaultValue, answers), answers));
    } else if (mode === 'yes') {
      set(question.name, parseFrom(question, defaultValue, answers, 'default', options));
    } else {
      missing.push(question);
      set(question.name, defaultValue);
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
