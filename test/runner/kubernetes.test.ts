/**
 * Runs on Kubernetes without a cluster: the Job manifests checked against the
 * Kubernetes API's published schemas (kubernetes-models), the pod's wrapper
 * run for real in sh, and the built bin against a fake API server answering
 * with recorded answers (test/fakes/kube-api.ts): state, logs, outputs,
 * cancel, a lost node, refused credentials, an unreachable API.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jobManifest, splitLog, wrapperScript } from '../../src/runner/runs/kubernetes-manifest.js';
import type { RunRecord } from '../../src/runner/runs/record.js';
import { unpack } from '../../src/runner/runs/unpack.js';
import { recorded, startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api.js';
import { makeProject, tempDir } from '../fakes/project.js';
import { runnerEnv, runRunner } from './helpers.js';
import { plan, target } from './run-plan.js';

const k8s = (more = '') => target(`kind: kubernetes\nregistry: registry.example.com/team\n${more}`, 'k8s');

function validJob(manifest: Record<string, unknown>): void {
  // kubernetes-models validates against the API's OpenAPI schema: a wrong type, a missing field, a bad name fail.
  expect(() => new Job(manifest as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
}

describe('the Job manifest', () => {
  it('is a Job the Kubernetes schema accepts, with the GPU limit when GPUs are asked for', () => {
    for (const gpus of [1, 4]) {
      const manifest = jobManifest(plan(k8s(), { gpus }), k8s(), 'registry.example.com/team/churn-model-gpu@sha256:abc', 'ml');
      validJob(manifest);
      const container = (manifest as { spec: { template: { spec: { containers: { resources: { limits: Record<string, string> } }[] } } } }).spec.template.spec.containers[0]!;
      expect(container.resources.limits['nvidia.com/gpu']).toBe(String(gpus));
    }
  });

  it('has no GPU limit and no resources without GPUs, cpu or memory', () => {
    const manifest = jobManifest(plan(k8s()), k8s(), 'r/i:t', 'default');
    validJob(manifest);
    expect(JSON.stringify(manifest)).not.toContain('nvidia.com/gpu');
    expect(JSON.stringify(manifest)).not.toContain('resources');
  });

  it('carries the target\'s node selector, tolerations, pull secret, cpu and memory, and the run\'s environment', () => {
    const t = k8s('node_selector: { nvidia.com/gpu.product: A100, pool: gpu }\ntolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }, { key: spot, operator: Equal, value: "true", effect: NoExecute, tolerationSeconds: 60 }]\npull_secret: regcred\ncpu: "4"\nmemory: 16Gi\nenv: { WANDB_MODE: offline }');
    const manifest = jobManifest(plan(t, { gpus: 2 }), t, 'registry.example.com/team/churn-model-gpu:run-c0ffee', 'ml') as any;
    validJob(manifest);
    const pod = manifest.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'A100', pool: 'gpu' });
    expect(pod.tolerations).toHaveLength(2);
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].resources).toEqual({ limits: { 'nvidia.com/gpu': '2', cpu: '4', memory: '16Gi' }, requests: { cpu: '4', memory: '16Gi' } });
    expect(pod.containers[0].env).toEqual([{ name: 'WANDB_MODE', value: 'offline' }, { name: 'ML_PROJECT_RUN_ID', value: '20261202-180501-3f9a' }, { name: 'ML_PROJECT_COMMIT', value: 'c0ffee'.padEnd(40, '0') }]);
    expect(manifest.metadata).toMatchObject({ name: 'churn-model-20261202-180501-3f9a', namespace: 'ml' });
  });

  it('is an Indexed Job of one pod per experiment file for a sweep', () => {
    const manifest = jobManifest(plan(k8s(), { sweep: ['configs/examples/a.yml', 'configs/examples/b.yml', 'configs/examples/c.yml'] }), k8s(), 'r/i:t', 'ml') as any;
    validJob(manifest);
    expect(manifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 });
  });

  it('keeps a long project name within a DNS label', () => {
    const manifest = jobManifest(plan(k8s(), { project: { name: 'a-very-long-project-name-that-goes-on-and-on-and-on-forever', root: '/', hasCpuImage: true, hasGpuImage: false, dotenv: {} } }), k8s(), 'r/i:t', 'ml') as any;
    validJob(manifest);
    expect(manifest.metadata.name.length).toBeLessThanOrEqual(63);
    expect(manifest.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('the schema check catches what a cluster would refuse', () => {
    const manifest = jobManifest(plan(k8s()), k8s(), 'r/i:t', 'ml') as any;
    manifest.spec.template.spec.containers[0].env = [{ name: 'A', value: 3 }];
    expect(() => new Job(manifest).validate()).toThrow(/value/);
  });
});

/** The pod's command, run here: sh -c WRAPPER ml-project-run COMMAND... in `dir`. */
function runWrapper(dir: string, command: string[], outputs = ['reports', 'models'], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('sh', ['-c', wrapperScript({ outputs, sweep: [] }), 'ml-project-run', ...command], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env }, maxBuffer: 64 * 1024 * 1024 });
}

