/**
 * A run on SLURM as text: the folder it gets on the shared file system, the
 * job script, and the sbatch command line. Pure, so each setting is a case
 * in a table test and each script is checked by shellcheck.
 *
 *   <workdir>/<project>/<run id>/
 *     source.tar     the commit, unpacked by each task into work/<task>/
 *     job.sh         this script
 *     logs/<task>.log, status/<task>.exit (the command's exit code)
 *   <workdir>/<project>/venvs/<key>/   runtime venv: one per requirements, shared by runs
 */
import { sh } from '../../shared/escape.js';
import type { RunPlan } from './backend.js';
import type { SlurmTarget } from './targets.js';

/** The run's folder as a shell word: `~/` becomes $HOME (targets.ts allows no other expansion in workdir). */
export function runFolder(target: SlurmTarget, project: string, id: string): string {
  const base = target.workdir.replace(/\/+$/, '');
  const path = `${base}/${project}/${id}`;
  return path.startsWith('~/') ? `"$HOME"${sh(path.slice(1))}` : sh(path);
}

export function projectFolder(target: SlurmTarget, project: string): string {
  const base = `${target.workdir.replace(/\/+$/, '')}/${project}`;
  return base.startsWith('~/') ? `"$HOME"${sh(base.slice(1))}` : sh(base);
}

export function jobName(project: string, id: string): string {
  return `${project}-${id}`;
}

export function taskCount(plan: Pick<RunPlan, 'sweep'>): number {
  return Math.max(1, plan.sweep.length);
}

/** sbatch's arguments, the script last. */
export function sbatchArgs(plan: RunPlan, target: SlurmTarget): string[] {
  const run = runFolder(target, plan.project.name, plan.id);
  const array = plan.sweep.length > 0;
  return [
    '--parsable',
    `--job-name=${sh(jobName(plan.project.name, plan.id))}`,
    `--output=${run}/logs/${array ? '%a' : '0'}.log`,
    // A job whose node is lost ends failed (NODE_FAIL) instead of starting over unseen.
    '--no-requeue',
    ...(target.partition ? [`--partition=${sh(target.partition)}`] : []),
    ...(target.account ? [`--account=${sh(target.account)}`] : []),
    ...(target.time ? [`--time=${target.time}`] : []),
    ...(target.cpus ? [`--cpus-per-task=${target.cpus}`] : []),
    ...(target.memory ? [`--mem=${target.memory}`] : []),
    ...(plan.gpus > 0 ? [`--gres=gpu:${plan.gpus}`] : []),
    ...(array ? [`--array=0-${plan.sweep.length - 1}`] : []),
    `${run}/job.sh`,
  ];
}

/** The lines that make and enter the virtual environment, one per requirements and Python, built once under a lock. */
function venvLines(target: SlurmTarget, project: string): string[] {
  const pip = target.pipArgs.map(sh).join(' ');
  return [
    `venvs=${projectFolder(target, project)}/venvs`,
    'mkdir -p "$venvs"',
    `key=$( (cat requirements.txt requirements-dev.txt 2>/dev/null; ${sh(target.python)} -V) 2>&1 | cksum | cut -d' ' -f1)`,
    'venv=$venvs/$key',
    '(',
    '  flock 9',
    '  if [ ! -x "$venv/bin/python" ]; then',
    '    rm -rf "$venv.new"',
    '    dev=; [ -f requirements-dev.txt ] && dev=requirements-dev.txt',
    `    ${sh(target.python)} -m venv --system-site-packages "$venv.new" &&`,
    `      "$venv.new/bin/python" -m pip install --disable-pip-version-check ${pip ? `${pip} ` : ''}-r requirements.txt \${dev:+-r} \${dev:+"$dev"} &&`,
    '      mv "$venv.new" "$venv"',
    '  fi',
    ') 9>"$venv.lock"',
    '[ -x "$venv/bin/python" ] || { echo "ml-project: the virtual environment $venv could not be made (see above)" >&2; echo 1 > "$run/status/$task.exit"; exit 1; }',
    'export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"',
  ];
}

/** The command's prefix for a container runtime: the task's folder is the image's /workspace. */
function containerPrefix(target: SlurmTarget, plan: RunPlan): string {
  const image = sh(target.image ?? '');
  if (target.runtime === 'apptainer') return `apptainer exec --cleanenv ${plan.gpus > 0 ? '--nv ' : ''}--bind "$work:/workspace" --pwd /workspace ${image}`;
  if (target.runtime === 'enroot') return `srun --container-image=${image} --container-mounts="$work:/workspace" --container-workdir=/workspace --container-env=ML_PROJECT_RUN_ID,ML_PROJECT_COMMIT,ML_PROJECT_CONFIG`;
  const env = [...Object.keys(plan.env), 'ML_PROJECT_CONFIG'].map((k) => `--env ${k}`).join(' ');
  return `podman run --rm ${plan.gpus > 0 ? '--device nvidia.com/gpu=all ' : ''}--volume "$work:/workspace" --workdir /workspace ${env} ${image}`;
}

export function jobScript(plan: RunPlan, target: SlurmTarget): string {
  const containerised = target.runtime !== 'venv' && target.runtime !== 'none';
  const command = plan.command.map(sh).join(' ');
  const lines = [
    '#!/bin/sh',
    `# ml-project run ${plan.id} of ${plan.project.name} at ${plan.source.commit}, on target ${target.name}.`,
    `run=${runFolder(target, plan.project.name, plan.id)}`,
    'task=${SLURM_ARRAY_TASK_ID:-0}',
    'work=$run/work/$task',
    'mkdir -p "$work" "$run/status"',
    'tar -xf "$run/source.tar" -C "$work" || { echo 1 > "$run/status/$task.exit"; exit 1; }',
    'cd "$work" || exit 1',
    ...Object.entries(plan.env).map(([k, v]) => `export ${k}=${sh(v)}`),
  ];
  if (plan.sweep.length) {
    // The task's experiment file: the task-th of the list.
    lines.push(`set -- ${plan.sweep.map(sh).join(' ')}`, '[ "$task" -lt "$#" ] || { echo "ml-project: no experiment file for task $task" >&2; exit 1; }', 'shift "$task"', 'ML_PROJECT_CONFIG=$1', 'export ML_PROJECT_CONFIG');
  }
  lines.push(...target.setup);
  if (!containerised) {
    // What the project's image sets: the source on the import path, and make runs project code directly.
    lines.push('export PYTHONPATH="$work${PYTHONPATH:+:$PYTHONPATH}" ML_PROJECT_IN_CONTAINER=1');
  }
  if (target.runtime === 'venv') lines.push(...venvLines(target, plan.project.name));
  if (target.runtime === 'none') {
    // `python` and `python3` in the command are the target's Python.
    lines.push('mkdir -p "$run/bin"', `py=$(command -v ${sh(target.python)}) || { echo "ml-project: ${target.python.replace(/"/g, '')} not found" >&2; echo 127 > "$run/status/$task.exit"; exit 127; }`, 'ln -sf "$py" "$run/bin/python"', 'ln -sf "$py" "$run/bin/python3"', 'export PATH="$run/bin:$PATH"');
  }
  const config = plan.sweep.length ? ' "$ML_PROJECT_CONFIG"' : '';
  lines.push(`${containerised ? `${containerPrefix(target, plan)} ` : ''}${command}${config}`, 'code=$?', 'echo "$code" > "$run/status/$task.exit"', 'exit "$code"');
  return `${lines.join('\n')}\n`;
}
