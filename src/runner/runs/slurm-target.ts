/**
 * A slurm target: the commit goes to the cluster's shared file system as a
 * tar, the job script beside it, and sbatch submits it, here or on a login
 * node over ssh. State, logs and outputs are read back from the same folder
 * and from the scheduler; a job the scheduler refuses fails with its words.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailureError, UsageError } from '../../shared/errors.js';
import { sh } from '../../shared/escape.js';
import { sleep } from '../wait.js';
import { TargetUnavailableError, type Backend, type RunPlan, type RunStatus, type Submitted } from './backend.js';
import { finalStates, type RunRecord } from './record.js';
import { openShell, type Shell } from './shell.js';
import { jobName, jobScript, runFolder, sbatchArgs } from './slurm-script.js';
import { parseStatus, STATUS_MARKS } from './slurm-status.js';
import type { Git } from './source.js';
import type { SlurmTarget } from './targets.js';
import { unpack } from './unpack.js';

const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).pop() ?? '';

export class SlurmBackend implements Backend {
  readonly where: string;

  constructor(
    private readonly target: SlurmTarget,
    private readonly shell: Shell,
    private readonly git: Git,
  ) {
    this.where = `slurm on ${target.host ?? 'this machine'}${target.partition ? ` (partition ${target.partition})` : ''}`;
  }

  private folder(record: Pick<RunRecord, 'project' | 'id'>): string {
    return runFolder(this.target, record.project, record.id);
  }

  private async must(script: string, what: string, input?: NodeJS.ReadableStream | string): Promise<string> {
    const result = await this.shell.run(script, { input });
    if (result.code !== 0) throw new FailureError(`Target ${this.target.name}: ${what} failed on ${this.shell.where}: ${lastLine(result.stderr) || `exit code ${result.code}`}`);
    return result.stdout;
  }

  async check(): Promise<string> {
    // sinfo without its configuration retries for a minute: a cluster that does not answer in 30 s is unreachable.
    const result = await this.shell.run('command -v sbatch >/dev/null || { echo "no sbatch" >&2; exit 3; }; sinfo -h -o "%P|%a|%D|%T"', { timeoutMs: 30_000 });
    if (result.signal === 'SIGKILL') throw new TargetUnavailableError(`Target ${this.target.name}: SLURM did not answer on ${this.shell.where} within 30 s (sinfo).`);
    if (result.code === 3) throw new TargetUnavailableError(`Target ${this.target.name}: ${this.shell.where} has no sbatch (SLURM's client): set host: to the cluster's login node.`);
    if (result.code !== 0) throw new TargetUnavailableError(`Target ${this.target.name}: SLURM does not answer on ${this.shell.where}: ${lastLine(result.stderr) || `exit code ${result.code}`}`);
    const partitions = result.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
    if (this.target.partition && !partitions.some(([p]) => p?.replace(/\*$/, '') === this.target.partition)) {
      throw new UsageError(`Target ${this.target.name}: the cluster has no partition ${this.target.partition} (it has ${[...new Set(partitions.map(([p]) => p))].join(', ')}).`);
    }
    return `SLURM on ${this.shell.where}: ${partitions.map(([p, a, n, s]) => `${p} ${a}, ${n} ${s}`).join('; ')}`;
  }

  async describe(plan: RunPlan): Promise<string> {
    return `# on ${this.shell.where}: sbatch ${sbatchArgs(plan, this.target).join(' ')}\n${jobScript(plan, this.target)}`;
  }

  async submit(plan: RunPlan, options: { signal: AbortSignal; say: (text: string) => void }): Promise<Submitted> {
    const run = runFolder(this.target, plan.project.name, plan.id);
    options.say(`Sending the commit to ${this.shell.where}`);
    await this.must(`mkdir -p ${run}/logs ${run}/status && cat > ${run}/source.tar`, 'writing the run\'s folder', this.git.archive(plan.source));
    await this.must(`cat > ${run}/job.sh && chmod +x ${run}/job.sh`, 'writing the job script', jobScript(plan, this.target));
    // sbatch runs to its end even after a Ctrl-C (shell.ts): it queues the job, which abandon then finds by name, or it does not.
    const result = await this.shell.run(`sbatch ${sbatchArgs(plan, this.target).join(' ')}`);
    if (result.code !== 0) throw new FailureError(`The cluster refused the job: ${lastLine(result.stderr).replace(/^sbatch: error: /, '') || `sbatch exit code ${result.code}`}`);
    const job = result.stdout.trim().split(';')[0]!;
    if (!/^\d+$/.test(job)) throw new FailureError(`sbatch answered ${JSON.stringify(result.stdout.trim())}, not a job id.`);
    return { job };
  }

  async abandon(record: RunRecord): Promise<boolean> {
    const name = sh(jobName(record.project, record.id));
    const found = await this.shell.run(`squeue -h -n ${name} -o %i | grep -q . && found=1; scancel -n ${name} 2>/dev/null; rm -rf ${this.folder(record)}; [ -n "$found" ]`);
    return found.code === 0;
  }

  async status(record: RunRecord): Promise<RunStatus> {
    if (!record.job) return { state: 'queued' };
    const run = this.folder(record);
    const script = [
      `echo '${STATUS_MARKS.exit}'`,
      `for f in ${run}/status/*.exit; do [ -f "$f" ] && t=\${f##*/} && echo "\${t%.exit}|$(cat "$f")"; done`,
      `echo '${STATUS_MARKS.scontrol}'`,
      `scontrol -o show job ${record.job} 2>/dev/null`,
      `echo '${STATUS_MARKS.squeue}'`,
      `squeue -h -r -j ${record.job} -o '%i|%T|%r' 2>/dev/null`,
      'true',
    ].join('\n');
    return parseStatus(await this.must(script, 'asking the scheduler'), (record.tasks ?? []).map((t) => t.config));
  }

  async logs(record: RunRecord, write: (text: string) => void, follow: boolean, signal: AbortSignal): Promise<void> {
    const run = this.folder(record);
    const tasks = Math.max(1, record.tasks?.length ?? 0);
    const offsets = new Array<number>(tasks).fill(0);
    for (;;) {
      let ended = finalStates.has(record.state);
      if (follow && !ended) ended = finalStates.has((await this.status(record)).state);
      for (let task = 0; task < tasks; task++) {
        const text = (await this.shell.run(`tail -c +${offsets[task]! + 1} ${run}/logs/${task}.log 2>/dev/null || true`)).stdout;
        offsets[task]! += Buffer.byteLength(text);
        if (text) write(tasks > 1 ? text.replace(/^(?=.)/gm, `[task ${task}] `) : text);
      }
      if (!follow || ended || signal.aborted) return;
      await sleep(2000, signal);
    }
  }

  async fetch(record: RunRecord, dir: string): Promise<void> {
    const run = this.folder(record);
    const list = record.outputs.map(sh).join(' ');
    const tasks = Math.max(1, record.tasks?.length ?? 0);
    for (let task = 0; task < tasks; task++) {
      const into = record.tasks ? join(dir, 'tasks', String(task)) : dir;
      const log = await this.shell.run(`cat ${run}/logs/${task}.log 2>/dev/null || true`);
      mkdirSync(into, { recursive: true });
      writeFileSync(join(into, 'output.log'), log.stdout);
      const tar = this.shell.read(`cd ${run}/work/${task} 2>/dev/null || exit 0; for p in ${list}; do [ -e "$p" ] && printf '%s\\0' "$p"; done | tar -cf - --null -T -`);
      await unpack(tar, into);
    }
  }

  async cancel(record: RunRecord): Promise<void> {
    if (record.job) await this.must(`scancel ${record.job}`, 'scancel');
  }

  async release(record: RunRecord): Promise<void> {
    await this.shell.run(`rm -rf ${this.folder(record)}`);
  }
}

export function slurmBackend(target: SlurmTarget, git: Git, env: NodeJS.ProcessEnv): SlurmBackend {
  return new SlurmBackend(target, openShell(target.name, target.host, env), git);
}
