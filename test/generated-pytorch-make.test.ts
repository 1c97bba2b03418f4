/**
 * The PyTorch project's Makefile and README, with GNU make and Debian's
 * python3: `make train GPUS=N` / `GPUS=all` run training under torchrun,
 * `make gpu-check` runs the package's check for real and fails clearly
 * without a GPU, and the README shows the lines to type.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject, tempDir } from './helpers/generate.js';
import { python } from './helpers/python.js';

const projects: Record<string, string> = {};

beforeAll(async () => {
  for (const [name, answers] of Object.entries({
    auto: { framework: 'pytorch', compute: 'auto' },
    cpu: { framework: 'pytorch', compute: 'cpu' },
    sklearn: { framework: 'sklearn', compute: 'auto' },
  })) {
    const result = await generateProject({ projectName: `make-${name}`, packageName: 'lab', ...answers });
    expect(result.code, result.stderr).toBe(0);
    projects[name] = result.dir;
  }
}, 120_000);

/** make as inside a container of the project (the recipes run directly), `python` being Debian's. */
function makeInside(dir: string, args: readonly string[]) {
  const bin = tempDir('cmp-python-');
  mkdirSync(bin, { recursive: true });
  symlinkSync(python, join(bin, 'python'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ML_PROJECT_IN_CONTAINER: '1', ML_PROJECT: '' };
  for (const key of ['GPUS', 'CONFIG', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL']) delete env[key];
  const result = spawnSync('make', ['--no-print-directory', ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

describe('the PyTorch Makefile', () => {
  it.each([
    [[], "python -m lab.train 'configs/examples/baseline.yml'"],
    [['GPUS=2'], "torchrun --standalone --nproc_per_node='2' -m lab.train 'configs/examples/baseline.yml'"],
    [['GPUS=all'], "torchrun --standalone --nproc_per_node=gpu -m lab.train 'configs/examples/baseline.yml'"],
    [['GPUS=4', 'CONFIG=configs/examples/wide_mlp.yml'], "torchrun --standalone --nproc_per_node='4' -m lab.train 'configs/examples/wide_mlp.yml'"],
  ])('make train %j runs: %s', (args, expected) => {
    const dry = makeInside(projects.auto!, ['-n', 'train', ...args]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim()).toBe(expected);
  });

  it('make gpu-check runs the check in the container: without a GPU it fails, saying what this torch is and what to do', () => {
    const result = makeInside(projects.auto!, ['gpu-check']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/^torch 1\.13\.\S+, built for CUDA none \(CPU-only build\)$/m);
    expect(result.stderr).toContain('is a CPU-only build: this is the CPU image');
    expect(result.stderr).not.toContain('Traceback');
  });

  it('only a PyTorch project with a GPU image has gpu-check; only PyTorch projects take GPUS', () => {
    const help = (name: string) => makeInside(projects[name]!, ['help']).stdout;
    expect(help('auto')).toMatch(/^ {2}gpu-check {2,}Check the GPUs torch sees/m);
    expect(help('cpu')).not.toContain('gpu-check');
    expect(help('sklearn')).not.toMatch(/gpu-check|GPUS|torchrun/);
    expect(makeInside(projects.sklearn!, ['-n', 'train', 'GPUS=2']).stdout.trim()).toBe("python -m lab.train 'configs/examples/baseline.yml'");
  });
});

describe('the PyTorch README', () => {
  it('shows make train GPUS=N and GPUS=all, the plain torchrun line, --resume and make gpu-check', () => {
    const readme = readFileSync(join(projects.auto!, 'README.md'), 'utf8');
    for (const line of [
      'make train GPUS=2 ',
      'make train GPUS=all ',
      'torchrun --standalone --nproc_per_node=2 -m lab.train configs/examples/baseline.yml\n',
      'python -m lab.train CONFIG --resume',
      'make gpu-check ',
      'PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu pip install -r requirements-dev.txt\n',
    ]) {
      expect(readme).toContain(line);
    }
    expect(readFileSync(join(projects.cpu!, 'README.md'), 'utf8')).not.toContain('gpu-check');
    expect(readFileSync(join(projects.sklearn!, 'README.md'), 'utf8')).not.toMatch(/torch|GPUS/);
  });
});
