/**
 * A project's `.yo-rc.json`: the answers and generator version it was made
 * with, written at generation and read back as a layer of answers (below
 * flags and the answers file) by later runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { questionByName, questions, type AnswerKey, type Answers } from './questions.js';
import type { RawAnswers } from './answers.js';
import { STORE_KEY } from '../shared/project-file.js';


/** The answers in question order, with the generator version, as `.yo-rc.json` stores them. */
export function storedConfig(answers: Answers, generatorVersion: string): string {
  const ordered = Object.fromEntries(questions.map((q) => [q.name, answers[q.name]]));
  return `${JSON.stringify({ [STORE_KEY]: { version: generatorVersion, answers: ordered } }, null, 2)}\n`;
}

/**
 * `.yo-rc.json` with this tool's entry replaced and the entries of any other
 * generator kept as they are; the key order of the file is kept.
 */
export function replaceStoredEntry(existing: string, answers: Answers, generatorVersion: string): string {
  const entry = JSON.parse(storedConfig(answers, generatorVersion))[STORE_KEY];
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing);
  } catch {
    parsed = undefined;
  }
  const others = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  if (Object.keys(others).every((key) => key === STORE_KEY)) return storedConfig(answers, generatorVersion);
  return `${JSON.stringify({ ...others, [STORE_KEY]: entry }, null, 2)}\n`;
}

export interface StoredConfig {
  version?: string;
  answers: RawAnswers;
}

export async function readStoredConfig(projectDir: string): Promise<StoredConfig | undefined> {
  const path = join(projectDir, '.yo-rc.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON (${(error as Error).message}). Fix or remove it.`);
  }
  const entry = (parsed as Record<string, unknown> | null)?.[STORE_KEY] as { version?: unknown; answers?: unknown } | undefined;
  if (!entry || typeof entry !== 'object' || !entry.answers || typeof entry.answers !== 'object') return undefined;
  // Keys of other versions are ignored here: stored answers are defaults, not commands.
  const answers: RawAnswers = {};
  for (const [key, value] of Object.entries(entry.answers)) {
    if (questionByName.has(key)) answers[key as AnswerKey] = value;
  }
  return { version: typeof entry.version === 'string' ? entry.version : undefined, answers };
}

export async function readStoredAnswers(projectDir: string): Promise<RawAnswers | undefined> {
  return (await readStoredConfig(projectDir))?.answers;
}
