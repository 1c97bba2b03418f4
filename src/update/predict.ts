/**
 * Which of the planned merges git would leave with conflict markers, for
 * --dry-run: each file merged as git merge would, into nothing but a scratch
 * folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Git } from './git-exec.js';
import type { PlanItem, Tree } from './plan.js';

export async function predictConflicts(git: Git, plan: readonly PlanItem[], trees: { base: Tree; ours: Tree; theirs: Tree }): Promise<Set<string>> {
  const conflicts = new Set<string>();
  // .yo-rc.json is written by the update itself, never merged.
  const merges = plan.filter((item) => item.action === 'merge' && item.path !== '.yo-rc.json');
  if (merges.length === 0) return conflicts;
  const scratch = await mkdtemp(join(tmpdir(), 'cmp-merge-'));
  try {
    for (const { path } of merges) {
      const files = await Promise.all(
        (['ours', 'base', 'theirs'] as const).map(async (side) => {
          const entry = trees[side].get(path);
          const file = join(scratch, side);
          await writeFile(file, entry ? await git.bytes(['cat-file', 'blob', entry.oid]) : Buffer.alloc(0));
          return file;
        }),
      );
      const result = await git.run(['merge-file', '-q', '-p', ...files], { allow: Array.from({ length: 255 }, (_, i) => i + 1) });
      if (result.code !== 0) conflicts.add(path);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return conflicts;
}