describe('the pod\'s wrapper (run in sh)', () => {
  it('keeps the command\'s exit code and carries its outputs in the log', async () => {
    const dir = tempDir('mlp-pod-');
    const result = runWrapper(dir, ['sh', '-c', 'mkdir -p reports models/sub && echo \'{"rmse": 53.7}\' > reports/metrics.json && printf x > models/sub/m.bin && echo training done && exit 4']);
    expect(result.status).toBe(4);
    const parts = splitLog(result.stdout);
    expect(parts.text).toBe('training done\n');
    const out = tempDir('mlp-fetched-');
    await unpack(Readable.from([parts.outputs!]).pipe(createGunzip()), out);
    expect(readFileSync(join(out, 'reports', 'metrics.json'), 'utf8')).toBe('{"rmse": 53.7}\n');
    expect(readFileSync(join(out, 'models', 'sub', 'm.bin'), 'utf8')).toBe('x');
  });

  it('says so, instead of flooding the log, when the outputs are too large', () => {
    const dir = tempDir('mlp-pod-');
    mkdirSync(join(dir, 'models'));
    spawnSync('sh', ['-c', 'head -c 7000000 /dev/urandom > models/big.bin'], { cwd: dir });
    const parts = splitLog(runWrapper(dir, ['true']).stdout);
    expect(parts.outputs).toBeUndefined();
    expect(parts.tooLarge).toBeGreaterThan(6 * 1024 * 1024);
  });

  it('with no outputs, the log is the command\'s alone', () => {
    const result = runWrapper(tempDir('mlp-pod-'), ['echo', 'hi']);
    expect(result.status).toBe(0);
    expect(splitLog(result.stdout)).toEqual({ text: 'hi\n' });
  });
});

