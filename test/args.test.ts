import { describe, expect, it } from 'vitest';
import { helpText, parseArgs } from '../src/generate/args.js';
import { UsageError } from '../src/shared/errors.js';
import { questions } from '../src/generate/questions.js';

describe('parseArgs', () => {
  it('reads a flag for every question, in both --flag value and --flag=value forms', () => {
    const parsed = parseArgs([
      'churn', '--package-name', 'churn_core', '--description=Churn & "retention"', '--author-name', 'Ada',
      '--author-email=ada@example.com', '--python-version', '3.11', '--framework=pytorch', '--task', 'classification', '--compute=cpu', '--cuda-version', '12.6',
      '--jupyter-port', '9999', '--mlflow-port=5001', '--license', 'none', '--no-dvc', '--pre-commit',
      '--ci=false', '--devcontainer=true', '--no-git',
    ]);
    expect(parsed.positional).toBe('churn');
    expect(parsed.flags).toEqual({
      packageName: 'churn_core', description: 'Churn & "retention"', authorName: 'Ada', authorEmail: 'ada@example.com',
      pythonVersion: '3.11', framework: 'pytorch', task: 'classification', compute: 'cpu', cudaVersion: '12.6', jupyterPort: '9999', mlflowPort: '5001',
      license: 'none', dvc: false, precommit: true, ci: false, devcontainer: true, git: false,
    });
    expect(Object.keys(parsed.flags).length).toBe(questions.length - 1);
  });

  it('reads the options', () => {
    expect(parseArgs(['-y', '--force', '--answers', 'a.yml'])).toMatchObject({ yes: true, force: true, answersFile: 'a.yml' });
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs(['--version']).version).toBe(true);
    expect(parseArgs(['--', '-odd']).positional).toBe('-odd');
  });

  it.each([
    [['--jupyter-prot', '1'], /Unknown option --jupyter-prot. Did you mean --jupyter-port\?/],
    [['--no-dvcc'], /Did you mean --no-dvc\?/],
    [['--frobnicate'], /Unknown option --frobnicate\. See --help/],
    [['-x'], /Unknown option -x/],
    [['--description'], /needs a value/],
    [['--jupyter-port', '--yes'], /needs a value/],
    [['--no-dvc=true'], /takes no value/],
    [['--force=1'], /takes no value/],
    [['--dvc=maybe'], /true or false/],
    [['a', 'b'], /Expected one project name, got 2/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('helpText', () => {
  it('lists every question flag, its choices and the options', () => {
    const help = helpText('1.2.3');
    expect(help).toContain('create-ml-project 1.2.3');
    for (const q of questions) {
      expect(help).toContain(`--${q.flag}`);
      if (q.kind === 'boolean') expect(help).toContain(`--no-${q.flag}`);
      for (const c of q.choices ?? []) expect(help).toContain(c);
    }
    for (const option of ['--yes', '--answers FILE', '--force', '--help', '--version']) expect(help).toContain(option);
  });
});
