/**
 * Reading a small text file the user controls (an answers file, a
 * `.yo-rc.json`). Opening a FIFO for reading waits for a writer, and reading
 * a device may never end; a blocked synchronous read would also keep a
 * Ctrl-C from being handled. So the type is checked before the file is opened
 * and again on the open descriptor, and only a regular file is read. Bytes
 * that are not UTF-8 are refused rather than turned into U+FFFD.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { UsageError } from './errors.js';

/** Larger than any answers file or .yo-rc.json a person writes; a bound on what is read into memory. */
export const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

/** What a path is, in words: "a file", "a named pipe (FIFO)", "a symbolic link" (from lstat)... */
export function describeFileKind(info: Stats): string {
  if (info.isFile()) return 'a file';
  if (info.isDirectory()) return 'a folder';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** What a path is, in words, when it is not a regular file; undefined for one. */
export function specialFileKind(info: Stats): string | undefined {
  return info.isFile() ? undefined : describeFileKind(info);
}

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'an input/output error',
};

/** A FIFO, socket, device or folder where a file is read: refused, never waited on. */
export class NotAFileError extends UsageError {
  constructor(
    readonly path: string,
    readonly kind: string,
    what?: string,
  ) {
    super(`Cannot read ${what ? `${what} ` : ''}${path}: it is ${kind}, not a file.`);
  }
}

/** "Cannot read the answers file a.yml: ..." or "Cannot read /x/.yo-rc.json: ...". */
function cannotRead(path: string, what: string | undefined, why: string): UsageError {
  return new UsageError(`Cannot read ${what ? `${what} ` : ''}${path}: ${why}.`);
}

/** The offset of the first byte that does not belong to well-formed UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const [length, min, max] =
      lead < 0x80 ? [1, 0, 0]
      : lead >= 0xc2 && lead <= 0xdf ? [2, 0x80, 0xbf]
      : lead === 0xe0 ? [3, 0xa0, 0xbf]
      : lead === 0xed ? [3, 0x80, 0x9f] // no UTF-16 surrogates
      : lead >= 0xe1 && lead <= 0xef ? [3, 0x80, 0xbf]
      : lead === 0xf0 ? [4, 0x90, 0xbf]
      : lead >= 0xf1 && lead <= 0xf3 ? [4, 0x80, 0xbf]
      : lead === 0xf4 ? [4, 0x80, 0x8f] // nothing above U+10FFFF
      : [0, 0, 0];
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const byte = bytes[i + k];
      const [low, high] = k === 1 ? [min, max] : [0x80, 0xbf];
      if (byte === undefined || byte < low || byte > high) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * The text of the regular file at `path` (a symbolic link to one is
 * followed), or undefined when there is nothing there. Anything else is a
 * UsageError naming the path: `what` says what the file is for
 * ("the answers file"), when the path alone does not.
 */
export function readTextFile(path: string, what?: string): string | undefined {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw cannotRead(path, what, reasons[code] ?? code);
  }
  const kind = specialFileKind(info);
  if (kind) throw new NotAFileError(path, kind, what);
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: should a FIFO have been put there since the check, the open does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const opened = fstatSync(fd);
    const now = specialFileKind(opened);
    if (now) throw new NotAFileError(path, now, what);
    if (opened.size > MAX_TEXT_FILE_BYTES) {
      throw cannotRead(path, what, `it is ${opened.size} bytes, more than the ${MAX_TEXT_FILE_BYTES / 1024 / 1024} MB read at most`);
    }
    bytes = readFileSync(fd);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw cannotRead(path, what, reasons[code] ?? (code || (error as Error).message));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    const line = bytes.subarray(0, bad).toString('latin1').split('\n').length;
    throw cannotRead(path, what, `it is not UTF-8 text (byte ${bad + 1}, line ${line}, is 0x${bytes[bad]!.toString(16).padStart(2, '0')}); save it as UTF-8`);
  }
  // A byte-order mark is not part of the text (JSON.parse would refuse it).
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