describe('the built bin against a Kubernetes API (recorded answers)', () => {
  let api: FakeKubeApi;
  let podLog = '';
  beforeAll(async () => {
    api = await startFakeKubeApi();
    const dir = tempDir('mlp-pod-');
    podLog = runWrapper(dir, ['sh', '-c', 'mkdir -p reports && echo \'{"r2": 0.45}\' > reports/metrics.json && echo epoch 1 && echo epoch 2']).stdout;
  });
  afterAll(() => api.close());

  const id = '20261202-180501-3f9a';
  const job = `churn-model-${id}`;
  const jobPath = `/apis/batch/v1/namespaces/ml/jobs/${job}`;
  const podsPath = '/api/v1/namespaces/ml/pods';
  const logPath = `/api/v1/namespaces/ml/pods/${job}-x7k2p/log`;
  const values = { job, id };

  /** A project with a run submitted to the fake cluster: its record as `run` writes it. */
  function project(kubeconfig = api.kubeconfig, context?: string): string {
    const root = makeProject({ name: 'churn-model' });
    const settings = { ...k8s(), kubeconfig, ...(context ? { context } : {}) };
    const record: RunRecord = {
      id, project: 'churn-model', target: { name: 'k8s', kind: 'kubernetes', where: 'kubernetes', settings },
      command: ['python', '-m', 'churn.train'], commit: 'c0ffee'.padEnd(40, '0'), job, gpus: 0, outputs: ['reports', 'models'],
      state: 'queued', submittedAt: '2026-12-02T18:05:01Z', fetched: false,
    };
    mkdirSync(join(root, 'runs', id), { recursive: true });
    writeFileSync(join(root, 'runs', id, 'run.json'), JSON.stringify(record));
    writeFileSync(join(root, 'configs-targets.yml'), '');
    return root;
  }
  const mlp = (root: string, args: string[]) => runRunner(args, { cwd: root, env: runnerEnv() });
  const readRecord = (root: string) => JSON.parse(readFileSync(join(root, 'runs', id, 'run.json'), 'utf8')) as RunRecord;

  it('runs shows a pending pod as queued, with the scheduler\'s reason', async () => {
    api.answer('GET', jobPath, { body: recorded('job-running', values) });
    api.answer('GET', podsPath, { body: recorded('pods-pending', values) });
    const root = project();
    const result = await mlp(root, ['runs', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const [run] = (JSON.parse(result.stdout) as { runs: RunRecord[] }).runs;
    expect(run).toMatchObject({ id, state: 'queued', reason: expect.stringMatching(/^Unschedulable: 0\/3 nodes are available: 3 Insufficient nvidia\.com\/gpu/) });
    const pods = api.requests.filter((r) => r.path === podsPath).at(-1)!;
    expect(pods.query.get('labelSelector')).toBe(`job-name=${job}`);
    expect(pods.authorization).toBe('Bearer fake-token');
  });

  it('a running pod: running; its logs without the outputs block; fetch waits for the end', async () => {
    api.answer('GET', jobPath, { body: recorded('job-running', values) });
    api.answer('GET', podsPath, { body: recorded('pods-running', values) });
    api.answer('GET', logPath, { body: podLog });
    const root = project();
    expect((await mlp(root, ['runs'])).stdout).toMatch(new RegExp(`${id} running +k8s`));
    const logs = await mlp(root, ['logs', id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe('epoch 1\nepoch 2\n');
    const fetch = await mlp(root, ['fetch', id]);
    expect(fetch.code).toBe(1);
    expect(fetch.stderr).toMatch(new RegExp(`^Run ${id} is running: its outputs come back when it ends`));
  });

  it('a completed Job: succeeded, and fetch brings back the log and the outputs, then deletes the Job', async () => {
    api.answer('GET', jobPath, { body: recorded('job-complete', values) });
    api.answer('GET', podsPath, { body: recorded('pods-succeeded', values) });
    api.answer('GET', logPath, { body: podLog });
    api.answer('DELETE', jobPath, { body: recorded('status-delete', values) });
    const root = project();
    const before = api.requests.length;
    const result = await mlp(root, ['fetch', id, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'succeeded', exitCode: 0, fetched: true, startedAt: '2026-12-02T18:05:02Z', endedAt: '2026-12-02T18:06:40Z' });
    expect(readFileSync(join(root, 'runs', id, 'reports', 'metrics.json'), 'utf8')).toBe('{"r2": 0.45}\n');
    expect(readFileSync(join(root, 'runs', id, 'output.log'), 'utf8')).toBe('epoch 1\nepoch 2\n');
    const deleted = api.requests.slice(before).find((r) => r.method === 'DELETE');
    expect(deleted?.path).toBe(jobPath);
    expect(deleted?.query.get('propagationPolicy')).toBe('Background');
  });

  it('a node lost mid-run: failed, with the cluster\'s reason', async () => {
    api.answer('GET', jobPath, { body: recorded('job-failed-node-lost', values) });
    api.answer('GET', podsPath, { body: recorded('pods-node-lost', values) });
    const root = project();
    const result = await mlp(root, ['runs', '--json']);
    const [run] = (JSON.parse(result.stdout) as { runs: RunRecord[] }).runs;
    expect(run).toMatchObject({ state: 'failed', reason: `NodeLost: Node gpu-node-3 which was running pod ${job}-x7k2p is unresponsive` });
    expect(readRecord(root).state).toBe('failed');
  });

  it('cancel deletes the Job and keeps what the pod had logged', async () => {
    api.answer('GET', jobPath, { body: recorded('job-running', values) });
    api.answer('GET', podsPath, { body: recorded('pods-running', values) });
    api.answer('GET', logPath, { body: 'epoch 1\n' });
    api.answer('DELETE', jobPath, { body: recorded('status-delete', values) });
    const root = project();
    const result = await mlp(root, ['cancel', id]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Run ${id} was cancelled`));
    expect(readRecord(root)).toMatchObject({ state: 'cancelled' });
    expect(readFileSync(join(root, 'runs', id, 'output.log'), 'utf8')).toBe('epoch 1\n');
    expect(api.requests.some((r) => r.method === 'DELETE' && r.path === jobPath)).toBe(true);
  });

  it('a Job deleted outside ml-project: failed, saying so', async () => {
    api.answer('GET', jobPath, { status: 404, body: recorded('status-401') });
    const root = project();
    const [run] = (JSON.parse((await mlp(root, ['runs', '--json'])).stdout) as { runs: RunRecord[] }).runs;
    expect(run).toMatchObject({ state: 'failed', reason: 'its Job is gone from the cluster (deleted outside ml-project)' });
  });

  it('credentials the API refuses: exit 3 naming the target and the context; the record stays', async () => {
    const root = project(api.kubeconfig, 'other');
    for (const args of [['fetch', id], ['cancel', id], ['logs', id]]) {
      const result = await mlp(root, args);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^Target k8s: the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ refused the credentials of context other \(401 Unauthorized\)/);
      expect(readRecord(root).state).toBe('queued');
    }
    // runs lists it anyway, with why its state is not known.
    const runs = await mlp(root, ['runs']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/state not known now: Target k8s: the Kubernetes API .* refused the credentials/);
  });

  it('an unreachable API: exit 3 naming the target', async () => {
    const dead = tempDir('mlp-kube-');
    writeFileSync(join(dead, 'config'), readFileSync(api.kubeconfig, 'utf8').replace(api.url, 'http://127.0.0.1:1'));
    const root = project(join(dead, 'config'));
    const result = await mlp(root, ['fetch', id]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^Target k8s: the Kubernetes API at http:\/\/127\.0\.0\.1:1 \(context fake\) is unreachable: the connection was refused\./);
  });

  it('a kubeconfig without the context, or no kubeconfig: exit 2 naming them', async () => {
    const root = project(api.kubeconfig, 'prod');
    const result = await mlp(root, ['fetch', id]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Target k8s: no context "prod" in .*config \(contexts: fake, other\)\. Set context: in the target\./);
    const none = project(join(tempDir('mlp-kube-'), 'missing'));
    expect((await mlp(none, ['fetch', id])).stderr).toMatch(/^Target k8s: no kubeconfig at .*missing/);
  });

  it('targets checks the API with the kubeconfig', async () => {
    api.answer('GET', '/version', { body: recorded('version') });
    const root = makeProject({ name: 'churn-model', files: { 'configs/targets.yml': `targets:\n  k8s:\n    kind: kubernetes\n    kubeconfig: ${api.kubeconfig}\n    registry: registry.example.com/team\n  local:\n    kind: docker\n    host: unix:///nonexistent/docker.sock\n` } });
    const result = await mlp(root, ['targets', '--json']);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as { targets: { name: string; ok: boolean; detail: string }[] };
    expect(report.targets.find((t) => t.name === 'k8s')).toMatchObject({ ok: true, detail: expect.stringMatching(/^Kubernetes v1\.31\.2 at http:\/\/127\.0\.0\.1:\d+ \(context fake, namespace ml\)$/) });
    expect(report.targets.find((t) => t.name === 'local')).toMatchObject({ ok: false });
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });

  it('--dry-run prints the manifest, needing no kubeconfig, cluster or engine', async () => {
    const root = makeProject({ name: 'churn-model', files: { 'configs/targets.yml': 'targets:\n  k8s:\n    kind: kubernetes\n    namespace: ml\n    registry: registry.example.com/team\n    gpus: 1\n' } });
    for (const cmd of [['git', 'init', '-q'], ['git', 'add', '-A'], ['git', '-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'first']]) spawnSync(cmd[0]!, cmd.slice(1), { cwd: root });
    const env = runnerEnv({ PATH: process.env.PATH, KUBECONFIG: join(root, 'nope') });
    for (const [gpus, limit] of [[[], '1'], [['--gpus', '3'], '3']] as const) {
      const result = await runRunner(['run', '--on', 'k8s', ...gpus, '--dry-run', '--', 'python', '-m', 'churn.train'], { cwd: root, env });
      expect(result.code, result.stderr).toBe(0);
      const manifest = parse(result.stdout) as any;
      validJob(manifest);
      expect(manifest.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(limit);
      expect(manifest.metadata.namespace).toBe('ml');
    }
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });
});

/**
 * With CMP_KUBECONFIG naming a kubeconfig of a reachable cluster (and
 * CMP_KUBE_CONTEXT, CMP_KUBE_NAMESPACE where its defaults do not fit), the
 * same client talks to it: targets checks it, and the API itself validates
 * the manifests (a server-side dry run: nothing is created).
 */
describe.runIf(Boolean(process.env.CMP_KUBECONFIG))('against the cluster of CMP_KUBECONFIG', () => {
  const settings = () => ({ ...k8s(), kubeconfig: process.env.CMP_KUBECONFIG, context: process.env.CMP_KUBE_CONTEXT, namespace: process.env.CMP_KUBE_NAMESPACE });

  it('targets reaches it', async () => {
    const s = settings();
    const yaml = Object.entries({ kind: 'kubernetes', registry: s.registry, kubeconfig: s.kubeconfig, context: s.context, namespace: s.namespace }).filter(([, v]) => v).map(([k, v]) => `    ${k}: ${v}`).join('\n');
    const root = makeProject({ name: 'churn-model', files: { 'configs/targets.yml': `targets:\n  k8s:\n${yaml}\n` } });
    const result = await runRunner(['targets', '--json'], { cwd: root, env: runnerEnv({ PATH: process.env.PATH }) });
    const report = JSON.parse(result.stdout) as { targets: { name: string; ok: boolean; detail: string }[] };
    expect(report.targets.find((t) => t.name === 'k8s'), result.stderr).toMatchObject({ ok: true });
  });

  it('accepts the manifests in a server-side dry run', async () => {
    const { loadKubeAccess } = await import('../../src/runner/runs/kubeconfig.js');
    const { KubeClient } = await import('../../src/runner/runs/kubernetes-client.js');
    const s = settings();
    const access = loadKubeAccess(s.kubeconfig, s.context, process.env, 'k8s');
    const client = new KubeClient(access, 'k8s', process.env);
    const namespace = s.namespace ?? access.namespace ?? 'default';
    for (const p of [plan(k8s(), { gpus: 1 }), plan(k8s(), { sweep: ['a.yml', 'b.yml'] })]) {
      const answer = await client.json('POST', `/apis/batch/v1/namespaces/${namespace}/jobs?dryRun=All`, jobManifest(p, k8s(), 'registry.example.com/team/churn-model-cpu:run-c0ffee', namespace));
      expect(answer.status).toBe(201);
    }
  });
});
