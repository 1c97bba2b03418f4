/**
 * A project's `.yo-rc.json`: the answers and generator version it was made
 * with, written at generation and read back as a layer of answers (below
 * flags and the answers file) by later runs.
 */
import { questionByName, questions, type AnswerKey, type Answers } from './questions.js';
import type { RawAnswers } from './answers.js';
import { parseProjectFile, projectFileIn, readProjectFile, STORE_KEY } from '../shared/project-file.js';

/** The answers in question order, with the generator version, as `.yo-rc.json` stores them. */
export function storedConfig(answers: Answers, generatorVersion: string): string {
  const ordered = Object.fromEntries(questions.map((q) => [q.name, answers[q.name]]));
  return `${JSON.stringify({ [STORE_KEY]: { version: generatorVersion, answers: ordered } }, null, 2)}\n`;
}

/**
 * `.yo-rc.json` holding `entries` (a file's entries, in its order) with this
 * tool's entry replaced: the entries of any other generator are kept as they are.
 */
export function withStoredEntry(entries: Record<string, unknown>, answers: Answers, generatorVersion: string): string {
  const ours = storedConfig(answers, generatorVersion);
  if (Object.keys(entries).every((key) => key === STORE_KEY)) return ours;
  return `${JSON.stringify({ ...entries, [STORE_KEY]: JSON.parse(ours)[STORE_KEY] }, null, 2)}\n`;
}

/** `existing` (the text of a `.yo-rc.json`) with this tool's entry replaced and other generators' entries kept. */
export function replaceStoredEntry(existing: string, answers: Answers, generatorVersion: string): string {
  return withStoredEntry(parseProjectFile(existing, '.yo-rc.json').entries, answers, generatorVersion);
}

export interface StoredConfig {
  version?: string;
  answers: RawAnswers;
  /** Every entry of the file, ours included, for rewriting it with other generators' entries kept. */
  entries: Record<string, unknown>;
}

/** The stored answers that are questions of this version (keys of other versions are ignored: stored answers are defaults, not commands). */
export function knownAnswers(stored: Record<string, unknown>): RawAnswers {
  const answers: RawAnswers = {};
  for (const [key, value] of Object.entries(stored)) {
    if (questionByName.has(key)) answers[key as AnswerKey] = value;
  }
  return answers;
}

/**
 * The answers stored in `projectDir`'s `.yo-rc.json`; undefined when there is
 * no such file or it holds only other generators' entries. A file that is
 * not what we wrote is a UsageError naming it.
 */
export function readStoredConfig(projectDir: string): StoredConfig | undefined {
  const file = readProjectFile(projectFileIn(projectDir));
  if (!file?.entry) return undefined;
  return { version: file.entry.version, answers: knownAnswers(file.entry.answers), entries: file.entries };
}
