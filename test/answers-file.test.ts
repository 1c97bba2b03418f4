import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('reads an empty YAML file as no answers', () => {
    expect(checkAnswerKeys(parseAnswersText('', 'a.yml'), 'a.yml')).toEqual({});
  });
});
