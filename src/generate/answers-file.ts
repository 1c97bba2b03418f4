/**
 * Reading answers from a JSON or YAML file (`--answers FILE`) or from a
 * project's `.yo-rc.json`. Keys are checked against the questions; values are
 * validated later, with the other sources, in resolveAnswers.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UsageError } from '../shared/errors.js';
import { questionByName, type AnswerKey } from './questions.js';
import { closest } from './validate.js';
import type { RawAnswers } from './answers.js';

/** Line and column of a character offset, for JSON parse errors. */
function linePosition(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

export function parseAnswersText(text: string, fileName: string): unknown {
  const json = fileName.toLowerCase().endsWith('.json');
  try {
    if (json) return JSON.parse(text);
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true }) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const pos = error.linePos?.[0];
      const at = pos ? `line ${pos.line}, column ${pos.col}` : 'an unknown line';
      throw new UsageError(`Cannot read ${fileName}: invalid YAML at ${at}: ${error.message.split(' at line')[0]}.`);
    }
    if (error instanceof SyntaxError) {
      const offset = /position (\d+)/.exec(error.message);
      const at = offset ? ` at ${linePosition(text, Number(offset[1]))}` : '';
      throw new UsageError(`Cannot read ${fileName}: invalid JSON${at}: ${error.message.replace(/ in JSON at position \d+.*$/, '')}.`);
    }
    throw error;
  }
}

/** Checks that `value` is a mapping of known question names; unknown keys are refused by name. */
export function checkAnswerKeys(value: unknown, fileName: string): RawAnswers {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${fileName} must hold a mapping of answers, such as "projectName: my-project".`);
  }
  const answers: RawAnswers = {};
  for (const key of Object.keys(value)) {
    if (!questionByName.has(key)) {
      const hint = closest(key, questionByName.keys());
      throw new UsageError(
        `Unknown key ${JSON.stringify(key)} in ${fileName}.${hint ? ` Did you mean "${hint}"?` : ''} ` +
          `Known keys: ${[...questionByName.keys()].join(', ')}.`,
      );
    }
    answers[key as AnswerKey] = (value as Record<string, unknown>)[key];
  }
  return answers;
}

export async function readAnswersFile(path: string): Promise<RawAnswers> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? String(error);
    throw new UsageError(`Cannot read the answers file ${path}: ${why}.`);
  }
  return checkAnswerKeys(parseAnswersText(text, path), path);
}
