/**
 * The user's git identity read from git's global config files, so that the
 * defaults of a new project need not start git (a process of its own, some
 * 10 ms of a run). It answers only where the answer is git's own to the
 * letter: outside any repository (no local config), with no environment that
 * adds or moves config, with git on the PATH, and with user.name and
 * user.email both set in the global files. The system file is not read: git
 * reads it first, so the global values win. Each file is parsed by git's
 * rules; a line they do not allow, an include, or anything else not certain
 * gives undefined, and the caller asks git. The common setup (`[user]` in
 * ~/.gitconfig or ~/.config/git/config) is answered here; the rest is git's.
 */
import { accessSync, constants, lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { readTextFile } from '../shared/text-file.js';

export interface GitIdentity {
  name?: string;
  email?: string;
}

/** Variables with which config comes from elsewhere, or a repository from other than the folder. */
const MOVED = ['GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_CONFIG', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR'];

/** One user.name or user.email line: its value, or undefined for a bare key (git's boolean true). */
type Entry = ['name' | 'email', string | undefined];

/**
 * user.name and user.email as `git config --get-regexp` in `cwd` would give
 * them (each value trimmed, an empty one undefined), or undefined when that
 * cannot be known without running git.
 */
export function identityFromConfigFiles(cwd: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): GitIdentity | undefined {
  return outsideRepositories(cwd, env, platform) ? globalIdentity(env) : undefined;
}

/**
 * The same in `dir`, where `git init` has just made a repository outside any
 * other: its own config (from git's template, which may set anything) adds
 * nothing when it holds no section but `[core]`, as git writes it.
 */
export function identityInNewRepository(dir: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): GitIdentity | undefined {
  try {
    if (!outsideRepositories(dirname(realpathSync.native(dir)), env, platform)) return undefined;
    const local = readTextFile(join(dir, '.git', 'config'));
    const parsed = local === undefined ? undefined : parseConfig(local);
    if (!parsed || [...parsed.sections].some((section) => section !== 'core')) return undefined;
  } catch {
    return undefined;
  }
  return globalIdentity(env);
}

/**
 * Whether git, run in `cwd` with `env`, certainly finds no repository (no
 * `.git` or HEAD in the folder or above it, and no variable that names one)
 * and is on the PATH. False when that is not certain.
 */
export function outsideRepositories(cwd: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  // git for Windows finds its home and files by rules of its own.
  if (platform === 'win32') return false;
  if (MOVED.some((name) => env[name] !== undefined)) return false;
  try {
    return gitOnPath(env) && !inRepository(cwd);
  } catch {
    return false;
  }
}

/** The identity the global files settle, with the caller's word that no local config applies. */
function globalIdentity(env: NodeJS.ProcessEnv): GitIdentity | undefined {
  try {
    const files = globalFiles(env);
    if (!files) return undefined;
    const entries: Entry[] = [];
    for (const file of files) {
      const text = readTextFile(file);
      if (text === undefined) continue;
      const found = parseConfig(text);
      if (!found) return undefined;
      entries.push(...found.entries);
    }
    const last = (key: Entry[0]) => entries.findLast(([name]) => name === key);
    const name = last('name');
    const email = last('email');
    if (!name || !email || entries.some(([, value]) => value === undefined)) return undefined;
    return { name: name[1]!.trim() || undefined, email: email[1]!.trim() || undefined };
  } catch {
    return undefined;
  }
}

/**
 * git's global files in the order it reads them (GIT_CONFIG_GLOBAL, read by
 * git 2.32 and later, instead of both), or undefined when a path is not plain.
 */
function globalFiles(env: NodeJS.ProcessEnv): string[] | undefined {
  const home = env.HOME;
  if (!home || !isAbsolute(home)) return undefined;
  const only = env.GIT_CONFIG_GLOBAL;
  if (only !== undefined) return only === '' ? [] : isAbsolute(only) ? [only] : undefined;
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && !isAbsolute(xdg)) return undefined;
  return [join(xdg || join(home, '.config'), 'git', 'config'), join(home, '.gitconfig')];
}

/** Whether the PATH finds an executable `git` (without one, git's answer is no identity). */
function gitOnPath(env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(':')) {
    // An empty or relative entry is looked up from the folder git starts in.
    if (!isAbsolute(dir)) return false;
    const file = join(dir, 'git');
    let info;
    try {
      info = statSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      return false;
    }
    if (!info.isFile()) continue;
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      // Not executable for this user: the search goes on, as exec's does.
    }
  }
  return false;
}

