import { describe, expect, it } from 'vitest';
import { resolveAnswers, type RawAnswers } from '../src/generate/answers.js';
import { UsageError, ValidationError } from '../src/shared/errors.js';
import type { Question } from '../src/generate/questions.js';

describe('resolveAnswers', () => {
  it('takes every default with --yes', async () => {
    const answers = await resolveAnswers({ mode: 'yes', flags: { projectName: 'churn' }, context: { gitUserName: 'Ada', gitUserEmail: 'ada@example.com' } });
    expect(answers).toEqual({
      projectName: 'churn', packageName: 'churn', description: 'A machine-learning project', authorName: 'Ada',
      authorEmail: 'ada@example.com', pythonVersion: '3.12', framework: 'sklearn', task: 'regression', compute: 'auto', cudaVersion: '12.8', jupyterPort: 8888,
      mlflowPort: 5000, license: 'MIT', dvc: true, precommit: true, ci: true, devcontainer: true, git: true,
    });
  });

  it('ranks flags over the answers file over stored answers over prompts over defaults', async () => {
    const asked: string[] = [];
    const answers = await resolveAnswers({
      mode: 'interactive',
      flags: { projectName: 'p', jupyterPort: '9001' },
      file: { jupyterPort: 9002, mlflowPort: 9003, description: 'from file' },
      onProjectName: (): RawAnswers => ({ mlflowPort: 9004, description: 'stored', authorName: 'Stored Author', license: 'none' }),
      ask: async (question: Question, defaultValue: unknown) => {
        asked.push(question.name);
        return question.name === 'compute' ? 'cpu' : defaultValue;
      },
    });
    expect(answers).toMatchObject({ jupyterPort: 9001, mlflowPort: 9003, description: 'from file', authorName: 'Stored Author', license: 'none', compute: 'cpu' });
    expect(asked).toEqual(['packageName', 'authorEmail', 'pythonVersion', 'framework', 'task', 'compute', 'dvc', 'precommit', 'ci', 'devcontainer', 'git']);
  });

  it('validates every source the same way and says where the bad value came from', async () => {
    await expect(resolveAnswers({ mode: 'yes', flags: { projectName: '../x' } })).rejects.toThrow(/^Invalid --project-name "\.\.\/x": .*not a path/);
    await expect(resolveAnswers({ mode: 'yes', args: { projectName: '../x' } })).rejects.toThrow(/^Invalid project name "\.\.\/x" \(the first argument\): .*not a path/);
    await expect(resolveAnswers({ mode: 'yes', flags: { projectName: 'x' }, file: { jupyterPort: 80 }, fileName: 'a.yml' })).rejects.toThrow(/key "jupyterPort" in a\.yml/);
    await expect(resolveAnswers({ mode: 'yes', flags: { projectName: 'x' }, onProjectName: () => ({ compute: 'tpu' }) })).rejects.toThrow(/from \.yo-rc\.json/);
    await expect(resolveAnswers({ mode: 'yes', flags: { projectName: 'json' } })).rejects.toThrow(/Invalid packageName "json".*the default; pass --package-name/);
    await expect(resolveAnswers({ mode: 'yes', flags: { projectName: 'x', jupyterPort: '5000' } })).resolves.toMatchObject({ mlflowPort: 5001 });
  });

  it('refuses to guess without a terminal, naming the flags to pass', async () => {
    const error = await resolveAnswers({ mode: 'non-interactive', flags: { projectName: 'x', description: 'd' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).not.toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/--yes/);
    expect(message).toMatch(/--package-name VALUE/);
    expect(message).toMatch(/--dvc\/--no-dvc/);
    expect(message).not.toMatch(/--description/);
  });

  it('asks nothing and needs nothing when every answer is given', async () => {
    const all = {
      projectName: 'x', packageName: 'x', description: '', authorName: 'A', authorEmail: '', pythonVersion: '3.11',
      framework: 'pytorch', task: 'classification', compute: 'cpu', jupyterPort: 8000, mlflowPort: 8001, license: 'MIT', dvc: false, precommit: false, ci: false,
      devcontainer: false, git: false,
    };
    const answers = await resolveAnswers({ mode: 'non-interactive', file: all });
    expect(answers).toMatchObject({ ...all, cudaVersion: '12.8' });
  });

  it('checks the target as soon as the project name is known, before asking more', async () => {
    const order: string[] = [];
    const error = await resolveAnswers({
      mode: 'interactive',
      flags: {},
      ask: async (q) => {
        order.push(q.name);
        return q.name === 'projectName' ? 'taken' : undefined;
      },
      onProjectName: () => {
        throw new UsageError('taken is not empty');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('taken is not empty');
    expect(order).toEqual(['projectName']);
  });
});
