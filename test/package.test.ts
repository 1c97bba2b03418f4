/**
 * The published package as a user gets it: the tarball from `npm pack`,
 * installed into an empty folder, generates exactly what the checkout
 * generates, runs the runner, starts through npm exec (as `npx
 * create-ml-project` and `npm create ml-project` do), and stays small.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, isolatedGitEnv, repoRoot, tempDir } from './helpers/generate.js';

const run = promisify(execFile);
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** npm with its own cache and no audit, funding or update chatter. */
function npmEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_cache: join(home, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
}

/** Every file below `dir` with its bytes and mode, every folder by name. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    const info = statSync(path);
    out[relative(dir, path)] = e.isDirectory() ? 'dir' : `${(info.mode & 0o777).toString(8)} ${readFileSync(path).toString('base64')}`;
  }
  return out;
}

/** Installed packages: every folder holding a package.json directly under some node_modules. */
function installedPackages(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const names = e.name.startsWith('@') ? readdirSync(join(dir, e.name)).map((n) => join(e.name, n)) : [e.name];
      for (const name of names) {
        const path = join(dir, name);
        try {
          statSync(join(path, 'package.json'));
        } catch {
          continue;
        }
        found.push(relative(nodeModules, path));
        try {
          if (statSync(join(path, 'node_modules')).isDirectory()) visit(join(path, 'node_modules'));
        } catch {
          // no nested node_modules
        }
      }
    }
  };
  visit(nodeModules);
  return found;
}

function diskBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  return total;
}

