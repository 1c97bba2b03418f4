/**
 * Reading and rewriting the project's `.env` for an update (the lines are
 * chosen in dotenv.ts), and what the user is told about it. Only a regular
 * file git does not track is read or written: a link, a FIFO, a device is
 * named and left alone (reading a FIFO would never end), and a tracked `.env`
 * is the repository's, which the update's commit does not cover.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFileKind } from '../shared/text-file.js';
import { replaceFile } from './disk.js';
import { planDotenv, type Change, type DotenvPlan } from './dotenv.js';

export const DOTENV = '.env';

export type DotenvState =
  | { state: 'absent' }
  /** Not a file git ignores: a link, a FIFO, a folder..., or tracked. Named and left alone. */
  | { state: 'left'; why: string }
  | { state: 'file'; bytes: string; mode: number };

export async function readDotenv(projectDir: string, tracked: boolean): Promise<DotenvState> {
  const path = join(projectDir, DOTENV);
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : error));
  if (stats === undefined) return { state: 'absent' };
  if (stats instanceof Error) return { state: 'left', why: `cannot be read (${(stats as NodeJS.ErrnoException).code ?? stats.message})` };
  if (!stats.isFile()) return { state: 'left', why: `is ${describeFileKind(stats)}` };
  if (tracked) return { state: 'left', why: 'is tracked by git' };
  return { state: 'file', bytes: (await readFile(path)).toString('latin1'), mode: stats.mode & 0o7777 };
}

export type DotenvOutcome =
  | { state: 'none' }
  | { state: 'left'; why: string; changes: Change[] }
  | { state: 'failed'; why: string; changes: Change[] }
  | { state: 'planned'; plan: DotenvPlan };

/** What the update does to `.env` for these changes of `.env.example`; writes it when `write`. */
export async function updateDotenv(projectDir: string, tracked: boolean, changes: readonly Change[], write: boolean): Promise<DotenvOutcome> {
  if (changes.length === 0) return { state: 'none' };
  const found = await readDotenv(projectDir, tracked);
  if (found.state === 'absent') return { state: 'none' };
  if (found.state === 'left') return { state: 'left', why: found.why, changes: [...changes] };
  const plan = planDotenv(found.bytes, changes);
  if (write && plan.changed.length > 0) {
    try {
      await replaceFile(join(projectDir, DOTENV), Buffer.from(plan.text, 'latin1'), found.mode);
    } catch (error) {
      return { state: 'failed', why: `could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, changes: plan.changed };
    }
  }
  return { state: 'planned', plan };
}

const text = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8');
const line = (key: string, raw: string) => `${key}=${text(raw)}`;

/** When: 'done' after the update's commit, 'dry' for --dry-run, 'pending' while conflicts keep the merge open. */
export function describeDotenv(outcome: DotenvOutcome, when: 'done' | 'dry' | 'pending'): string[] {
  if (outcome.state === 'none') return [];
  if (outcome.state !== 'planned') {
    return [
      `${DOTENV} ${outcome.why}: left alone. ${when === 'done' ? 'The update changed' : 'The update changes'} these values; set them there by hand if it sets them:`,
      ...outcome.changes.map((c) => `  ${line(c.key, c.to)}   (was ${line(c.key, c.from)})`),
    ];
  }
  const { changed, byHand } = outcome.plan;
  const out: string[] = [];
  if (changed.length > 0) {
    out.push(
      when === 'done' ? `Changed in ${DOTENV} (only these lines; git reset does not undo them):` : when === 'dry' ? `Would change in ${DOTENV} (only these lines):` : `Once the merge is committed, change in ${DOTENV} (the update leaves it as it is until then):`,
      ...changed.map((c) => `  ${line(c.key, c.from)} -> ${line(c.key, c.to)}`),
    );
  }
  if (byHand.length > 0) {
    out.push(
      `Left in ${DOTENV} as you set ${byHand.length === 1 ? 'it' : 'them'} (the new answers give another value; change the line by hand if it should follow):`,
      ...byHand.map((c) => `  ${line(c.key, c.from)}   (the update's: ${line(c.key, c.to)})`),
    );
  }
  return out;
}
