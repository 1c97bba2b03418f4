/**
 * The generated project's Python side, run for real with Debian's python3
 * (no mlflow): its own pytest suite, the pipeline steps as the Makefile runs
 * them (etl, train, evaluate, predict), the model server on a loopback port,
 * configs refused in one line, the notebook's code, and every structured file
 * parsed back by Python with hostile free text that must come out verbatim,
 * for regression and classification. The PyTorch variant has its own file,
 * generated-pytorch.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { md } from '../src/shared/escape.js';
import { pythonPackages } from '../src/shared/versions.js';
import { generateProject, presets, taskPresets, tempDir } from './helpers/generate.js';
import { notebookScript, python, runPython } from './helpers/python.js';
import { checkServer, pipelineExpectations, refusedConfigs } from './helpers/pipeline.js';

const hostile = {
  description: `Churn & "retention" 'model' at 50% <b>$HOME</b> #1 \\o/ C:\\temp\\ 🚀 \${{ x }} %(y)s`,
  authorName: `Ada "Ace" O'Brien $USER #2 & <co> 50% \\ 🧪`,
  authorEmail: 'ada@example.com',
};

/** Parses pyproject.toml with tomllib and every YAML file of the Python side with PyYAML, as JSON. */
const parseScript = `
import json, sys, tomllib
from pathlib import Path
import yaml
root = Path(sys.argv[1])
files = sorted(root.glob("configs/**/*.yml")) + [p for p in [root / "dvc.yaml"] if p.exists()]
print(json.dumps({
    "pyproject": tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")),
    "yaml": {p.relative_to(root).as_posix(): yaml.safe_load(p.read_text(encoding="utf-8")) for p in files},
}))
`;

interface Parsed {
  pyproject: {
    project: {
      name: string;
      description: string;
      'requires-python': string;
      license?: string;
      authors: { name: string; email?: string }[];
    };
    'build-system': { requires: string[] };
    tool: {
      ruff: { 'target-version': string; 'line-length': number };
      pytest: { ini_options: { testpaths: string[] } };
      setuptools: { packages: { find: { include: string[] } } };
    };
  };
  yaml: Record<string, Record<string, unknown>>;
}

interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec: { name: string } };
  cells: { cell_type: string; id: string; source: string[]; metadata: { tags?: string[] }; outputs?: unknown[]; execution_count?: unknown }[];
}

const cases = Object.entries({ ...presets, classification: taskPresets.classification! }).map(([name, preset]) => {
  const answers: Record<string, unknown> = { ...hostile, ...preset };
  const projectName = (answers.projectName as string | undefined) ?? 'my-project';
  const packageName = (answers.packageName as string | undefined) ?? projectName.replaceAll('-', '_');
  const task = answers.task === 'classification' ? 'classification' : 'regression';
  return { name, answers, projectName, packageName, task } as const;
});

