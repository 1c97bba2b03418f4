/**
 * `ml-project run` on the one-node SLURM cluster of .ci/slurm, submitting
 * with sbatch on this machine (runtime none: the cluster's python3 with
 * pandas and scikit-learn; there is no PyPI for a venv): real jobs, an array
 * job over the experiment files, a cancel, a job the scheduler refuses, a
 * node lost mid-run, and an interrupt while submitting.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/generate.js';
import { exec, tail } from './engine.js';
import { commitTargets, mlProject, newestRun, record, runsProject, treeState, type RunsProject } from './runs-project.js';

const conf = process.env.CMP_SLURM_CONF ?? '';
const work = process.env.CMP_SLURM_WORK ?? '';
const slurm = (command: string, args: string[]) => exec(command, args, { env: { ...process.env, SLURM_CONF: conf }, timeoutMs: 30_000 });
const skip = !conf || !work ? 'CMP_SLURM_CONF is not set (start the cluster with .ci/slurm start, then eval "$(.ci/slurm env)")' : (await slurm('sinfo', ['-h']).catch(() => ({ code: 1 }))).code !== 0 ? `the cluster of ${conf} does not answer` : null;
if (skip) console.warn(`[e2e runs on slurm] skipped: ${skip}`);
describe.runIf(process.env.CMP_E2E_REQUIRED === '1')('CMP_E2E_REQUIRED=1 (runs on slurm)', () => {
  it('has a SLURM cluster for the runs tests', () => {
    expect(skip, skip ?? '').toBeNull();
  });
});

const node = hostname().split('.')[0]!;
const papermill = join(repoRoot, 'test', 'fixtures', 'papermill');
const hasNbclient = spawnSync('/usr/bin/python3', ['-c', 'import nbclient, ipykernel']).status === 0;

async function waitFor(project: RunsProject, id: string, state: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const runs = JSON.parse((await mlProject(project, ['runs', '--json'])).stdout) as { runs: { id: string; state: string }[] };
    if (runs.runs.find((r) => r.id === id)?.state === state) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`run ${id} never became ${state}`);
}

/**
 * The jobs of that name still in the queue. A cancelled job stays a moment in
 * COMPLETING while slurmd cleans up: that is waited out (30 s at most), any
 * other state is returned at once.
 */
