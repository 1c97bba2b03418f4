/**
 * A question as an inquirer prompt (through Yeoman's adapter). The prompt
 * validates with the question's own parse, so a typo is caught on the spot.
 */
import { ValidationError } from './errors.js';
import type { Answers, Question } from './questions.js';

export interface PromptDefinition {
  type: 'input' | 'select' | 'confirm';
  name: string;
  message: string;
  default: unknown;
  choices?: { name: string; value: string }[];
  validate?: (input: unknown) => true | string;
}

export function toPrompt(question: Question, defaultValue: unknown, answers: Partial<Answers>): PromptDefinition {
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
        question.parse(input, answers);
        return true;
      } catch (error) {
        if (error instanceof ValidationError) return error.message.replace(/^Invalid \w+ /, '');
        throw error;
      }
    },
  };
}
