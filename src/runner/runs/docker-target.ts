/**
 * A docker target: the run's image built from the commit on the target's
 * engine (local, ssh://, tcp:// or a docker context), one container per
 * run named after it, its files copied out when it ends. Nothing of the
 * project is mounted: the container holds the commit, never the working tree.
 */
import { writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { CliError, ExitCode, UsageError } from '../../shared/errors.js';
import { describeEndpoint, parseHost, resolveEndpoint, contextHost, type Endpoint } from '../endpoint.js';
import { imageName } from '../images.js';
import type { RunContainerSpec, RunEngine } from './run-engine.js';
import { TargetUnavailableError, type Backend, type RunPlan, type RunStatus, type SubmitOptions, type Submitted } from './backend.js';
import type { RunRecord } from './record.js';
import { ensureRunImage, runImageName } from './run-image.js';
import type { Git } from './source.js';
import type { DockerTarget } from './targets.js';
import { unpack } from './unpack.js';

export const WORKSPACE = '/workspace';

export function targetEndpoint(target: DockerTarget, env: NodeJS.ProcessEnv, file: string): Endpoint {
  const where = `${file}, target ${target.name}`;
  if (target.host) return parseHost(target.host, `${where}: host`, env);
  if (target.context) {
    const configDir = env.DOCKER_CONFIG || join(env.HOME ?? '', '.docker');
    const host = contextHost(configDir, target.context);
    if (!host) throw new UsageError(`${where}: context ${target.context} is not a docker context (docker context ls lists them).`);
    return parseHost(host, `${where}: docker context ${target.context}`, env);
  }
  return resolveEndpoint(env);
}

/** The run's container: `<project>-run-<id>`. */
export function containerName(project: string, id: string): string {
  return `${imageName(project, 'cpu').replace(/-cpu:latest$/, '')}-run-${id}`;
}

export function containerSpec(plan: RunPlan, image: string): RunContainerSpec {
  return {
    name: containerName(plan.project.name, plan.id),
    image,
    command: plan.command,
    env: plan.env,
    labels: { 'ml-project.run': plan.id, 'ml-project.project': plan.project.name, 'ml-project.commit': plan.source.commit },
    workingDir: WORKSPACE,
    gpus: plan.gpus,
  };
}

export class DockerBackend implements Backend {
  readonly where: string;
  private engine?: Promise<RunEngine>;

  constructor(
    private readonly target: DockerTarget,
    private readonly endpoint: Endpoint,
    private readonly git: Git,
    private readonly env: NodeJS.ProcessEnv,
    private readonly open: (endpoint: Endpoint) => Promise<RunEngine>,
  ) {
    this.where = describeEndpoint(endpoint);
  }

  /** The engine, once it answered a ping; unreachable is exit 3 naming the target. */
  private connect(): Promise<RunEngine> {
    return (this.engine ??= (async () => {
      const engine = await this.open(this.endpoint);
      try {
        await engine.ping();
      } catch (error) {
        if (error instanceof CliError && error.exitCode === ExitCode.dockerUnavailable) throw new TargetUnavailableError(`Target ${this.target.name}: ${error.message}`);
        throw error;
      }
      return engine;
    })());
  }

  async check(): Promise<string> {
    const engine = await this.connect();
    const version = await engine.version();
    return `Docker ${version.version} at ${engine.endpoint}`;
  }

  async describe(plan: RunPlan): Promise<string> {
    const { repository, tag } = runImageName(plan);
    return `${JSON.stringify({ engine: this.where, image: `${repository}:${tag}`, container: containerSpec(plan, `${repository}:${tag}`) }, null, 2)}\n`;
  }

  async submit(plan: RunPlan, options: SubmitOptions): Promise<Submitted> {
    if (plan.sweep.length) throw new UsageError(`--sweep runs one task per experiment file as an array job: on slurm and kubernetes targets. On ${plan.target.name} (docker), run ml-project run once per file.`);
    const engine = await this.connect();
    const image = await ensureRunImage(engine, this.git, plan, options, this.env);
    const spec = containerSpec(plan, image.name);
    const id = await engine.createRunContainer(spec);
    await engine.startContainer(id);
    return { job: spec.name, image: { name: image.name, digest: image.id } };
  }

  async abandon(record: RunRecord): Promise<boolean> {
    const engine = await this.connect();
    const name = containerName(record.project, record.id);
    if (!(await engine.runContainer(name))) return false;
    await engine.removeContainer(name);
    return true;
  }

  async status(record: RunRecord): Promise<RunStatus> {
    const engine = await this.connect();
    const c = await engine.runContainer(record.job ?? containerName(record.project, record.id));
    if (!c) return { state: 'failed', reason: `its container is gone from ${this.where} (removed outside ml-project)` };
    const times = { startedAt: c.startedAt, endedAt: c.finishedAt };
    if (c.status === 'created') return { state: c.error ? 'failed' : 'queued', reason: c.error };
    if (c.status === 'running' || c.status === 'restarting' || c.status === 'paused') return { state: 'running', startedAt: c.startedAt };
    if (c.exitCode === 0 && c.status === 'exited') return { state: 'succeeded', exitCode: 0, ...times };
    const reason = c.oomKilled ? 'out of memory: the engine killed it' : (c.error ?? `exit code ${c.exitCode}`);
    return { state: 'failed', exitCode: c.exitCode, reason, ...times };
  }

  async logs(record: RunRecord, write: (text: string) => void, follow: boolean, signal: AbortSignal): Promise<void> {
    const engine = await this.connect();
    await engine.streamLogs(record.job ?? containerName(record.project, record.id), write, follow, signal);
  }

  async fetch(record: RunRecord, dir: string): Promise<void> {
    const engine = await this.connect();
    const name = record.job ?? containerName(record.project, record.id);
    if (!(await engine.runContainer(name))) throw new Error(`its container ${name} is gone from ${this.where}`);
    let log = '';
    await engine.streamLogs(name, (text) => (log += text), false);
    writeFileSync(join(dir, 'output.log'), log);
    for (const output of record.outputs) {
      const tar = await engine.copyFrom(name, posix.join(WORKSPACE, output));
      // The archive holds the output's last path segment: put it back where the output lives.
      if (tar) await unpack(tar, dir, (path) => posix.join(posix.dirname(output), path));
    }
  }

  async cancel(record: RunRecord): Promise<void> {
    const engine = await this.connect();
    await engine.stopContainer(record.job ?? containerName(record.project, record.id), 10);
  }

  async release(record: RunRecord): Promise<void> {
    const engine = await this.connect();
    await engine.removeContainer(record.job ?? containerName(record.project, record.id));
  }
}

export async function dockerBackend(target: DockerTarget, git: Git, env: NodeJS.ProcessEnv, file: string, open?: (endpoint: Endpoint) => Promise<RunEngine>): Promise<DockerBackend> {
  const opener = open ?? (async (endpoint: Endpoint) => new (await import('../docker-run-engine.js')).DockerRunEngine(endpoint));
  return new DockerBackend(target, targetEndpoint(target, env, file), git, env, opener);
}
