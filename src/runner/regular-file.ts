/**
 * Reading the small files the runner takes settings from (`.env`,
 * `.env.example`, `.dockerignore`) without ever blocking: a FIFO would wait
 * for a writer, a device never ends. Each is opened without blocking and
 * refused, naming it, unless it is a regular file (a symlink to one is fine).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { UsageError } from '../shared/errors.js';

/** What a path is, in words, when it is not a regular file. */
export function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** A FIFO, socket, device or folder where a settings file should be. Exit 2. */
export class NotRegularFileError extends UsageError {
  constructor(path: string, kind: string) {
    super(`${path} is ${kind}, not a regular file: ml-project only reads settings from a regular file. Replace it with one, or remove it.`);
  }
}

/** The text of `path`; undefined when there is nothing there (or a symlink to nothing). */
export function readRegularFile(path: string): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // A socket cannot be opened at all.
    if (code === 'ENXIO') throw new NotRegularFileError(path, kindOf(statSync(path)));
    throw new UsageError(`${path} cannot be read (${code ?? (error as Error).message}). Fix its permissions, or remove it.`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new NotRegularFileError(path, kindOf(stats));
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
