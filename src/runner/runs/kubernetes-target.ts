/**
 * A kubernetes target: the run's image built on the local engine, pushed to
 * the target's registry, and a Job applied through the cluster's API with the
 * user's kubeconfig. State comes from the Job and its pods; logs and outputs
 * from the pods' logs (see kubernetes-manifest.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { stringify } from 'yaml';
import { FailureError } from '../../shared/errors.js';
import { resolveEndpoint } from '../endpoint.js';
import { sleep } from '../wait.js';
import type { Backend, RunPlan, RunStatus, SubmitOptions, Submitted } from './backend.js';
import { KubeClient } from './kubernetes-client.js';
import { jobManifest, jobName, splitLog } from './kubernetes-manifest.js';
import { loadKubeAccess } from './kubeconfig.js';
import { jobStatus, podIndex, podState, type Job, type Pod } from './kubernetes-status.js';
import { finalStates, type RunRecord } from './record.js';
import { registryAuth } from './registry-auth.js';
import type { RunEngine } from './run-engine.js';
import { ensureRunImage, runImageName } from './run-image.js';
import type { Git } from './source.js';
import type { KubernetesTarget } from './targets.js';
import { unpack } from './unpack.js';

export class KubernetesBackend implements Backend {
  private stashed = new Map<number, string>();
  private opened?: KubeClient;

  constructor(
    private readonly target: KubernetesTarget,
    private readonly git: Git,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The kubeconfig is read at the first call to the API, so --dry-run needs none. */
  private get client(): KubeClient {
    return (this.opened ??= new KubeClient(loadKubeAccess(this.target.kubeconfig, this.target.context, this.env, this.target.name), this.target.name, this.env));
  }

  private get namespace(): string {
    return this.target.namespace ?? this.client.access.namespace ?? 'default';
  }

  get where(): string {
    try {
      return `kubernetes ${this.client.access.server} (context ${this.client.access.context}, namespace ${this.namespace})`;
    } catch {
      return `kubernetes (context ${this.target.context ?? 'current'})`;
    }
  }

  private jobs(name = ''): string {
    return `/apis/batch/v1/namespaces/${this.namespace}/jobs${name ? `/${name}` : ''}`;
  }

  private name(record: Pick<RunRecord, 'project' | 'id' | 'job'>): string {
    return record.job ?? jobName(record.project, record.id);
  }

  private async pods(record: RunRecord): Promise<Pod[]> {
    const selector = encodeURIComponent(`job-name=${this.name(record)}`);
    const { value } = await this.client.json<{ items: Pod[] }>('GET', `/api/v1/namespaces/${this.namespace}/pods?labelSelector=${selector}`);
    return value?.items ?? [];
  }

  private podLog(pod: Pod, follow = false): string {
    return `/api/v1/namespaces/${this.namespace}/pods/${pod.metadata.name}/log?container=run${follow ? '&follow=true' : ''}`;
  }

  async check(): Promise<string> {
    const { value } = await this.client.json<{ gitVersion?: string }>('GET', '/version');
    return `Kubernetes ${value?.gitVersion ?? '(version unknown)'} at ${this.client.access.server} (context ${this.client.access.context}, namespace ${this.namespace})`;
  }

  async describe(plan: RunPlan): Promise<string> {
    const { repository, tag } = runImageName(plan);
    let namespace = this.target.namespace ?? 'default';
    try {
      namespace = this.namespace;
    } catch {
      // No kubeconfig here: the manifest names the target's namespace, or default.
    }
    return stringify(jobManifest(plan, this.target, `${this.target.registry}/${repository}:${tag}`, namespace), { aliasDuplicateObjects: false, blockQuote: 'literal', lineWidth: 0 });
  }

  async submit(plan: RunPlan, options: SubmitOptions): Promise<Submitted> {
    const engine: RunEngine = new (await import('../docker-run-engine.js')).DockerRunEngine(resolveEndpoint(this.env));
    await engine.ping();
    const local = await ensureRunImage(engine, this.git, plan, options, this.env);
    const { repository, tag } = runImageName(plan);
    const remote = `${this.target.registry}/${repository}`;
    await engine.tagImage(local.name, remote, tag);
    options.say(`Pushing ${remote}:${tag}`);
    let digest: string | undefined;
    let error: string | undefined;
    const progress = options.progress();
    try {
      await engine.pushImage(remote, tag, await registryAuth(this.target.registry, this.env), (event) => {
        if (event.error || event.errorDetail) error = event.errorDetail?.message ?? event.error;
        const aux = (event as { aux?: { Digest?: string } }).aux;
        if (aux?.Digest) digest = aux.Digest;
        if (event.status) progress.update(`${event.id ? `${event.id}: ` : ''}${event.status}${event.progress ? ` ${event.progress}` : ''}`);
      }, options.signal);
    } finally {
      progress.stop();
    }
    if (error) throw new FailureError(`Pushing ${remote}:${tag} failed: ${error}`);
    const image = digest ? `${remote}@${digest}` : `${remote}:${tag}`;
    const manifest = jobManifest(plan, this.target, image, this.namespace);
    await this.client.json('POST', this.jobs(), manifest);
    return { job: jobName(plan.project.name, plan.id), image: { name: `${remote}:${tag}`, digest } };
  }

  async abandon(record: RunRecord): Promise<boolean> {
    const answer = await this.client.call('DELETE', `${this.jobs(this.name(record))}?propagationPolicy=Background`, undefined, [404]);
    return answer.status < 300;
  }

  async status(record: RunRecord): Promise<RunStatus> {
    const { value } = await this.client.json<Job>('GET', this.jobs(this.name(record)), undefined, [404]);
    return jobStatus(value, value ? await this.pods(record) : [], (record.tasks ?? []).map((t) => t.config));
  }

  async logs(record: RunRecord, write: (text: string) => void, follow: boolean, signal: AbortSignal): Promise<void> {
    if (follow && !record.tasks) {
      // A pod's log can be followed once its container has started.
      for (;;) {
        const [pod] = await this.pods(record);
        const state = pod ? podState(pod).state : 'queued';
        if (pod && state !== 'queued') {
          let hidden = false;
          await this.client.follow(this.podLog(pod, true), (text) => {
            for (const line of text.split(/(?<=\n)/)) {
              if (line.startsWith('ml-project-outputs-begin')) hidden = true;
              if (!hidden) write(line);
            }
          }, signal);
          return;
        }
        if (signal.aborted || finalStates.has((await this.status(record)).state)) break;
        await sleep(2000, signal);
      }
    }
    while (follow && !signal.aborted && !finalStates.has((await this.status(record)).state)) await sleep(2000, signal);
    const pods = await this.pods(record);
    for (const pod of pods.sort((a, b) => podIndex(a) - podIndex(b))) {
      const { text } = splitLog((await this.client.call('GET', this.podLog(pod))).body);
      write(record.tasks ? text.replace(/^(?=.)/gm, `[task ${podIndex(pod)}] `) : text);
    }
  }

  async fetch(record: RunRecord, dir: string): Promise<void> {
    const pods = await this.pods(record);
    if (!pods.length && !this.stashed.size) throw new Error(`its pods are gone from the cluster, with their logs and outputs`);
    const logs = new Map(this.stashed);
    for (const pod of pods) logs.set(podIndex(pod), (await this.client.call('GET', this.podLog(pod), undefined, [400])).body);
    for (const [index, log] of logs) {
      const into = record.tasks ? join(dir, 'tasks', String(index)) : dir;
      mkdirSync(into, { recursive: true });
      const parts = splitLog(log);
      writeFileSync(join(into, 'output.log'), parts.text);
      if (parts.tooLarge) throw new Error(`its outputs (${Math.round(parts.tooLarge / 1e6)} MB compressed) are larger than a pod's log carries; write large files to a volume or to MLflow`);
      if (parts.outputs) await unpack(Readable.from([parts.outputs]).pipe(createGunzip()), into);
    }
  }

  async cancel(record: RunRecord): Promise<void> {
    // Deleting the Job deletes its pods and their logs: what they logged so far is kept for fetch.
    for (const pod of await this.pods(record)) {
      const answer = await this.client.call('GET', this.podLog(pod), undefined, [400, 404]);
      if (answer.status < 300) this.stashed.set(podIndex(pod), answer.body);
    }
    await this.client.call('DELETE', `${this.jobs(this.name(record))}?propagationPolicy=Background`, undefined, [404]);
  }

  async release(record: RunRecord): Promise<void> {
    await this.client.call('DELETE', `${this.jobs(this.name(record))}?propagationPolicy=Background`, undefined, [404]);
  }
}

export function kubernetesBackend(target: KubernetesTarget, git: Git, env: NodeJS.ProcessEnv): KubernetesBackend {
  return new KubernetesBackend(target, git, env);
}
