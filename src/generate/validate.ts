/**
 * Checks shared by the questions. Each returns a reason string when the value
 * is wrong, or undefined when it is fine; the questions turn reasons into
 * ValidationErrors that name the field, the value and a valid example.
 */
import { dependencyModules, ignoredNames, projectFolders, pythonKeywords, stdlibModules } from '../shared/python-names.js';

// C0 and C1 controls, DEL, every bidi control (the Arabic letter mark, LRM/RLM, embeddings,
// overrides and isolates), line and paragraph separators.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
/** Unicode noncharacters: U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+1FFFF...). YAML may not carry them. */
function noncharacter(value: string): string | undefined {
  for (const c of value) {
    const point = c.codePointAt(0)!;
    if ((point >= 0xfdd0 && point <= 0xfdef) || (point & 0xfffe) === 0xfffe) return c;
  }
  return undefined;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

export function unsafeTextReason(value: string): string | undefined {
  if (!value.isWellFormed()) return 'it contains a broken Unicode character';
  const bad = UNSAFE_CHARS.exec(value);
  if (bad) {
    if (bad[0] === '\n' || bad[0] === '\r') return 'it must be a single line';
    if (bad[0] === '\u001b') return 'it contains an ANSI escape sequence';
    return `it contains the control or direction character ${codePoint(bad[0])}`;
  }
  const nonchar = noncharacter(value);
  if (nonchar) return `it contains the noncharacter ${codePoint(nonchar)}, which files such as YAML may not hold`;
  return undefined;
}

/** Names Windows reserves for devices, in any case and with any extension (`con`, `NUL.txt`, `com1`). */
export function isWindowsReserved(name: string): boolean {
  return /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(name);
}

const WINDOWS_RESERVED = 'it is reserved on Windows (CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9), where the folder could not be made';

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_NAME = 64;

export function projectNameReason(value: string): string | undefined {
  if (value === '') return 'it is empty';
  const unsafe = unsafeTextReason(value);
  if (unsafe) return unsafe;
  if (value === '.' || value === '..' || /[\\/]/.test(value)) {
    return 'it must be the name of one new folder, not a path';
  }
  if (value.startsWith('-')) return 'it must not start with "-" (it would read as an option)';
  if (value.length > MAX_NAME) return `it is longer than ${MAX_NAME} characters`;
  if (isWindowsReserved(value)) return WINDOWS_RESERVED;
  if (!PROJECT_NAME.test(value)) {
    return 'use lowercase letters, digits, "-" and "_", starting with a letter or digit (it also names the Docker Compose project)';
  }
  return undefined;
}

/** `My Project` -> `my-project`, `con` -> `con-project`: a valid name close to `value`, or undefined. */
export function suggestProjectName(value: string): string | undefined {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, MAX_NAME);
  if (!slug) return undefined;
  return [slug, `${slug}-project`].find((name) => name !== value && projectNameReason(name) === undefined);
}

/** The package name derived from a project name: `my-project` -> `my_project`. */
export function packageNameFor(projectName: string): string {
  const name = projectName.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(name) ? `ml_${name}` : name;
}

export function packageNameReason(value: string): string | undefined {
  if (value === '') return 'it is empty';
  const unsafe = unsafeTextReason(value);
  if (unsafe) return unsafe;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    return 'it must be a Python identifier: letters, digits and "_", not starting with a digit';
  }
  if (value !== value.toLowerCase()) return 'Python package names are lowercase (PEP 8)';
  if (pythonKeywords.has(value)) return 'it is a Python keyword';
  if (stdlibModules.has(value)) return 'it would shadow the Python standard-library module of that name';
  if (dependencyModules.has(value)) return 'it would shadow a package the project depends on';
  if (projectFolders.has(value)) return 'it is the name of a folder the project already has';
  if (value === 'conftest') return "it is the name of pytest's own conftest module";
  if (/^test_|_test$/.test(value)) return 'pytest takes test_* and *_test modules for tests, and the project has its own (tests/test_*.py)';
  if (ignoredNames.has(value)) return `the project's .gitignore ignores ${value}/, so its code would never be committed`;
  if (isWindowsReserved(value)) return WINDOWS_RESERVED;
  return undefined;
}

/** A package name close to a rejected one, validated in turn. */
export function suggestPackageName(value: string): string | undefined {
  const base = packageNameFor(value);
  if (!base) return undefined;
  return [base, `${base}_pkg`, `ml_${base}`].find((name) => name !== value && packageNameReason(name) === undefined);
}

export function emailReason(value: string): string | undefined {
  if (value === '') return undefined;
  return /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/.test(value) ? undefined : 'it is not an email address';
}

export const PORT_MIN = 1024;
export const PORT_MAX = 65535;

/** A port from a flag, a file or a prompt: a whole number without sign or leading zeros. */
export function parsePort(value: unknown): number | string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9][0-9]*$/.test(text)) return 'it must be a whole number';
  const port = Number(text);
  if (port < PORT_MIN || port > PORT_MAX) return `it must be between ${PORT_MIN} and ${PORT_MAX}`;
  return port;
}

