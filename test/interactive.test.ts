/**
 * An interactive run on a real pseudo-terminal, answered at its prompts:
 * defaults accepted with Enter (also after the line was edited back to
 * empty), a choice moved with the arrow keys, a typo caught on the spot, and
 * Ctrl-C, Ctrl-D, SIGTERM or a closed terminal leaving nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv, runCli, tempDir } from './helpers/generate.js';
import { keys, runOnPty, type Step } from './helpers/pty.js';
import { tree } from './helpers/tree.js';

const ctrlD = '\u0004';

function storedAnswers(dir: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, { answers: Record<string, unknown> }>)['create-ml-project']!.answers;
}

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
      { expect: 'Task', send: `${down}${enter}` },
      { expect: 'CPU and GPU images', send: `${down}${enter}` },
      { expect: 'Jupyter port', send: `80${enter}` },
      { expect: 'between 1024 and 65535', send: `${backspace}${backspace}9000${enter}` },
      { expect: 'MLflow port', send: `9000${enter}` },
      { expect: 'same port as the Jupyter port', send: `${clearLine}9001${enter}` },
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
      authorName: 'Test User', authorEmail: 'test@example.com', pythonVersion: '3.11', framework: 'pytorch', task: 'classification',
      compute: 'cpu', cudaVersion: '12.8', jupyterPort: 9000, mlflowPort: 9001, license: 'none', dvc: false, precommit: true,
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

  it.each([
    ['the first question, asked while Yeoman loads', [] as string[], [] as Step[], 'Project name'],
    ['a text question', ['my-project'], [] as Step[], 'Python package name'],
    ['a text question, after typing and erasing', ['my-project'], [{ expect: 'Python package name', send: `ab${keys.backspace}${keys.backspace}` }], 'Python package name'],
    ['a choice', ['my-project'], ['Python package name', 'Short description', 'Author name', 'Author email'].map((expect) => ({ expect, send: keys.enter })), 'Python version'],
    ['a yes/no question', ['my-project', '--answers', 'a.yml'], [] as Step[], 'DVC'],
  ])('Ctrl-D (end of input) at %s: exit 130 like Ctrl-C, nothing written', (_what, args, before, last) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'a.yml'), 'packageName: p\ndescription: d\nauthorName: A\nauthorEmail: ""\npythonVersion: "3.12"\nframework: sklearn\ntask: regression\ncompute: cpu\njupyterPort: 9000\nmlflowPort: 9001\nlicense: MIT\n');
    const result = runOnPty(args, [...before, { expect: last, send: ctrlD }], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(result.transcript).toMatch(/Interrupted: nothing was written\./);
    expect(readdirSync(cwd)).toEqual(['a.yml']);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s at a prompt: exit 130 like Ctrl-C, nothing written', (signal) => {
    const cwd = tempDir();
    const result = runOnPty(['my-project'], [
      { expect: 'Python package name', send: keys.enter },
      { expect: 'Short description', signal },
    ], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(result.transcript).toMatch(/Interrupted: nothing was written\./);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a closed terminal at a prompt (SIGHUP, then no terminal to write to): exit 130, nothing written', () => {
    const cwd = tempDir();
    const result = runOnPty(['my-project'], [{ expect: 'Python package name', hangup: true }], cwd);
    expect(result.code).toBe(130);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a closed terminal while git makes the first commit: the run is undone all the same, exit 130', () => {
    const root = tempDir();
    const home = tempDir('cmp-home-');
    const hooks = tempDir('cmp-hooks-');
    const marker = join(tempDir('cmp-marker-'), 'started');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\ntouch "${marker}"\nsleep 600\n`, { mode: 0o755 });
    const env = isolatedGitEnv(home);
    writeFileSync(join(home, '.gitconfig'), `[core]\n\thooksPath = ${hooks}\n`, { flag: 'a' });
    writeFileSync(join(root, 'elsewhere'), 'linked');
    const cwd = join(root, 'work');
    mkdirSync(join(cwd, 'p'), { recursive: true });
    writeFileSync(join(cwd, 'p', 'notes.md'), 'mine');
    linkSync(join(root, 'elsewhere'), join(cwd, 'p', 'Makefile'));
    const before = tree(root);
    const result = runOnPty(['p', '--yes', '--force'], [{ wait_file: marker, hangup: true }], cwd, 60, env);
    expect(result.failed_step).toBeNull();
    expect(result.code).toBe(130);
    expect(tree(root)).toEqual(before);
  });

  it('keeps the default when the line is edited back to empty (backspace past the start)', () => {
    const cwd = tempDir();
    const { enter, backspace } = keys;
    const result = runOnPty(['--no-git'], [
      { expect: 'Project name \\(the new folder\\) \\(my-project\\)', send: `x${backspace}${backspace}${backspace}${enter}` },
      { expect: 'Python package name \\(my_project\\)', send: `${backspace}${enter}` },
      { expect: 'Short description', send: `ab${backspace}${backspace}${backspace}${enter}` },
      { expect: 'Author name', send: enter },
      { expect: 'Author email', send: enter },
      { expect: 'Python version', send: enter },
      { expect: 'Model framework', send: enter },
      { expect: 'Task', send: enter },
      { expect: 'CPU and GPU images', send: enter },
      { expect: 'CUDA version', send: enter },
      { expect: 'Jupyter port.*\\(8888\\)', send: `${backspace}${backspace}${enter}` },
      { expect: 'MLflow port', send: enter },
      { expect: 'License', send: enter },
      { expect: 'DVC', send: enter },
      { expect: 'pre-commit', send: enter },
      { expect: 'GitHub Actions', send: enter },
      { expect: 'devcontainer', send: enter },
      { expect: 'Next steps', send: '' },
    ], cwd);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(0);
    expect(result.transcript).not.toMatch(/it is empty|must be a whole number/);
    // The answer taken is shown, not an empty line.
    expect(result.transcript).toMatch(/Project name \(the new folder\) my-project\r?\n/);
    expect(storedAnswers(join(cwd, 'my-project'))).toMatchObject({ projectName: 'my-project', packageName: 'my_project', description: 'A machine-learning project', jupyterPort: 8888 });
  });

  it('at a prompt, names another answer the way it was given: a flag, or the words of its prompt', () => {
    const cwd = tempDir();
    const fromFlag = runOnPty(['p', '--jupyter-port', '9000', '--no-git'], [
      ...['Python package name', 'Short description', 'Author name', 'Author email', 'Python version', 'Model framework', 'Task', 'CPU and GPU images', 'CUDA version'].map((expect) => ({ expect, send: keys.enter })),
      { expect: 'MLflow port', send: `${keys.clearLine}9000${keys.enter}` },
      { expect: 'same port as --jupyter-port', send: keys.ctrlC },
    ], cwd);
    expect(fromFlag.failed_step, fromFlag.transcript).toBeNull();
    expect(fromFlag.code).toBe(130);
  });

  it('Ctrl-D at a question of update --ask: exit 130, the repository as it was', async () => {
    const cwd = tempDir();
    const generated = await runCli(['churn', '--yes'], { cwd });
    expect(generated.code).toBe(0);
    const project = join(cwd, 'churn');
    // git's own files are compared through git (its status refreshes the index), the rest byte for byte.
    const files = () => Object.fromEntries(Object.entries(tree(project)).filter(([path]) => !path.startsWith('.git/')));
    const state = () => execFileSync('git', ['log', '--format=%H %T', '--all'], { cwd: project, encoding: 'utf8' }) + execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: project, encoding: 'utf8' });
    const before = { git: state(), files: files() };
    const result = runOnPty(['update', '--ask'], [
      { expect: 'Project name.*\\(churn\\)', send: keys.enter },
      { expect: 'Python package name \\(churn\\)', send: ctrlD },
    ], project);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(result.transcript).toMatch(/Interrupted: nothing was changed\./);
    expect({ git: state(), files: files() }).toEqual(before);
  });

  it('a .yo-rc.json that Yeoman would read and cannot parse: exit 2 naming it, before any question', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.yo-rc.json'), '{ broken');
    const result = runOnPty([], [], cwd);
    expect(result.code).toBe(2);
    expect(result.transcript).toContain(`${join(cwd, '.yo-rc.json')} is not valid JSON`);
    expect(result.transcript).toContain('Fix it, or remove it');
    expect(result.transcript).not.toMatch(/Project name|Unexpected error/);
  });
});
