/**
 * Reading a file the user controls, and quoting what the user gave: regular
 * UTF-8 files only (a FIFO, socket or device is refused at once, never read),
 * and every quoted value bounded and free of characters that move text.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../src/shared/errors.js';
import { clip, describeValue, quote } from '../src/shared/excerpt.js';
import { invalidUtf8Offset, readTextFile } from '../src/shared/text-file.js';
import { tempDir } from './helpers/generate.js';
import { canMknod } from './helpers/tree.js';


describe('readTextFile', () => {
  it('reads a regular file and one behind a symbolic link; nothing there is undefined', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.yml'), 'projectName: café 🚀\n');
    symlinkSync(join(dir, 'a.yml'), join(dir, 'link.yml'));
    expect(readTextFile(join(dir, 'a.yml'))).toBe('projectName: café 🚀\n');
    expect(readTextFile(join(dir, 'link.yml'))).toBe('projectName: café 🚀\n');
    expect(readTextFile(join(dir, 'missing.yml'))).toBeUndefined();
    expect(readTextFile(join(dir, 'a.yml', 'below-a-file'))).toBeUndefined();
  });

  it('drops a UTF-8 byte-order mark', () => {
    const file = join(tempDir(), 'bom.json');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1}')]));
    expect(JSON.parse(readTextFile(file)!)).toEqual({ a: 1 });
  });

  it('refuses a FIFO at once, without opening it for reading (which would wait for a writer)', () => {
    const fifo = join(tempDir(), 'answers.yml');
    execFileSync('mkfifo', [fifo]);
    expect(() => readTextFile(fifo, 'the answers file')).toThrow(expect.objectContaining({ exitCode: ExitCode.usage, message: `Cannot read the answers file ${fifo}: it is a named pipe (FIFO), not a file.` }));
  });

  it('refuses a socket and a folder, naming each', async () => {
    const dir = tempDir();
    const socket = join(dir, 'answers.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(() => readTextFile(socket)).toThrow(`Cannot read ${socket}: it is a socket, not a file.`);
    } finally {
      server.close();
    }
    mkdirSync(join(dir, 'folder'));
    expect(() => readTextFile(join(dir, 'folder'))).toThrow(`Cannot read ${join(dir, 'folder')}: it is a folder, not a file.`);
  });

  it.each(['/dev/zero', '/dev/null', '/dev/urandom'])('refuses the device %s without reading it', (device) => {
    expect(() => readTextFile(device)).toThrow(`Cannot read ${device}: it is a character device, not a file.`);
  });

  it.skipIf(!canMknod())('refuses a device node made where a file was expected', () => {
    const node = join(tempDir(), '.yo-rc.json');
    execFileSync('mknod', [node, 'c', '1', '5']); // the kernel's /dev/zero
    expect(() => readTextFile(node)).toThrow(/it is a character device, not a file/);
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62]), 1],
    ['Latin-1 é', Buffer.from('projectName: caf\xe9\n', 'latin1'), 16],
    ['an overlong slash', Buffer.from([0x61, 0x0a, 0xc0, 0xaf]), 2],
    ['a UTF-16 surrogate', Buffer.from([0x61, 0xed, 0xa0, 0x80]), 1],
    ['a sequence cut short at the end', Buffer.from([0x61, 0x62, 0xe2, 0x82]), 2],
    ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ['a byte never used in UTF-8', Buffer.from([0x61, 0xff]), 1],
  ])('refuses bytes that are not UTF-8 (%s), naming where, instead of turning them into U+FFFD', (_what, bytes, offset) => {
    expect(invalidUtf8Offset(bytes)).toBe(offset);
    const file = join(tempDir(), 'answers.yml');
    writeFileSync(file, bytes);
    const error = (() => {
      try {
        readTextFile(file, 'the answers file');
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('read');
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(new RegExp(`^Cannot read the answers file ${file}: it is not UTF-8 text \\(byte ${offset + 1}, line \\d+, is 0x[0-9a-f]{2}\\); save it as UTF-8\\.$`));
  });

  it('accepts every well-formed sequence length', () => {
    expect(invalidUtf8Offset(Buffer.from('a é € 🚀 \u{10ffff}'))).toBe(-1);
  });
});

describe('quote and clip', () => {
  it('quotes short text whole and cuts long text to an excerpt with its length', () => {
    expect(quote('my project')).toBe('"my project"');
    expect(quote('A'.repeat(10_000_000))).toBe(`"${'A'.repeat(40)}…" (10000000 characters)`);
    expect(quote('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…" (41 characters)`);
    expect(quote('x'.repeat(40))).toBe(`"${'x'.repeat(40)}"`);
  });

  it('never splits a character made of two UTF-16 units', () => {
    expect(quote('🚀'.repeat(50))).toBe(`"${'🚀'.repeat(40)}…" (100 characters)`);
  });

  it('shows controls, direction marks, separators and noncharacters as escapes', () => {
    expect(quote('a\u202eb\u061cc\u2028d\u001b[2Je\ufffff')).toBe('"a\\u202eb\\u061cc\\u2028d\\u001b[2Je\\uffff' + 'f"');
    expect(clip('line one\nline\u200f two')).toBe('line one\\nline\\u200f two');
  });

  it('names structures by kind instead of serialising them (a circular or deeply nested value is safe)', () => {
    const circular: unknown[] = [];
    circular.push(circular);
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(quote(circular)).toBe('(a list)');
    expect(quote(deep)).toBe('(a list)');
    expect(quote({ a: 1 })).toBe('(a mapping)');
    expect(quote(42)).toBe('42');
    expect(quote(null)).toBe('null');
    expect(describeValue([])).toBe('a list');
    expect(describeValue('x')).toBe('the text "x"');
    expect(describeValue(5)).toBe('the number 5');
    expect(describeValue(null)).toBe('null');
  });
});
