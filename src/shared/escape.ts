/**
 * One escaper per file format. A user value reaches a generated file only
 * through the escaper of that file's format, so it comes out exactly as typed
 * and is never evaluated by YAML, TOML, make, a shell, compose or Markdown.
 * Values are single-line (validation refuses control characters).
 */

/** A double-quoted YAML scalar. JSON strings are valid YAML 1.2 double-quoted scalars. */
export const yaml = (value: string): string => JSON.stringify(value);

/** A YAML scalar for compose files, where `$` would start an interpolation. */
export const compose = (value: string): string => JSON.stringify(value.split('$').join('$$'));

/** A TOML basic string: the JSON escapes (\" \\ \uXXXX) are TOML escapes too. */
export const toml = (value: string): string => JSON.stringify(value);

export const json = (value: string): string => JSON.stringify(value);

/** A Python string literal: a JSON string is a valid one. */
export const py = (value: string): string => JSON.stringify(value);

/** A single-quoted POSIX shell word. */
export const sh = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * A shell word for a Makefile recipe line: single-quoted for the shell, with
 * `$` doubled so make does not expand it. (`#` is not a comment inside a
 * recipe, and the closing quote keeps a trailing backslash off the line end.)
 */
export const make = (value: string): string => sh(value).split('$').join('$$');

/** A dotenv value as docker compose reads it: single quotes are literal, no interpolation. */
export const env = (value: string): string =>
  value.includes("'") ? JSON.stringify(value).split('$').join('\\$') : `'${value}'`;

/**
 * Markdown inline text: characters that start inline syntax (emphasis, code,
 * links, HTML, entities, tables, math) are backslash-escaped, and so is a
 * first character that could open a block (heading, list, quote).
 */
export const md = (value: string): string =>
  value
    .replace(/[\\`*_[\]<>&|~$]/g, (c) => `\\${c}`)
    .replace(/^[#+\-=>]/, (c) => `\\${c}`)
    .replace(/^(\d+)([.)])/, (_all, digits: string, mark: string) => `${digits}\\${mark}`);

/** Plain text with no syntax (LICENSE). */
export const text = (value: string): string => value;

export const escapers = { yaml, compose, toml, json, py, sh, make, env, md, text } as const;
