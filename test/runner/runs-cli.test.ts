/**
 * The run commands of the built bin with bad input and unreachable targets:
 * one clear line, the right exit code, and nothing written (no runs/) when
 * nothing was submitted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv } from '../helpers/generate.js';
import { writeRecord } from '../../src/runner/runs/record.js';
import { makeProject, tempDir } from '../fakes/project.js';
import { runnerEnv, runRunner } from './helpers.js';

const gitEnv = { ...process.env, ...isolatedGitEnv() } as NodeJS.ProcessEnv;
for (const key of Object.keys(gitEnv)) if (gitEnv[key] === undefined) delete gitEnv[key];

function committed(files: Record<string, string> = {}): string {
  const root = makeProject({ name: 'churn-model', files: { '.gitignore': 'runs/\n', ...files } });
  for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-qm', 'first']]) execFileSync('git', args, { cwd: root, env: gitEnv });
  return root;
}

const env = (extra: NodeJS.ProcessEnv = {}) => runnerEnv({ PATH: process.env.PATH, ...isolatedGitEnv(), ...extra });
const mlp = (root: string, args: string[], extra: NodeJS.ProcessEnv = {}) => runRunner(args, { cwd: root, env: env(extra) });

function oneLine(stderr: string): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+|Unexpected error/);
}

describe.concurrent('ml-project run: refusals before anything is sent', () => {
  it.each([
    ['targets:\n  local: {kind: docker\n', /^Cannot read configs\/targets\.yml: invalid YAML at line \d+/],
    ['targets:\n  cluster: { kind: slurm, workdir: /s, gpu: 2 }\n', /^configs\/targets\.yml, target cluster: gpu is not a setting of a slurm target \(did you mean gpus\?\)/],
    ['targets:\n  cluster: { kind: slurm }\n', /^configs\/targets\.yml, target cluster: workdir is missing/],
  ])('a malformed targets file: exit 2, one line naming it (%#)', async (text, message) => {
    const root = committed({ 'configs/targets.yml': text });
    for (const args of [['run', '--', 'true'], ['targets']]) {
      const result = await mlp(root, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      oneLine(result.stderr);
    }
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });

  it('an unknown target: exit 2 with the nearest name', async () => {
    const root = committed({ 'configs/targets.yml': 'targets:\n  cluster: { kind: slurm, workdir: /s }\n' });
    const result = await mlp(root, ['run', '--on', 'clutser', '--', 'true']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^No target "clutser" in configs\/targets\.yml\. Did you mean cluster\? Targets: cluster, local\./);
  });

  it('uncommitted changes: exit 2, naming them, nothing recorded', async () => {
    const root = committed();
    writeFileSync(join(root, 'docker-compose.yml'), 'services: {x: {}}\n');
    const result = await mlp(root, ['run', '--', 'true']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^The project has uncommitted changes \(docker-compose\.yml\): a run is pinned to a commit\. Commit them, or pass --allow-dirty/);
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });

  it('a sweep file or notebook not in the commit: exit 2', async () => {
    const root = committed({ 'configs/examples/a.yml': 'x: 1\n' });
    const sweep = await mlp(root, ['run', '--sweep', 'configs/examples/b.yml', '--', 'true']);
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toMatch(/^--sweep "configs\/examples\/b\.yml": no such file in the commit/);
    const pattern = await mlp(root, ['run', '--sweep', 'configs/*.json', '--', 'true']);
    expect(pattern.stderr).toMatch(/^--sweep "configs\/\*\.json": no such file in the commit/);
    const notebook = await mlp(root, ['run', 'notebooks/missing.ipynb']);
    expect(notebook.code).toBe(2);
    expect(notebook.stderr).toMatch(/^"notebooks\/missing\.ipynb" is not a notebook of the commit/);
  });

  it('not in a project: exit 2', async () => {
    const result = await mlp(tempDir('mlp-nowhere-'), ['run', '--', 'true']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^No create-ml-project project here/);
  });
});

describe.concurrent('unreachable targets: exit 3 naming the target, nothing recorded', () => {
  it.each([
    ['a docker socket with no engine', 'local:\n    kind: docker\n    host: unix:///nonexistent/docker.sock', 'local', /^Target local: The Docker daemon is not running \(no engine at \/nonexistent\/docker\.sock/],
    ['a tcp engine that refuses', 'box:\n    kind: docker\n    host: tcp://127.0.0.1:1', 'box', /^Target box: The Docker engine at tcp:\/\/127\.0\.0\.1:1 is unreachable: the connection was refused/],
    ['a login node that refuses ssh', 'cluster:\n    kind: slurm\n    host: me@127.0.0.1:1\n    workdir: /scratch', 'cluster', /^Target cluster: me@127\.0\.0\.1:1 cannot be reached over ssh: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused/],
    ['a login node whose name does not resolve', 'cluster:\n    kind: slurm\n    host: login.invalid\n    workdir: /scratch', 'cluster', /^Target cluster: login\.invalid cannot be reached over ssh: ssh: Could not resolve hostname login\.invalid/],
    ['a machine without SLURM', 'cluster:\n    kind: slurm\n    workdir: /scratch', 'cluster', /^Target cluster: this machine has no sbatch \(SLURM's client\): set host: to the cluster's login node\./],
  ])('%s', async (_what, settings, name, message) => {
    const root = committed({ 'configs/targets.yml': `targets:\n  ${settings}\n` });
    // A PATH with what a laptop has (sh, git, ssh) and no SLURM client.
    const bin = tempDir('mlp-bin-');
    for (const tool of ['sh', 'git', 'ssh']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    const result = await mlp(root, ['run', '--on', name, '--', 'true'], { PATH: bin });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(root, 'runs'))).toBe(false);
    const targets = await mlp(root, ['targets', '--json'], { PATH: bin });
    expect(targets.code).toBe(3);
    expect((JSON.parse(targets.stdout) as { targets: { name: string; ok: boolean }[] }).targets.find((t) => t.name === name)?.ok).toBe(false);
  });
});

describe.concurrent('run ids', () => {
  it.each([['logs'], ['fetch'], ['cancel']])('%s of a run that does not exist: exit 2, one line', async (command) => {
    const root = committed();
    const result = await mlp(root, [command, '20261202-180501-3f9a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^No run 20261202-180501-3f9a in this project: runs\/20261202-180501-3f9a does not exist \(ml-project runs lists the runs\)\./);
    oneLine(result.stderr);
  });

  it.each([['fetch', 'latest'], ['cancel', '../../etc'], ['fetch', '2026-12-02']])('%s %s: not a run id, exit 2', async (command, id) => {
    const result = await mlp(committed(), [command, id]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a run id: they look like 20261202-180501-3f9a/);
  });

  it('runs lists the newest first, to the millisecond: ids made in the same second do not decide', async () => {
    const root = committed();
    const made = [
      ['20261202-180459-aaaa', '2026-12-02T18:04:59.999Z'],
      ['20261202-180501-ffff', '2026-12-02T18:05:01.100Z'],
      ['20261202-180501-0000', '2026-12-02T18:05:01.900Z'],
    ];
    for (const [id, submittedAt] of made) {
      const settings = { name: 'local', kind: 'docker' };
      writeRecord(root, { id: id!, project: 'churn-model', target: { ...settings, where: 'local', settings: settings as never }, command: ['true'], commit: 'c0ffee', gpus: 0, outputs: [], state: 'succeeded', submittedAt: submittedAt!, fetched: true });
    }
    const listed = JSON.parse((await mlp(root, ['runs', '--json'])).stdout) as { runs: { id: string }[] };
    expect(listed.runs.map((r) => r.id)).toEqual(['20261202-180501-0000', '20261202-180501-ffff', '20261202-180459-aaaa']);
  });

  it('runs with none yet, and with a broken record beside a good one', async () => {
    const root = committed();
    expect((await mlp(root, ['runs'])).stdout).toMatch(/^No runs yet\. Start one with: ml-project run/);
    expect(JSON.parse((await mlp(root, ['runs', '--json'])).stdout)).toEqual({ runs: [] });
    mkdirSync(join(root, 'runs', '20261202-180501-3f9a'), { recursive: true });
    writeFileSync(join(root, 'runs', '20261202-180501-3f9a', 'run.json'), '{"id": ');
    const result = await mlp(root, ['runs']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Skipped: .*run\.json is not valid JSON: fix or remove it\./);
  });
});
