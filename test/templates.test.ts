/**
 * The real template tree, rendered in memory for every preset: the exact file
 * list, no template marker or placeholder left, no trace of a part that is
 * switched off, every structured file parseable with hostile free text.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defaultAnswers } from '../src/generate/answers.js';
import { renderProject, type RenderedProject } from '../src/generate/render.js';
import { loadTemplates, type TemplateFile } from '../src/generate/templates.js';
import { cudaImages, pythonImages, torchIndexes } from '../src/shared/versions.js';
import { presets, taskPresets, tempDir, torchPresets } from './helpers/generate.js';

const hostile = {
  description: `Churn & "retention" 'model' at 50% <b>$HOME</b> #1 \\o/ 🚀 $(id) \`id\` {{ x }} \${{ y }} %(z)s`,
  authorName: "Ada O'Brien $USER #1 & <co>",
  authorEmail: 'ada@example.com',
};

let templates: TemplateFile[];
const rendered: Record<string, RenderedProject> = {};

beforeAll(async () => {
  templates = await loadTemplates();
  for (const [name, answers] of Object.entries({ ...presets, ...torchPresets, ...taskPresets })) {
    const resolved = await defaultAnswers({ projectName: 'my-project', ...hostile, ...answers });
    rendered[name] = renderProject(resolved, templates, { year: 2031, generatorVersion: '0.0.0-test' });
  }
});

const text = (project: RenderedProject) => [...project].map(([path, f]) => [path, f.content.toString('utf8')] as const);

/** The files every preset of a framework and task has, for package `pkg`. */
function common(pkg: string, framework: 'sklearn' | 'pytorch' = 'sklearn', task: 'regression' | 'classification' = 'regression'): string[] {
  const family = {
    sklearn: {
      modules: ['models.py'],
      examples: ['gradient_boosting.yml', 'random_forest.yml'],
      tests: [],
    },
    pytorch: {
      modules: ['checkpoints.py', 'devices.py', 'distributed.py', 'nets.py', 'trainer.py'],
      examples: ['linear.yml', 'wide_mlp.yml'],
      tests: ['test_torch.py'],
    },
  }[framework];
  return [
    '.dockerignore', '.env.example', '.gitignore', '.yo-rc.json', 'Makefile', 'README.md',
    'configs/README.md', 'configs/config.yml', 'configs/examples/baseline.yml', 'configs/targets.yml',
    ...family.examples.map((f) => `configs/examples/${f}`),
    ...(task === 'classification' ? ['configs/examples/wine.yml'] : []),
    'data/external/.gitkeep', 'data/interim/.gitkeep', 'data/processed/.gitkeep', 'data/raw/.gitkeep',
    'docker-compose.yml', 'docker/Dockerfile.serve', 'docker/lock.py', 'models/.gitkeep', 'notebooks/01-exploration.ipynb', 'pyproject.toml',
    'reports/figures/.gitkeep', 'requirements-dev.txt', 'requirements-serve.txt', 'requirements.txt',
    ...[
      '__init__.py', 'api.py', 'cli.py', 'config.py', 'data.py', 'errors.py', 'etl.py', 'evaluate.py', 'figures.py', 'inference.py', 'metrics.py',
      'predict.py', 'rules.py', 'schema.py', 'serve.py', 'tracking.py', 'tracking_store.py', 'train.py', ...family.modules,
    ].map((f) => `${pkg}/${f}`),
    ...['conftest.py', 'test_config.py', 'test_pipeline.py', 'test_predict.py', 'test_schema.py', 'test_serve.py', 'test_tracking.py', ...family.tests].map((f) => `tests/${f}`),
  ];
}
const optional = ['.devcontainer/devcontainer.json', '.github/workflows/ci.yml', '.pre-commit-config.yaml', '.dvc/.gitignore', '.dvc/config', '.dvcignore', 'dvc.yaml', 'params.yaml', 'LICENSE'];

