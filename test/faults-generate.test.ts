/**
 * Faults of generation, through the built bins as a user meets them: a
 * .yo-rc.json that is not what we wrote (in every command), hostile answers
 * files, special files, hard links and .git links, names that break the
 * generated project, and messages that name answers the way they were given.
 * Every refusal is exit 2 with one line and nothing written anywhere.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv, repoRoot, runCli, tempDir, type RunResult } from './helpers/generate.js';
import { packageCopy } from './helpers/package-copy.js';
import { canMknod, tree } from './helpers/tree.js';

const runnerBin = join(repoRoot, 'bin', 'ml-project.cjs');

/** `node bin/ml-project.cjs ...args` with no terminal. */
function runRunner(args: string[], cwd: string): Promise<RunResult> {
  return runCli(args, { cwd, bin: runnerBin, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
}

/** One line on stderr, no stack, no Node warning, no "Unexpected error". */
function expectOneLine(result: RunResult): void {
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/Unexpected error|\n\s+at |Warning|YAMLWarning/);
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

function mksocket(path: string): void {
  execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
}

const malformed: [string, RegExp][] = [
  ['[]', /it holds a list/],
  ['null', /it holds null/],
  ['"my-project"', /it holds the text "my-project"/],
  ['7', /it holds the number 7/],
  ['{"create-ml-project": 5}', /its "create-ml-project" entry is the number 5, not an object/],
  ['{"create-ml-project": {"answers": []}}', /the "answers" of its "create-ml-project" entry are a list, not an object/],
  ['{"create-ml-project": {"version": "0.1.0"}}', /the "answers" of its "create-ml-project" entry are undefined/],
  ['{"create-ml-project": {"answers": {}, "version": 3}}', /the "version" of its "create-ml-project" entry is the number 3/],
];

describe.concurrent('a .yo-rc.json that parses but is not what we wrote', () => {
  it.each(malformed)('in the target, with --force: %s is exit 2 naming it, never all defaults', async (text, message) => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    writeFileSync(join(cwd, 'p', '.yo-rc.json'), text);
    writeFileSync(join(cwd, 'p', 'notes.md'), 'mine');
    const before = tree(cwd);
    const result = await runCli(['p', '--yes', '--force'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${join(cwd, 'p', '.yo-rc.json')}: `));
    expect(result.stderr).toMatch(message);
    expectOneLine(result);
    expect(tree(cwd)).toEqual(before);
  });

  it.each(malformed.slice(0, 6))('in the working folder, which Yeoman reads: %s is exit 2 naming it', async (text, message) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.yo-rc.json'), text);
    const result = await runCli(['p', '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${join(cwd, '.yo-rc.json')}: .*`));
    expect(result.stderr).toMatch(message);
    expectOneLine(result);
    expect(readdirSync(cwd)).toEqual(['.yo-rc.json']);
  });

  it.each(['[]', 'null', '5'])('in ~/.yo-rc-global.json: %s is exit 2 naming it', async (text) => {
    const home = tempDir('cmp-home-');
    writeFileSync(join(home, '.yo-rc-global.json'), text);
    const cwd = tempDir();
    const result = await runCli(['p', '--yes', '--no-git'], { cwd, env: isolatedGitEnv(home) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${join(home, '.yo-rc-global.json')}: it holds `));
    expectOneLine(result);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each(malformed.slice(0, 5))('for update: %s is exit 2 naming it', async (text, message) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.yo-rc.json'), text);
    mkdirSync(join(cwd, 'notebooks'));
    const result = await runCli(['update', '--dry-run'], { cwd: join(cwd, 'notebooks') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${join(cwd, '.yo-rc.json')}: `));
    expect(result.stderr).toMatch(message);
    expectOneLine(result);
  });

  it.each(malformed.slice(2).map(([text, message], i) => [['status', 'build', 'doctor', 'up', 'logs', 'down'][i]!, text, message] as const))(
    'for the runner (ml-project %s, from a subfolder): %s is exit 2 naming it', async (command, text, message) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.yo-rc.json'), text);
    mkdirSync(join(cwd, 'configs'));
    const result = await runRunner([command], join(cwd, 'configs'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${join(cwd, '.yo-rc.json')}: `));
    expect(result.stderr).toMatch(message);
    expectOneLine(result);
  });

  it('a FIFO in its place: every command says so at once (exit 2), none waits on it', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    mkfifo(join(cwd, 'p', '.yo-rc.json'));
    const generate = await runCli(['p', '--yes', '--force', '--no-git'], { cwd, timeoutMs: 30_000 });
    const update = await runCli(['update'], { cwd: join(cwd, 'p'), timeoutMs: 30_000 });
    const runner = await runRunner(['status'], join(cwd, 'p'));
    for (const result of [generate, update, runner]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`Cannot read ${join(cwd, 'p', '.yo-rc.json')}: it is a named pipe (FIFO), not a file.\n`);
    }
  });
});

describe.concurrent('--force and other generators', () => {
  it.each([
    ['{"generator-node": {"promptValues": {"authorName": "X"}}}', ['generator-node', 'create-ml-project']],
    ['{"generator-a": 1, "create-ml-project": {"version": "0.0.1", "answers": {"jupyterPort": 9100}}, "generator-b": [2]}', ['generator-a', 'create-ml-project', 'generator-b']],
  ])('keeps their entries in .yo-rc.json (%s), in their order', async (text, keys) => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    writeFileSync(join(cwd, 'p', '.yo-rc.json'), text);
    const result = await runCli(['p', '--yes', '--force', '--no-git'], { cwd });
    expect(result.code).toBe(0);
    const written = JSON.parse(readFileSync(join(cwd, 'p', '.yo-rc.json'), 'utf8')) as Record<string, { answers: Record<string, unknown> }>;
    expect(Object.keys(written)).toEqual(keys);
    const original = JSON.parse(text) as Record<string, unknown>;
    for (const key of keys.filter((k) => k !== 'create-ml-project')) expect(written[key]).toEqual(original[key]);
    expect(written['create-ml-project']!.answers.projectName).toBe('p');
    expect(written['create-ml-project']!.answers.jupyterPort).toBe(text.includes('9100') ? 9100 : 8888);
  });
});

describe.concurrent('hostile answers files', () => {
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
  it.each([
    ['a billion laughs', 'bomb.yml', bomb, /its YAML aliases expand to too much/],
    ['a self-referencing alias', 'self.yml', 'projectName: &a [*a]\n', /^Invalid projectName \(a list\): it must be text/],
    ['nesting 5000 deep (YAML)', 'deep.yml', `projectName: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /nested too deeply/],
    ['nesting 5000 deep (JSON)', 'deep.json', `{"description": ${'['.repeat(5000)}${']'.repeat(5000)}}`, /^Invalid description \(a list\)/],
    ['a !!python/object tag', 'tag.yml', 'projectName: !!python/object/apply:os.system ["id"]\n', /unknown YAML tag "!!python\/object\/apply:os\.system"/],
    ['a !custom tag', 'custom.yml', 'projectName: p\nauthorName: !custom Ada\n', /unknown YAML tag "!custom" at line 2/],
    ['Latin-1 bytes', 'latin1.yml', Buffer.from('projectName: p\nauthorName: Zo\xeb\n', 'latin1'), /it is not UTF-8 text \(byte 30, line 2, is 0xeb\)/],
    ['a UTF-16 file', 'utf16.json', Buffer.from('\ufeff{"projectName": "p"}', 'utf16le'), /it is not UTF-8 text/],
    ['a 10 MB description', 'huge.yml', `projectName: p\ndescription: ${'A'.repeat(10_000_000)}\n`, /"A{40}…" \(10000000 characters\): it is longer than 200 characters/],
    ['a 10 MB value in JSON', 'huge.json', JSON.stringify({ projectName: 'p', authorName: 'B'.repeat(10_000_000) }), /"B{40}…" \(10000000 characters\)/],
    ['a 1 MB key', 'key.json', JSON.stringify({ ['k'.repeat(1_000_000)]: 1 }), /^Unknown key "k{40}…" \(1000000 characters\)/],
  ])('%s: exit 2, one bounded line naming the file, nothing written', async (_what, name, content, message) => {
    const parent = tempDir();
    const cwd = join(parent, 'work');
    mkdirSync(cwd);
    const file = join(parent, name);
    writeFileSync(file, content);
    const result = await runCli(['--answers', file, '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(file);
    expect(result.stderr.length).toBeLessThan(500);
    expectOneLine(result);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([
    ['a FIFO', (path: string) => mkfifo(path), 'a named pipe (FIFO)'],
    ['a socket', (path: string) => mksocket(path), 'a socket'],
  ])('%s as --answers: exit 2 naming it, at once', async (_what, make, kind) => {
    const cwd = tempDir();
    make(join(cwd, 'answers.yml'));
    const result = await runCli(['--answers', 'answers.yml', '--yes'], { cwd, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`Cannot read the answers file answers.yml: it is ${kind}, not a file.\n`);
  });

  it.each(['/dev/zero', '/dev/null', '/dev/stdin'])('the device %s as --answers: exit 2, never read', async (device) => {
    const cwd = tempDir();
    const result = await runCli(['--answers', device, '--yes'], { cwd, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^Cannot read the answers file ${device}: it is (a character device|a block device|a named pipe \\(FIFO\\)|a socket), not a file\\.\\n$`));
    expect(readdirSync(cwd)).toEqual([]);
  });
});


describe.concurrent('special files and links in a --force target', () => {
  it.each([
    ['a FIFO', 'Makefile', mkfifo, 'a named pipe (FIFO)'],
    ['a socket', 'README.md', mksocket, 'a socket'],
    ...(canMknod() ? [['a device', '.gitignore', (path: string) => execFileSync('mknod', [path, 'c', '1', '5']), 'a character device'] as const] : []),
  ])('%s at a generated path (%s): exit 2 naming it, untouched', async (_what, path, make, kind) => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    writeFileSync(join(cwd, 'p', 'notes.md'), 'mine');
    make(join(cwd, 'p', path));
    const before = tree(cwd);
    const result = await runCli(['p', '--yes', '--force'], { cwd, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${path} in ${join(cwd, 'p')} is ${kind}; create-ml-project replaces only regular files. Move it away first.\n`);
    expect(tree(cwd)).toEqual(before);
  });

  it('replaces generated files that are hard links to files elsewhere, which keep their bytes', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'bashrc'), 'export PS1=x\n');
    writeFileSync(join(outside, 'config.json'), '{"generator-x": {}}');
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    linkSync(join(outside, 'bashrc'), join(cwd, 'p', 'Makefile'));
    linkSync(join(outside, 'config.json'), join(cwd, 'p', '.yo-rc.json'));
    const before = tree(outside);
    const result = await runCli(['p', '--yes', '--force'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Made a git repository (branch main) with a first commit.');
    expect(tree(outside)).toEqual(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.replace('nlink=2', 'nlink=1')])));
    expect(readFileSync(join(cwd, 'p', 'Makefile'), 'utf8')).toMatch(/^# /);
    expect(statSync(join(cwd, 'p', 'Makefile')).ino).not.toBe(statSync(join(outside, 'bashrc')).ino);
    expect(Object.keys(JSON.parse(readFileSync(join(cwd, 'p', '.yo-rc.json'), 'utf8')) as object)).toEqual(['generator-x', 'create-ml-project']);
    expect(readdirSync(join(cwd, 'p')).filter((name) => name.startsWith('.create-ml-project'))).toEqual([]);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: join(cwd, 'p'), encoding: 'utf8' })).toBe('');
  });

  const notRepositories: [string, (dir: string, elsewhere: string) => void, (elsewhere: string) => string][] = [
    ['a symbolic link to an empty folder', (dir, elsewhere) => symlinkSync(elsewhere, join(dir, '.git')), (e) => e],
    ['a gitdir file to a missing folder', (dir, elsewhere) => writeFileSync(join(dir, '.git'), `gitdir: ${join(elsewhere, 'gone')}\n`), (e) => join(e, 'gone')],
    ['a relative gitdir file', (dir, elsewhere) => writeFileSync(join(dir, '.git'), `gitdir: ../${elsewhere.split('/').pop()}/x\n`), (e) => join(e, 'x')],
  ];

  it.each(notRepositories)('a .git that is %s outside: exit 2 before anything is written', async (_what, make, shown) => {
    const root = tempDir();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const cwd = join(root, 'work');
    mkdirSync(join(cwd, 'p'), { recursive: true });
    make(join(cwd, 'p'), elsewhere);
    const before = tree(root);
    const result = await runCli(['p', '--yes'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(cwd, 'p', '.git')} points to `);
    expect(result.stderr).toContain(`which is not a git repository: the first commit would make one there, outside ${join(cwd, 'p')}. Remove that .git, or pass --no-git.`);
    expect(result.stderr).toContain(shown(elsewhere).split('/').pop()!);
    expectOneLine(result);
    expect(tree(root)).toEqual(before);
  });

  it('with --no-git the same .git link is left alone and nothing is written through it', async () => {
    const root = tempDir();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const cwd = join(root, 'work');
    mkdirSync(join(cwd, 'p'), { recursive: true });
    symlinkSync(elsewhere, join(cwd, 'p', '.git'));
    const result = await runCli(['p', '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(0);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a .git file to a repository elsewhere (a submodule, a worktree) is that repository: no commit, nothing written there', async () => {
    const root = tempDir();
    const env = isolatedGitEnv();
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...env } as NodeJS.ProcessEnv, encoding: 'utf8' });
    git(root, 'init', '-q', 'repo');
    git(join(root, 'repo'), 'commit', '-q', '--allow-empty', '-m', 'first');
    const cwd = join(root, 'work');
    mkdirSync(join(cwd, 'p'), { recursive: true });
    writeFileSync(join(cwd, 'p', '.git'), `gitdir: ${join(root, 'repo', '.git')}\n`);
    const before = tree(join(root, 'repo'));
    const result = await runCli(['p', '--yes'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`p is already in a git repository (its .git points to ${join(root, 'repo', '.git')}): no new repository made, nothing committed.`);
    expect(tree(join(root, 'repo'))).toEqual(before);
  });
});

describe.concurrent('names that would break the generated project', () => {
  it.each([
    ['build', /^Invalid packageName "build": the project's \.gitignore ignores build\/.*Try "build_pkg"\. .*\(the default; pass --package-name to choose another\)$/m, ['build', '--package-name', 'build_pkg']],
    ['dist', /\.gitignore ignores dist\/.*Try "dist_pkg"\./, ['dist', '--package-name', 'dist_pkg']],
    ['conftest', /pytest's own conftest module.*Try "conftest_pkg"\./, ['conftest', '--package-name', 'conftest_pkg']],
    ['test-churn', /^Invalid packageName "test_churn": pytest takes test_\* and \*_test modules.*Try "ml_test_churn"\./, ['test-churn', '--package-name', 'ml_test_churn']],
    ['con', /^Invalid project name "con" \(the first argument\): it is reserved on Windows.*Did you mean "con-project"\?/, ['con-project']],
    ['lpt1', /reserved on Windows.*Did you mean "lpt1-project"\?/, ['lpt1-project']],
  ])('%s: exit 2 with the reason and a suggestion that works', async (name, message, fixed) => {
    const cwd = tempDir();
    const refused = await runCli([name, '--yes', '--no-git'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(message);
    expectOneLine(refused);
    expect(readdirSync(cwd)).toEqual([]);
    const accepted = await runCli([...fixed, '--yes', '--no-git'], { cwd });
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
  });

  it.each([
    [['ok', '--package-name', 'nul'], /^Invalid --package-name "nul": it is reserved on Windows/],
    [['ok', '--package-name', 'mlruns'], /^Invalid --package-name "mlruns": the project's \.gitignore ignores mlruns\//],
    [['ok', '--package-name', 'tests'], /^Invalid --package-name "tests": it is the name of a folder/],
    [['ok', '--package-name', 'churn_test'], /^Invalid --package-name "churn_test": pytest takes/],
    [['--project-name', 'AUX'], /^Invalid --project-name "AUX": it is reserved on Windows.*Did you mean "aux-project"\?/],
  ])('%j is refused', async (args, message) => {
    const cwd = tempDir();
    const result = await runCli([...args, '--yes', '--no-git'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe.concurrent('messages name an answer the way it was given', () => {
  it.each([
    [['My Project', '--yes'], undefined, /^Invalid project name "My Project" \(the first argument\): .*Did you mean "my-project"\?/],
    [['--project-name', 'My Project', '--yes'], undefined, /^Invalid --project-name "My Project": /],
    [['p', '--jupyter-port', '5000', '--mlflow-port', '5000', '--yes'], undefined, /^Invalid --mlflow-port "5000": it is the same port as --jupyter-port\./],
    [['p', '--mlflow-port', '8888', '--yes'], undefined, /^Invalid --mlflow-port "8888": it is the same port as the default Jupyter port\./],
    [['p', '--answers', 'a.yml', '--yes'], 'jupyterPort: 9000\nmlflowPort: 9000\n', /^Invalid mlflowPort 9000: it is the same port as jupyterPort\. .*\(from key "mlflowPort" in a\.yml\)/],
    [['p', '--answers', 'a.yml', '--mlflow-port', '9000', '--yes'], 'jupyterPort: 9000\n', /^Invalid --mlflow-port "9000": it is the same port as jupyterPort\./],
    [['p', '--answers', 'a.yml', '--yes'], 'jupyterPort: "80"\n', /^Invalid jupyterPort "80": .*\(from key "jupyterPort" in a\.yml\)/],
  ])('%j', async (args, answers, message) => {
    const cwd = tempDir();
    if (answers) writeFileSync(join(cwd, 'a.yml'), answers);
    const result = await runCli(args, { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expectOneLine(result);
  });
});

describe.concurrent("create-ml-project's own folder", () => {
  it.each([
    ['its root', (root: string) => root],
    ['a folder inside it', (root: string) => join(root, 'templates')],
  ])('a project in %s (a copy of the checkout) is refused, saying where to run it', async (_where, cwdOf) => {
    const bin = packageCopy('0.1.0');
    const root = join(bin, '..', '..');
    const cwd = cwdOf(root);
    const before = tree(root);
    const result = await runCli(['my-project', '--yes'], { cwd, bin });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `${join(cwd, 'my-project')} would be inside create-ml-project's own folder ${root}. Run it from the folder the project should go in, ` +
        `for example beside it: cd ${join(root, '..')} && node ${join(root, 'bin', 'create-ml-project.cjs')} my-project\n`,
    );
    expect(tree(root)).toEqual(before);
  });

  it('an installed copy (node_modules/create-ml-project) is refused too; beside it works', async () => {
    const bin = packageCopy('0.1.0');
    const app = tempDir('cmp-app-');
    const installed = join(app, 'node_modules', 'create-ml-project');
    mkdirSync(join(app, 'node_modules'));
    cpSync(join(bin, '..', '..'), installed, { recursive: true });
    rmSync(join(bin, '..', '..'), { recursive: true });
    const inside = await runCli(['my-project', '--yes'], { cwd: installed, bin: join(installed, 'bin', 'create-ml-project.cjs') });
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain(`would be inside create-ml-project's own folder ${installed}.`);
    expect(existsSync(join(installed, 'my-project'))).toBe(false);
    const beside = await runCli(['my-project', '--yes'], { cwd: app, bin: join(installed, 'bin', 'create-ml-project.cjs') });
    expect(beside.code).toBe(0);
    expect(beside.stdout).toContain('Made a git repository (branch main) with a first commit.');
  });
});

/** A git setup whose commit hook says it started (its pid in `marker`) and then waits: git is surely running while it waits. */
function slowHookEnv(): { env: NodeJS.ProcessEnv; marker: string } {
  const home = tempDir('cmp-home-');
  const hooks = tempDir('cmp-hooks-');
  const marker = join(tempDir('cmp-marker-'), 'hook.pid');
  writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\necho $$ > "${marker}.tmp" && mv "${marker}.tmp" "${marker}"\nsleep 600\n`, { mode: 0o755 });
  const env = isolatedGitEnv(home);
  writeFileSync(join(home, '.gitconfig'), `[core]\n\thooksPath = ${hooks}\n`, { flag: 'a' });
  return { env, marker };
}

/** Runs the bin, sends `signal` once the commit hook is running, and returns how it ended and the hook's pid. */
async function interruptDuringCommit(args: string[], cwd: string, signal: NodeJS.Signals): Promise<RunResult & { hook: number }> {
  const { env, marker } = slowHookEnv();
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'create-ml-project.cjs'), ...args], {
    cwd,
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const ended = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
  // Waiting for the hook to say it runs: a synchronisation, not a timing.
  while (!existsSync(marker)) {
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const hook = Number(readFileSync(marker, 'utf8'));
  child.kill(signal);
  const code = await ended;
  return { code, stdout, stderr, hook };
}

/** Whether a process still runs: one that ended but is not reaped yet (a zombie) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.concurrent('an interrupt while git makes the first commit', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s in a new folder: exit 130, the folder and its .git removed, git and its hook stopped', async (signal) => {
    const cwd = tempDir();
    const result = await interruptDuringCommit(['my-project', '--yes'], cwd, signal);
    expect(result.stderr).toBe(`Interrupted. Nothing was left behind: ${join(cwd, 'my-project')} was removed.\n`);
    expect(result.code).toBe(130);
    expect(readdirSync(cwd)).toEqual([]);
    expect(alive(result.hook)).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s with --force: exit 130, every file as it was (a hard link too), the new .git removed', async (signal) => {
    const root = tempDir();
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'bashrc'), 'export PS1=x\n');
    const cwd = join(root, 'work');
    const dir = join(cwd, 'p');
    mkdirSync(join(dir, 'docker'), { recursive: true });
    writeFileSync(join(dir, 'thesis.tex'), 'years of work');
    writeFileSync(join(dir, 'README.md'), '# mine\n', { mode: 0o600 });
    writeFileSync(join(dir, 'docker', 'notes'), 'notes');
    writeFileSync(join(dir, '.yo-rc.json'), '{"generator-x": {"a": 1}}');
    linkSync(join(outside, 'bashrc'), join(dir, 'Makefile'));
    const before = tree(root);
    const result = await interruptDuringCommit(['p', '--yes', '--force'], cwd, signal);
    expect(result.stderr).toBe('Interrupted. The folder is as it was: files this run created were removed and replaced ones put back.\n');
    expect(result.code).toBe(130);
    expect(tree(root)).toEqual(before);
    expect(alive(result.hook)).toBe(false);
  });
});
