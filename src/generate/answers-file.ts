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
import { parseDocument, YAMLParseError, type YAMLError } from 'yaml';
import { UsageError } from '../shared/errors.js';
import { clip, quote } from '../shared/excerpt.js';
import { readTextFile } from '../shared/text-file.js';
import { questionByName, type AnswerKey } from './questions.js';
import { closest } from '../shared/closest.js';
import type { RawAnswers } from './answers.js';

/** More alias expansions than an answers file needs, few enough to stop a "billion laughs" at once. */
const MAX_ALIAS_COUNT = 100;

const cannotRead = (fileName: string, why: string) => new UsageError(`Cannot read the answers file ${fileName}: ${why}.`);
const TOO_DEEP = 'its values are nested too deeply; an answers file holds plain values, one per key';

/** Line and column of a character offset, for JSON parse errors. */
function linePosition(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** One YAML problem as a message: where, and what, without the source excerpt yaml appends. */
function yamlProblem(fileName: string, text: string, problem: YAMLError): UsageError {
  const pos = problem.linePos?.[0];
  const at = pos ? `line ${pos.line}, column ${pos.col}` : 'an unknown line';
  const first = problem.message.split(' at line')[0]!;
  if (first.startsWith('Maximum call stack size exceeded')) {
    return cannotRead(fileName, `${TOO_DEEP} (at ${at})`);
  }
  if (problem.code === 'TAG_RESOLVE_FAILED') {
    const tag = text.slice(problem.pos[0], problem.pos[1]);
    return cannotRead(fileName, `unknown YAML tag ${quote(tag)} at ${at}; an answers file holds plain values (text, numbers, true/false)`);
  }
  return cannotRead(fileName, `invalid YAML at ${at}: ${clip(first, 120)}`);
}

function parseYamlText(text: string, fileName: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw yamlProblem(fileName, text, problem);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw cannotRead(fileName, 'its YAML aliases expand to too much (a "billion laughs" file?); write the answers out, one per key');
    }
    if (error instanceof RangeError) throw cannotRead(fileName, TOO_DEEP);
    if (error instanceof YAMLParseError) throw yamlProblem(fileName, text, error);
    throw error;
  }
}

export function parseAnswersText(text: string, fileName: string): unknown {
  if (!fileName.toLowerCase().endsWith('.json')) return parseYamlText(text, fileName);
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
