/**
 * The file that makes a folder a create-ml-project project: `.yo-rc.json`,
 * with this tool's entry under one key. Generation writes it, update reads
 * and rewrites it, the runner finds the project by it.
 */

/** The name of the file at a project's root. */
export const PROJECT_FILE = '.yo-rc.json';

/** The key of this tool's entry in `.yo-rc.json` (other generators keep theirs beside it). */
export const STORE_KEY = 'create-ml-project';
