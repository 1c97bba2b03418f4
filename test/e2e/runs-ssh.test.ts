/**
 * Targets reached over SSH (.ci/sshd: a loopback SSH server whose sessions
 * reach the private Docker engine and the SLURM cluster), the way users set
 * up a GPU server or a login node:
 *
 * - through the system's ssh with the user's ssh config: an alias
 *   (`ssh://cmp-remote`, `host: cmp-remote`). ssh reads the config of the
 *   user's passwd entry, not $HOME, so the tests put an `ssh` on PATH that
 *   runs the real one with `-F $CMP_SSH_CONFIG`, as a user with a config
 *   elsewhere would;
 * - through dockerode's own ssh client when there is no ssh on PATH, which
 *   reads no ssh config: `ssh://user@127.0.0.1:port` with the key in an agent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/generate.js';
import { exec, probeEngine, tail } from './engine.js';
import { baseImageFor, commitTargets, mlProject, removeRunImages, newestRun, record, runsProject, type RunsProject } from './runs-project.js';

const config = process.env.CMP_SSH_CONFIG ?? '';
const sshTarget = process.env.CMP_SSH_TARGET ?? '';
const key = process.env.CMP_SSH_KEY ?? '';
const engine = await probeEngine();
const skip = !config || !sshTarget || !key
  ? 'CMP_SSH_CONFIG is not set (start the server with .ci/sshd start, then eval "$(.ci/sshd env)")'
  : spawnSync('ssh', ['-F', config, 'cmp-remote', 'true'], { timeout: 20_000 }).status !== 0 ? `ssh -F ${config} cmp-remote does not log in`
  : engine.skip ?? (process.env.CMP_SLURM_CONF ? null : 'CMP_SLURM_CONF is not set (.ci/slurm)');
if (skip) console.warn(`[e2e runs over ssh] skipped: ${skip}`);
describe.runIf(process.env.CMP_E2E_REQUIRED === '1')('CMP_E2E_REQUIRED=1 (runs over ssh)', () => {
  it('has an SSH server, an engine and a cluster for the tests', () => {
    expect(skip, skip ?? '').toBeNull();
  });
});

/** A PATH holding `tools` as they are here, and an ssh that reads CMP_SSH_CONFIG (or none). */
function pathWith(tools: string[], ssh: boolean): string {
  const bin = tempDir('mlp-bin-');
  for (const tool of tools) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
  if (ssh) {
    const real = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec ${real} -F '${config}' "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

describe.skipIf(skip !== null)('runs on targets reached over ssh', () => {
  let project: RunsProject;
  let agent: { socket: string; pid: string } | undefined;
  const [user, hostPort] = sshTarget.split('@') as [string, string];

  beforeAll(async () => {
    project = await runsProject('runs-ssh');
    project.env.CPU_BASE_IMAGE = await baseImageFor(project);
    // Engines are named by their host in the targets: the remote one is this machine's private engine again.
    project.env.PATH = pathWith(['sh', 'git', 'tar', 'cat', 'docker'], true);
    commitTargets(project, [
      'targets:',
      '  gpu-box:',
      '    kind: docker',
      '    host: ssh://cmp-remote',
      '  by-address:',
      '    kind: docker',
      `    host: ssh://${sshTarget}`,
      '  stranger:',
      '    kind: docker',
      `    host: ssh://nobody@${hostPort}`,
      '  login:',
      '    kind: slurm',
      '    host: cmp-remote',
      `    workdir: ${process.env.CMP_SLURM_WORK}`,
      '    runtime: none',
      '    python: /usr/bin/python3',
      '  login-refused:',
      '    kind: slurm',
      `    host: nobody@${hostPort}`,
      '    workdir: /tmp',
      '',
    ].join('\n'));
    const started = execFileSync('ssh-agent', ['-s'], { encoding: 'utf8' });
    agent = { socket: /SSH_AUTH_SOCK=([^;]+)/.exec(started)![1]!, pid: /SSH_AGENT_PID=(\d+)/.exec(started)![1]! };
    execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: agent.socket }, stdio: 'ignore' });
  }, 900_000);

  afterAll(async () => {
    if (agent) process.kill(Number(agent.pid));
    if (project) await removeRunImages(project);
  }, 180_000);

  it('a docker target at an ssh alias (system ssh, the user\'s ssh config): the run builds and runs there', async () => {
    const result = await mlProject(project, ['run', '--on', 'gpu-box', '--', 'sh', '-c', 'mkdir -p reports && echo "{\\"on\\": \\"$ML_PROJECT_RUN_ID\\"}" > reports/metrics.json'], { timeoutMs: 600_000 });
    expect(result.code, tail(result)).toBe(0);
    const id = newestRun(project);
    expect(result.stdout).toContain('Target gpu-box: Docker ');
    expect(result.stdout).toContain('at ssh://cmp-remote');
    expect(record(project, id)).toMatchObject({ state: 'succeeded', fetched: true, target: { name: 'gpu-box', kind: 'docker' } });
    expect(JSON.parse(readFileSync(join(project.dir, 'runs', id, 'reports', 'metrics.json'), 'utf8'))).toEqual({ on: id });
  }, 600_000);

  it('a docker target at ssh://user@host:port without an ssh client: dockerode\'s own, with the key in an agent', async () => {
    const env = { PATH: pathWith(['sh', 'git'], false), SSH_AUTH_SOCK: agent!.socket };
    const targets = await mlProject(project, ['targets', '--json'], { env });
    const row = (JSON.parse(targets.stdout) as { targets: { name: string; ok: boolean; detail: string }[] }).targets.find((t) => t.name === 'by-address');
    expect(row, tail(targets)).toMatchObject({ ok: true, detail: expect.stringMatching(new RegExp(`^Docker .* at ssh://${sshTarget.replace(/\./g, '\\.')}$`)) });
    const result = await mlProject(project, ['run', '--on', 'by-address', '--', 'echo', 'over ssh2'], { env, timeoutMs: 600_000 });
    expect(result.code, tail(result)).toBe(0);
    expect(readFileSync(join(project.dir, 'runs', newestRun(project), 'output.log'), 'utf8')).toBe('over ssh2\n');
  }, 600_000);

  it('a login the ssh server refuses, for a docker and a slurm target: exit 3 saying so', async () => {
    const refused = await mlProject(project, ['run', '--on', 'stranger', '--', 'true']);
    expect(refused.code, tail(refused)).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`^Target stranger: ssh refused the login to ssh://nobody@${hostPort.replace(/\./g, '\\.')}: .*Check that \`ssh -p \\d+ nobody@127\\.0\\.0\\.1\` works`, 'm'));
    const slurmRefused = await mlProject(project, ['run', '--on', 'login-refused', '--', 'true']);
    expect(slurmRefused.code, tail(slurmRefused)).toBe(3);
    expect(slurmRefused.stderr).toMatch(new RegExp(`^Target login-refused: ssh refused the login to nobody@${hostPort.replace(/\./g, '\\.')}`, 'm'));
  });

  it('a slurm target on a login node over ssh: submitted there, logs and outputs back through ssh', async () => {
    const result = await mlProject(project, ['run', '--on', 'login', '--', 'sh', '-c', 'mkdir -p models && hostname > models/where.txt && echo "on the cluster"']);
    expect(result.code, tail(result)).toBe(0);
    const id = newestRun(project);
    expect(record(project, id)).toMatchObject({ state: 'succeeded', fetched: true, job: expect.stringMatching(/^\d+$/) });
    expect(readFileSync(join(project.dir, 'runs', id, 'output.log'), 'utf8')).toBe('on the cluster\n');
    expect(existsSync(join(project.dir, 'runs', id, 'models', 'where.txt'))).toBe(true);
    expect((await exec('git', ['status', '--porcelain'], { cwd: project.dir, env: project.env })).stdout).toBe('');
  });
});
