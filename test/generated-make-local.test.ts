/**
 * The generated project without Docker: `make venv` makes .venv from the
 * pinned requirements and `LOCAL=1` runs the project's code there. There is no
 * PyPI here, so pip installs from local wheels: stand-ins made from the pins
 * by test/fixtures/base-image/standins/make_wheels.py, with Debian's own numpy,
 * pandas and scikit-learn serving through --system-site-packages (as in the
 * test base image). The project's own pytest and pipeline then run for real,
 * with no engine anywhere (DOCKER_HOST names a socket that does not exist).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonPackages } from '../src/shared/versions.js';
import { generateProject, repoRoot, tempDir } from './helpers/generate.js';
import { runMake, type Env } from './helpers/make.js';

const python = '/usr/bin/python3';
const makeWheels = join(repoRoot, 'test', 'fixtures', 'base-image', 'standins', 'make_wheels.py');
const hostPython = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
const otherPython = hostPython === '3.12' ? '3.13' : '3.12';

const projects: Record<'other' | 'same', { dir: string; packageName: string; dvc: boolean }> = {
  other: { dir: '', packageName: 'churn', dvc: true },
  same: { dir: '', packageName: 'local_lab', dvc: false },
};
const wheels = tempDir('cmp-wheels-');

beforeAll(async () => {
  const made = await Promise.all([
    generateProject({ projectName: 'churn', packageName: 'churn', pythonVersion: otherPython }),
    generateProject({ projectName: 'local-lab', packageName: 'local_lab', pythonVersion: hostPython, dvc: false, precommit: false, ci: false, devcontainer: false }),
  ]);
  for (const result of made) expect(result.code, result.stderr).toBe(0);
  projects.other.dir = made[0]!.dir;
  projects.same.dir = made[1]!.dir;
  for (const { dir } of Object.values(projects)) {
    for (const file of ['requirements.txt', 'requirements-dev.txt']) {
      const result = spawnSync(python, [makeWheels, join(dir, file), wheels], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
    }
  }
}, 120_000);

/** No Docker, pip offline on the stand-in wheels, matplotlib without a display. */
function local(extra: Env = {}): Env {
  return {
    ML_PROJECT: undefined,
    DOCKER_HOST: `unix://${join(tempDir('cmp-noengine-'), 'docker.sock')}`,
    PIP_NO_INDEX: '1',
    PIP_FIND_LINKS: wheels,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    MPLBACKEND: 'Agg',
    ...extra,
  };
}

const venvArgs = [`PYTHON=${python}`, 'VENV_ARGS=--system-site-packages'];

