import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/shared/errors.js';
import { questionByName, questions, type Answers } from '../src/generate/questions.js';
import { packageNameFor, suggestProjectName } from '../src/generate/validate.js';

function parse(name: keyof Answers, raw: unknown, answers: Partial<Answers> = {}) {
  return questionByName.get(name)!.parse(raw, answers);
}

function rejection(name: keyof Answers, raw: unknown, answers: Partial<Answers> = {}): ValidationError {
  try {
    parse(name, raw, answers);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`${name}=${JSON.stringify(raw)} was accepted`);
}

const valid: [keyof Answers, unknown, unknown][] = [
  ['projectName', 'my-project', 'my-project'],
  ['projectName', 'churn_2024', 'churn_2024'],
  ['projectName', '3d-vision', '3d-vision'],
  ['packageName', 'my_project', 'my_project'],
  ['packageName', '_private', '_private'],
  ['packageName', 'vision2', 'vision2'],
  ['description', 'Predict churn & "retention" at 50% <b>$HOME</b> #1 \\o/ 🚀', 'Predict churn & "retention" at 50% <b>$HOME</b> #1 \\o/ 🚀'],
  ['description', '', ''],
  ['authorName', "Ada O'Brien-Lovelace", "Ada O'Brien-Lovelace"],
  ['authorName', '  Grace Hopper ', 'Grace Hopper'],
  ['authorEmail', 'ada@example.com', 'ada@example.com'],
  ['authorEmail', '', ''],
  ['pythonVersion', '3.10', '3.10'],
  ['pythonVersion', '3.13', '3.13'],
  ['pythonVersion', 3.12, '3.12'],
  ['framework', 'sklearn', 'sklearn'],
  ['framework', 'PyTorch', 'pytorch'],
  ['task', 'regression', 'regression'],
  ['task', 'Classification', 'classification'],
  ['compute', 'auto', 'auto'],
  ['compute', 'GPU', 'gpu'],
  ['cudaVersion', '12.6', '12.6'],
  ['cudaVersion', '13.0', '13.0'],
  ['jupyterPort', '8888', 8888],
  ['jupyterPort', 1024, 1024],
  ['jupyterPort', '65535', 65535],
  ['mlflowPort', '5000', 5000],
  ['license', 'mit', 'MIT'],
  ['license', 'Apache-2.0', 'Apache-2.0'],
  ['license', 'none', 'none'],
  ['dvc', false, false],
  ['git', true, true],
];

