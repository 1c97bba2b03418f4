/**
 * What an update does to each file, decided from three trees: the base (the
 * template as the project was last rendered), ours (the project as committed)
 * and theirs (the new render), and from what is on disk where git tracks
 * nothing. Pure: the trees come in as path -> blob maps, the disk as a map.
 *
 *   template changed, you did not  -> updated / added / removed
 *   you changed, template did not  -> untouched (not listed)
 *   both changed                   -> merged (or a conflict), except:
 *     you deleted it               -> stays deleted
 *     the template dropped it      -> kept, with your changes
 *     you made it a link           -> kept as your link
 *   in the way of the new template -> blocked: the update does not start
 *
 * "In the way" is what git's merge would overwrite, delete or rename without
 * a word: a file it does not track where the template writes one, a file
 * where the template adds a folder, a folder where it adds a file.
 */

export interface TreeEntry {
  mode: string;
  oid: string;
}

/** Path (relative to the project) to blob. */
export type Tree = ReadonlyMap<string, TreeEntry>;

/**
 * What is on disk at a path ours does not track: a folder on the way to a
 * path is 'folder'; at the path itself, a folder holding nothing git does
 * not track is 'clear-folder'. Absent paths are not in the map.
 */
export type DiskKind = 'file' | 'link' | 'special' | 'folder' | 'clear-folder';
export type Disk = ReadonlyMap<string, DiskKind>;

export type Action = 'updated' | 'added' | 'removed' | 'merge' | 'kept-deleted' | 'kept-changed' | 'kept-link' | 'blocked';

export type Blocker =
  /** Something git does not track where the template writes a file. */
  | { kind: 'untracked'; disk: DiskKind; change: 'adds' | 'changed' }
  /** A file (tracked or not) where the template adds a folder. */
  | { kind: 'file-for-folder'; tracked: boolean; link: boolean; inside: string }
  /** A folder (tracked files, or untracked ones) where the template adds a file. */
  | { kind: 'folder-for-file'; tracked: boolean }
  | { kind: 'submodule' }
  /** .yo-rc.json is not committed: the update's record of answers has nowhere to go. */
  | { kind: 'record-untracked' };

export interface PlanItem {
  path: string;
  action: Action;
  /** Why, for 'blocked'. */
  blocker?: Blocker;
}

const LINK = '120000';
const SUBMODULE = '160000';

const same = (a: TreeEntry | undefined, b: TreeEntry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.oid === b.oid && a.mode === b.mode);

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The folders on the way to a path: a/b/c -> a, a/b. */
function folders(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Paths the merge writes that ours does not track: where a user's untracked file could be in the way. */
export function untrackedWrites(base: Tree, ours: Tree, theirs: Tree): string[] {
  return [...theirs.keys()].filter((path) => !ours.has(path) && !same(base.get(path), theirs.get(path))).sort(byCodePoint);
}

function fileAction(b: TreeEntry | undefined, o: TreeEntry | undefined, t: TreeEntry | undefined): Action {
  if (same(b, o)) return t === undefined ? 'removed' : b === undefined ? 'added' : 'updated';
  if (o === undefined) return 'kept-deleted';
  if (t === undefined) return 'kept-changed';
  // git would rename one side of a link or a submodule meeting a file; a link is the user's choice, kept.
  if (o.mode === LINK) return 'kept-link';
  if (o.mode === SUBMODULE) return 'blocked';
  return 'merge';
}

export function planUpdate(base: Tree, ours: Tree, theirs: Tree, disk: Disk = new Map()): PlanItem[] {
  const paths = [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].sort(byCodePoint);
  const items = new Map<string, PlanItem>();
  for (const path of paths) {
    const o = ours.get(path);
    const t = theirs.get(path);
    if (same(base.get(path), t) || same(o, t)) continue;
    const action = fileAction(base.get(path), o, t);
    items.set(path, action === 'blocked' ? { path, action, blocker: { kind: 'submodule' } } : { path, action });
  }
  const stays = (path: string) => ours.has(path) && items.get(path)?.action !== 'removed';
  const block = (path: string, blocker: Blocker) => items.set(path, { path, action: 'blocked', blocker });
  const oursFolders = new Map<string, string[]>();
  for (const path of ours.keys()) for (const folder of folders(path)) oursFolders.set(folder, [...(oursFolders.get(folder) ?? []), path]);

  for (const path of untrackedWrites(base, ours, theirs)) {
    const change = items.get(path)?.action === 'added' ? 'adds' : 'changed';
    for (const folder of folders(path)) {
      const found = disk.get(folder);
      if (stays(folder)) block(folder, { kind: 'file-for-folder', tracked: true, link: ours.get(folder)!.mode === LINK, inside: path });
      else if (!ours.has(folder) && !oursFolders.has(folder) && found !== undefined && found !== 'folder') {
        block(folder, { kind: 'file-for-folder', tracked: false, link: found === 'link', inside: path });
      }
    }
    const found = disk.get(path);
    if (oursFolders.get(path)?.some(stays)) block(path, { kind: 'folder-for-file', tracked: true });
    else if (found === 'folder') block(path, { kind: 'folder-for-file', tracked: false });
    else if (found !== undefined && found !== 'clear-folder') block(path, { kind: 'untracked', disk: found, change });
  }
  if (!ours.has('.yo-rc.json') && items.has('.yo-rc.json')) block('.yo-rc.json', { kind: 'record-untracked' });
  return [...items.values()].sort((a, b) => byCodePoint(a.path, b.path));
}
