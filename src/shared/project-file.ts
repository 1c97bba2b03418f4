/**
 * The file that makes a folder a create-ml-project project: `.yo-rc.json`,
 * with this tool's entry under one key. Generation writes it, update reads
 * and rewrites it, the runner finds the project by it.
 *
 * One reader for every command. A file that parses but is not what we
 * wrote (a list, null, a string, our entry or its answers not an object) is
 * a usage error naming the file: read as "no answers", it would silently
 * give the project every default, a new package name among them. A file
 * holding only other generators' entries is simply not our project.
 */
import { join } from 'node:path';
import { UsageError } from './errors.js';
import { describeValue } from './excerpt.js';
import { readTextFile } from './text-file.js';

/** The name of the file at a project's root. */
export const PROJECT_FILE = '.yo-rc.json';

/** The key of this tool's entry in `.yo-rc.json` (other generators keep theirs beside it). */
export const STORE_KEY = 'create-ml-project';

/** This tool's entry: the answers a project was made with and the generator version. */
export interface ProjectEntry {
  version?: string;
  answers: Record<string, unknown>;
}

export interface ProjectFile {
  /** Our entry; undefined when the file holds only other generators' entries. */
  entry?: ProjectEntry;
  /** Every entry, ours included, in the file's order: the others are kept when ours is rewritten. */
  entries: Record<string, unknown>;
}

/** The path of the project file in `dir`. */
export function projectFileIn(dir: string): string {
  return join(dir, PROJECT_FILE);
}

function malformed(path: string, what: string): UsageError {
  return new UsageError(`${path}: ${what}. Fix it, or remove it if it is not yours.`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The content of a project file read from `path` (named in messages). */
export function parseProjectFile(text: string, path: string): ProjectFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON (${(error as Error).message}). Fix it, or remove it if it is not yours.`);
  }
  if (!isObject(parsed)) throw malformed(path, `it holds ${describeValue(parsed)}, where a .yo-rc.json holds an object of generator entries ({"${STORE_KEY}": {...}})`);
  const entry = parsed[STORE_KEY];
  if (entry === undefined) return { entries: parsed };
  if (!isObject(entry)) throw malformed(path, `its "${STORE_KEY}" entry is ${describeValue(entry)}, not an object`);
  if (!isObject(entry.answers)) throw malformed(path, `the "answers" of its "${STORE_KEY}" entry are ${describeValue(entry.answers)}, not an object`);
  if (entry.version !== undefined && typeof entry.version !== 'string') {
    throw malformed(path, `the "version" of its "${STORE_KEY}" entry is ${describeValue(entry.version)}, not text such as "0.1.0"`);
  }
  return { entry: { version: entry.version, answers: entry.answers }, entries: parsed };
}

/** The project file at `path`, or undefined when there is none. */
export function readProjectFile(path: string): ProjectFile | undefined {
  const text = readTextFile(path);
  return text === undefined ? undefined : parseProjectFile(text, path);
}
