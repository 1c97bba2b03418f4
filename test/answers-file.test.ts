import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkAnswerKeys, parseAnswersText, readAnswersFile } from '../src/generate/answers-file.js';
import { UsageError } from '../src/shared/errors.js';
import { tempDir } from './helpers/generate.js';

describe('answers files', () => {
  it('reads YAML and JSON', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.yml'), 'projectName: churn\njupyterPort: 9000\npythonVersion: "3.11"\ndvc: false\n');
    writeFileSync(join(dir, 'a.json'), '{"projectName": "churn", "license": "none"}');
    expect(await readAnswersFile(join(dir, 'a.yml'))).toEqual({ projectName: 'churn', jupyterPort: 9000, pythonVersion: '3.11', dvc: false });
    expect(await readAnswersFile(join(dir, 'a.json'))).toEqual({ projectName: 'churn', license: 'none' });
  });

  it.each([
    ['{"__proto__": {"polluted": true}}', 'a.json', /Unknown key "__proto__"/],
    ['__proto__:\n  polluted: true\n', 'a.yml', /Unknown key "__proto__"/],
    ['constructor: x\n', 'a.yml', /Unknown key "constructor"/],
    ['outputFunctionName: "x;process.exit(9)"\n', 'a.yml', /Unknown key "outputFunctionName"/],
    ['delimiter: "?"\n', 'a.yml', /Unknown key "delimiter"/],
    ['client: true\n', 'a.yml', /Unknown key "client"/],
    ['jupyter_port: 9000\n', 'a.yml', /Did you mean "jupyterPort"\?/],
    ['- a\n- b\n', 'a.yml', /must hold a mapping/],
    ['just text\n', 'a.yml', /must hold a mapping/],
    ['projectName: [x\n', 'a.yml', /invalid YAML at line/],
    ['a: 1\na: 2\n', 'a.yml', /invalid YAML at line 2/],
    ['{\n  "projectName": "x",\n}', 'a.json', /invalid JSON at line 3/],
  ])('refuses %j', (text, name, message) => {
    expect(() => checkAnswerKeys(parseAnswersText(text, name), name)).toThrow(UsageError);
    expect(() => checkAnswerKeys(parseAnswersText(text, name), name)).toThrow(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names a missing file', async () => {
    await expect(readAnswersFile('/nonexistent/answers.yml')).rejects.toThrow(/no such file/);
    await expect(readAnswersFile(tempDir())).rejects.toThrow(/it is a folder/);
  });

  /** A "billion laughs": each alias level multiplies the one below it. */
  function aliasBomb(levels: number, width: number): string {
    let text = `a0: &a0 [${Array(width).fill('"lol"').join(', ')}]\n`;
    for (let i = 1; i < levels; i++) text += `a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]\n`;
    return text;
  }

  it.each([
    ['a billion laughs', aliasBomb(9, 9), /its YAML aliases expand to too much/],
    ['a narrow, deep alias chain', aliasBomb(30, 2), /its YAML aliases expand to too much/],
    ['nesting thousands deep in flow style', `projectName: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /nested too deeply/],
    ['nesting thousands deep in block style', `projectName:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`, /nested too deeply|invalid YAML/],
    ['a Python object tag', 'projectName: !!python/object:os.system x\n', /unknown YAML tag "!!python\/object:os\.system" at line 1, column 14/],
    ['a custom tag', 'projectName: x\ndescription: !custom y\n', /unknown YAML tag "!custom" at line 2/],
    ['a JavaScript function tag', 'projectName: !!js/function "function () {}"\n', /unknown YAML tag "!!js\/function"/],
  ])('refuses %s with one line, and nothing on stderr', (_what, text, message) => {
    const warn = vi.spyOn(process, 'emitWarning');
    const log = vi.spyOn(console, 'warn');
    try {
      let error: unknown;
      try {
        checkAnswerKeys(parseAnswersText(text, 'a.yml'), 'a.yml');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^Cannot read the answers file a\.yml: /);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  it('reads a self-referencing alias without looping; its value is then refused by kind', () => {
    const answers = checkAnswerKeys(parseAnswersText('projectName: &a [*a]\n', 'a.yml'), 'a.yml');
    expect(Array.isArray(answers.projectName)).toBe(true);
  });

  it('allows the few aliases a person writes', () => {
    expect(checkAnswerKeys(parseAnswersText('authorName: &me Ada\ndescription: *me\n', 'a.yml'), 'a.yml')).toEqual({ authorName: 'Ada', description: 'Ada' });
  });

  it('bounds a huge unknown key and a huge JSON error', () => {
    const key = 'k'.repeat(1_000_000);
    expect(() => checkAnswerKeys(JSON.parse(`{"${key}": 1}`), 'a.json')).toThrow(new RegExp(`^Unknown key "k{40}…" \\(1000000 characters\\) in a\\.json\\. Known keys`));
    const broken = `{"projectName": "${'x'.repeat(1_000_000)}`;
    const error = (() => {
      try {
        parseAnswersText(broken, 'a.json');
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('parsed');
    })();
    expect(error.message).toMatch(/^Cannot read the answers file a\.json: invalid JSON/);
    expect(error.message.length).toBeLessThan(300);
  });

  it('refuses a FIFO, a device and bytes that are not UTF-8, naming the file', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo.yml')]);
    await expect(readAnswersFile(join(dir, 'fifo.yml'))).rejects.toThrow(`Cannot read the answers file ${join(dir, 'fifo.yml')}: it is a named pipe (FIFO), not a file.`);
    await expect(readAnswersFile('/dev/null')).rejects.toThrow('Cannot read the answers file /dev/null: it is a character device, not a file.');
    writeFileSync(join(dir, 'latin1.yml'), Buffer.from('projectName: x\ndescription: caf\xe9\n', 'latin1'));
    await expect(readAnswersFile(join(dir, 'latin1.yml'))).rejects.toThrow(/it is not UTF-8 text \(byte 32, line 2, is 0xe9\)/);
  });

  it('reads an empty YAML file as no answers', () => {
    expect(checkAnswerKeys(parseAnswersText('', 'a.yml'), 'a.yml')).toEqual({});
  });
});
