/**
 * The quality gate of the generated Python, for every variant a user can
 * choose (framework x task x compute, optional parts off): ruff (lint and format,
 * with the generated pyproject's [tool.ruff]) and pyright (with its
 * [tool.pyright], basic mode) find nothing. pyright resolves numpy, pandas,
 * scikit-learn and torch in Debian's /usr/bin/python3, as ML engineers'
 * editors would in their own environment.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PositionEncoding, Workspace } from '@astral-sh/ruff-wasm-nodejs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject, repoRoot, tempDir } from './helpers/generate.js';

const python = '/usr/bin/python3';

const variants: Record<string, Record<string, unknown>> = {
  'sklearn, auto': { framework: 'sklearn', compute: 'auto' },
  'sklearn, cpu, parts off': { framework: 'sklearn', compute: 'cpu', dvc: false, precommit: false, ci: false, devcontainer: false, license: 'none' },
  'pytorch, auto': { framework: 'pytorch', compute: 'auto', pythonVersion: '3.11' },
  'pytorch, cpu, parts off': { framework: 'pytorch', compute: 'cpu', dvc: false, precommit: false, ci: false, devcontainer: false, license: 'none' },
  'pytorch, gpu': { framework: 'pytorch', compute: 'gpu', cudaVersion: '13.0', pythonVersion: '3.13' },
  'sklearn classification, auto': { framework: 'sklearn', task: 'classification', compute: 'auto', pythonVersion: '3.10' },
  'pytorch classification, cpu, parts off': {
    framework: 'pytorch', task: 'classification', compute: 'cpu', dvc: false, precommit: false, ci: false, devcontainer: false, license: 'none',
  },
  'pytorch classification, gpu': { framework: 'pytorch', task: 'classification', compute: 'gpu', pythonVersion: '3.12' },
};

interface Project {
  dir: string;
  packageName: string;
  ruff: Record<string, unknown>;
  pyright: { include: string[]; typeCheckingMode: string; pythonVersion: string };
}

const parent = tempDir('cmp-quality-');
const projects: Record<string, Project> = {};

/** [tool] of a pyproject.toml, read by Python's tomllib. */
function toolTable(dir: string): { ruff: Record<string, unknown>; pyright: Project['pyright'] } {
  const script = 'import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))["tool"]))';
  const result = spawnSync(python, ['-c', script, join(dir, 'pyproject.toml')], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { ruff: Record<string, unknown>; pyright: Project['pyright'] };
}

function pythonFiles(project: Project): string[] {
  return [project.packageName, 'tests'].flatMap((folder) =>
    readdirSync(join(project.dir, folder)).filter((f) => f.endsWith('.py')).map((f) => join(project.dir, folder, f)),
  );
}

beforeAll(async () => {
  await Promise.all(
    Object.entries(variants).map(async ([name, answers], i) => {
      const packageName = `variant_${i}`;
      const result = await generateProject({ projectName: `variant-${i}`, packageName, ...answers }, { cwd: parent });
      expect(result.code, result.stderr).toBe(0);
      const { ruff, pyright } = toolTable(result.dir);
      projects[name] = { dir: result.dir, packageName, ruff, pyright };
    }),
  );
}, 120_000);

describe.each(Object.keys(variants))('the generated Python (%s)', (name) => {
  it('passes ruff check and ruff format --check with the project\'s own settings', () => {
    const project = projects[name]!;
    // Options of the files to look at, not of the checks.
    const { 'extend-exclude': _paths, ...settings } = project.ruff;
    const workspace = new Workspace(settings, PositionEncoding.Utf16);
    const problems: string[] = [];
    for (const file of pythonFiles(project)) {
      const source = readFileSync(file, 'utf8');
      const where = relative(project.dir, file);
      for (const d of workspace.check(source) as { code: string; message: string; start_location: { row: number } }[]) {
        problems.push(`${where}:${d.start_location.row} ${d.code} ${d.message}`);
      }
      if (workspace.format(source) !== source) problems.push(`${where}: not formatted as ruff format would`);
    }
    expect(problems).toEqual([]);
    expect(pythonFiles(project).length).toBeGreaterThan(10);
  });
});

describe('pyright over every variant at once', () => {
  it('reports no error, in basic mode, with the packages of /usr/bin/python3', () => {
    // One run over all the projects (pyright is slow to start on torch):
    // each project is an execution environment of its own, with its settings.
    const environments = Object.values(projects).map((p) => {
      expect(p.pyright.typeCheckingMode).toBe('basic');
      return { root: relative(parent, p.dir), pythonVersion: p.pyright.pythonVersion };
    });
    const include = Object.values(projects).flatMap((p) => p.pyright.include.map((path) => join(relative(parent, p.dir), path)));
    writeFileSync(join(parent, 'pyrightconfig.json'), JSON.stringify({ include, typeCheckingMode: 'basic', executionEnvironments: environments }));
    const pyright = join(repoRoot, 'node_modules', 'pyright', 'index.js');
    const run = spawnSync(process.execPath, [pyright, '--outputjson', '--pythonpath', python, '-p', parent], {
      cwd: parent,
      encoding: 'utf8',
      timeout: 600_000,
    });
    const report = JSON.parse(run.stdout) as {
      generalDiagnostics: { file: string; severity: string; message: string; rule?: string; range: { start: { line: number } } }[];
      summary: { filesAnalyzed: number };
    };
    const errors = report.generalDiagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${relative(parent, d.file)}:${d.range.start.line + 1} ${d.rule ?? ''} ${d.message}`);
    expect(errors).toEqual([]);
    expect(report.summary.filesAnalyzed).toBeGreaterThanOrEqual(Object.values(projects).reduce((n, p) => n + pythonFiles(p).length, 0));
    expect(run.status, run.stderr).toBe(0);
  }, 600_000);
});
