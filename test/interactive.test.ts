/**
 * An interactive run on a real pseudo-terminal, answered at its prompts:
 * defaults accepted with Enter, a choice moved with the arrow keys, a typo
 * caught on the spot, and Ctrl-C leaving nothing behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/generate.js';
import { keys, runOnPty } from './helpers/pty.js';

describe('interactive run', () => {
  it('asks every question and writes what was answered', () => {
    const cwd = tempDir();
    const { enter, up, down, backspace, clearLine } = keys;
    const result = runOnPty(['--no-git'], [
      { expect: 'Project name', send: `Churn Model${enter}` },
      { expect: 'Did you mean "churn-model"', send: `${clearLine}churn-model${enter}` },
      { expect: 'Python package name \\(churn_model\\)', send: enter },
      { expect: 'Short description', send: `Churn & <b>$HOME</b> 'q' 🚀${enter}` },
      { expect: 'Author name \\(Test User\\)', send: enter },
      { expect: 'Author email .*\\(test@example.com\\)', send: enter },
      { expect: 'Python version', send: `${up}${enter}` },
      { expect: 'Model framework', send: `${down}${enter}` },
      { expect: 'CPU and GPU images', send: `${down}${enter}` },
      { expect: 'Jupyter port', send: `80${enter}` },
      { expect: 'between 1024 and 65535', send: `${backspace}${backspace}9000${enter}` },
      { expect: 'MLflow port', send: `9000${enter}` },
      { expect: 'same port as jupyterPort', send: `${clearLine}9001${enter}` },
      { expect: 'License', send: `${down}${down}${down}${enter}` },
      { expect: 'DVC', send: `n${enter}` },
      { expect: 'pre-commit', send: enter },
      { expect: 'GitHub Actions', send: `n${enter}` },
      { expect: 'devcontainer', send: enter },
      { expect: 'Next steps', send: '' },
    ], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(0);
    expect(result.transcript).not.toMatch(/CUDA version/);
    const answers = (JSON.parse(readFileSync(join(cwd, 'churn-model', '.yo-rc.json'), 'utf8')) as Record<string, { answers: object }>)['create-ml-project']!.answers;
    expect(answers).toEqual({
      projectName: 'churn-model', packageName: 'churn_model', description: "Churn & <b>$HOME</b> 'q' 🚀",
      authorName: 'Test User', authorEmail: 'test@example.com', pythonVersion: '3.11', framework: 'pytorch', compute: 'cpu',
      cudaVersion: '12.8', jupyterPort: 9000, mlflowPort: 9001, license: 'none', dvc: false, precommit: true,
      ci: false, devcontainer: true, git: false,
    });
    expect(existsSync(join(cwd, 'churn-model', 'LICENSE'))).toBe(false);
  });

  it('stops at once on Ctrl-C with exit 130 and writes nothing', () => {
    const cwd = tempDir();
    const result = runOnPty(['my-project'], [
      { expect: 'Python package name', send: keys.enter },
      { expect: 'Short description', send: keys.ctrlC },
    ], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(result.transcript).toMatch(/Interrupted: nothing was written/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('checks the target before asking the rest', () => {
    const cwd = tempDir();
    const first = runOnPty(['taken', '--yes', '--no-git'], [], cwd);
    expect(first.code).toBe(0);
    const second = runOnPty(['taken'], [], cwd);
    expect(second.code).toBe(2);
    expect(second.transcript).toMatch(/taken is not empty/);
    expect(second.transcript).not.toMatch(/Python package name/);
  });

  it('stops on Ctrl-C at the first question, asked while Yeoman loads, with exit 130', () => {
    const cwd = tempDir();
    const result = runOnPty([], [{ expect: 'Project name \\(the new folder\\) \\(my-project\\)', send: keys.ctrlC }], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(result.transcript).toMatch(/Interrupted: nothing was written/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('does not ask the project name when the answers file gives it', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yml'), 'projectName: from-file\n');
    const result = runOnPty(['--answers', 'answers.yml'], [{ expect: 'Python package name \\(from_file\\)', send: keys.ctrlC }], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(result.transcript).not.toMatch(/Project name/);
  });

  it('a .yo-rc.json that Yeoman would read and cannot parse: exit 2 naming it, before any question', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.yo-rc.json'), '{ broken');
    const result = runOnPty([], [], cwd);
    expect(result.code).toBe(2);
    expect(result.transcript).toContain(`${join(cwd, '.yo-rc.json')} is not valid JSON`);
    expect(result.transcript).toContain('fix or remove it');
    expect(result.transcript).not.toMatch(/Project name|Unexpected error/);
  });
});
