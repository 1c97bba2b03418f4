/**
 * The one `.yo-rc.json` reader: what we wrote is read back; a file that
 * parses but is not what we wrote is a usage error naming it, never "no
 * answers"; a file of other generators only is not our project; rewriting
 * our entry keeps theirs.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/shared/errors.js';
import { parseProjectFile, readProjectFile } from '../src/shared/project-file.js';
import { defaultAnswers } from '../src/generate/answers.js';
import { readStoredConfig, replaceStoredEntry, storedConfig, withStoredEntry } from '../src/generate/stored.js';
import { tempDir } from './helpers/generate.js';

describe('the .yo-rc.json reader', () => {
  it('reads our entry and keeps every entry in file order', () => {
    const file = parseProjectFile('{"generator-a": {"x": 1}, "create-ml-project": {"version": "0.1.0", "answers": {"jupyterPort": 9000}}, "z": []}', 'p/.yo-rc.json');
    expect(file.entry).toEqual({ version: '0.1.0', answers: { jupyterPort: 9000 } });
    expect(Object.keys(file.entries)).toEqual(['generator-a', 'create-ml-project', 'z']);
  });

  it.each(['{}', '{"generator-node": {"promptValues": {}}}', '{"generator-a": 1, "generator-b": null}'])(
    'takes %s (other generators only) as not our project',
    (text) => {
      expect(parseProjectFile(text, 'x').entry).toBeUndefined();
    },
  );

  it('reads an entry without a version (an early project)', () => {
    expect(parseProjectFile('{"create-ml-project": {"answers": {}}}', 'x').entry).toEqual({ version: undefined, answers: {} });
  });

  it.each([
    ['[]', /it holds a list, where a \.yo-rc\.json holds an object of generator entries/],
    ['[{"create-ml-project": {"answers": {}}}]', /it holds a list/],
    ['null', /it holds null/],
    ['"create-ml-project"', /it holds the text "create-ml-project"/],
    ['42', /it holds the number 42/],
    ['true', /it holds true/],
    ['{"create-ml-project": 5}', /its "create-ml-project" entry is the number 5, not an object/],
    ['{"create-ml-project": null}', /its "create-ml-project" entry is null, not an object/],
    ['{"create-ml-project": ["answers"]}', /its "create-ml-project" entry is a list, not an object/],
    ['{"create-ml-project": {}}', /the "answers" of its "create-ml-project" entry are undefined, not an object/],
    ['{"create-ml-project": {"answers": null}}', /the "answers" .* are null, not an object/],
    ['{"create-ml-project": {"answers": ["projectName"]}}', /the "answers" .* are a list, not an object/],
    ['{"create-ml-project": {"answers": "all defaults"}}', /the "answers" .* are the text "all defaults", not an object/],
    ['{"create-ml-project": {"answers": {}, "version": 1}}', /the "version" of its "create-ml-project" entry is the number 1, not text such as "0\.1\.0"/],
    ['{"create-ml-project": {"answers": {}, "version": ["0.1.0"]}}', /the "version" .* is a list/],
    ['{"create-ml-project": ', /is not valid JSON \(/],
  ])('refuses %s with one line naming the file', (text, message) => {
    const path = '/projects/p/.yo-rc.json';
    let error: unknown;
    try {
      parseProjectFile(text, path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.startsWith(path)).toBe(true);
    expect((error as Error).message).toMatch(/Fix it, or remove it if it is not yours\.$/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses a FIFO in its place at once, and reads nothing when there is no file', () => {
    const dir = tempDir();
    expect(readProjectFile(join(dir, '.yo-rc.json'))).toBeUndefined();
    execFileSync('mkfifo', [join(dir, '.yo-rc.json')]);
    expect(() => readProjectFile(join(dir, '.yo-rc.json'))).toThrow(/it is a named pipe \(FIFO\), not a file/);
  });

  it('stored answers: keys of other versions are dropped, a file of others gives none, a broken one throws', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.yo-rc.json'), '{"create-ml-project": {"version": "0.0.9", "answers": {"jupyterPort": 9000, "gone": 1}}}');
    expect(readStoredConfig(dir)).toMatchObject({ version: '0.0.9', answers: { jupyterPort: 9000 } });
    writeFileSync(join(dir, '.yo-rc.json'), '{"generator-other": {}}');
    expect(readStoredConfig(dir)).toBeUndefined();
    writeFileSync(join(dir, '.yo-rc.json'), '{"create-ml-project": {"answers": []}}');
    expect(() => readStoredConfig(dir)).toThrow(UsageError);
  });
});

describe('rewriting our entry', () => {
  it('keeps other generators\' entries and their order, and replaces ours in place', async () => {
    const answers = await defaultAnswers({ projectName: 'p' });
    const text = withStoredEntry({ 'generator-a': { x: 1 }, 'create-ml-project': { answers: {} }, 'generator-b': [1] }, answers, '0.2.0');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['generator-a', 'create-ml-project', 'generator-b']);
    expect(parsed['generator-a']).toEqual({ x: 1 });
    expect(parsed['generator-b']).toEqual([1]);
    expect(parsed['create-ml-project']).toEqual(JSON.parse(storedConfig(answers, '0.2.0'))['create-ml-project']);
    expect(withStoredEntry({ 'generator-a': 1 }, answers, '0.2.0')).toBe(`${JSON.stringify({ 'generator-a': 1, 'create-ml-project': JSON.parse(storedConfig(answers, '0.2.0'))['create-ml-project'] }, null, 2)}\n`);
    expect(withStoredEntry({}, answers, '0.2.0')).toBe(storedConfig(answers, '0.2.0'));
    expect(replaceStoredEntry('{"generator-a": 1, "create-ml-project": {"answers": {}}}', answers, '0.2.0')).toBe(
      withStoredEntry({ 'generator-a': 1, 'create-ml-project': {} }, answers, '0.2.0'),
    );
  });
});