const invalid: [keyof Answers, unknown, RegExp][] = [
  ['projectName', '../x', /not a path/],
  ['projectName', '/etc/x', /not a path/],
  ['projectName', 'a/b', /not a path/],
  ['projectName', 'a\\b', /not a path/],
  ['projectName', '.', /not a path/],
  ['projectName', '..', /not a path/],
  ['projectName', '-rf', /start with "-"/],
  ['projectName', '', /empty/],
  ['projectName', 'x\u0000y', /control/],
  ['projectName', 'a$(rm -rf ~)', /lowercase letters/],
  ['projectName', 'a`id`', /lowercase letters/],
  ['projectName', 'a;ls', /lowercase letters/],
  ['projectName', 'a|b', /lowercase letters/],
  ['projectName', 'a&b', /lowercase letters/],
  ['projectName', 'My Project', /Did you mean "my-project"/],
  ['projectName', 'Churn', /Did you mean "churn"/],
  ['projectName', 'x'.repeat(65), /longer than 64/],
  ['projectName', 42, /must be text/],
  ['packageName', 'class', /keyword/],
  ['packageName', 'match', /keyword/],
  ['packageName', '1abc', /identifier/],
  ['packageName', 'my-pkg', /identifier/],
  ['packageName', 'json', /standard-library/],
  ['packageName', 'test', /standard-library/],
  ['packageName', 'mlflow', /depends on/],
  ['packageName', 'torch', /depends on/],
  ['packageName', 'data', /folder/],
  ['packageName', 'MyPkg', /lowercase/],
  ['packageName', 'conftest', /pytest's own conftest/],
  ['packageName', 'test_config', /pytest takes test_\* and \*_test modules/],
  ['packageName', 'test_churn', /pytest takes test_\*/],
  ['packageName', 'churn_test', /pytest takes test_\*/],
  ['packageName', 'tests', /folder the project already has/],
  ['packageName', 'build', /\.gitignore ignores build\//],
  ['packageName', 'dist', /\.gitignore ignores dist\//],
  ['packageName', 'venv', /standard-library/],
  ['packageName', 'mlruns', /\.gitignore ignores mlruns\//],
  ['packageName', 'htmlcov', /\.gitignore ignores htmlcov\//],
  ['packageName', '__pycache__', /\.gitignore ignores __pycache__\//],
  ['packageName', 'con', /reserved on Windows/],
  ['packageName', 'nul', /reserved on Windows/],
  ['packageName', 'com1', /reserved on Windows/],
  ['packageName', 'lpt9', /reserved on Windows/],
  ['projectName', 'con', /reserved on Windows/],
  ['projectName', 'aux', /reserved on Windows/],
  ['projectName', 'prn', /reserved on Windows/],
  ['projectName', 'com0', /reserved on Windows/],
  ['projectName', 'lpt3', /reserved on Windows/],
  ['projectName', 'NUL', /reserved on Windows/],
  ['projectName', 'Con.txt', /reserved on Windows/],
  ['projectName', 'aux.tar.gz', /reserved on Windows/],
  ['description', 'two\nlines', /single line/],
  ['description', 'carriage\rreturn', /single line/],
  ['description', 'bell\u0007', /U\+0007/],
  ['description', 'red \u001b[31m', /ANSI/],
  ['description', 'evil \u202etxt.exe', /U\+202E/],
  ['description', 'isolate \u2066x', /U\+2066/],
  ['description', 'arabic letter mark \u061c', /direction character U\+061C/],
  ['description', 'mark \u200e', /direction character U\+200E/],
  ['authorName', 'Ada \u200f', /direction character U\+200F/],
  ['description', 'embedding \u202a', /U\+202A/],
  ['authorName', 'pop \u202c', /U\+202C/],
  ['description', 'first strong isolate \u2068', /U\+2068/],
  ['description', 'pop isolate \u2069', /U\+2069/],
  ['description', 'bom-like \ufffe', /noncharacter U\+FFFE/],
  ['description', 'max \uffff', /noncharacter U\+FFFF/],
  ['authorName', 'Ada \ufdd0', /noncharacter U\+FDD0/],
  ['authorName', 'Ada \ufdef', /noncharacter U\+FDEF/],
  ['description', 'plane one \u{1fffe}', /noncharacter U\+1FFFE/],
  ['authorEmail', 'a\u{10ffff}@b.io', /noncharacter U\+10FFFF/],
  ['projectName', 'x\u{fffff}', /noncharacter U\+FFFFF/],
  ['description', 'lone \ud800 surrogate', /broken Unicode/],
  ['description', 'x'.repeat(201), /longer than 200/],
  ['authorName', '   ', /empty/],
  ['authorName', 'Ada\tTab', /control/],
  ['authorEmail', 'not-an-email', /email/],
  ['authorEmail', 'a@b', /email/],
  ['pythonVersion', '3.9', /one of 3\.10, 3\.11, 3\.12, 3\.13/],
  ['pythonVersion', 3.1, /in quotes/],
  ['pythonVersion', 'latest', /one of/],
  ['framework', 'tensorflow', /one of sklearn, pytorch/],
  ['framework', '', /one of sklearn, pytorch/],
  ['task', 'clustering', /one of regression, classification/],
  ['task', 'classifier', /one of regression, classification/],
  ['task', 1, /one of regression, classification/],
  ['task', true, /one of regression, classification/],
  ['compute', 'tpu', /one of auto, cpu, gpu/],
  ['cudaVersion', '11.8', /one of 12\.6, 12\.8, 13\.0/],
  ['jupyterPort', '80', /between 1024 and 65535/],
  ['jupyterPort', '65536', /between/],
  ['jupyterPort', '08888', /whole number/],
  ['jupyterPort', '8888;ls', /whole number/],
  ['jupyterPort', '88.5', /whole number/],
  ['jupyterPort', '-1', /whole number/],
  ['jupyterPort', '', /whole number/],
  ['jupyterPort', true, /whole number/],
  ['license', 'GPL-3.0', /one of MIT, BSD-3-Clause, Apache-2.0, none/],
  ['dvc', 'yes', /true or false/],
  ['git', 1, /true or false/],
];

describe('questions', () => {
  it('each has a flag, a message, help and an example that its own parse accepts', () => {
    const flags = new Set<string>();
    for (const q of questions) {
      expect(q.flag).toMatch(/^[a-z][a-z-]*$/);
      expect(flags.has(q.flag)).toBe(false);
      flags.add(q.flag);
      expect(q.message.length).toBeGreaterThan(3);
      expect(q.help.length).toBeGreaterThan(3);
      const example = q.kind === 'boolean' ? true : q.example.replace(/^"|"$/g, '');
      expect(() => q.parse(example, { jupyterPort: 8888 })).not.toThrow();
    }
  });

  it.each(valid)('%s accepts %j', (name, raw, expected) => {
    expect(parse(name, raw, { jupyterPort: 8888 })).toEqual(expected);
  });

  it.each(invalid)('%s rejects %j', (name, raw, reason) => {
    const error = rejection(name, raw);
    expect(error.field).toBe(name);
    expect(error.message).toContain(`Invalid ${name}`);
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/Example: /);
  });

  it('refuses an MLflow port equal to the Jupyter port, naming it as the caller says it was given', () => {
    expect(rejection('mlflowPort', '8888', { jupyterPort: 8888 }).message).toMatch(/same port as jupyterPort/);
    const named = (names: (key: string) => string) => {
      try {
        questionByName.get('mlflowPort')!.parse('8888', { jupyterPort: 8888 }, names);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(named(() => '--jupyter-port')).toMatch(/same port as --jupyter-port\./);
    expect(named(() => 'the Jupyter port')).toMatch(/same port as the Jupyter port\./);
    expect(parse('mlflowPort', 8889, { jupyterPort: 8888 })).toBe(8889);
  });

  it('quotes a long value as a bounded excerpt with its length', () => {
    for (const name of ['description', 'authorName', 'projectName', 'packageName'] as const) {
      const error = rejection(name, 'A'.repeat(10_000_000));
      expect(error.message).toContain(`"${'A'.repeat(40)}…" (10000000 characters)`);
      expect(error.message.length).toBeLessThan(400);
    }
    expect(rejection('jupyterPort', '9'.repeat(100_000)).message.length).toBeLessThan(300);
    expect(rejection('license', 'x'.repeat(5000)).message).toContain('(5000 characters)');
  });

  it('names a list or a mapping by kind, even one that refers to itself', () => {
    const circular: unknown[] = [];
    circular.push(circular);
    expect(rejection('projectName', circular).message).toMatch(/^Invalid projectName \(a list\): it must be text/);
    expect(rejection('dvc', { a: 1 }).message).toMatch(/^Invalid dvc \(a mapping\): it must be true or false/);
  });

  it.each([
    ['con', 'con-project'],
    ['CON', 'con-project'],
    ['Aux', 'aux-project'],
    ['lpt1.txt', 'lpt1-txt'],
    ['nul', 'nul-project'],
  ])('suggests for the reserved project name %j a valid one (%j)', (name, suggestion) => {
    expect(rejection('projectName', name).message).toContain(`Did you mean "${suggestion}"?`);
    expect(parse('projectName', suggestion)).toBe(suggestion);
  });

  it.each([
    ['conftest', 'conftest_pkg'],
    ['test_config', 'ml_test_config'],
    ['churn_test', 'churn_test_pkg'],
    ['build', 'build_pkg'],
    ['mlruns', 'mlruns_pkg'],
    ['__pycache__', 'pycache'],
    ['com1', 'com1_pkg'],
  ])('suggests for the package name %j a valid one (%j)', (name, suggestion) => {
    expect(rejection('packageName', name).message).toContain(`Try "${suggestion}".`);
    expect(parse('packageName', suggestion)).toBe(suggestion);
  });

  it('suggests only names that are valid themselves', () => {
    expect(suggestProjectName('My Project')).toBe('my-project');
    expect(suggestProjectName('Été Analysis!')).toBe('ete-analysis');
    expect(suggestProjectName('!!!')).toBeUndefined();
    expect(rejection('packageName', 'json').message).toMatch(/Try "json_pkg"/);
    expect(parse('packageName', 'json_pkg')).toBe('json_pkg');
  });

  it('derives the package name from the project name', () => {
    expect(packageNameFor('my-project')).toBe('my_project');
    expect(packageNameFor('churn-model-v2')).toBe('churn_model_v2');
    expect(packageNameFor('3d-vision')).toBe('ml_3d_vision');
    const q = questionByName.get('packageName')!;
    expect(q.default({ projectName: '3d-vision' }, {})).toBe('ml_3d_vision');
  });

  it('takes author defaults from git and has a fallback', () => {
    const name = questionByName.get('authorName')!;
    expect(name.default({ projectName: 'x' }, { gitUserName: 'Ada' })).toBe('Ada');
    expect(name.default({ projectName: 'x' }, {})).toBe('The x authors');
    expect(questionByName.get('authorEmail')!.default({}, { gitUserEmail: 'a@b.io' })).toBe('a@b.io');
  });

  it('marks exactly the questions whose default comes from git (asked first, only they wait for git)', () => {
    const git = { gitUserName: 'Ada Lovelace', gitUserEmail: 'ada@example.com' };
    const fromGit = questions.filter((q) => q.default({ projectName: 'p' }, git) !== q.default({ projectName: 'p' }, {})).map((q) => q.name);
    expect(fromGit).toEqual(['authorName', 'authorEmail']);
    expect(questions.filter((q) => q.defaultFromGit).map((q) => q.name)).toEqual(fromGit);
  });

  it('asks for CUDA only when there is a GPU image', () => {
    const cuda = questionByName.get('cudaVersion')!;
    expect(cuda.when!({ compute: 'cpu' })).toBe(false);
    expect(cuda.when!({ compute: 'auto' })).toBe(true);
    expect(cuda.when!({ compute: 'gpu' })).toBe(true);
  });
});
