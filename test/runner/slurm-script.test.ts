/**
 * A SLURM run as text: the sbatch arguments for each setting, the job
 * script for each runtime (shellcheck checks each one; sh runs one), and
 * the run's state from what scontrol, squeue and the exit files say.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobScript, sbatchArgs } from '../../src/runner/runs/slurm-script.js';
import { parseStatus, taskRange } from '../../src/runner/runs/slurm-status.js';
import { tempDir } from '../fakes/project.js';
import { plan, target } from './run-plan.js';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('sbatch arguments', () => {
  it('carry each setting of the target and the run', () => {
    const t = target('kind: slurm\nworkdir: /scratch/me\npartition: gpu\naccount: lab-7\ntime: "04:00:00"\ncpus: 8\nmemory: 32G', 'cluster');
    const args = sbatchArgs(plan(t, { gpus: 2, sweep: ['a.yml', 'b.yml', 'c.yml'] }), t);
    expect(args).toEqual([
      '--parsable',
      "--job-name='churn-model-20261202-180501-3f9a'",
      "--output='/scratch/me/churn-model/20261202-180501-3f9a'/logs/%a.log",
      '--no-requeue',
      "--partition='gpu'",
      "--account='lab-7'",
      '--time=04:00:00',
      '--cpus-per-task=8',
      '--mem=32G',
      '--gres=gpu:2',
      '--array=0-2',
      "'/scratch/me/churn-model/20261202-180501-3f9a'/job.sh",
    ]);
  });

  it('leave out what is not set; one task logs to 0.log; ~/ is the login home', () => {
    const t = target('kind: slurm\nworkdir: ~/runs/', 'c');
    expect(sbatchArgs(plan(t), t)).toEqual(['--parsable', "--job-name='churn-model-20261202-180501-3f9a'", `--output="$HOME"'/runs/churn-model/20261202-180501-3f9a'/logs/0.log`, '--no-requeue', `"$HOME"'/runs/churn-model/20261202-180501-3f9a'/job.sh`]);
  });
});

describe('the job script', () => {
  const runtimes = [
    ['venv', 'runtime: venv\npython: python3.12\npip_args: [--index-url, "https://pypi.internal/simple"]'],
    ['none', 'runtime: none\npython: /usr/bin/python3'],
    ['apptainer', 'runtime: apptainer\nimage: docker://registry.example.com/team/churn:1'],
    ['enroot', 'runtime: enroot\nimage: registry.example.com#team/churn:1'],
    ['podman', 'runtime: podman\nimage: registry.example.com/team/churn:1'],
  ] as const;

  it.runIf(hasShellcheck).each(runtimes)('passes shellcheck with runtime %s, alone and as a sweep with GPUs', (_name, settings) => {
    const t = target(`kind: slurm\nworkdir: /scratch/me\nsetup: ["module load cuda/12.8"]\nenv: { WANDB_MODE: "off line's" }\n${settings}`, 'c');
    for (const p of [plan(t), plan(t, { gpus: 1, sweep: ['configs/examples/a.yml', "configs/examples/it's b.yml"] })]) {
      const dir = tempDir('mlp-job-');
      writeFileSync(join(dir, 'job.sh'), jobScript(p, t));
      const check = spawnSync('shellcheck', ['-s', 'sh', '-S', 'warning', join(dir, 'job.sh')], { encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    }
  });

  it.each(runtimes)('runtime %s runs the command its way', (name, settings) => {
    const t = target(`kind: slurm\nworkdir: /scratch/me\n${settings}`, 'c');
    const script = jobScript(plan(t, { gpus: 1 }), t);
    const last = script.split('\n').find((l) => l.includes("'churn.train'"))!;
    expect(last).toMatch({ venv: /^'python' '-m'/, none: /^'python' '-m'/, apptainer: /^apptainer exec --cleanenv --nv --bind "\$work:\/workspace"/, enroot: /^srun --container-image=/, podman: /^podman run --rm --device nvidia\.com\/gpu=all/ }[name]);
    if (name === 'venv') expect(script).toContain("-m pip install --disable-pip-version-check '--index-url' 'https://pypi.internal/simple' -r requirements.txt");
    expect(script).toContain("export ML_PROJECT_RUN_ID='20261202-180501-3f9a'");
    expect(script).toContain(`export ML_PROJECT_COMMIT='${'c0ffee'.padEnd(40, '0')}'`);
  });

  it('runs for real with runtime none: the commit unpacked, the command in it, its exit code kept, python the target\'s', () => {
    const base = tempDir('mlp-slurm-');
    const t = target(`kind: slurm\nworkdir: ${base}\nruntime: none\npython: /usr/bin/python3\nsetup: ["echo set up in $PWD"]`, 'c');
    const p = plan(t, { command: ['sh', '-c', 'python -c "import sys; print(sys.executable)"; echo "$ML_PROJECT_CONFIG" > reports/config.txt; cat data.txt; exit 3', 'sh'], sweep: ['a.yml', 'b.yml'] });
    const run = join(base, 'churn-model', p.id);
    const src = join(base, 'src');
    mkdirSync(join(src, 'reports'), { recursive: true });
    writeFileSync(join(src, 'data.txt'), 'from the commit\n');
    mkdirSync(run, { recursive: true });
    execFileSync('tar', ['-cf', join(run, 'source.tar'), '-C', src, '.']);
    writeFileSync(join(run, 'job.sh'), jobScript(p, t));
    const result = spawnSync('sh', [join(run, 'job.sh')], { env: { PATH: '/usr/bin:/bin', SLURM_ARRAY_TASK_ID: '1' }, encoding: 'utf8' });
    expect(result.status).toBe(3);
    expect(result.stdout).toMatch(/^set up in .*\/work\/1\n.*python\d?(\.\d+)?\nfrom the commit\n$/s);
    expect(readFileSync(join(run, 'work', '1', 'reports', 'config.txt'), 'utf8')).toBe('b.yml\n');
    expect(readFileSync(join(run, 'status', '1.exit'), 'utf8')).toBe('3\n');
  });
});

describe('the run\'s state', () => {
  const status = (exits: string, scontrol: string, squeue = '', configs: string[] = []) => parseStatus(`#exit\n${exits}\n#scontrol\n${scontrol}\n#squeue\n${squeue}\n`, configs);
  const job = (state: string, more = '') => `JobId=42 JobName=churn-x UserId=me(1000) JobState=${state} Reason=None ${more}StartTime=2026-12-02T18:05:03 EndTime=2026-12-02T18:09:00`;

  it.each([
    ['', job('PENDING').replace('Reason=None', 'Reason=Resources'), 'queued', 'Resources'],
    ['', job('RUNNING'), 'running', undefined],
    ['', job('COMPLETING'), 'running', undefined],
    ['0|0', job('COMPLETED'), 'succeeded', undefined],
    ['0|2', job('FAILED', 'ExitCode=2:0 '), 'failed', 'exit code 2'],
    ['', job('CANCELLED'), 'cancelled', 'cancelled on the cluster'],
    ['', job('NODE_FAIL').replace('Reason=None', 'Reason=NodeDown'), 'failed', 'NODE_FAIL (NodeDown) on the cluster'],
    ['', job('TIMEOUT'), 'failed', 'TIMEOUT on the cluster'],
    ['', job('OUT_OF_MEMORY'), 'failed', 'OUT_OF_MEMORY on the cluster'],
    ['', job('COMPLETED'), 'failed', "the job ended without the command's exit code"],
    ['', '', 'failed', 'the scheduler no longer knows the job and it left no exit code (was its node lost?)'],
  ])('exit files %j, scontrol %j: %s', (exits, scontrol, state, reason) => {
    const s = status(exits, scontrol);
    expect(s.state).toBe(state);
    expect(s.reason).toBe(reason);
  });

  it('reads squeue when scontrol has nothing (an older scheduler), and times from scontrol', () => {
    expect(status('', '', '42|PENDING|Priority').state).toBe('queued');
    expect(status('', '', '42|RUNNING|None').state).toBe('running');
    expect(status('0|0', job('COMPLETED'))).toMatchObject({ startedAt: '2026-12-02T18:05:03', endedAt: '2026-12-02T18:09:00', exitCode: 0 });
  });

  it('an array job: one state per task, the run as far as its least finished task', () => {
    const configs = ['a.yml', 'b.yml', 'c.yml'];
    const array = (task: string, state: string) => `JobId=4${task} ArrayJobId=42 ArrayTaskId=${task} JobState=${state} Reason=None`;
    const pending = status('', 'JobId=42 ArrayJobId=42 ArrayTaskId=0-2 JobState=PENDING Reason=Priority', '', configs);
    expect(pending.state).toBe('queued');
    expect(pending.tasks!.map((t) => t.state)).toEqual(['queued', 'queued', 'queued']);
    const mixed = status('0|0', [array('0', 'COMPLETED'), array('1', 'RUNNING'), 'JobId=42 ArrayJobId=42 ArrayTaskId=2 JobState=PENDING Reason=Resources'].join('\n'), '', configs);
    expect(mixed.state).toBe('running');
    expect(mixed.tasks!.map((t) => t.state)).toEqual(['succeeded', 'running', 'queued']);
    const done = status('0|0\n1|1\n2|0', [array('0', 'COMPLETED'), array('1', 'FAILED'), array('2', 'COMPLETED')].join('\n'), '', configs);
    expect(done).toMatchObject({ state: 'failed', exitCode: 1, reason: 'task 1 (b.yml): exit code 1' });
    const all = status('0|0\n1|0\n2|0', '', '', configs);
    expect(all).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const squeued = status('', '', '42_[0-2]|PENDING|None', configs);
    expect(squeued.tasks!.map((t) => t.state)).toEqual(['queued', 'queued', 'queued']);
  });

  it.each([
    ['0', [0]],
    ['0-3', [0, 1, 2, 3]],
    ['1,3-4', [1, 3, 4]],
    ['0-2%1', [0, 1, 2]],
  ])('task range %s', (text, tasks) => {
    expect(taskRange(text)).toEqual(tasks);
  });
});
