/**
 * DVC in a generated project, with no DVC installed (PyPI is out of reach):
 * the repository DVC needs is there as generated, git lets through what
 * `dvc add` writes, dvc.yaml holds to DVC's documented schema, and each
 * stage's command, run as DVC runs it, reads only what the stage declares and
 * writes only what it declares (Python's audit hooks see every file opened).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateProject, presets, repoRoot, tempDir, torchPresets } from './helpers/generate.js';
import { runProcess } from './helpers/process.js';
import { runPython } from './helpers/python.js';

type Entry = string | Record<string, unknown>;
interface Stage {
  cmd: string;
  deps?: string[];
  params?: Entry[];
  outs?: Entry[];
  metrics?: Entry[];
  plots?: Entry[];
}
interface DvcYaml {
  stages: Record<string, Stage>;
}

const variants = {
  sklearn: { ...presets.defaults, git: true },
  pytorch: { ...torchPresets['pytorch-auto'], git: true },
  'sklearn-classification': { ...presets.defaults, task: 'classification', git: true },
  'pytorch-classification': { ...torchPresets['pytorch-auto'], task: 'classification', git: true },
};
const projects: Record<string, string> = {};

beforeAll(async () => {
  await Promise.all(
    Object.entries(variants).map(async ([name, answers]) => {
      const result = await generateProject(answers);
      expect(result.code, result.stderr).toBe(0);
      projects[name] = result.dir;
    }),
  );
}, 120_000);

const git = (dir: string, args: readonly string[]) => runProcess('git', args, { cwd: dir });
const dvcYaml = (dir: string) => parseYaml(readFileSync(join(dir, 'dvc.yaml'), 'utf8')) as DvcYaml;
/** The path of a dvc.yaml list entry: a string, or the one key of a mapping. */
const pathOf = (entry: Entry) => (typeof entry === 'string' ? entry : Object.keys(entry)[0]!);
/** Every file of the project but git's and the tracking store's, with its size and modification time. */
function snapshot(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(
    files
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .filter((p) => !/^(\.git|mlruns)\//.test(p) && !/(^|\/)__pycache__\//.test(p))
      .map((p) => {
        const info = statSync(join(dir, p));
        return [p, `${info.size}:${info.mtimeMs}`] as const;
      }),
  );
}
const outputsOf = (stage: Stage) => [...(stage.outs ?? []), ...(stage.metrics ?? []), ...(stage.plots ?? [])].map(pathOf);

describe.each(Object.keys(variants))('%s: DVC', (variant) => {
  it('is a DVC repository as generated: .dvc/ and .dvcignore are in the first commit, what DVC keeps locally is ignored', async () => {
    const dir = projects[variant]!;
    const tracked = (await git(dir, ['ls-files'])).stdout.split('\n');
    expect(tracked).toEqual(expect.arrayContaining(['.dvc/config', '.dvc/.gitignore', '.dvcignore', 'dvc.yaml', 'params.yaml']));
    // What `dvc init` writes in .dvc/.gitignore: the cache, the temporary files, the local (credentials) config.
    expect(readFileSync(join(dir, '.dvc/.gitignore'), 'utf8')).toBe('/config.local\n/tmp\n/cache\n');
    const local = ['.dvc/config.local', '.dvc/cache/files/md5/ab/cdef', '.dvc/tmp/lock'];
    for (const file of local) {
      mkdirSync(join(dir, dirname(file)), { recursive: true });
      writeFileSync(join(dir, file), 'x');
    }
    const ignored = await git(dir, ['check-ignore', ...local]);
    expect(ignored.stdout.trim().split('\n').sort()).toEqual([...local].sort());
    // Every line of .dvc/config is a comment: DVC's defaults, no remote until one is added.
    expect(readFileSync(join(dir, '.dvc/config'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([]);
  });

  it('git check-ignore finds nothing for the .dvc files `dvc add` writes, and still ignores the data and models', async () => {
    const dir = projects[variant]!;
    const dvcFiles = ['data/raw/x.csv.dvc', 'data/raw/images.dvc', 'data/external/labels.parquet.dvc', 'data/interim/y.csv.dvc', 'models/pretrained.pt.dvc'];
    const data = ['data/raw/x.csv', 'data/external/labels.parquet', 'data/processed/train.csv', 'models/pretrained.pt', 'models/model.joblib'];
    for (const file of [...dvcFiles, ...data]) writeFileSync(join(dir, file), 'x');
    const notIgnored = await git(dir, ['check-ignore', ...dvcFiles]);
    expect(notIgnored.stdout).toBe('');
    expect(notIgnored.code).toBe(1);
    const ignored = await git(dir, ['check-ignore', ...data]);
    expect(ignored.stdout.trim().split('\n').sort()).toEqual([...data].sort());
    // git add takes them without -f, as `dvc add` tells users to run it.
    const add = await git(dir, ['add', '--dry-run', ...dvcFiles]);
    expect(add.code, add.stderr).toBe(0);
  });

  it("dvc.yaml holds to DVC's documented schema, and a misspelt key does not", () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/dvc/dvc-yaml.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const pipeline = dvcYaml(projects[variant]!);
    expect(validate(pipeline), JSON.stringify(validate.errors)).toBe(true);
    for (const broken of [{ ...pipeline, stage: {} }, { stages: { etl: { ...pipeline.stages.etl, dep: [] } } }, { stages: { etl: { deps: ['x'] } } }]) {
      expect(validate(broken)).toBe(false);
    }
  });

  it('every stage runs params.yaml and tracks every setting of it and of configs/config.yml as params', () => {
    const dir = projects[variant]!;
    const { stages } = dvcYaml(dir);
    expect(Object.keys(stages)).toEqual(['etl', 'train', 'evaluate']);
    for (const [name, stage] of Object.entries(stages)) {
      expect(stage.cmd, name).toMatch(new RegExp(`^python -m \\w+\\.${name} params\\.yaml$`));
      // `- file:` with nothing after it: every param of the file.
      expect(stage.params, name).toEqual([{ 'params.yaml': null }, { 'configs/config.yml': null }]);
    }
  });

  it('the `dvc exp run -S` examples in params.yaml, dvc.yaml and the README name settings params.yaml has (DVC refuses others without ++)', () => {
    const dir = projects[variant]!;
    const params = parseYaml(readFileSync(join(dir, 'params.yaml'), 'utf8')) as Record<string, unknown>;
    const base = parseYaml(readFileSync(join(dir, 'configs/config.yml'), 'utf8')) as Record<string, unknown>;
    const lookup = (values: unknown, key: string) => key.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], values);
    const examples = ['params.yaml', 'dvc.yaml', 'README.md'].flatMap((file) => [...readFileSync(join(dir, file), 'utf8').matchAll(/dvc exp run -S (\+\+)?([\w.]+)=/g)]);
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const [, plusPlus, key] of examples) {
      if (plusPlus) expect(lookup(base, key!), key).not.toBeUndefined();
      else expect(lookup(params, key!), key).not.toBeUndefined();
    }
  });

  it('each stage, run as DVC runs it, reads only its deps, params and what it wrote, and writes exactly its outs', async () => {
    const dir = join(tempDir('cmp-dvc-run-'), 'project');
    cpSync(projects[variant]!, dir, { recursive: true });
    const { stages } = dvcYaml(dir);
    const audit = join(repoRoot, 'test/helpers/file_audit.py');
    const produced = new Set<string>();
    for (const [name, stage] of Object.entries(stages)) {
      const params = (stage.params ?? []).map(pathOf);
      const deps = stage.deps ?? [];
      const outs = outputsOf(stage);
      for (const dep of deps) expect(existsSync(join(dir, dep)) || produced.has(dep), `${name}: dep ${dep} is neither in the project nor an earlier stage's out`).toBe(true);
      // DVC removes a stage's outs before it runs, except persistent ones.
      for (const out of [...(stage.outs ?? []), ...(stage.metrics ?? []), ...(stage.plots ?? [])]) {
        const persist = typeof out !== 'string' && (Object.values(out)[0] as { persist?: boolean } | null)?.persist;
        if (!persist) rmSync(join(dir, pathOf(out)), { force: true });
      }
      const before = snapshot(dir);
      const log = join(tempDir('cmp-dvc-audit-'), `${name}.jsonl`);
      const [python, dashM, module, ...args] = stage.cmd.split(' ');
      expect([python, dashM]).toEqual(['python', '-m']);
      const run = await runPython([audit, log, module!, ...args], dir, 600_000);
      expect(run.code, `${stage.cmd}\n${run.stderr.slice(-3000)}`).toBe(0);

      const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; write: boolean; renamed_from?: string });
      const inProject = (path: string) => {
        const rel = relative(dir, path);
        return rel.startsWith('..') || rel.startsWith('/') || /(^|\/)(__pycache__|mlruns)(\/|$)/.test(rel) ? undefined : rel;
      };
      const temporary = new Set(entries.map((e) => e.renamed_from && inProject(e.renamed_from)).filter(Boolean));
      // Files C code writes without Python's open (torch.save) show up as changed on disk.
      const after = snapshot(dir);
      const changed = [...after].filter(([path, stamp]) => before.get(path) !== stamp).map(([path]) => path);
      const opened = entries.filter((e) => e.write).map((e) => inProject(e.path));
      const written = new Set([...opened, ...changed].filter((p): p is string => p !== undefined && !temporary.has(p) && existsSync(join(dir, p))));
      const read = new Set(entries.filter((e) => !e.write).map((e) => inProject(e.path)).filter((p): p is string => p !== undefined && existsSync(join(dir, p))));
      const allowedReads = new Set([...deps, ...params, ...written]);
      expect([...read].filter((p) => !allowedReads.has(p)), `${name} reads files its deps do not list`).toEqual([]);
      expect([...written].sort(), `${name} writes other files than its outs`).toEqual([...outs].sort());
      for (const out of outs) produced.add(out);
    }
  }, 900_000);
});

describe('DVC switched off', () => {
  it('leaves no .dvc folder, .dvcignore, params.yaml or .dvc exception in .gitignore', async () => {
    const result = await generateProject(presets.minimal!);
    expect(result.code, result.stderr).toBe(0);
    for (const path of ['.dvc', '.dvcignore', 'params.yaml', 'dvc.yaml']) expect(existsSync(join(result.dir, path)), path).toBe(false);
    expect(readFileSync(join(result.dir, '.gitignore'), 'utf8')).not.toMatch(/dvc/i);
  });
});