describe.each(cases)('the generated Python project ($name preset)', ({ name, answers, projectName, packageName, task }) => {
  const expected = pipelineExpectations[task];
  let dir: string;
  let parsed: Parsed;

  beforeAll(async () => {
    const result = await generateProject(answers, { cwd: tempDir('cmp-py-') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    dir = result.dir;
    const script = join(tempDir('cmp-parse-'), 'parse.py');
    writeFileSync(script, parseScript);
    const run = await runPython([script, dir], dir);
    expect(run.stderr).toBe('');
    parsed = JSON.parse(run.stdout) as Parsed;
  }, 120_000);

  it('passes its own test suite', async () => {
    const run = await runPython(['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], dir, 240_000);
    expect(run.stdout + run.stderr, 'pytest output').toMatch(/\b\d+ passed\b/);
    expect(run.stdout).not.toMatch(/\b\d+ (failed|errors?)\b/);
    expect(run.code).toBe(0);
  }, 300_000);

  it('runs etl -> train -> evaluate -> predict; train warns once that mlflow is missing and carries on', async () => {
    const etl = await runPython(['-m', `${packageName}.etl`], dir);
    expect(etl.stderr).toContain(expected.sample);
    expect(etl.code).toBe(0);
    expect(existsSync(join(dir, 'data', 'processed', 'train.csv'))).toBe(true);

    const train = await runPython(['-m', `${packageName}.train`, 'configs/examples/baseline.yml'], dir);
    expect(train.code).toBe(0);
    const warnings = train.stderr.split('\n').filter((line) => /WARNING/.test(line) && /mlflow/i.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('mlflow is not installed');
    expect(train.stderr).not.toMatch(/Traceback|ERROR/);
    expect(existsSync(join(dir, 'models', 'model.joblib'))).toBe(true);

    const evaluate = await runPython(['-m', `${packageName}.evaluate`, 'configs/examples/baseline.yml'], dir);
    expect(evaluate.code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8')) as Record<string, number>;
    expected.checkMetrics(metrics);
    for (const figure of expected.figures) {
      expect(readFileSync(join(dir, 'reports', 'figures', `${figure}.png`)).subarray(1, 4).toString()).toBe('PNG');
    }
    const saved = readFileSync(join(dir, 'reports', 'config.yml'), 'utf8');
    expect(saved).toContain(task === 'classification' ? 'max_iter: 1000' : 'alpha: 1.0');

    const predict = await runPython(['-m', `${packageName}.predict`, 'data/processed/test.csv', '--output', 'new.csv'], dir);
    expect(predict.code, predict.stderr).toBe(0);
    const header = readFileSync(join(dir, 'new.csv'), 'utf8').split('\n')[0];
    expect(header).toBe(expected.predictionColumns.join(','));
    const rows = readFileSync(join(dir, 'new.csv'), 'utf8').trim().split('\n').length - 1;
    expect(rows).toBe(readFileSync(join(dir, 'data', 'processed', 'test.csv'), 'utf8').trim().split('\n').length - 1);
  }, 300_000);

  it.runIf(name === 'defaults' || name === 'classification')('serves the model on a free loopback port: /health, /predict, 422 for a bad row', async () => {
    await checkServer(dir, packageName, task);
  }, 300_000);

  it.runIf(name === 'defaults' || name === 'classification').each(refusedConfigs('sklearn', task))('refuses %j in one line naming the setting and the file', async (text, message) => {
    const config = join(tempDir('cmp-config-'), 'x.yml');
    writeFileSync(config, text);
    const run = await runPython(['-m', `${packageName}.train`, config], dir);
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((line) => line.includes(' ERROR '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`x.yml: ${message}`);
    expect(run.stderr).not.toContain('Traceback');
  }, 120_000);

  it('writes pyproject.toml that tomllib reads back verbatim', () => {
    const { project, tool } = parsed.pyproject;
    expect(project.name).toBe(projectName);
    expect(project.description).toBe(hostile.description);
    expect(project.authors).toEqual([{ name: hostile.authorName, email: hostile.authorEmail }]);
    expect(project['requires-python']).toBe('>=3.12');
    expect(project.license).toBe(answers.license === 'none' ? undefined : 'MIT');
    expect(parsed.pyproject['build-system'].requires).toEqual([`setuptools==${pythonPackages.setuptools}`]);
    expect(tool.ruff['target-version']).toBe('py312');
    expect(tool.ruff['line-length']).toBe(100);
    expect(tool.pytest.ini_options.testpaths).toEqual(['tests']);
    expect(tool.setuptools.packages.find.include).toEqual([packageName, `${packageName}.*`]);
  });

  it('writes YAML that PyYAML reads back, with the description verbatim and deltas only in the examples', () => {
    const base = parsed.yaml['configs/config.yml'] as { experiment: { name: string; description: string } };
    expect(base.experiment).toEqual({ name: projectName, description: hostile.description, run_name: null });
    const examples = Object.keys(parsed.yaml).filter((p) => p.startsWith('configs/examples/'));
    const names = ['baseline', 'gradient_boosting', 'random_forest', ...(task === 'classification' ? ['wine'] : [])];
    expect(examples.sort()).toEqual(names.map((e) => `configs/examples/${e}.yml`));
    for (const example of examples) {
      for (const key of Object.keys(parsed.yaml[example]!)) expect(Object.keys(base)).toContain(key);
    }
    if (answers.dvc === false) {
      expect(parsed.yaml['dvc.yaml']).toBeUndefined();
    } else {
      const dvc = parsed.yaml['dvc.yaml'] as { stages: Record<string, { cmd: string }> };
      expect(Object.keys(dvc.stages)).toEqual(['etl', 'train', 'evaluate']);
      expect(dvc.stages.train!.cmd).toBe(`python -m ${packageName}.train params.yaml`);
    }
  });

  it('pins every requirement from src/shared/versions.ts, with dvc and pre-commit only when chosen', () => {
    const lines = (file: string) =>
      readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const pins = (file: string) => lines(file).filter((l) => !l.startsWith('-r '));
    const versions = pythonPackages as Record<string, string>;
    for (const pin of [...pins('requirements.txt'), ...pins('requirements-dev.txt')]) {
      const [name, version] = pin.split('==');
      expect(versions[name!], pin).toBe(version);
    }
    expect(lines('requirements-dev.txt')[0]).toBe('-r requirements.txt');
    const dev = pins('requirements-dev.txt').map((p) => p.split('==')[0]);
    expect(dev.includes('dvc')).toBe(answers.dvc !== false);
    expect(dev.includes('pre-commit')).toBe(answers.precommit !== false);
    expect(pins('requirements.txt').map((p) => p.split('==')[0])).toEqual(
      ['numpy', 'pandas', 'scikit-learn', 'pyyaml', 'matplotlib', 'joblib', 'mlflow', 'fastapi', 'uvicorn'],
    );
    // The serving image's requirements: the same pins, without training, tracking and plotting.
    expect(pins('requirements-serve.txt')).toEqual(pins('requirements.txt').filter((p) => !/^(matplotlib|mlflow)==/.test(p)));
  });

  it('writes a notebook in nbformat 4 without outputs, with a papermill parameters cell, whose code runs', async () => {
    const path = join(dir, 'notebooks', '01-exploration.ipynb');
    const notebook = JSON.parse(readFileSync(path, 'utf8')) as Notebook;
    expect(notebook.nbformat).toBe(4);
    expect(notebook.nbformat_minor).toBeGreaterThanOrEqual(5);
    expect(notebook.metadata.kernelspec.name).toBe('python3');
    expect(new Set(notebook.cells.map((c) => c.id)).size).toBe(notebook.cells.length);
    for (const cell of notebook.cells.filter((c) => c.cell_type === 'code')) {
      expect(cell.outputs).toEqual([]);
      expect(cell.execution_count).toBeNull();
    }
    const parameters = notebook.cells.filter((c) => c.metadata.tags?.includes('parameters'));
    expect(parameters).toHaveLength(1);
    expect(parameters[0]!.source.join('')).toBe('config_path = "configs/examples/baseline.yml"');
    expect(notebook.cells[0]!.source).toContain(`${md(hostile.description)}\n`);
    expect(notebook.cells.map((c) => c.source.join('')).join('\n')).toContain(`from ${packageName}.config import`);

    const script = join(tempDir('cmp-nb-'), 'run_notebook.py');
    writeFileSync(script, notebookScript);
    const run = await runPython([script, path], join(dir, 'notebooks'));
    expect(run.stderr).not.toContain('Traceback');
    expect(run.stdout).toContain('notebook ran');
    expect(run.code).toBe(0);
  }, 120_000);
});
