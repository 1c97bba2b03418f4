/**
 * The project's `.env`, written the way the generated Makefile's `make .env`
 * writes it, so that `ml-project up` run on its own (without make) starts
 * Jupyter with a token and builds files owned by the user: `.env.example`
 * with a new random JUPYTER_TOKEN and the host's UID/GID, readable by the
 * user only. An existing `.env` is the user's and is never touched, nor
 * written through when it is a link.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { describeFileKind, NotAFileError, readTextFile } from '../shared/text-file.js';

export interface DotenvValues {
  token: string;
  uid: number;
  gid: number;
}

/** 24 random bytes as 48 hex characters, as `od -An -tx1 -N24 /dev/urandom` gives make. */
export function newToken(): string {
  return randomBytes(24).toString('hex');
}

/**
 * `.env.example` with the three values set, line by line as make's sed does
 * (`s/^KEY=.*$/KEY=value/`); a key the example lacks is appended, so Jupyter
 * never starts without a token. No example: just the three keys.
 */
export function dotenvText(example: string | undefined, values: DotenvValues): string {
  const wanted: Array<[string, string]> = [
    ['JUPYTER_TOKEN', values.token],
    ['USER_UID', String(values.uid)],
    ['USER_GID', String(values.gid)],
  ];
  if (example === undefined) return wanted.map(([k, v]) => `${k}=${v}\n`).join('');
  const seen = new Set<string>();
  const lines = example.split('\n').map((line) => {
    const hit = wanted.find(([k]) => line.startsWith(`${k}=`));
    if (!hit) return line;
    seen.add(hit[0]);
    return `${hit[0]}=${hit[1]}`;
  });
  const missing = wanted.filter(([k]) => !seen.has(k)).map(([k, v]) => `${k}=${v}`);
  if (!missing.length) return lines.join('\n');
  const body = lines.join('\n');
  return `${body}${body === '' || body.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`;
}

/**
 * Whether the user has a `.env`: a regular file, or a link to one. Anything
 * else there is refused rather than replaced: a link to nothing (writing
 * would go through it, or replace the user's link), a FIFO, socket or device.
 */
function present(target: string): boolean {
  let stats: Stats;
  try {
    stats = lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (stats.isSymbolicLink()) {
    try {
      stats = statSync(target);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'a loop of links' : 'which does not exist';
      throw new UsageError(`${target} is a symbolic link to ${readlinkSync(target)}, ${why}. ml-project never writes through a link: create the file it points to, or remove the link.`);
    }
  }
  if (!stats.isFile()) throw new NotAFileError(target, describeFileKind(stats));
  return true;
}

/**
 * Writes `<root>/.env` when it does not exist: 'created', or 'exists' when
 * there was one already (left as it is). The text goes to a temporary file
 * first, so a crash never leaves a half-written .env behind, and is linked
 * into place, which fails rather than replacing a .env that appeared meanwhile.
 */
export function ensureDotenv(root: string, ids: { uid: number; gid: number }, token: string = newToken()): 'created' | 'exists' {
  const target = join(root, '.env');
  if (present(target)) return 'exists';
  const example = readTextFile(join(root, '.env.example'));
  const temp = join(root, `.env.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, dotenvText(example, { token, ...ids }), { mode: 0o600, flag: 'wx' });
  try {
    // The mode given at creation passes through the umask; the token must stay private whatever it is.
    chmodSync(temp, 0o600);
    try {
      linkSync(temp, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'exists';
      // Some shared folders have no hard links; rename is still atomic there.
      if (present(target)) return 'exists';
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw error;
      renameSync(temp, target);
    }
    return 'created';
  } finally {
    rmSync(temp, { force: true });
  }
}
