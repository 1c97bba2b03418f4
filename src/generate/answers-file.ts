/**
 * Reading answers from a JSON or YAML file (`--answers FILE`). Keys are
 * checked against the questions; values are validated later, with the other
 * sources, in resolveAnswers.
 *
 * The file is the user's input and may be hostile or broken: a FIFO or a
 * device (never opened to block), bytes that are not UTF-8, YAML aliases
 * that expand exponentially or refer to themselves, nesting thousands deep,
 * tags that would construct objects (`!!python/object`), a 10 MB value. Each
 * is one UsageError line naming the file; nothing is printed as a warning.
 */
import { UsageError } from '../shared/errors.js';
import { clip, quote } from '../shared/excerpt.js';
import { readTextFile } from '../shared/text-file.js';
import { parseYamlText } from '../shared/yaml-text.js';
import { questionByName, type AnswerKey } from './questions.js';
import { closest } from '../shared/closest.js';
import type { RawAnswers } from './answers.js';

/** More alias expansions than an answers file needs, few enough to stop a "billion laughs" at once. */
const MAX_ALIAS_COUNT = 100;

const cannotRead = (fileName: string, why: string) => new UsageError(`Cannot read the answers file ${fileName}: ${why}.`);

/** Line and column of a character offset, for JSON parse errors. */
function linePosition(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

const yamlSource = (fileName: string) => ({
  cannotRead: (why: string) => cannotRead(fileName, why),
  holds: 'an answers file holds plain values (text, numbers, true/false), one per key',
  maxAliasCount: MAX_ALIAS_COUNT,
});

export function parseAnswersText(text: string, fileName: string): unknown {
  if (!fileName.toLowerCase().endsWith('.json')) return parseYamlText(text, yamlSource(fileName));
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const offset = /position (\d+)/.exec(error.message);
    const at = offset ? ` at ${linePosition(text, Number(offset[1]))}` : '';
    // V8 quotes the text around the error: bounded, like every quoted value.
    throw cannotRead(fileName, `invalid JSON${at}: ${clip(error.message.replace(/ in JSON at position \d+.*$/s, ''), 120)}`);
  }
}

/** Checks that `value` is a mapping of known question names; unknown keys are refused by name. */
export function checkAnswerKeys(value: unknown, fileName: string): RawAnswers {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${fileName} must hold a mapping of answers, such as "projectName: my-project", not ${quote(value)}.`);
  }
  const answers: RawAnswers = {};
  for (const key of Object.keys(value)) {
    if (!questionByName.has(key)) {
      const hint = closest(key, questionByName.keys());
      throw new UsageError(
        `Unknown key ${quote(key)} in ${fileName}.${hint ? ` Did you mean "${hint}"?` : ''} ` +
          `Known keys: ${[...questionByName.keys()].join(', ')}.`,
      );
    }
    answers[key as AnswerKey] = (value as Record<string, unknown>)[key];
  }
  return answers;
}

export async function readAnswersFile(path: string): Promise<RawAnswers> {
  const text = readTextFile(path, 'the answers file');
  if (text === undefined) throw cannotRead(path, 'no such file');
  return checkAnswerKeys(parseAnswersText(text, path), path);
}
