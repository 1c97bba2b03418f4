/**
 * The layout of src/: three jobs (generate, update, runner) over one shared
 * room, entries at the top. Imports (type-only ones too) flow one way and
 * never in a circle; the rooms' READMEs say the same in words.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/generate.js';

const src = join(repoRoot, 'src');

/** Every TypeScript file below src/, as a path relative to src/ with `/`. */
function sources(): string[] {
  return readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(src, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** The files of src/ that `file` imports, statically or with import(). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(src, file), 'utf8'), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(src, resolve(dirname(join(src, file)), name)).split('\\').join('/').replace(/\.js$/, '.ts'));
}

const graph = new Map(sources().map((file) => [file, importsOf(file)]));

/** The room a file is in: an entry at the top of src/, or its folder. */
const room = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : 'entry');

/** Which rooms each room may import from (its own always). */
const allowed: Record<string, readonly string[]> = {
  entry: ['generate', 'update', 'runner', 'shared'],
  // update re-renders a project with generation's questions, answers and templates.
  update: ['generate', 'shared'],
  generate: ['shared'],
  runner: ['shared'],
  shared: [],
};

/** The circles of a graph (Tarjan's strongly connected components of more than one file, or a file importing itself). */
function circles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the layout of src/', () => {
  it('shows the three jobs and the shared room, and the two bin entries', () => {
    const top = readdirSync(src, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name)).sort();
    expect(top).toEqual(['create-ml-project.ts', 'generate/', 'ml-project.ts', 'runner/', 'shared/', 'update/']);
    for (const folder of ['generate', 'update', 'runner', 'shared']) {
      expect(readFileSync(join(src, folder, 'README.md'), 'utf8')).toMatch(/^# src\/\w+\/: .+\n\n[\s\S]*May import: /);
    }
  });

  it('has no import circles', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(circles(graph)).toEqual([]);
  });

  it('finds a circle where there is one (the check itself)', () => {
    const looped = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(circles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(circles(new Map([['a.ts', ['a.ts']]]))).toEqual([['a.ts']]);
  });

  it('imports flow entries -> jobs -> shared, never back', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        expect(graph.has(target), `${file} imports ${target}, which is not a file of src/`).toBe(true);
        const [from, to] = [room(file), room(target)];
        if (from !== to && !allowed[from]!.includes(to)) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
