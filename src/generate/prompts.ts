/**
 * A question as an inquirer prompt (through Yeoman's adapter, or before
 * Yeoman is loaded for the first question). The prompt validates with the
 * question's own parse, so a typo is caught on the spot.
 */
import type { Mode, RawAnswers } from './answers.js';
import { ValidationError } from '../shared/errors.js';
import { questions, type AnswerNames, type Answers, type Question } from './questions.js';

export interface PromptDefinition {
  type: 'input' | 'select' | 'confirm';
  name: string;
  message: string;
  default: unknown;
  choices?: { name: string; value: string }[];
  validate?: (input: unknown) => true | string;
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
  return {
    ...base,
    type: 'input',
    default: defaultValue === undefined || defaultValue === '' ? undefined : String(defaultValue),
    validate(input) {
      try {
        question.parse(input, answers, names);
        return true;
      } catch (error) {
        if (error instanceof ValidationError) return `${error.value}: ${error.detail}`;
        throw error;
      }
    },
  };
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
  const reply = prompt([toPrompt(question, defaultValue, answers, names) as never]);
  // The prompt draws itself on a later turn of the event loop (after a setImmediate): the turn after that.
  if (onShown) setImmediate(() => setImmediate(onShown));
  return ((await reply) as Record<string, unknown>)[question.name];
}