const expectedFiles: Record<string, string[]> = {
  defaults: [...common('my_project'), ...optional, '.devcontainer/compute.sh', 'docker-compose.gpu.yml', 'docker/Dockerfile.cpu', 'docker/Dockerfile.gpu'],
  cpu: [...common('my_project'), ...optional, 'docker/Dockerfile.cpu'],
  gpu: [...common('vision'), ...optional, 'docker/Dockerfile.gpu'],
  minimal: [...common('my_project'), 'docker-compose.gpu.yml', 'docker/Dockerfile.cpu', 'docker/Dockerfile.gpu'],
  // gpu_check.py comes with a GPU image only: make gpu-check runs it there.
  'pytorch-auto': [...common('my_project', 'pytorch'), ...optional, '.devcontainer/compute.sh', 'docker-compose.gpu.yml', 'docker/Dockerfile.cpu', 'docker/Dockerfile.gpu', 'my_project/gpu_check.py'],
  'pytorch-cpu': [...common('my_project', 'pytorch'), 'docker/Dockerfile.cpu'],
  'pytorch-gpu': [...common('vision', 'pytorch'), ...optional, 'docker/Dockerfile.gpu', 'vision/gpu_check.py'],
  'classification': [...common('my_project', 'sklearn', 'classification'), ...optional, '.devcontainer/compute.sh', 'docker-compose.gpu.yml', 'docker/Dockerfile.cpu', 'docker/Dockerfile.gpu'],
  'pytorch-classification': [...common('my_project', 'pytorch', 'classification'), 'docker/Dockerfile.cpu'],
};

