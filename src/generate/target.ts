/**
 * Where the project goes: the checks made on the target as soon as the
 * project name is known, before anything else is asked.
 */
import * as nodeFs from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { FailureError, UsageError } from '../shared/errors.js';
import { clip } from '../shared/excerpt.js';
import { packageRoot } from '../shared/package-root.js';

type TargetFs = Pick<typeof nodeFs, 'lstat' | 'readdir'>;

/**
 * Checks the target folder: missing, empty or holding only `.git` is fine;
 * anything else needs --force. Returns whether it exists.
 */
export async function checkTarget(target: string, force: boolean, fs: TargetFs = nodeFs): Promise<boolean> {
  let info;
  try {
    info = await fs.lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new FailureError(`Cannot inspect ${target}: ${(error as Error).message}`);
  }
  if (info.isSymbolicLink()) {
    throw new UsageError(`${target} is a symbolic link; create-ml-project never writes through links. Choose another name.`);
  }
  if (!info.isDirectory()) throw new UsageError(`${target} exists and is not a folder. Choose another name.`);
  const entries = (await fs.readdir(target)).filter((name) => name !== '.git');
  if (entries.length > 0 && !force) {
    throw new UsageError(
      `${target} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${entries.slice(0, 3).map((entry) => clip(entry)).join(', ')}${entries.length > 3 ? ', ...' : ''}). ` +
        'Choose a new name, or pass --force to write the generated files into it (other files are kept).',
    );
  }
  return true;
}

/**
 * Refuses a target inside create-ml-project's own folder (its checkout, or an
 * installed copy): a project there would sit in the tool's files and its git
 * repository, where no first commit is made and updates cannot work.
 */
export async function checkPlace(target: string, name: string): Promise<void> {
  const root = packageRoot();
  const [realRoot, realParent] = await Promise.all([nodeFs.realpath(root).catch(() => root), nodeFs.realpath(dirname(target)).catch(() => dirname(target))]);
  const inside = realParent === realRoot || realParent.startsWith(realRoot + sep);
  if (!inside) return;
  throw new UsageError(
    `${target} would be inside create-ml-project's own folder ${root}. Run it from the folder the project should go in, ` +
      `for example beside it: cd ${dirname(root)} && node ${join(root, 'bin', 'create-ml-project.cjs')} ${name}`,
  );
}
