/**
 * The plan in words: the lists a user reads after an update (or before it,
 * with --dry-run), and the refusal that names what is in the way.
 */
import type { Action, Blocker, DiskKind, PlanItem } from './plan.js';

export interface Outcome {
  plan: readonly PlanItem[];
  /** Paths left with conflict markers (or predicted to be). */
  conflicts: ReadonlySet<string>;
}

type Listed = Exclude<Action, 'blocked'> | 'conflict';

const headings: Record<Listed, string> = {
  updated: 'Updated (changed by the template only)',
  added: 'Added (new in the template)',
  removed: 'Removed (dropped by the template, never changed by you)',
  merge: 'Merged (your changes and the template\'s)',
  'kept-deleted': 'Still deleted (you deleted them; the template changed them)',
  'kept-changed': 'Kept (dropped by the template, but you changed them)',
  'kept-link': 'Kept as your links (the template changed these files; its version is in the template commit, HEAD^2)',
  conflict: 'Conflicts (both changed the same lines: look for <<<<<<< markers)',
};

const dryHeadings: Partial<Record<Listed, string>> = {
  updated: 'Would update (changed by the template only)',
  added: 'Would add (new in the template)',
  removed: 'Would remove (dropped by the template, never changed by you)',
  merge: 'Would merge (your changes and the template\'s)',
  'kept-link': 'Would keep your links (the template changed these files; its version goes into the template commit only)',
  conflict: 'Would conflict (both changed the same lines)',
};

/** The lists a user reads after an update (or before, with dryRun); blocked paths are the refusal's. */
export function describeOutcome({ plan, conflicts }: Outcome, dryRun: boolean): string[] {
  const groups = new Map<Listed, string[]>();
  for (const item of plan) {
    if (item.action === 'blocked') continue;
    const key = item.action === 'merge' && conflicts.has(item.path) ? 'conflict' : item.action;
    groups.set(key, [...(groups.get(key) ?? []), item.path]);
  }
  const lines: string[] = [];
  for (const key of Object.keys(headings) as Listed[]) {
    const paths = groups.get(key);
    if (!paths) continue;
    lines.push(`${(dryRun && dryHeadings[key]) || headings[key]}:`);
    for (const path of paths) lines.push(`  ${path}`);
  }
  return lines;
}

/** Up to 12 lines, indented, and how many more. */
export function listed(lines: readonly string[]): string {
  const shown = lines.slice(0, 12).map((line) => `  ${line}`);
  return `${shown.join('\n')}${lines.length > 12 ? `\n  ... and ${lines.length - 12} more` : ''}`;
}

const things: Record<DiskKind, string> = {
  file: 'a file',
  link: 'a symbolic link',
  special: 'a special file (FIFO, socket or device)',
  folder: 'a folder',
  'clear-folder': 'a folder',
};

/** One line per path in the way: what is there, what the template puts there, what to do. */
function blockerLine(path: string, blocker: Blocker): string {
  switch (blocker.kind) {
    case 'untracked':
      return blocker.change === 'adds'
        ? `${path}: ${things[blocker.disk]} of yours that git does not track; the new template adds a file here. Rename or move yours (or commit it, and the update merges the two).`
        : `${path}: ${things[blocker.disk]} of yours that git does not track (you deleted the template's from git); the template changed its file here, and the merge would overwrite yours. Move it away for the update, and back after.`;
    case 'file-for-folder':
      return `${path}: ${blocker.link ? 'a symbolic link' : 'a file'} of yours${blocker.tracked ? '' : ' that git does not track'}; the new template adds a folder here (${blocker.inside}), and git would rename yours. Rename it${blocker.tracked ? ' (git mv) and commit' : ''}.`;
    case 'folder-for-file':
      return blocker.tracked
        ? `${path}/: a folder of yours; the new template adds a file here, and git would rename one of them. Rename the folder (git mv) and commit.`
        : `${path}/: a folder holding files git does not track; the new template adds a file here, and the merge would delete them. Rename or move the folder.`;
    case 'submodule':
      return `${path}: a submodule; the template changed its file here, and git cannot merge the two. Move the submodule (git mv) and commit.`;
    case 'record-untracked':
      return `${path}: not committed; the update records the new answers and version in it, in its merge commit. Commit it first: git add -f ${path} && git commit -m "Track ${path}"`;
  }
}

/** The refusal: every path in the way, and the untracked files the update would not reach. */
export function describeBlocked(blocked: readonly PlanItem[], untracked: readonly string[]): string {
  const lines: string[] = [];
  if (blocked.length > 0) {
    lines.push(`The update cannot start: ${blocked.length === 1 ? 'one path is' : `${blocked.length} paths are`} in the way of the new template, and git's merge would overwrite, delete or rename ${blocked.length === 1 ? 'it' : 'them'}:`);
    // Without .yo-rc.json in git nothing else can be right: it comes first (a project its repository ignores blocks at every path).
    const first = [...blocked].sort((a, b) => Number(b.blocker?.kind === 'record-untracked') - Number(a.blocker?.kind === 'record-untracked'));
    lines.push(listed(first.map((item) => blockerLine(item.path, item.blocker!))));
  }
  if (untracked.length > 0) {
    lines.push(`The working tree has ${untracked.length} untracked ${untracked.length === 1 ? 'file' : 'files'}${blocked.length > 0 ? ' besides' : ''}:`);
    lines.push(listed(untracked.map((path) => `?? ${path}`)));
    lines.push('Commit, stash (git stash -u) or move them first, so that the update starts from a commit and can be undone in one step.');
  }
  lines.push('Nothing was changed.');
  return lines.join('\n');
}
