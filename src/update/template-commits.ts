/**
 * Template commits: commits whose tree is exactly what the generator
 * rendered, nothing else, recognised by their trailers
 * (src/shared/template-trailers.ts).
 *
 * The first commit of a generated project is one. An update writes the new
 * render as a child of the last one and merges it, so the project's history
 * always reaches the render its files came from: the base of the next merge.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RenderedProject } from '../generate/render.js';
import { PATH_TRAILER, templateTrailers, TREE_TRAILER, VERSION_TRAILER } from '../shared/template-trailers.js';
import type { Git } from './git-exec.js';
import type { Tree, TreeEntry } from './plan.js';

export interface TemplateCommit {
  commit: string;
  tree: string;
  version: string;
}

/** A project path as a repository path, for a project at `prefix` (empty at the root). */
export function inRepository(prefix: string, path: string): string {
  return prefix ? `${prefix}/${path}` : path;
}

/** A repository path under `prefix` as a path inside the project. */
export function inProject(prefix: string, path: string): string {
  return prefix ? path.slice(prefix.length + 1) : path;
}

function parseTrailers(text: string): Map<string, string> {
  const trailers = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (match) trailers.set(match[1]!.toLowerCase(), match[2]!.trim());
  }
  return trailers;
}

/**
 * The newest template commit of the project at `prefix` that HEAD reaches and
 * whose tree is still the one it recorded.
 */
export async function findTemplateCommit(git: Git, prefix: string): Promise<TemplateCommit | undefined> {
  const log = await git.text([
    'log', '-z', '--topo-order', `--grep=^${VERSION_TRAILER}: `,
    '--format=%H%x1f%T%x1f%(trailers:only,unfold)', 'HEAD',
  ]);
  for (const record of log.split('\0')) {
    const [commit, tree, trailerText = ''] = record.replace(/^\n/, '').split('\x1f');
    if (!commit || !tree) continue;
    const trailers = parseTrailers(trailerText);
    const version = trailers.get(VERSION_TRAILER.toLowerCase());
    if (!version || trailers.get(TREE_TRAILER.toLowerCase()) !== tree) continue;
    if ((trailers.get(PATH_TRAILER.toLowerCase()) ?? '') !== prefix) continue;
    return { commit, tree, version };
  }
  return undefined;
}

/** The files of `commit` under `prefix`, keyed by their path inside the project. */
export async function readTree(git: Git, commit: string, prefix: string): Promise<Map<string, TreeEntry>> {
  const out = await git.text(['ls-tree', '-r', '-z', '--full-tree', commit, ...(prefix ? ['--', prefix] : [])]);
  const tree = new Map<string, TreeEntry>();
  for (const line of out.split('\0')) {
    const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line);
    if (!match || match[2] !== 'blob' && match[2] !== 'commit') continue;
    tree.set(inProject(prefix, match[4]!), { mode: match[1]!, oid: match[3]! });
  }
  return tree;
}

/** Writes the rendered files as blobs and a tree (the project under `prefix`); returns the tree. */
export async function writeRenderTree(git: Git, project: RenderedProject, prefix: string): Promise<{ tree: string; entries: Tree }> {
  const scratch = await mkdtemp(join(tmpdir(), 'cmp-render-'));
  try {
    const paths = [...project.keys()];
    const files = paths.map((_, i) => join(scratch, `f${i}`));
    await Promise.all(paths.map((path, i) => writeFile(files[i]!, project.get(path)!.content)));
    const oids = (await git.text(['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: `${files.join('\n')}\n` })).split('\n');
    const entries = new Map<string, TreeEntry>();
    paths.forEach((path, i) => entries.set(path, { mode: project.get(path)!.mode & 0o111 ? '100755' : '100644', oid: oids[i]! }));
    const index = git.with({ GIT_INDEX_FILE: join(scratch, 'index') });
    const lines = paths.map((path) => `${entries.get(path)!.mode} ${entries.get(path)!.oid}\t${inRepository(prefix, path)}`);
    await index.run(['update-index', '--add', '-z', '--index-info'], { input: `${lines.join('\0')}\0` });
    return { tree: await index.text(['write-tree']), entries };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface NewTemplateCommit {
  project: RenderedProject;
  prefix: string;
  version: string;
  parents: readonly string[];
  subject: string;
}

/**
 * A template commit of the render, on top of `parents`; no branch moves.
 * Signed when the repository signs commits, unless `sign` is false (a commit
 * only planned with, in a scratch object store).
 */
export async function writeTemplateCommit(git: Git, spec: NewTemplateCommit, options: { sign?: boolean } = {}): Promise<TemplateCommit & { entries: Tree }> {
  const { tree, entries } = await writeRenderTree(git, spec.project, spec.prefix);
  const sign = options.sign !== false && (await git.run(['config', '--bool', 'commit.gpgSign'], { allow: [1] })).stdout.trim() === 'true';
  const message = `${spec.subject}\n\n${templateTrailers(spec.version, tree, spec.prefix)}\n`;
  const commit = await git.text(['commit-tree', ...(sign ? ['-S'] : []), tree, ...spec.parents.flatMap((p) => ['-p', p]), '-F', '-'], { input: message });
  return { commit, tree, version: spec.version, entries };
}