describe('before make venv', () => {
  it.each(['test', 'etl', 'lint', 'train'])('make %s LOCAL=1 says to run make venv first, and touches no engine', async (target) => {
    const result = await runMake(projects.other.dir, [target, 'LOCAL=1'], local());
    expect(result.code).not.toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(
      `make ${target} LOCAL=1: .venv does not exist yet: make venv makes it from requirements.txt and requirements-dev.txt; then make ${target} LOCAL=1 again.`,
    );
    expect(result.stderr).not.toMatch(/Docker|ml-project/);
  });

  it.each(['yes', 'true', '2', 'on'])('LOCAL=%s is refused, naming the values that work', async (value) => {
    const result = await runMake(projects.other.dir, ['test', `LOCAL=${value}`], local());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^Makefile:\\d+: \\*\\*\\* LOCAL=${value}: give LOCAL=1 to run in \\.venv on this machine, or leave LOCAL unset to run in the containers\\.  Stop\\.$`, 'm'),
    );
  });

  it.each(['python3.99', 'no such python'])('make venv PYTHON=%s says that Python is not here, and makes no .venv', async (missing) => {
    const result = await runMake(projects.other.dir, ['venv', `PYTHON=${missing}`], local());
    expect(result.code).not.toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(
      `make venv: ${missing} is not installed here: install Python ${otherPython} (the containers have it), or name another with make venv PYTHON=python3.x`,
    );
    expect(existsSync(join(projects.other.dir, '.venv'))).toBe(false);
  });
});

describe('make venv, then the tests and the pipeline with LOCAL=1', () => {
  it('make venv installs every pin of both requirements files into .venv', async () => {
    const { dir } = projects.other;
    const result = await runMake(dir, ['venv', ...venvArgs], local(), 300_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`Making .venv with ${python}`);
    expect(result.stdout).toContain('Ready: make test LOCAL=1 (or lint, format, etl, train, evaluate, dvc-repro) runs in .venv.');
    // The containers' Python differs from this one: said, with the way to match it. (pip also
    // warns here that Debian's scipy wants Debian's numpy, not the stand-in's version.)
    expect(result.stderr.split('\n').filter((l) => l.startsWith('Note:'))).toEqual([
      `Note: .venv has Python ${hostPython}; the containers have ${otherPython}. For the same: rm -rf .venv, then make venv PYTHON=python${otherPython}`,
    ]);
    const freeze = spawnSync(join(dir, '.venv', 'bin', 'python'), ['-m', 'pip', 'list', '--format=freeze'], { encoding: 'utf8' });
    const installed = new Set(freeze.stdout.toLowerCase().replace(/_/g, '-').split('\n'));
    for (const file of ['requirements.txt', 'requirements-dev.txt']) {
      for (const pin of readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => /^[A-Za-z0-9]/.test(l))) {
        expect(installed, `${file}: ${pin}`).toContain(pin.trim().toLowerCase().replace(/_/g, '-'));
      }
    }
    expect(installed).toContain(`mlflow==${pythonPackages.mlflow}`);
    expect(installed).toContain(`dvc==${pythonPackages.dvc}`);
  }, 300_000);

  it('make venv again keeps .venv and only checks the requirements', async () => {
    const { dir } = projects.other;
    const before = statSync(join(dir, '.venv', 'pyvenv.cfg')).mtimeMs;
    const result = await runMake(dir, ['venv', ...venvArgs], local(), 300_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('Making .venv');
    expect(statSync(join(dir, '.venv', 'pyvenv.cfg')).mtimeMs).toBe(before);
  }, 300_000);

  it("make test LOCAL=1 runs the project's pytest in .venv", async () => {
    const { dir } = projects.other;
    // One more test in the project: it passes only under .venv's Python.
    writeFileSync(join(dir, 'tests', 'test_where.py'), 'import sys\nfrom pathlib import Path\n\n\ndef test_runs_in_dot_venv():\n    assert Path(sys.prefix).resolve() == (Path.cwd() / ".venv").resolve()\n');
    const result = await runMake(dir, ['test', 'LOCAL=1'], local(), 300_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\d+ passed/);
    expect(result.stdout).not.toMatch(/\d+ failed/);
    expect(result.stdout).toContain('test_where.py .');
  }, 300_000);

  it('make etl train evaluate LOCAL=1 runs the pipeline in .venv and writes the metrics', async () => {
    const { dir } = projects.other;
    const result = await runMake(dir, ['etl', 'train', 'evaluate', 'LOCAL=1', 'CONFIG=configs/examples/random_forest.yml'], local(), 300_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8')) as Record<string, number>;
    expect(Object.keys(metrics).length).toBeGreaterThan(0);
    for (const value of Object.values(metrics)) expect(Number.isFinite(value)).toBe(true);
    expect(readdirSync(join(dir, 'data', 'processed')).sort()).toEqual(expect.arrayContaining(['test.csv', 'train.csv']));
    expect(readdirSync(join(dir, 'models')).filter((f) => f !== '.gitkeep').length).toBeGreaterThan(0);
    expect(result.stderr).not.toMatch(/Docker|docker-compose/);
  }, 300_000);

  it('a project on the Python of this machine: no note', async () => {
    const { dir } = projects.same;
    const result = await runMake(dir, ['venv', ...venvArgs], local(), 300_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).not.toContain('Note:');
    expect(result.stdout).toContain('Ready: make test LOCAL=1 (or lint, format, etl, train, evaluate) runs in .venv.');
    const tests = await runMake(dir, ['test', 'LOCAL=1'], local(), 300_000);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/\d+ passed/);
  }, 300_000);
});

describe('what LOCAL=1 runs (make -n), and where it does not apply', () => {
  it('each project-code target runs its commands with .venv first on PATH', async () => {
    const { dir, packageName } = projects.other;
    const prefix = `VIRTUAL_ENV='${dir}/.venv' PATH='${dir}/.venv/bin':"$PATH"`;
    const expected: Record<string, string[]> = {
      test: ['python -m pytest'],
      lint: ['ruff check .', 'ruff format --check .'],
      format: ['ruff format .', 'ruff check --fix .'],
      etl: [`python -m ${packageName}.etl 'configs/examples/baseline.yml'`],
      train: [`python -m ${packageName}.train 'configs/examples/baseline.yml'`],
      evaluate: [`python -m ${packageName}.evaluate 'configs/examples/baseline.yml'`],
      'dvc-repro': ['dvc repro'],
    };
    for (const [target, commands] of Object.entries(expected)) {
      const dry = await runMake(dir, ['-n', target, 'LOCAL=1'], local());
      expect(dry.code, dry.stderr).toBe(0);
      const lines = dry.stdout.split('\n').filter(Boolean);
      expect(lines[0], target).toMatch(/^\[ -x \.venv\/bin\/python \] \|\|/);
      expect(lines.slice(1), target).toEqual(commands.map((c) => `${prefix} ${c}`));
    }
  });

  it('LOCAL=0 and LOCAL= run in the containers as without it', async () => {
    const { dir } = projects.same;
    for (const value of ['0', '']) {
      const dry = await runMake(dir, ['-n', 'test', `LOCAL=${value}`], local({ ML_PROJECT: '', COMPOSE: 'docker-compose' }));
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout.trim().split('\n').at(-1)).toBe('docker-compose exec -T bash-executor python -m pytest');
    }
  });

  it('inside a container of the project the code runs right there, LOCAL=1 or not; make venv is for the host', async () => {
    const { dir } = projects.same;
    const inside = local({ ML_PROJECT_IN_CONTAINER: '1' });
    for (const args of [['test'], ['test', 'LOCAL=1']]) {
      const dry = await runMake(dir, ['-n', ...args], inside);
      expect(dry.stdout.trim()).toBe('python -m pytest');
    }
    const refused = await runMake(dir, ['venv'], inside);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('make venv runs on the host, not inside a container of the project.');
  });
});