/**
 * Whether git might find a repository from `cwd`: a `.git` (of any kind) in
 * the folder or one above it, or a folder that may be a repository's own
 * (any with a HEAD), up to the root. The real path, as git starts from it.
 */
function inRepository(cwd: string): boolean {
  let dir = realpathSync.native(cwd);
  if (!statSync(dir).isDirectory()) return true;
  for (;;) {
    if (lstatSync(join(dir, '.git'), { throwIfNoEntry: false }) || lstatSync(join(dir, 'HEAD'), { throwIfNoEntry: false })) return true;
    const up = dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

const SPACE = new Set([' ', '\t']);
const KEY = /[A-Za-z0-9-]/;

/**
 * The user.name and user.email lines of one config file, in order, and the
 * names of its sections, parsed as git's config.c parses them; undefined for
 * a file git would refuse, one that includes another, or one with characters
 * whose reading is not plain (control characters, a carriage return outside
 * a CRLF line end). The text comes without its byte-order mark.
 */
function parseConfig(file: string): { entries: Entry[]; sections: Set<string> } | undefined {
  const text = file.replaceAll('\r\n', '\n');
  if (/[\0-\x08\x0b-\x1f]/.test(text)) return undefined;
  const entries: Entry[] = [];
  const sections = new Set<string>();
  let section: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n' || SPACE.has(c)) {
      i++;
    } else if (c === '#' || c === ';') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '[') {
      const header = sectionHeader(text, i + 1);
      if (!header) return undefined;
      // Includes read other files, some only under conditions: not followed here.
      if (/^include(if)?$/.test(header.base.split('.')[0]!)) return undefined;
      section = header.name;
      sections.add(section);
      i = header.end;
    } else {
      if (!/[A-Za-z]/.test(c) || section === undefined) return undefined;
      let end = i + 1;
      while (end < text.length && KEY.test(text[end]!)) end++;
      const key = text.slice(i, end).toLowerCase();
      i = end;
      while (SPACE.has(text[i] ?? '')) i++;
      let value: string | undefined;
      if (i >= text.length || text[i] === '\n') {
        i++;
      } else if (text[i] === '=') {
        const parsed = lineValue(text, i + 1);
        if (!parsed) return undefined;
        [value, i] = parsed;
      } else {
        return undefined;
      }
      if (section === 'user' && (key === 'name' || key === 'email')) entries.push([key, value]);
    }
  }
  return { entries, sections };
}

/**
 * A section header from just after its `[`: `[section]`, `[section.legacy]`
 * (both lower-cased) or `[section "Subsection"]` (as written, `\` taking the
 * next character as is); its full name and where the text goes on.
 */
function sectionHeader(text: string, start: number): { base: string; name: string; end: number } | undefined {
  let i = start;
  while (i < text.length && (KEY.test(text[i]!) || text[i] === '.')) i++;
  const base = text.slice(start, i).toLowerCase();
  if (text[i] === ']') return base ? { base, name: base, end: i + 1 } : undefined;
  if (!SPACE.has(text[i] ?? '')) return undefined;
  while (SPACE.has(text[i] ?? '')) i++;
  if (text[i] !== '"') return undefined;
  let sub = '';
  for (i++; text[i] !== '"'; i++) {
    if (text[i] === '\\') i++;
    if (i >= text.length || text[i] === '\n') return undefined;
    sub += text[i];
  }
  if (text[i + 1] !== ']') return undefined;
  return { base, name: `${base}.${sub}`, end: i + 2 };
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', b: '\b' };

/**
 * A value from just after its `=` to the end of its line: spaces around it
 * dropped and each run of them inside one space per character, unless
 * quoted; `"` toggling quotes; `#` or `;` starting a comment outside them;
 * a `\` at a line's end joining the next line. Undefined for an unknown
 * escape or an open quote at the end of the line.
 */
function lineValue(text: string, start: number): [string, number] | undefined {
  let value = '';
  let quoted = false;
  let comment = false;
  let spaces = 0;
  let i = start;
  for (;;) {
    const c = text[i++];
    if (c === undefined || c === '\n') return quoted ? undefined : [value, i];
    if (comment) continue;
    if (!quoted && SPACE.has(c)) {
      if (value) spaces++;
      continue;
    }
    if (!quoted && (c === '#' || c === ';')) {
      comment = true;
      continue;
    }
    value += ' '.repeat(spaces);
    spaces = 0;
    if (c === '\\') {
      const next = text[i++];
      if (next === undefined || next === '\n') continue;
      const escaped = ESCAPES[next];
      if (escaped === undefined) return undefined;
      value += escaped;
    } else if (c === '"') {
      quoted = !quoted;
    } else {
      value += c;
    }
  }
}
