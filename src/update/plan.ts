/**
 * What an update does to each file, decided from three trees: the base (the
 * template as the project was last rendered), ours (the project as committed)
 * and theirs (the new render). Pure: the trees come in as path -> blob maps.
 *
 *   template changed, you did not  -> updated / added / removed
 *   you changed, template did not  -> untouched (not listed)
 *   both changed                   -> merged (or a conflict), except:
 *     you deleted it               -> stays deleted
 *     the template dropped it      -> kept, with your changes
 */

export interface TreeEntry {
  mode: string;
  oid: string;
}

/** Path (relative to the project) to blob. */
export type Tree = ReadonlyMap<string, TreeEntry>;

export type Action = 'updated' | 'added' | 'removed' | 'merge' | 'kept-deleted' | 'kept-changed';

export interface PlanItem {
  path: string;
  action: Action;
}

const same = (a: TreeEntry | undefined, b: TreeEntry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.oid === b.oid && a.mode === b.mode);

export function planUpdate(base: Tree, ours: Tree, theirs: Tree): PlanItem[] {
  const paths = [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const plan: PlanItem[] = [];
  for (const path of paths) {
    const b = base.get(path);
    const o = ours.get(path);
    const t = theirs.get(path);
    if (same(b, t) || same(o, t)) continue;
    let action: Action;
    if (same(b, o)) action = t === undefined ? 'removed' : b === undefined ? 'added' : 'updated';
    else if (o === undefined) action = 'kept-deleted';
    else if (t === undefined) action = 'kept-changed';
    else action = 'merge';
    plan.push({ path, action });
  }
  return plan;
}

export interface Outcome {
  plan: readonly PlanItem[];
  /** Paths left with conflict markers (or predicted to be). */
  conflicts: ReadonlySet<string>;
}

const headings: Record<Action | 'conflict', string> = {
  updated: 'Updated (changed by the template only)',
  added: 'Added (new in the template)',
  removed: 'Removed (dropped by the template, never changed by you)',
  merge: 'Merged (your changes and the template\'s)',
  'kept-deleted': 'Still deleted (you deleted them; the template changed them)',
  'kept-changed': 'Kept (dropped by the template, but you changed them)',
  conflict: 'Conflicts (both changed the same lines: look for <<<<<<< markers)',
};

const dryHeadings: Partial<Record<Action | 'conflict', string>> = {
  updated: 'Would update (changed by the template only)',
  added: 'Would add (new in the template)',
  removed: 'Would remove (dropped by the template, never changed by you)',
  merge: 'Would merge (your changes and the template\'s)',
  conflict: 'Would conflict (both changed the same lines)',
};

/** The lists a user reads after an update (or before, with dryRun). */
export function describeOutcome({ plan, conflicts }: Outcome, dryRun: boolean): string[] {
  const groups = new Map<Action | 'conflict', string[]>();
  for (const item of plan) {
    const key = item.action === 'merge' && conflicts.has(item.path) ? 'conflict' : item.action;
    groups.set(key, [...(groups.get(key) ?? []), item.path]);
  }
  const lines: string[] = [];
  for (const key of Object.keys(headings) as (Action | 'conflict')[]) {
    const paths = groups.get(key);
    if (!paths) continue;
    lines.push(`${(dryRun && dryHeadings[key]) || headings[key]}:`);
    for (const path of paths) lines.push(`  ${path}`);
  }
  return lines;
}
