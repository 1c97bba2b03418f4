/**
 * A question as an inquirer prompt (through Yeoman's adapter, or before
 * Yeoman is loaded for the first question). The prompt validates with the
 * question's own parse, so a typo is caught on the spot.
 */
import type { Mode, RawAnswers } from './answers.js';
import { InputEndedError, ValidationError } from '../shared/errors.js';
import { isTerminalLoss } from '../shared/terminal.js';
import { questions, type AnswerNames, type Answers, type Question } from './questions.js';

export interface PromptDefinition {
  type: 'input' | 'select' | 'confirm';
  name: string;
  message: string;
  default: unknown;
  choices?: { name: string; value: string }[];
  validate?: (input: unknown) => true | string;
  filter?: (input: unknown) => unknown;
  transformer?: (input: string, state: { isFinal: boolean }) => string;
}

export function toPrompt(question: Question, defaultValue: unknown, answers: Partial<Answers>, names?: AnswerNames): PromptDefinition {
  const base = { name: question.name, message: question.message, default: defaultValue };
  if (question.kind === 'boolean') return { ...base, type: 'confirm' };
  if (question.kind === 'choice') {
    const choices = (question.choices ?? []).map((c) => {
      const help = question.choiceHelp?.[c];
      return { name: help ? `${c.padEnd(5)} ${help}` : c, value: c };
    });
    return { ...base, type: 'select', choices };
  }
  const shown = defaultValue === undefined || defaultValue === '' ? undefined : String(defaultValue);
  // Backspace on an empty line makes inquirer drop the default it shows; an empty answer still means the default.
  const orDefault = (input: unknown) => (input === '' && shown !== undefined ? shown : input);
  return {
    ...base,
    type: 'input',
    default: shown,
    filter: orDefault,
    // Shows the answer taken, not an empty line.
    transformer: (input, { isFinal }) => (isFinal ? String(orDefault(input)) : input),
    validate(input) {
      try {
        question.parse(orDefault(input), answers, names);
        return true;
      } catch (error) {
        if (error instanceof ValidationError) return `${error.value}: ${error.detail}`;
        throw error;
      }
    },
  };
}

/**
 * The answer to one question through `prompt` (inquirer's prompt module, or
 * Yeoman's adapter), for the terminal and the generator alike. When the
 * terminal's input ends (Ctrl-D, a closed terminal), inquirer's prompt never
 * settles and the process would end with nothing pending, as if all were
 * well, or (the terminal closed) crash on an error no one listens to: either
 * becomes an InputEndedError, an interrupt.
 */
export async function askThrough(
  prompt: (definition: PromptDefinition) => Promise<Record<string, unknown>>,
  question: Question,
  defaultValue: unknown,
  answers: Partial<Answers>,
  names?: AnswerNames,
): Promise<unknown> {
  let onIdle!: () => void;
  let onLost!: (error: Error) => void;
  const ended = new Promise<never>((_resolve, reject) => {
    onIdle = () => reject(new InputEndedError());
    // A closed terminal: the prompt's readline fails to leave raw mode (EIO) and has no one to tell.
    onLost = (error) => {
      if (isTerminalLoss(error)) return reject(new InputEndedError());
      process.off('uncaughtException', onLost);
      process.nextTick(() => {
        throw error;
      });
    };
    process.once('beforeExit', onIdle);
    process.on('uncaughtException', onLost);
  });
  try {
    const reply = await Promise.race([prompt(toPrompt(question, defaultValue, answers, names)), ended]);
    return reply[question.name];
  } finally {
    process.off('beforeExit', onIdle);
    process.off('uncaughtException', onLost);
  }
}

/**
 * The question a run asks first, when it will be asked: an interactive run
 * with no value for it from a flag or the answers file (answers stored in the
 * target are read only once the project name is known, so none apply to it).
 * The CLI asks it while Yeoman is still loading.
 */
export function firstAsked(mode: Mode, flags: RawAnswers, file: RawAnswers | undefined): Question | undefined {
  const [first] = questions;
  if (mode !== 'interactive' || !first) return undefined;
  if (flags[first.name] !== undefined || file?.[first.name] !== undefined) return undefined;
  if (first.when && !first.when({})) return undefined;
  return first;
}

/**
 * Asks one question on the terminal with a prompt module of the inquirer
 * package that Yeoman's adapter uses, configured as the adapter configures
 * its own: the same prompt, validation and answer. `onShown`, if given, runs
 * once the prompt is on the screen.
 */
export async function askOnTerminal(
  question: Question,
  defaultValue: unknown,
  answers: Partial<Answers>,
  names?: AnswerNames,
  onShown?: () => void,
): Promise<unknown> {
  const { createPromptModule } = await import('inquirer');
  const prompt = createPromptModule({ skipTTYChecks: true, input: process.stdin, output: process.stdout });
  const reply = askThrough((definition) => prompt([definition as never]) as Promise<Record<string, unknown>>, question, defaultValue, answers, names);
  // The prompt draws itself on a later turn of the event loop (after a setImmediate): the turn after that.
  if (onShown) setImmediate(() => setImmediate(onShown));
  return reply;
}