describe('the packed package, installed into an empty folder', () => {
  const home = tempDir('cmp-pack-home-');
  const packDir = tempDir('cmp-pack-');
  const installDir = tempDir('cmp-install-');
  let tarball = '';
  const gitEnv = { ...isolatedGitEnv(), npm_config_cache: join(home, 'npm-cache') };
  const env = (extra: NodeJS.ProcessEnv = {}) => {
    const all: NodeJS.ProcessEnv = { ...npmEnv(home), ...gitEnv, ...extra };
    for (const key of Object.keys(all)) if (all[key] === undefined) delete all[key];
    return all;
  };

  beforeAll(async () => {
    // A clean checkout (the files git would commit, no dist/), packed as for publishing:
    // npm pack runs prepare, which builds the bundle there, not in this checkout.
    const source = tempDir('cmp-clean-checkout-');
    const listed = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(join(repoRoot, file))) continue;
      mkdirSync(dirname(join(source, file)), { recursive: true });
      copyFileSync(join(repoRoot, file), join(source, file));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(source, 'node_modules'));
    await run('npm', ['pack', '--pack-destination', packDir], { cwd: source, env: env(), maxBuffer: 64 * 1024 * 1024 });
    tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith('.tgz'))!);
    writeFileSync(join(installDir, 'package.json'), '{ "name": "empty-folder", "private": true }\n');
    await run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: installDir, env: env() });
  }, 300_000);

  it('ships the bins, the bundle, the templates, README and LICENSE, and no sources', async () => {
    const listed = await run('tar', ['-tzf', tarball]);
    const files = listed.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const file of ['bin/create-ml-project.cjs', 'bin/ml-project.cjs', 'dist/create-ml-project.cjs', 'dist/ml-project.cjs', 'dist/jobs/generate.cjs', 'dist/jobs/update.cjs', 'dist/jobs/runner.cjs', 'dist/jobs/templates.js', 'templates/_gitignore.ejs', 'README.md', 'LICENSE', 'package.json']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(src|generators|test|scripts|bench)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map') || f === 'dist/metafile.json')).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installDir, 'node_modules', 'create-ml-project', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('holds every script a bundle file runs later (the jobs, Yeoman, the prompts, yaml, the editor, latest-version), with what each caller takes', () => {
    const installed = join(installDir, 'node_modules', 'create-ml-project', 'dist');
    const calls: [string, string, string[]][] = [];
    for (const dir of [installed, join(installed, 'jobs')]) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.cjs'))) {
        for (const match of readFileSync(join(dir, name), 'utf8').matchAll(/join\(__dirname,"([^"]+\.cjs)"\),"module"\)((?:\.\w+)*)/g)) {
          calls.push([relative(installed, join(dir, name)), relative(installed, join(dir, match[1]!)), match[2]!.split('.').slice(1)]);
        }
      }
    }
    expect(calls.map(([from, to, path]) => `${from} -> ${[to, ...path].join('.')}`).sort()).toEqual([
      'create-ml-project.cjs -> jobs/generate.cjs',
      'create-ml-project.cjs -> jobs/update.cjs',
      'jobs/generate.cjs -> jobs/prompt.cjs.inquirer.createPromptModule',
      'jobs/generate.cjs -> jobs/yaml.cjs.yaml.parseDocument',
      'jobs/generate.cjs -> jobs/yeoman.cjs.yeoman_environment.createEnv',
      'jobs/generate.cjs -> jobs/yeoman.cjs.yeoman_generator.default',
      'jobs/prompt.cjs -> jobs/external-editor.cjs._inquirer_external_editor.editAsync',
      'jobs/runner.cjs -> jobs/yaml.cjs.yaml.parseDocument',
      'jobs/runner.cjs -> jobs/yaml.cjs.yaml.stringify',
      'jobs/update.cjs -> jobs/prompt.cjs.inquirer.createPromptModule',
      'jobs/yeoman.cjs -> jobs/latest-version.cjs.latest_version.default',
      'jobs/yeoman.cjs -> jobs/prompt.cjs.adapter.createAdapterPromptModule',
      'ml-project.cjs -> jobs/runner.cjs',
    ]);
    for (const [, to, path] of calls) {
      expect(existsSync(join(installed, to)), to).toBe(true);
      // The deferred scripts are run for functions (and the generator class) of the packages they hold.
      if (path.length > 0) {
        const taken = path.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], createRequire(import.meta.url)(join(installed, to)));
        expect(typeof taken, `${to} ${path.join('.')}`).toBe('function');
      }
    }
  });

  it('installs at most 10 packages in at most 10 MB', () => {
    const nodeModules = join(installDir, 'node_modules');
    const packages = installedPackages(nodeModules);
    expect(packages).toContain('create-ml-project');
    expect(packages.length).toBeLessThanOrEqual(10);
    expect(diskBytes(nodeModules)).toBeLessThanOrEqual(10 * 1000 * 1000);
  });

  it('generates exactly the tree the checkout generates (paths, bytes and modes)', async () => {
    const fromCheckout = tempDir('cmp-from-checkout-');
    const fromPackage = tempDir('cmp-from-package-');
    await run(process.execPath, [binPath, 'my-project', '--yes', '--no-git'], { cwd: fromCheckout, env: env() });
    await run(join(installDir, 'node_modules', '.bin', 'create-ml-project'), ['my-project', '--yes', '--no-git'], { cwd: fromPackage, env: env() });
    const expected = tree(join(fromCheckout, 'my-project'));
    expect(Object.keys(expected)).toContain('.gitignore');
    expect(tree(join(fromPackage, 'my-project'))).toEqual(expected);
  });

  it('runs the runner: --help exits 0, doctor without an engine exits 3', async () => {
    const bin = join(installDir, 'node_modules', '.bin', 'ml-project');
    const help = await run(bin, ['--help'], { cwd: installDir, env: env() });
    expect(help.stdout).toMatch(/Usage:\n {2}ml-project COMMAND/);
    const doctor = await run(bin, ['doctor'], { cwd: installDir, env: env({ DOCKER_HOST: 'unix:///nonexistent.sock' }) }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/engine/);
  });

  it('starts through npm exec: the installed bin, and the tarball as `npm create ml-project` resolves it', async () => {
    // npx create-ml-project: npm exec finds the bin installed in the folder.
    const installed = await run('npm', ['exec', '--yes', '--', 'create-ml-project', '--version'], { cwd: installDir, env: env() });
    expect(installed.stdout.trim()).toBe(version);
    // npm create ml-project (npm init ml-project) runs `npm exec` of the package create-ml-project;
    // here the package is the tarball, so nothing comes from the registry.
    const created = await run('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'create-ml-project', '--version'], { cwd: tempDir('cmp-npm-create-'), env: env() });
    expect(created.stdout.trim()).toBe(version);
  });
});
