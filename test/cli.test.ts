/**
 * The built bin, spawned as a user runs it: no terminal, flags, answers
 * files, bad input, non-empty targets, --force, links, a full disk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, generateProject, isolatedGitEnv, repoRoot, runCli, tempDir } from './helpers/generate.js';
import { loadedBy } from './helpers/loaded.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

function stored(dir: string): { version: string; answers: Record<string, unknown> } {
  return (JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, never>)['create-ml-project'];
}

/** Every path below `dir`, with file contents, for before/after comparisons. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    out[p.slice(dir.length)] = e.isFile() ? readFileSync(p, 'latin1') : e.isSymbolicLink() ? 'link' : 'dir';
  }
  return out;
}

describe.concurrent('create-ml-project (the built bin)', () => {
  it('--help and --version answer at once and write nothing', async () => {
    const cwd = tempDir();
    const help = await runCli(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage:\n {2}npx create-ml-project \[PROJECT-NAME\]/);
    expect(help.stdout).toContain('--jupyter-port PORT');
    const shown = await runCli(['--version'], { cwd });
    expect(shown.stdout.trim()).toBe(version);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('loads only what a command uses: --help neither Yeoman nor dockerode, generating never dockerode', () => {
    for (const args of [['--help'], ['--version']]) {
      const loaded = loadedBy(binPath, args);
      expect(loaded.status).toBe(0);
      expect([...loaded.packages].filter((name) => /yeoman|inquirer|ejs|simple-git|dockerode|ssh2/.test(name))).toEqual([]);
    }
    const generated = loadedBy(binPath, ['my-project', '--yes', '--no-git'], { env: isolatedGitEnv() });
    expect(generated.status).toBe(0);
    expect([...generated.packages]).toContain('yeoman-environment');
    expect([...generated.packages].filter((name) => /dockerode|docker-modem|ssh2/.test(name))).toEqual([]);
    // --yes asks nothing: no prompt code; and none of Yeoman's parts the CLI never uses (git runs as a child process, never through simple-git).
    expect([...generated.packages].filter((name) => /^(inquirer|@inquirer\/(prompts|input|select|confirm)|rxjs|execa|commander|globby|normalize-package-data|simple-git)$/.test(name))).toEqual([]);
  });

  it('--yes --no-git with the identity in the global config file starts no process and fails no check: node:child_process and node:assert are never loaded', async () => {
    const probe = join(tempDir('cmp-probe-'), 'probe.cjs');
    const report = `${probe}.out`;
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, process.moduleLoadList.filter((name) => /^NativeModule ((internal\\/)?child_process|assert)$/.test(name)).join('\\n')));\n`);
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes', '--no-git'], { cwd, env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(result.code, result.stderr).toBe(0);
    expect(stored(join(cwd, 'my-project')).answers).toMatchObject({ authorName: 'Test User', authorEmail: 'test@example.com' });
    expect(readFileSync(report, 'utf8')).toBe('');
  });

  it('--help and --version load the flags and their help only, not the code of a run (prompts, git, the command)', () => {
    for (const args of [['--help'], ['--version'], ['my-project', '--help']]) {
      const loaded = loadedBy(binPath, args);
      expect(loaded.status).toBe(0);
      expect(loaded.sources).toContain('src/generate/args.ts');
      expect([...loaded.sources].filter((file) => /^src\/generate\/(cli|git|prompts|answers)\.ts$/.test(file))).toEqual([]);
    }
  });

  it('--yes generates the defaults, stores the answers and prints the next steps', async () => {
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes', '--no-git'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const dir = join(cwd, 'my-project');
    expect(stored(dir)).toEqual({
      version,
      answers: {
        projectName: 'my-project', packageName: 'my_project', description: 'A machine-learning project',
        authorName: 'Test User', authorEmail: 'test@example.com', pythonVersion: '3.12', framework: 'sklearn', task: 'regression',
        compute: 'auto', cudaVersion: '12.8', jupyterPort: 8888, mlflowPort: 5000, license: 'MIT', dvc: true, precommit: true,
        ci: true, devcontainer: true, git: false,
      },
    });
    const lines = result.stdout.split('\n').map((l) => l.trim());
    const next = lines.indexOf('Next steps:');
    expect(next).toBeGreaterThan(0);
    expect(lines.slice(next + 1, next + 4).map((l) => l.replace(/\s+#.*/, ''))).toEqual(['cd my-project', 'make init', 'make create-container']);
  });

  it('takes answers from a YAML file, with flags above it', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yml'), 'projectName: churn\npackageName: churn_core\njupyterPort: 9100\ncompute: cpu\ngit: false\n');
    const result = await runCli(['--answers', 'answers.yml', '--jupyter-port', '9200', '--yes'], { cwd });
    expect(result.code).toBe(0);
    expect(stored(join(cwd, 'churn')).answers).toMatchObject({ packageName: 'churn_core', jupyterPort: 9200, compute: 'cpu' });
    expect(result.stdout).toMatch(/make init +# build the CPU Docker image$/m);
    expect(existsSync(join(cwd, 'churn', 'churn_core'))).toBe(true);
  });

  it('keeps free text exactly as typed', async () => {
    const description = `Churn & "retention" 'model' at 50% <b>$HOME</b> #1 \\o/ 🚀 $(id) \`id\``;
    const { code, dir } = await generateProject({ description, authorName: "Ada O'Brien $USER" });
    expect(code).toBe(0);
    expect(stored(dir).answers).toMatchObject({ description, authorName: "Ada O'Brien $USER" });
  });

  it('without a terminal and without --yes, exits 2 naming the flags, asks and writes nothing', async () => {
    const cwd = tempDir();
    const result = await runCli(['my-project'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No terminal to ask on/);
    expect(result.stderr).toMatch(/--yes/);
    expect(result.stderr).toMatch(/--package-name VALUE/);
    expect(readdirSync(cwd)).toEqual([]);
    const noName = await runCli([], { cwd });
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/projectName/);
  });

  const badInput: [string, string[], RegExp][] = [
    ['a parent path', ['../x', '--yes'], /^Invalid project name "\.\.\/x" \(the first argument\): .*not a path/],
    ['an absolute path', ['/etc/x', '--yes'], /not a path/],
    ['a nested path', ['a/b', '--yes'], /not a path/],
    ['the current folder', ['.', '--yes'], /not a path/],
    ['an option-like name', ['--project-name=-rf', '--yes'], /must not start with "-"/],
    ['a command substitution', ['$(touch pwned)', '--yes'], /Invalid project name/],
    ['backticks', ['`touch pwned`', '--yes'], /Invalid project name/],
    ['a semicolon', ['--project-name', 'x;touch pwned', '--yes'], /^Invalid --project-name "x;touch pwned": /],
    ['a NUL-free control character', ['x\u0007', '--yes'], /control/],
    ['spaces and capitals', ['My Project', '--yes'], /Did you mean "my-project"\?/],
    ['a keyword package', ['x', '--package-name', 'class', '--yes'], /keyword/],
    ['a stdlib package', ['x', '--package-name', 'json', '--yes'], /standard-library/],
    ['a dependency package', ['mlflow', '--yes'], /Invalid packageName "mlflow".*--package-name/],
    ['a port with a command', ['x', '--jupyter-port', '8888;ls', '--yes'], /whole number/],
    ['a low port', ['x', '--mlflow-port', '80', '--yes'], /between 1024 and 65535/],
    ['equal ports', ['x', '--jupyter-port', '5000', '--mlflow-port', '5000', '--yes'], /same port/],
    ['an old Python', ['x', '--python-version', '3.9', '--yes'], /one of 3\.10, 3\.11, 3\.12, 3\.13/],
    ['an unknown CUDA', ['x', '--cuda-version', '11.8', '--yes'], /one of 12\.6, 12\.8, 13\.0/],
    ['an unknown license', ['x', '--license', 'GPL-3.0', '--yes'], /one of MIT/],
    ['a newline in the description', ['x', '--description', 'a\nb', '--yes'], /single line/],
    ['an ANSI escape in the author', ['x', '--author-name', 'a\u001b[2J', '--yes'], /ANSI/],
    ['a bidi override', ['x', '--description', 'a\u202eb', '--yes'], /U\+202E/],
    ['an unknown flag', ['x', '--jupyter-prot', '9000'], /Did you mean --jupyter-port\?/],
    ['a missing answers file', ['x', '--answers', 'nope.yml'], /no such file/],
  ];

  it.each(badInput)('refuses %s: exit 2, nothing written anywhere', async (_what, args, message) => {
    const parent = tempDir();
    const cwd = join(parent, 'work');
    mkdirSync(cwd);
    const result = await runCli(args, { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(parent)).toEqual(['work']);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([
    ['{"projectName": "x", "__proto__": {"git": true}}', 'a.json', /Unknown key "__proto__"/],
    ['projectName: x\noutputFunctionName: "x;require(\'fs\').writeFileSync(\'pwned\',\'\')"\n', 'a.yml', /Unknown key "outputFunctionName"/],
    ['projectName: x\njupyterPort: "eighty"\n', 'a.yml', /Invalid jupyterPort "eighty".*key "jupyterPort" in a\.yml/],
    ['projectName: x\ndvc: "yes"\n', 'a.yml', /Invalid dvc/],
    ['projectName: x\npythonVersion: 3.10\n', 'a.yml', /in quotes/],
    ['projectName: [x\n', 'a.yml', /invalid YAML at line \d+, column \d+/],
  ])('refuses the answers file %j', async (text, name, message) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, name), text);
    const result = await runCli(['--answers', name, '--yes'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(cwd)).toEqual([name]);
  });

  it('refuses a non-empty target, naming it and --force, and leaves it untouched', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'my-project'));
    writeFileSync(join(cwd, 'my-project', 'thesis.tex'), 'years of work');
    const before = tree(cwd);
    const result = await runCli(['my-project', '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/my-project is not empty \(1 entry: thesis\.tex\)/);
    expect(result.stderr).toMatch(/--force/);
    expect(tree(cwd)).toEqual(before);
  });

  it('with --force writes the generated files and keeps every other file', async () => {
    const cwd = tempDir();
    const dir = join(cwd, 'my-project');
    mkdirSync(join(dir, 'notes'), { recursive: true });
    writeFileSync(join(dir, 'thesis.tex'), 'years of work');
    writeFileSync(join(dir, 'notes', 'ideas.md'), 'ideas');
    writeFileSync(join(dir, '.yo-rc.json'), '{"create-ml-project": {"answers": {"jupyterPort": 9999}}}');
    const result = await runCli(['my-project', '--yes', '--no-git', '--force'], { cwd });
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('years of work');
    expect(readFileSync(join(dir, 'notes', 'ideas.md'), 'utf8')).toBe('ideas');
    // stored answers are reused on a re-run
    expect(stored(dir).answers.jupyterPort).toBe(9999);
  });

  it('never writes through a symbolic link in the target', async () => {
    const cwd = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, '.bashrc'), 'export PS1=x\n');
    mkdirSync(join(cwd, 'my-project'));
    symlinkSync(join(outside, '.bashrc'), join(cwd, 'my-project', 'Makefile'));
    const result = await runCli(['my-project', '--yes', '--no-git', '--force'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Makefile in .* is a symbolic link/);
    expect(readFileSync(join(outside, '.bashrc'), 'utf8')).toBe('export PS1=x\n');
    expect(readdirSync(join(cwd, 'my-project'))).toEqual(['Makefile']);
  });

  it('ignores a .yo-rc.json in a parent folder', async () => {
    const parent = tempDir();
    const parentRc = '{"create-ml-project": {"answers": {"projectName": "elsewhere", "jupyterPort": 7777}}}';
    writeFileSync(join(parent, '.yo-rc.json'), parentRc);
    const cwd = join(parent, 'sub');
    mkdirSync(cwd);
    const result = await runCli(['my-project', '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, 'my-project', 'Makefile')) || existsSync(join(cwd, 'my-project', '.yo-rc.json'))).toBe(true);
    expect(stored(join(cwd, 'my-project')).answers.jupyterPort).toBe(8888);
    expect(readdirSync(parent).sort()).toEqual(['.yo-rc.json', 'sub']);
    expect(readFileSync(join(parent, '.yo-rc.json'), 'utf8')).toBe(parentRc);
  });

  it('a ~/.yo-rc-global.json that does not parse: exit 2 naming it, nothing written', async () => {
    const home = tempDir('cmp-home-');
    writeFileSync(join(home, '.yo-rc-global.json'), '{"generator-x": ');
    const cwd = tempDir();
    const result = await runCli(['my-project', '--yes', '--no-git'], { cwd, env: { ...isolatedGitEnv(home) } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${join(home, '.yo-rc-global.json')} is not valid JSON (Unexpected end of JSON input). Fix it, or remove it if it is not yours.\n`);
    expect(readdirSync(cwd)).toEqual([]);
  });

  describe('on a full disk', () => {
    const mountPoint = tempDir('cmp-full-');
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // mounting needs root; CI runs as root, a developer may not
    }
    afterAll(() => {
      if (mounted) execFileSync('umount', [mountPoint]);
    });

    it.skipIf(!mounted)('exits 1 naming the file, and removes what it created', async () => {
      const result = await runCli(['my-project', '--yes', '--no-git'], { cwd: mountPoint });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Could not write .+: no space left on the device \(ENOSPC\)/);
      expect(result.stderr).toMatch(/was removed/);
      expect(readdirSync(mountPoint)).toEqual([]);
    });
  });
});
