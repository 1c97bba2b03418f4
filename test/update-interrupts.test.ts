/**
 * `update` interrupted while git is working: SIGTERM (a supervisor, CI
 * cancelling a job), SIGHUP (a closed terminal or SSH session) and SIGINT,
 * sent to the update's process alone or to its whole process group, each
 * end it like Ctrl-C: branch, index and files back at the starting commit,
 * exit 130. The moments are made by slow git hooks (core.hooksPath in the
 * isolated git configuration): while the template's ref is written, while
 * the recorded base is merged in, while the final commit runs.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, isolatedGitEnv, tempDir, type RunResult } from './helpers/generate.js';
import { packageCopy, replace } from './helpers/package-copy.js';
import { fakeNpxDir, git, projectCopy, stored, untouched } from './helpers/project-repo.js';
import { keys, runOnPty } from './helpers/pty.js';

// Each hook marks that it runs (its pid in the file CMP_TEST_MARK), then holds git up.
const mark = 'echo $$ > "$CMP_TEST_MARK.tmp" && mv "$CMP_TEST_MARK.tmp" "$CMP_TEST_MARK"\nexec sleep 60\n';
const hooks: Record<string, string> = {
  // While the ref the merge goes through is written, before the merge.
  'reference-transaction': `[ "$1" = prepared ] || exit 0\ngrep -q refs/create-ml-project/ || exit 0\n[ -e "$CMP_TEST_MARK" ] && exit 0\n${mark}`,
  // While the recorded render of a project with no template commit joins the history.
  'pre-merge-commit': mark,
  // While the merge is committed: every file already written.
  'pre-commit': mark,
};

/** A git configuration whose hooks are `name`'s, and where it marks its moment. */
function slowHookEnv(name: string): { env: NodeJS.ProcessEnv; marker: string } {
  const home = tempDir('cmp-home-');
  const env = isolatedGitEnv(home);
  const dir = join(home, 'hooks');
  mkdirSync(dir);
  writeFileSync(join(dir, name), `#!/bin/sh\n${hooks[name]}`);
  chmodSync(join(dir, name), 0o755);
  appendFileSync(env.GIT_CONFIG_GLOBAL!, `[core]\n\thooksPath = ${dir}\n`);
  const marker = join(home, 'mark');
  return { env: { ...env, CMP_TEST_MARK: marker }, marker };
}

/** Runs the update; once the hook marks its moment, sends the signal. */
function interrupted(dir: string, args: string[], hook: string, signal: NodeJS.Signals, group: boolean, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult & { hookRan: boolean }> {
  const { env, marker } = slowHookEnv(hook);
  const full: NodeJS.ProcessEnv = { ...process.env, ...env, ...extraEnv };
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  const child = spawn(process.execPath, [binPath, ...args], { cwd: dir, env: full, stdio: 'pipe', detached: group });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end();
  let exited = false;
  const poll = setInterval(() => {
    if (exited || !existsSync(marker)) return;
    clearInterval(poll);
    process.kill(group ? -child.pid! : child.pid!, signal);
  }, 50);
  return new Promise((resolve) => {
    child.on('close', (code, ended) => {
      exited = true;
      clearInterval(poll);
      const hookRan = existsSync(marker);
      // The hook, still sleeping if only the update was signalled.
      if (hookRan) {
        try {
          process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      resolve({ code: code ?? (ended ? 128 : 1), stdout, stderr, hookRan });
    });
  });
}

/** A project whose history has no template commit: made without git, committed by hand. */
async function unrecorded(): Promise<string> {
  const dir = await projectCopy();
  rmSync(join(dir, '.git'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'Start');
  return dir;
}

const moments: [string, () => Promise<string>][] = [
  ['reference-transaction', projectCopy],
  ['pre-merge-commit', unrecorded],
  ['pre-commit', projectCopy],
];
const signals: [NodeJS.Signals, boolean][] = [
  ['SIGTERM', false],
  ['SIGHUP', false],
  ['SIGINT', false],
  ['SIGHUP', true],
  ['SIGTERM', true],
];
const cases = moments.flatMap(([hook, make]) => signals.map(([signal, group]) => [signal, group ? 'its process group' : 'the update alone', hook, make, group] as const));

describe('update: interrupted while git works, everything goes back', () => {
  it.each(cases)('%s to %s during the %s hook: exit 130, branch, index and files as they were', async (signal, _, hook, make, group) => {
    const dir = await make();
    const before = untouched(dir);
    const result = await interrupted(dir, ['update', '--set', 'mlflowPort=5050'], hook, signal, group);
    expect(result.hookRan).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^Interrupted\. Nothing was changed: main is back at [0-9a-f]{12}, the files as they were\.\n$/);
    // Objects the update wrote stay unreferenced; everything else is as it was.
    expect({ ...untouched(dir), objects: '' }).toEqual({ ...before, objects: '' });
    expect(existsSync(join(dir, '.git', 'MERGE_HEAD'))).toBe(false);
    expect(stored(dir).answers.mlflowPort).toBe(5000);
  });
});

describe('update --ask: a signal at a prompt', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)('%s while a question waits: exit 130, nothing changed', async (signal) => {
    const dir = await projectCopy();
    const before = untouched(dir);
    const result = runOnPty(['update', '--ask'], [
      { expect: 'Project name.*\\(churn\\)', send: keys.enter },
      { expect: 'Python package name \\(churn\\)', signal },
      { expect: 'Interrupted', send: '' },
    ], dir);
    expect(result.failed_step, result.transcript).toBeNull();
    expect(result.code).toBe(130);
    expect(untouched(dir)).toEqual(before);
  });
});

describe('update --to: the interrupt reaches the version run through npx', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to the update alone while 0.2.0 commits: passed on, exit 130, nothing changed', async (signal) => {
    const v2 = packageCopy('0.2.0', { 'Makefile.ejs': replace('# <%- projectName %>: `make` lists the targets.', '# <%- projectName %>: run `make`.') });
    const dir = await projectCopy();
    const before = untouched(dir);
    const npx = { PATH: `${fakeNpxDir}:${process.env.PATH}`, FAKE_NPX_PACKAGES: JSON.stringify({ '0.2.0': v2 }) };
    const result = await interrupted(dir, ['update', '--to', '0.2.0'], 'pre-commit', signal, false, npx);
    expect(result.hookRan).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Interrupted. Nothing was changed: main is back at');
    expect({ ...untouched(dir), objects: '' }).toEqual({ ...before, objects: '' });
  });
});
