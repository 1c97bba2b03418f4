/**
 * Which bundled packages and own source files a run of a built bin executes:
 * V8's coverage of the run (NODE_V8_COVERAGE) says which functions ran at
 * all, and the build's source maps (dist/**\/*.map, not published) say which
 * file each one's code comes from. A package whose code is in a bundle file
 * but never runs (a prompt library on --yes) is not loaded in this sense.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULE_WRAPPER } from '../../src/shared/script-cache.js';
import { repoRoot, tempDir } from './generate.js';

export interface LoadedRun {
  status: number | null;
  stdout: string;
  /** Bundled npm packages whose code ran, by name. */
  packages: Set<string>;
  /** This package's own source files whose code ran (`src/...`). */
  sources: Set<string>;
  /** The bundle files that ran, as paths. */
  files: string[];
}

interface Coverage {
  result: { url: string; functions: { functionName: string; ranges: { startOffset: number; endOffset: number; count: number }[] }[] }[];
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A source map's mappings as [generated line, generated column, source index], in order. */
function decodeMappings(mappings: string): [number, number, number][] {
  const out: [number, number, number][] = [];
  let source = 0;
  mappings.split(';').forEach((line, lineIndex) => {
    let column = 0;
    for (const segment of line.split(',')) {
      if (segment === '') continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0]!;
      if (values.length >= 4) {
        source += values[1]!;
        out.push([lineIndex, column, source]);
      }
    }
  });
  return out;
}

/** The original files of the code that ran in one bundle file, relative to the repository. */
function ranIn(file: string, functions: Coverage['result'][number]['functions']): Set<string> {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[]; mappings: string };
  const sources = map.sources.map((source) => relative(repoRoot, resolve(dirname(file), source)).split(sep).join('/'));
  const mappings = decodeMappings(map.mappings);
  const text = readFileSync(file, 'utf8');
  // What V8 ran: the job scripts (dist/jobs/) inside the wrapper that script-cache.ts puts around them.
  const top = functions.find((f) => f.functionName === '' && f.ranges[0]!.startOffset === 0);
  const shift = top && top.ranges[0]!.endOffset === MODULE_WRAPPER[0].length + text.length + MODULE_WRAPPER[1].length ? MODULE_WRAPPER[0].length : 0;
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number): [number, number] => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo, offset - lineStarts[lo]!];
  };
  const before = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const found = new Set<string>();
  for (const fn of functions) {
    const range = fn.ranges[0]!;
    const start = range.startOffset - shift;
    // The script's own top level and the wrapper run whatever the command: only functions tell.
    if (range.count === 0 || start <= 0) continue;
    const [from, to] = [position(start), position(range.endOffset - shift)];
    // The first mapped token inside the function: esbuild's own wrappers around a module have no mapping of their own.
    let lo = 0;
    let hi = mappings.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before([mappings[mid]![0], mappings[mid]![1]], from)) lo = mid + 1;
      else hi = mid;
    }
    const first = mappings[lo];
    if (first && before([first[0], first[1]], to)) found.add(sources[first[2]]!);
  }
  return found;
}

export function loadedBy(bin: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): LoadedRun {
  const coverage = tempDir('cmp-coverage-');
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, ...options.env, NODE_V8_COVERAGE: coverage },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const dist = resolve(repoRoot, 'dist');
  const packages = new Set<string>();
  const sources = new Set<string>();
  const files: string[] = [];
  for (const name of readdirSync(coverage)) {
    for (const script of (JSON.parse(readFileSync(resolve(coverage, name), 'utf8')) as Coverage).result) {
      const file = script.url.startsWith('file:') ? fileURLToPath(script.url) : script.url;
      if (!file.startsWith(`${dist}${sep}`) || !existsSync(`${file}.map`)) continue;
      files.push(file);
      for (const input of ranIn(file, script.functions)) {
        if (input.startsWith('src/')) sources.add(input);
        const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input)?.[1];
        if (name) packages.add(name);
      }
    }
  }
  return { status: result.status, stdout: result.stdout, packages, sources, files };
}
