/**
 * .dockerignore as the docker CLI reads it: one pattern a line, `#` comments,
 * `!` re-includes, `*` `?` `[...]` within one path segment, `**` across any
 * number of them, a leading `/` ignored, and a pattern that matches a folder
 * excluding all it holds. The last matching line wins.
 */
import { posix } from 'node:path';

interface Rule {
  negate: boolean;
  regex: RegExp;
}

export interface IgnoreMatcher {
  /** Whether a context path (forward slashes, relative) is left out. */
  ignores(path: string): boolean;
  /** Whether a folder can be skipped whole: ignored, and no `!` line could bring back anything inside. */
  canPrune(dir: string): boolean;
}

function segmentToRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` matches everything below.
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) out += `\\${pattern[++i]}`;
    else out += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return out;
}

export function parseDockerignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = posix.normalize(line.replace(/^\/+/, '')).replace(/\/+$/, '');
    if (!line || line === '.') continue;
    // Matching the pattern or any folder above the path, like the engine's matcher.
    rules.push({ negate, regex: new RegExp(`^${segmentToRegex(line)}(?:/.*)?$`) });
  }
  return rules;
}

export function createMatcher(text: string): IgnoreMatcher {
  const rules = parseDockerignore(text);
  const hasExceptions = rules.some((r) => r.negate);
  const ignores = (path: string): boolean => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negate;
    return ignored;
  };
  return { ignores, canPrune: (dir) => ignores(dir) && !hasExceptions };
}
