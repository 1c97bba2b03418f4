/**
 * Submitting to Kubernetes, end to end but the cluster: the run's image built
 * on the private Docker engine and pushed by it to a registry (a stand-in,
 * test/fakes/registry.ts, that already has every layer), then the Job POSTed
 * to an API server answering with recorded answers (test/fakes/kube-api.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded, startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api.js';
import { startFakeRegistry, type FakeRegistry } from '../fakes/registry.js';
import { exec, probeEngine, tail } from './engine.js';
import { baseImageFor, commitTargets, mlProject, removeRunImages, newestRun, record, runsProject, type RunsProject } from './runs-project.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e runs on kubernetes] skipped: ${engine.skip}`);
describe.runIf(process.env.CMP_E2E_REQUIRED === '1')('CMP_E2E_REQUIRED=1 (runs on kubernetes)', () => {
  it('has an engine for the tests', () => {
    expect(engine.skip, engine.skip ?? '').toBeNull();
  });
});

describe.skipIf(engine.skip !== null)('ml-project run --on k8s: build, push, apply', () => {
  let project: RunsProject;
  let api: FakeKubeApi;
  let registry: FakeRegistry;
  const jobs = '/apis/batch/v1/namespaces/ml/jobs';

  beforeAll(async () => {
    project = await runsProject('runs-k8s');
    project.env.CPU_BASE_IMAGE = await baseImageFor(project);
    api = await startFakeKubeApi();
    registry = await startFakeRegistry();
    api.answer('GET', '/version', { body: recorded('version') });
    commitTargets(project, `targets:\n  k8s:\n    kind: kubernetes\n    kubeconfig: ${api.kubeconfig}\n    registry: ${registry.host}/team\n    pull_secret: regcred\n    cpu: "2"\n    memory: 4Gi\n`);
  }, 900_000);

  afterAll(async () => {
    await api?.close();
    await registry?.close();
    if (project) await removeRunImages(project, registry?.host);
  }, 180_000);

  it('pushes the commit\'s image, applies a Job the schema accepts naming it by digest, and records the run', async () => {
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: project.dir, env: project.env })).stdout.trim();
    api.answer('POST', jobs, { status: 201, body: recorded('job-running', { job: 'placeholder', id: 'placeholder' }) });
    const result = await mlProject(project, ['run', '--on', 'k8s', '--detach', '--', 'python', '-m', `${project.pkg}.train`], { timeoutMs: 600_000 });
    expect(result.code, tail(result)).toBe(0);
    const id = newestRun(project);
    const pushed = registry.manifests.get(`team/runs-k8s-cpu:run-${head.slice(0, 12)}`);
    expect(pushed, registry.requests.join('\n')).toBeDefined();
    const posted = api.requests.find((r) => r.method === 'POST' && r.path === jobs)!;
    const manifest = posted.body as { metadata: { name: string }; spec: { template: { spec: { containers: { image: string; env: { name: string; value: string }[] }[]; imagePullSecrets: { name: string }[] } } } };
    expect(() => new Job(manifest as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
    const container = manifest.spec.template.spec.containers[0]!;
    expect(container.image).toBe(`${registry.host}/team/runs-k8s-cpu@${pushed!.digest}`);
    expect(container.env).toContainEqual({ name: 'ML_PROJECT_COMMIT', value: head });
    expect(manifest.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(record(project, id)).toMatchObject({ state: 'queued', job: `runs-k8s-${id}`, image: { name: `${registry.host}/team/runs-k8s-cpu:run-${head.slice(0, 12)}`, digest: pushed!.digest } });
    expect(manifest.metadata.name).toBe(`runs-k8s-${id}`);
  }, 600_000);

  it('an API that refuses the Job: exit 1 with its message, the run recorded as not submitted', async () => {
    api.answer('POST', jobs, { status: 403, body: recorded('status-403-create') });
    const result = await mlProject(project, ['run', '--on', 'k8s', '--', 'true'], { timeoutMs: 600_000 });
    expect(result.code, tail(result)).toBe(1);
    expect(result.stderr).toMatch(/^The Kubernetes API refused POST \/apis\/batch\/v1\/namespaces\/ml\/jobs \(403\): jobs\.batch is forbidden: User "system:serviceaccount:ml:runner" cannot create resource "jobs"/m);
    expect(record(project)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^not submitted: The Kubernetes API refused POST/) });
    expect(readFileSync(join(project.dir, 'runs', newestRun(project), 'run.json'), 'utf8')).toContain('"kind": "kubernetes"');
  }, 600_000);
});
