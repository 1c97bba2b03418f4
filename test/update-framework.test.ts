/**
 * `update` and the framework answer, on real git repositories made the way
 * test/update.test.ts makes them: a project moves from scikit-learn to
 * PyTorch (and back) only when asked, through the usual three-way merge; a
 * project from before the question existed keeps scikit-learn.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv, repoRoot, runCli, tempDir } from './helpers/generate.js';

const current = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const gitEnv = isolatedGitEnv();

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...gitEnv } as NodeJS.ProcessEnv }).trim();
}

const run = (args: string[], cwd: string) => runCli(args, { cwd, env: gitEnv });
const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const answers = (dir: string) => (JSON.parse(read(dir, '.yo-rc.json')) as Record<string, { answers: Record<string, unknown> }>)['create-ml-project']!.answers;

/** Generates `churn` with git on; extra flags as a user would give them. */
async function generate(...flags: string[]): Promise<string> {
  const cwd = tempDir();
  const result = await run(['churn', '--yes', ...flags], cwd);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return join(cwd, 'churn');
}

const sklearnOnly = ['churn/models.py', 'configs/examples/random_forest.yml', 'configs/examples/gradient_boosting.yml'];
const pytorchOnly = ['churn/nets.py', 'churn/trainer.py', 'churn/distributed.py', 'churn/devices.py', 'churn/checkpoints.py', 'churn/gpu_check.py', 'tests/test_torch.py', 'configs/examples/wide_mlp.yml'];

describe('update and the framework', () => {
  it('--set framework=pytorch moves a scikit-learn project to PyTorch through the merge; the user\'s edits stay', async () => {
    const project = await generate();
    appendFileSync(join(project, 'churn/etl.py'), '\n# our note on the data\n');
    writeFileSync(join(project, 'configs/examples/ours.yml'), 'split:\n  test_size: 0.3\n');
    git(project, 'add', '-A');
    git(project, 'commit', '-qm', 'Our changes');

    const result = await run(['update', '--set', 'framework=pytorch'], project);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(framework "sklearn" -> "pytorch")');
    expect(git(project, 'status', '--porcelain', '--untracked-files=all')).toBe('');

    const expected = await generate('--framework', 'pytorch');
    expect(answers(project)).toEqual(answers(expected));
    for (const path of [...pytorchOnly, 'churn/train.py', 'churn/evaluate.py', 'configs/config.yml', 'requirements.txt', 'docker/Dockerfile.gpu']) {
      expect(read(project, path), path).toBe(read(expected, path));
    }
    for (const path of sklearnOnly) expect(existsSync(join(project, path)), path).toBe(false);
    expect(read(project, 'churn/etl.py')).toBe(`${read(expected, 'churn/etl.py')}\n# our note on the data\n`);
    expect(read(project, 'configs/examples/ours.yml')).toBe('split:\n  test_size: 0.3\n');

    // And back: the same merge, the other way.
    const back = await run(['update', '--set', 'framework=sklearn'], project);
    expect(back.code, back.stderr).toBe(0);
    expect(answers(project).framework).toBe('sklearn');
    for (const path of pytorchOnly) expect(existsSync(join(project, path)), path).toBe(false);
    for (const path of sklearnOnly) expect(existsSync(join(project, path)), path).toBe(true);
    expect(read(project, 'churn/etl.py')).toContain('# our note on the data\n');
  });

  it('an update without --set keeps the framework: a PyTorch project stays one', async () => {
    const project = await generate('--framework', 'pytorch');
    const result = await run(['update', '--set', 'jupyterPort=9000'], project);
    expect(result.code, result.stderr).toBe(0);
    expect(answers(project)).toMatchObject({ framework: 'pytorch', jupyterPort: 9000 });
    for (const path of pytorchOnly) expect(existsSync(join(project, path)), path).toBe(true);
    for (const path of sklearnOnly) expect(existsSync(join(project, path)), path).toBe(false);
  });

  it('a project made before the question existed gets scikit-learn', async () => {
    const project = await generate();
    // Its first commit re-made as an older render: .yo-rc.json without the answer.
    const stored = JSON.parse(read(project, '.yo-rc.json')) as Record<string, { answers: Record<string, unknown> }>;
    delete stored['create-ml-project']!.answers.framework;
    writeFileSync(join(project, '.yo-rc.json'), `${JSON.stringify(stored, null, 2)}\n`);
    git(project, 'add', '.yo-rc.json');
    const tree = git(project, 'write-tree');
    git(project, 'commit', '-q', '--amend', '-m', 'Initial commit from create-ml-project', '-m', `Create-ML-Project: ${current}\nCreate-ML-Project-Tree: ${tree}`);
    expect(answers(project)).not.toHaveProperty('framework');

    const result = await run(['update', '--set', 'mlflowPort=5050'], project);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(answers(project)).toMatchObject({ framework: 'sklearn', mlflowPort: 5050 });
    for (const path of sklearnOnly) expect(existsSync(join(project, path)), path).toBe(true);
    for (const path of pytorchOnly) expect(existsSync(join(project, path)), path).toBe(false);
    expect(read(project, 'requirements.txt')).not.toContain('torch');
  });
});