async function queuedByName(name: string): Promise<string> {
  for (let i = 0; ; i++) {
    const queued = (await slurm('squeue', ['-h', '-n', name, '-o', '%i %T'])).stdout.trim();
    if (!queued || i >= 30 || !queued.split('\n').every((line) => line.endsWith(' COMPLETING'))) return queued;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe.skipIf(skip !== null)('ml-project run on a SLURM cluster', () => {
  let project: RunsProject;
  const folder = () => join(work, 'runs-slurm');

  beforeAll(async () => {
    project = await runsProject('runs-slurm');
    // papermill is not packaged by Debian: the notebooks target puts a stand-in on the job's PATH (test/fixtures/papermill).
    commitTargets(project, `targets:\n  cluster:\n    kind: slurm\n    workdir: ${work}\n    runtime: none\n    python: /usr/bin/python3\n  notebooks:\n    kind: slurm\n    workdir: ${work}\n    runtime: none\n    python: /usr/bin/python3\n    setup: ["export PATH=${papermill}:$PATH"]\n  nowhere:\n    kind: slurm\n    workdir: ${work}\n    partition: gpu-a100\n`);
  }, 300_000);

  afterAll(async () => {
    await slurm('scancel', ['-n', 'runs-slurm', '--quiet']).catch(() => undefined);
  });

  it('targets checks the cluster', async () => {
    const result = await mlProject(project, ['targets', '--json']);
    const cluster = (JSON.parse(result.stdout) as { targets: { name: string; ok: boolean; detail: string }[] }).targets.find((t) => t.name === 'cluster');
    expect(cluster, tail(result)).toMatchObject({ ok: true, detail: expect.stringMatching(/^SLURM on this machine: debug\* up, 1 (idle|mixed|allocated)/) });
  });

  it('done when: run --on cluster -- the pipeline ends succeeded, runs/<id>/ holds the record, logs and metrics.json; runs --json lists it', async () => {
    const before = treeState(project.dir);
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: project.dir, env: project.env })).stdout.trim();
    const pipeline = `python -m ${project.pkg}.etl && python -m ${project.pkg}.train && python -m ${project.pkg}.evaluate && echo "run=$ML_PROJECT_RUN_ID commit=$ML_PROJECT_COMMIT"`;
    const result = await mlProject(project, ['run', '--on', 'cluster', '--', 'sh', '-c', pipeline]);
    expect(result.code, tail(result)).toBe(0);
    const id = newestRun(project);
    const run = record(project, id);
    expect(run).toMatchObject({ state: 'succeeded', exitCode: 0, commit: head, fetched: true, job: expect.stringMatching(/^\d+$/), target: { name: 'cluster', kind: 'slurm' } });
    expect(JSON.parse(readFileSync(join(project.dir, 'runs', id, 'reports', 'metrics.json'), 'utf8'))).toHaveProperty('rmse');
    expect(existsSync(join(project.dir, 'runs', id, 'models', 'model.joblib'))).toBe(true);
    expect(readFileSync(join(project.dir, 'runs', id, 'output.log'), 'utf8')).toContain(`run=${id} commit=${head}`);
    const runs = JSON.parse((await mlProject(project, ['runs', '--json'])).stdout) as { runs: { id: string; state: string }[] };
    expect(runs.runs).toContainEqual(expect.objectContaining({ id, state: 'succeeded' }));
    // The run's folder on the cluster goes once its outputs are here.
    expect(existsSync(join(folder(), id))).toBe(false);
    expect(treeState(project.dir)).toEqual(before);
  });

  it('a sweep is an array job, one task per experiment file, each one\'s outputs apart', async () => {
    const files = readdirSync(join(project.dir, 'configs', 'examples')).sort();
    const result = await mlProject(project, ['run', '--on', 'cluster', '--sweep', 'configs/examples/*.yml', '--', 'sh', '-c', `python -m ${project.pkg}.etl "$1" && python -m ${project.pkg}.train "$1" && python -m ${project.pkg}.evaluate "$1"`, 'sh']);
    expect(result.code, tail(result)).toBe(0);
    const id = newestRun(project);
    const run = record(project, id);
    expect(run.state).toBe('succeeded');
    expect(run.tasks!.map((t) => [t.config, t.state])).toEqual(files.map((f) => [`configs/examples/${f}`, 'succeeded']));
    files.forEach((file, i) => {
      const dir = join(project.dir, 'runs', id, 'tasks', String(i));
      expect(JSON.parse(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8'))).toHaveProperty('rmse');
      expect(readFileSync(join(dir, 'output.log'), 'utf8')).toContain(`configs/examples/${file}`);
    });
    expect(result.stdout).toMatch(/^\[task 2\] /m);
  });

  it.runIf(hasNbclient || process.env.CMP_E2E_REQUIRED === '1')('run NOTEBOOK -p: papermill with the parameters, the executed copy back; also when a cell fails', async () => {
    const ok = await mlProject(project, ['run', '--on', 'notebooks', 'notebooks/01-exploration.ipynb', '-p', 'config_path', 'configs/examples/random_forest.yml']);
    expect(ok.code, tail(ok)).toBe(0);
    const id = newestRun(project);
    const run = record(project, id) as unknown as { command: string[] };
    expect(run.command).toEqual(['papermill', 'notebooks/01-exploration.ipynb', 'notebooks/01-exploration.ipynb', '-p', 'config_path', 'configs/examples/random_forest.yml']);
    const executed = JSON.parse(readFileSync(join(project.dir, 'runs', id, 'notebooks', '01-exploration.ipynb'), 'utf8')) as { cells: { cell_type: string; source: string | string[]; outputs?: { text?: string | string[] }[] }[] };
    const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));
    expect(executed.cells.some((c) => text(c.source).includes('config_path = "configs/examples/random_forest.yml"'))).toBe(true);
    expect(executed.cells.some((c) => (c.outputs ?? []).some((o) => text(o.text).includes('random_forest')))).toBe(true);
    // The project's own copy is as committed.
    expect(readFileSync(join(project.dir, 'notebooks', '01-exploration.ipynb'), 'utf8')).not.toContain('random_forest.yml"');

    const failing = await mlProject(project, ['run', '--on', 'notebooks', 'notebooks/01-exploration.ipynb', '-p', 'config_path', 'configs/examples/missing.yml']);
    expect(failing.code, tail(failing)).toBe(1);
    const failed = newestRun(project);
    expect(record(project, failed)).toMatchObject({ state: 'failed', exitCode: 1, fetched: true });
    const partial = readFileSync(join(project.dir, 'runs', failed, 'notebooks', '01-exploration.ipynb'), 'utf8');
    expect(partial).toContain('missing.yml');
    expect(partial).toMatch(/"output_type": "error"/);
  }, 300_000);

  it('cancel ends a running job: cancelled, nothing left queued', async () => {
    const submit = await mlProject(project, ['run', '--on', 'cluster', '--detach', '--', 'sleep', '300']);
    expect(submit.code, tail(submit)).toBe(0);
    const id = newestRun(project);
    await waitFor(project, id, 'running');
    const cancel = await mlProject(project, ['cancel', id]);
    expect(cancel.code, tail(cancel)).toBe(0);
    expect(record(project, id)).toMatchObject({ state: 'cancelled' });
    expect(await queuedByName(`runs-slurm-${id}`)).toBe('');
  });

  it('a job the scheduler refuses: exit 1 with its own message, the record failed', async () => {
    const result = await mlProject(project, ['run', '--on', 'cluster', '--gpus', '3', '--', 'true']);
    expect(result.code, tail(result)).toBe(1);
    expect(result.stderr).toMatch(/^The cluster refused the job: Batch job submission failed: Requested node configuration is not available/m);
    expect(record(project)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^not submitted: The cluster refused the job/) });
    // Nothing of the refused run stays on the cluster.
    expect(existsSync(join(folder(), newestRun(project)))).toBe(false);
  });

  it('GPUs asked for are given: --gres=gpu:N sets CUDA_VISIBLE_DEVICES', async () => {
    const result = await mlProject(project, ['run', '--on', 'cluster', '--gpus', '2', '--', 'sh', '-c', 'echo "gpus=$CUDA_VISIBLE_DEVICES"']);
    expect(result.code, tail(result)).toBe(0);
    expect(readFileSync(join(project.dir, 'runs', newestRun(project), 'output.log'), 'utf8')).toContain('gpus=0,1');
  });

  it('an unknown partition: exit 2 naming it', async () => {
    const result = await mlProject(project, ['run', '--on', 'nowhere', '--', 'true']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Target nowhere: the cluster has no partition gpu-a100 \(it has debug\*\)\./);
  });

  it('a node lost mid-run: failed, with the scheduler\'s reason', async () => {
    const submit = await mlProject(project, ['run', '--on', 'cluster', '--detach', '--', 'sleep', '120']);
    expect(submit.code, tail(submit)).toBe(0);
    const id = newestRun(project);
    await waitFor(project, id, 'running');
    try {
      expect((await slurm('scontrol', ['update', `nodename=${node}`, 'state=down', 'reason=cmp-test-node-lost'])).code).toBe(0);
      await waitFor(project, id, 'failed');
      expect(record(project, id)).toMatchObject({ state: 'failed', reason: 'NODE_FAIL (NodeDown) on the cluster' });
    } finally {
      await slurm('scontrol', ['update', `nodename=${node}`, 'state=resume']);
      for (let i = 0; i < 30 && !/idle|mixed/.test((await slurm('sinfo', ['-h', '-N', '-o', '%T'])).stdout); i++) await new Promise((r) => setTimeout(r, 1000));
    }
  });

  it.each([
    ['SIGINT', false],
    ['SIGTERM', false],
    ['SIGHUP', false],
    // Ctrl-C at a terminal: the whole process group gets it.
    ['SIGINT', true],
  ] as const)('%s while submitting (to the process group: %s): exit 130, nothing left queued, the record says so', async (signal, group) => {
    const result = await mlProject(project, ['run', '--on', 'cluster', '--', 'sleep', '300'], { interruptWhen: (out) => out.includes('Sending the commit'), interruptWith: { signal, group } });
    const id = newestRun(project);
    if (result.code === 130) {
      expect(record(project, id)).toMatchObject({ state: 'cancelled', reason: expect.stringMatching(/^interrupted (while submitting|before it was submitted)/) });
    } else {
      // The signal came after the submission: the attached run was cancelled.
      expect(result.code, tail(result)).toBe(130);
    }
    expect(await queuedByName(`runs-slurm-${id}`)).toBe('');
    expect(existsSync(join(folder(), id))).toBe(false);
  });
});

it.skipIf(skip !== null)('the cluster is left idle', () => {
  expect(execFileSync('sinfo', ['-h', '-N', '-o', '%T'], { env: { ...process.env, SLURM_CONF: conf }, encoding: 'utf8' })).toMatch(/idle|mixed|allocated/);
});