describe('the templates', () => {
  it('write no user value with <%= (HTML escaping)', () => {
    for (const file of templates.filter((t) => t.path.endsWith('.ejs'))) {
      expect(file.content.toString('utf8'), file.path).not.toMatch(/<%=/);
    }
  });

  it.each(Object.keys(expectedFiles))('generate exactly the expected files for the %s preset', (preset) => {
    expect([...rendered[preset]!.keys()].sort()).toEqual([...expectedFiles[preset]!].sort());
  });

  it.each(Object.keys(expectedFiles))('leave no template marker or placeholder in the %s preset', (preset) => {
    for (const [path, content] of text(rendered[preset]!)) {
      expect(path).not.toMatch(/__package__|\.ejs$|(^|\/)_gitignore$/);
      expect(content, path).not.toMatch(/<%|%>/);
      expect(content, path).not.toMatch(/\bTODO\b|\bFIXME\b|\bXXX\b|placeholder|>>>>|<<<<|lorem ipsum|put .* here/i);
    }
  });

  it('leave no trace of the parts that are switched off', () => {
    const traces: Record<string, RegExp> = {
      dvc: /\bdvc\b/i,
      'pre-commit': /pre-commit/i,
      'GitHub Actions': /github actions|\.github\/|GITHUB_STEP_SUMMARY/i,
      devcontainer: /devcontainer/i,
      license: /^LICENSE$/,
    };
    // .yo-rc.json stores every answer, the parts switched off included (`dvc: false`).
    for (const [path, content] of text(rendered.minimal!).filter(([p]) => p !== '.yo-rc.json')) {
      for (const [part, trace] of Object.entries(traces)) {
        if (part === 'license') expect(path).not.toMatch(trace);
        else expect(content, `${part} in ${path}`).not.toMatch(trace);
      }
    }
  });

  it('keep hostile free text parseable and verbatim in YAML, JSON and TOML', () => {
    for (const project of Object.values(rendered)) {
      for (const [path, content] of text(project)) {
        if (/\.ya?ml$/.test(path)) expect(() => parseYaml(content), path).not.toThrow();
        if (/\.(json|ipynb)$/.test(path)) expect(() => JSON.parse(content), path).not.toThrow();
      }
      const config = parseYaml(project.get('configs/config.yml')!.content.toString()) as { experiment: { description: string } };
      expect(config.experiment.description).toBe(hostile.description);
    }
    const dir = tempDir();
    const file = join(dir, 'pyproject.toml');
    writeFileSync(file, rendered.defaults!.get('pyproject.toml')!.content);
    const parsed = JSON.parse(
      execFileSync('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1],"rb"))))', file], { encoding: 'utf8' }),
    ) as { project: { description: string; authors: { name: string }[] } };
    expect(parsed.project.description).toBe(hostile.description);
    expect(parsed.project.authors[0]!.name).toBe(hostile.authorName);
  });

  it('leave no trace of the other framework', () => {
    const torchTrace = /torch|PIP_EXTRA_INDEX_URL|nets\.py|trainer\.py|gpu[_-]check/i;
    const sklearnTrace = /joblib|random_forest|gradient_boosting|models\.py|estimator/i;
    for (const [preset, project] of Object.entries(rendered)) {
      const trace = preset.startsWith('pytorch') ? sklearnTrace : torchTrace;
      for (const [path, content] of text(project).filter(([p]) => p !== '.yo-rc.json')) {
        expect(`${path}: ${content.match(trace)?.[0] ?? ''}`).toBe(`${path}: `);
      }
    }
  });

  it('leave no trace of the other task', () => {
    const classificationTrace = /breast_cancer|\bwine\b|confusion|roc_auc|roc_curve|classification|probabilit/i;
    const regressionTrace = /diabetes|residual|\br2\b|rmse|predicted_vs_actual|regressor/i;
    for (const [preset, project] of Object.entries(rendered)) {
      const trace = preset.includes('classification') ? regressionTrace : classificationTrace;
      // dvc.yaml declares the evaluation's outputs in its own terms.
      for (const [path, content] of text(project).filter(([p]) => p !== '.yo-rc.json' && p !== 'dvc.yaml')) {
        expect(`${path}: ${content.match(trace)?.[0] ?? ''}`).toBe(`${path}: `);
      }
    }
  });

  it('install torch from the PyTorch index of its build: CUDA X.Y in the GPU image, CPU-only in the CPU image and CI', async () => {
    // The mapping itself: one index per CUDA version offered, named after it (12.6 -> cu126).
    expect(Object.keys(torchIndexes).sort()).toEqual(['cpu', ...Object.keys(cudaImages)].sort());
    for (const cuda of Object.keys(cudaImages) as (keyof typeof cudaImages)[]) {
      expect(torchIndexes[cuda]).toBe(`https://download.pytorch.org/whl/cu${cuda.replace('.', '')}`);
    }
    expect(torchIndexes.cpu).toBe('https://download.pytorch.org/whl/cpu');
    const indexOf = (content: string) => /^ARG TORCH_INDEX_URL=(\S+)$/m.exec(content)?.[1];
    for (const cudaVersion of Object.keys(cudaImages)) {
      const answers = await defaultAnswers({ projectName: 'p', framework: 'pytorch', compute: 'auto', cudaVersion });
      const project = renderProject(answers, templates, { year: 2031, generatorVersion: '0.0.0-test' });
      const file = (path: string) => project.get(path)!.content.toString('utf8');
      expect(indexOf(file('docker/Dockerfile.gpu')), cudaVersion).toBe(torchIndexes[cudaVersion as keyof typeof cudaImages]);
      expect(indexOf(file('docker/Dockerfile.cpu')), cudaVersion).toBe(torchIndexes.cpu);
      for (const dockerfile of ['docker/Dockerfile.cpu', 'docker/Dockerfile.gpu']) {
        expect(file(dockerfile)).toContain('ENV PIP_EXTRA_INDEX_URL=${TORCH_INDEX_URL}\n');
      }
      const ci = parseYaml(file('.github/workflows/ci.yml')) as { jobs: { test: { env: Record<string, string> } } };
      expect(ci.jobs.test.env.PIP_EXTRA_INDEX_URL).toBe(torchIndexes.cpu);
      // One version for every build, in the requirements of the pipeline and of the serving image.
      expect(file('requirements.txt')).toMatch(/^torch==\d+\.\d+\.\d+$/m);
      const pinned = [...project].filter(([, f]) => /^torch==/m.test(f.content.toString('utf8'))).map(([p]) => p);
      expect(pinned).toEqual(['requirements-serve.txt', 'requirements.txt']);
      expect(indexOf(file('docker/Dockerfile.serve')), cudaVersion).toBe(torchIndexes.cpu);
    }
  });

  it('take every base image from src/shared/versions.ts', () => {
    const pinned = new Set<string>([...Object.values(pythonImages), ...Object.values(cudaImages)]);
    for (const project of Object.values(rendered)) {
      for (const [path, content] of text(project).filter(([p]) => p.startsWith('docker/Dockerfile'))) {
        const images = [...content.matchAll(/^(?:FROM\s+|ARG\s+\w*IMAGE\w*=)(\S+:\S+)/gm)].map((m) => m[1]!);
        expect(images.length, path).toBeGreaterThan(0);
        for (const image of images.filter((i) => !i.includes('$'))) expect(pinned, `${image} in ${path}`).toContain(image);
      }
    }
  });
});
