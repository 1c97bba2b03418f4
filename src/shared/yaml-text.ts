/**
 * YAML a user wrote, parsed defensively: aliases that expand exponentially
 * or refer to themselves, nesting thousands deep, tags that would construct
 * objects (`!!python/object`), duplicate keys. Each problem is one UsageError
 * line naming the file and the place, without the source excerpt yaml appends.
 */
import { parseDocument, type YAMLError } from 'yaml';
import type { UsageError } from './errors.js';
import { clip, quote } from './excerpt.js';

export interface YamlSource {
  /** The error for a problem, given why: `Cannot read the answers file a.yml: ${why}.` */
  cannotRead: (why: string) => UsageError;
  /** What such a file holds, for the messages on nesting and tags: `an answers file holds plain values, one per key`. */
  holds: string;
  /** More alias expansions than such a file needs, few enough to stop a "billion laughs" at once. */
  maxAliasCount: number;
}

function problemError(source: YamlSource, text: string, problem: YAMLError): UsageError {
  const pos = problem.linePos?.[0];
  const at = pos ? `line ${pos.line}, column ${pos.col}` : 'an unknown line';
  const first = problem.message.split(' at line')[0]!;
  if (first.startsWith('Maximum call stack size exceeded')) return source.cannotRead(`its values are nested too deeply (at ${at}); ${source.holds}`);
  if (problem.code === 'TAG_RESOLVE_FAILED') {
    const tag = text.slice(problem.pos[0], problem.pos[1]);
    return source.cannotRead(`unknown YAML tag ${quote(tag)} at ${at}; ${source.holds}`);
  }
  return source.cannotRead(`invalid YAML at ${at}: ${clip(first, 120)}`);
}

export function parseYamlText(text: string, source: YamlSource): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw problemError(source, text, problem);
  try {
    return doc.toJS({ maxAliasCount: source.maxAliasCount }) ?? {};
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw source.cannotRead('its YAML aliases expand to too much (a "billion laughs" file?); write the values out');
    }
    if (error instanceof RangeError) throw source.cannotRead(`its values are nested too deeply; ${source.holds}`);
    // By name: the build runs yaml from a script of its own (scripts/build.mjs), with its own classes.
    if (error instanceof Error && error.name === 'YAMLParseError') throw problemError(source, text, error as YAMLError);
    throw error;
  }
}
