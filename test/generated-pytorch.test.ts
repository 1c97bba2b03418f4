/**
 * The generated PyTorch project run for real on Debian's torch 1.13, on the
 * CPU: its own pytest (a one-batch smoke test, a resume from a checkpoint, a
 * two-process DDP run), the pipeline with finite metrics, and training under
 * torchrun in two processes (DDP over gloo) ending with one model.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonPackages } from '../src/shared/versions.js';
import { generateProject, taskPresets, tempDir, torchPresets } from './helpers/generate.js';
import { checkServer, pipelineExpectations, refusedConfigs } from './helpers/pipeline.js';
import { notebookScript, runPython } from './helpers/python.js';

const hostile = {
  description: `Churn & "retention" 'model' at 50% <b>$HOME</b> #1 \\o/ 🚀 \${{ x }} %(y)s`,
  authorName: `Ada "Ace" O'Brien $USER #2 & <co> 50% \\ 🧪`,
};

const cases = Object.entries({ ...torchPresets, 'pytorch-classification': taskPresets['pytorch-classification']! });

describe.each(cases)('the generated PyTorch project (%s preset)', (name, preset) => {
  // The pipeline, torchrun and the notebook do not depend on compute or the
  // optional parts: run once per task. Every preset runs its own pytest.
  const task = preset.task === 'classification' ? 'classification' : 'regression';
  const once = name === 'pytorch-auto' || name === 'pytorch-classification';
  const expected = pipelineExpectations[task];
  const answers: Record<string, unknown> = { ...hostile, ...preset };
  const projectName = (answers.projectName as string | undefined) ?? 'my-project';
  const packageName = (answers.packageName as string | undefined) ?? projectName.replaceAll('-', '_');
  let dir: string;

  beforeAll(async () => {
    const result = await generateProject(answers, { cwd: tempDir('cmp-torch-') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    dir = result.dir;
  }, 120_000);

  it('passes its own test suite: one-batch smoke test, resume from a checkpoint, DDP in two processes', async () => {
    const run = await runPython(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rs'], dir, 540_000);
    const output = run.stdout + run.stderr;
    expect(output, 'pytest output').toMatch(/\b\d+ passed\b/);
    expect(run.stdout).not.toMatch(/\b\d+ (failed|errors?)\b/);
    for (const test of ['test_one_batch_smoke', 'test_resume_continues_where_training_stopped', 'test_two_processes_under_torchrun_train_one_model']) {
      expect(output, `${test} was skipped`).not.toMatch(new RegExp(`SKIPPED.*${test}`));
    }
    expect(run.code, output).toBe(0);
  }, 600_000);

  it.runIf(once)('runs etl -> train -> evaluate -> predict on the CPU, then serves the model', async () => {
    const etl = await runPython(['-m', `${packageName}.etl`], dir);
    expect(etl.stderr).toContain(expected.sample);
    expect(etl.code).toBe(0);
    const train = await runPython(['-m', `${packageName}.train`, 'configs/examples/baseline.yml'], dir);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/Training mlp on \d+ rows \(validation: \d+\) on cpu\n/);
    expect(train.stderr).toMatch(/Epoch 1: train loss \d/);
    expect(train.stderr).not.toMatch(/Traceback|ERROR/);
    for (const file of ['model.pt', 'checkpoint.pt', 'model.yml']) expect(existsSync(join(dir, 'models', file)), file).toBe(true);

    const evaluate = await runPython(['-m', `${packageName}.evaluate`, 'configs/examples/baseline.yml'], dir);
    expect(evaluate.code, evaluate.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8')) as Record<string, number>;
    expected.checkMetrics(metrics);
    for (const value of Object.values(metrics)) expect(Number.isFinite(value)).toBe(true);
    for (const figure of expected.figures) expect(existsSync(join(dir, 'reports', 'figures', `${figure}.png`)), figure).toBe(true);

    const predict = await runPython(['-m', `${packageName}.predict`, 'data/processed/test.csv'], dir);
    expect(predict.code, predict.stderr).toBe(0);
    expect(predict.stdout.split('\n')[0]).toBe(expected.predictionColumns.join(','));
    await checkServer(dir, packageName, task);
  }, 400_000);

  it.runIf(once).each(refusedConfigs('pytorch', task))('refuses %j in one line naming the setting and the file', async (text, message) => {
    const config = join(tempDir('cmp-config-'), 'x.yml');
    writeFileSync(config, text);
    const run = await runPython(['-m', `${packageName}.etl`, config], dir);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((line) => line.includes(' ERROR '))).toEqual([expect.stringContaining(`x.yml: ${message}`)]);
    expect(run.stderr).not.toContain('Traceback');
  }, 120_000);

  it.runIf(name === 'pytorch-auto')('trains under torchrun --standalone --nproc_per_node=2 (DDP over gloo) and ends with one model', async () => {
    const models = join(dir, 'models');
    rmSync(models, { recursive: true, force: true });
    mkdirSync(models);
    const short = join(dir, 'configs', 'examples', 'ddp.yml');
    writeFileSync(short, 'training:\n  epochs: 4\n  patience: 100\nruntime:\n  device: cpu\n');
    expect((await runPython(['-m', `${packageName}.etl`, short], dir)).code).toBe(0);
    // Debian's torch 1.13 cannot parse its own default for these two on
    // Python 3.11 (fixed in torch 2.0); the values given keep the console output.
    const debianFix = ['--redirects', '2', '--tee', '2'];
    const run = await runPython([...debianFix, '--standalone', '--nproc_per_node=2', '-m', `${packageName}.train`, short], dir, 300_000, '/usr/bin/torchrun');
    const output = run.stdout + run.stderr;
    expect(run.code, output).toBe(0);
    expect(output.match(/in each of 2 processes/g), 'only rank 0 logs').toHaveLength(1);
    expect(output.match(/Epoch \d+:/g)).toHaveLength(4);
    expect(readdirSync(models).sort()).toEqual(['checkpoint.pt', 'mlflow_run.json', 'model.pt', 'model.yml']);
    expect(readFileSync(join(models, 'model.yml'), 'utf8')).toContain('epochs: 4');
  }, 360_000);

  it('pins torch in requirements.txt beside the scientific stack, joblib only with scikit-learn models', () => {
    const pins = readFileSync(join(dir, 'requirements.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(pins.map((p) => p.split('==')[0])).toEqual(['numpy', 'pandas', 'scikit-learn', 'pyyaml', 'matplotlib', 'mlflow', 'fastapi', 'uvicorn', 'torch']);
    expect(pins).toContain(`torch==${pythonPackages.torch}`);
  });

  it.runIf(once)("runs the notebook's code", async () => {
    const path = join(dir, 'notebooks', '01-exploration.ipynb');
    const script = join(tempDir('cmp-nb-'), 'run_notebook.py');
    writeFileSync(script, notebookScript);
    const run = await runPython([script, path], join(dir, 'notebooks'));
    expect(run.stderr).not.toContain('Traceback');
    expect(run.stdout).toContain('notebook ran');
  }, 120_000);
});
