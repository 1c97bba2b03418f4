/**
 * Faults of generation, through the built bins as a user meets them: a
 * .yo-rc.json that is not what we wrote (in every command).
 * Every refusal is exit 2 with one line and nothing written anywhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv, repoRoot, runCli, tempDir, type RunResult } from './helpers/generate.js';
import { tree } from './helpers/tree.js';

const runnerBin = join(repoRoot, 'bin', 'ml-project.js');

/** `node bin/ml-project.js ...args` with no terminal. */
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
