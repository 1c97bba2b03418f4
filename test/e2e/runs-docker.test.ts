/**
 * `ml-project run` on the private Docker engine (.ci/dockerd), the local
 * target of a generated project: the image built from the commit, the run's
 * container, its logs and outputs brought back into runs/<id>/, detach,
 * logs -f, cancel, fetch again after a failure, and Ctrl-C, SIGTERM and
 * SIGHUP while submitting or while the run goes on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineEnv, exec, probeEngine, tail } from './engine.js';
import { baseImageFor, mlProject, newestRun, removeRunImages, record, runsProject, treeState, type RunsProject } from './runs-project.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e runs on docker] skipped: ${engine.skip}`);
const required = process.env.CMP_E2E_REQUIRED === '1';
describe.runIf(required)('CMP_E2E_REQUIRED=1 (runs on docker)', () => {
  it('has an engine for the runs tests', () => {
    expect(engine.skip, engine.skip ?? '').toBeNull();
  });
});

const docker = (args: readonly string[]) => exec('docker', args, { env: engineEnv(engine.host), timeoutMs: 60_000 });
const containerExists = async (name: string) => (await docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Names}}'])).stdout.trim() === name;

describe.skipIf(engine.skip !== null)('ml-project run on the local Docker engine', () => {
  let project: RunsProject;
  const pipeline = () => `python -m ${project.pkg}.etl && python -m ${project.pkg}.train && python -m ${project.pkg}.evaluate && echo "run=$ML_PROJECT_RUN_ID commit=$ML_PROJECT_COMMIT"`;

  beforeAll(async () => {
    project = await runsProject('runs-docker');
    project.env.CPU_BASE_IMAGE = await baseImageFor(project);
  }, 900_000);

  afterAll(async () => {
    if (project) await removeRunImages(project);
  }, 180_000);

  it('done when: run --on local -- the pipeline ends succeeded, runs/<id>/ holds the record, logs and metrics.json; runs --json lists it; the tree is untouched', async () => {
    const before = treeState(project.dir);
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: project.dir, env: project.env })).stdout.trim();
    const result = await mlProject(project, ['run', '--on', 'local', '--', 'sh', '-c', pipeline()], { timeoutMs: 600_000 });
    expect(result.code, tail(result)).toBe(0);
    const id = newestRun(project);
    expect(result.stdout).toMatch(new RegExp(`Run ${id} succeeded on local; logs and outputs in runs/${id}/\\.`));
    const run = record(project, id);
    expect(run).toMatchObject({ id, state: 'succeeded', exitCode: 0, commit: head, fetched: true, job: `runs-docker-run-${id}`, target: { name: 'local', kind: 'docker' } });
    expect(run.image).toMatchObject({ name: `runs-docker-cpu:run-${head.slice(0, 12)}`, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(Date.parse(run.endedAt!)).toBeGreaterThanOrEqual(Date.parse(run.startedAt!));
    const dir = join(project.dir, 'runs', id);
    expect(JSON.parse(readFileSync(join(dir, 'reports', 'metrics.json'), 'utf8'))).toHaveProperty('rmse');
    expect(existsSync(join(dir, 'models', 'model.joblib'))).toBe(true);
    const log = readFileSync(join(dir, 'output.log'), 'utf8');
    expect(log).toContain('Test metrics on 89 rows');
    expect(log).toContain(`run=${id} commit=${head}`);
    // What the run held on the engine is gone once its outputs are here.
    expect(await containerExists(`runs-docker-run-${id}`)).toBe(false);
    const runs = await mlProject(project, ['runs', '--json']);
    expect(runs.code, tail(runs)).toBe(0);
    expect((JSON.parse(runs.stdout) as { runs: { id: string; state: string }[] }).runs).toContainEqual(expect.objectContaining({ id, state: 'succeeded' }));
    // Nothing of the tree changed but runs/, which git ignores.
    expect(treeState(project.dir)).toEqual(before);
    expect((await exec('git', ['status', '--porcelain'], { cwd: project.dir, env: project.env })).stdout).toBe('');
  }, 900_000);

  it('a command that fails: the run failed with its exit code, exit 1, and what it wrote still comes back', async () => {
    const result = await mlProject(project, ['run', '--', 'sh', '-c', 'mkdir -p reports && echo partial > reports/partial.txt && echo oops >&2 && exit 7']);
    expect(result.code, tail(result)).toBe(1);
    const id = newestRun(project);
    expect(result.stderr).toMatch(new RegExp(`^Run ${id} failed on local: exit code 7; logs and outputs in runs/${id}/\\.`, 'm'));
    expect(record(project, id)).toMatchObject({ state: 'failed', exitCode: 7, fetched: true });
    expect(readFileSync(join(project.dir, 'runs', id, 'reports', 'partial.txt'), 'utf8')).toBe('partial\n');
    expect(readFileSync(join(project.dir, 'runs', id, 'output.log'), 'utf8')).toContain('oops');
  });

  it('--detach returns at once; logs -f follows to the end and brings the outputs back', async () => {
    const submit = await mlProject(project, ['run', '--detach', '--json', '--', 'sh', '-c', 'echo first; sleep 4; mkdir -p reports; echo \'{"r2": 1}\' > reports/metrics.json; echo last']);
    expect(submit.code, tail(submit)).toBe(0);
    const submitted = JSON.parse(submit.stdout) as { id: string; state: string };
    expect(['queued', 'running']).toContain(submitted.state);
    const runs = await mlProject(project, ['runs']);
    expect(runs.stdout).toMatch(new RegExp(`${submitted.id} (queued|running) +local`));
    const follow = await mlProject(project, ['logs', submitted.id, '-f']);
    expect(follow.code, tail(follow)).toBe(0);
    expect(follow.stdout).toMatch(/first\n(.|\n)*last\n/);
    expect(record(project, submitted.id)).toMatchObject({ state: 'succeeded', fetched: true });
    expect(readFileSync(join(project.dir, 'runs', submitted.id, 'reports', 'metrics.json'), 'utf8')).toBe('{"r2": 1}\n');
    // A fetched run's logs are read from runs/, the engine no longer asked.
    const again = await mlProject(project, ['logs', submitted.id], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(again.code, tail(again)).toBe(0);
    expect(again.stdout).toContain('last');
  });

  it('cancel stops a running run: cancelled, its container gone, cancelling again refused', async () => {
    const submit = await mlProject(project, ['run', '--detach', '--', 'sleep', '300']);
    expect(submit.code, tail(submit)).toBe(0);
    const id = newestRun(project);
    const cancel = await mlProject(project, ['cancel', id]);
    expect(cancel.code, tail(cancel)).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^Run ${id} was cancelled`));
    expect(record(project, id)).toMatchObject({ state: 'cancelled' });
    expect(await containerExists(`runs-docker-run-${id}`)).toBe(false);
    const twice = await mlProject(project, ['cancel', id]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/has already ended \(cancelled\): nothing to cancel/);
  });

  it('an engine out of reach when fetching: exit 3, the record kept; fetch again later brings the outputs', async () => {
    const submit = await mlProject(project, ['run', '--detach', '--', 'sh', '-c', 'mkdir -p models && echo weights > models/w.txt']);
    expect(submit.code, tail(submit)).toBe(0);
    const id = newestRun(project);
    const away = await mlProject(project, ['fetch', id], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(away.code).toBe(3);
    expect(away.stderr).toMatch(/^Target local: The Docker daemon is not running/);
    expect(record(project, id).fetched).toBe(false);
    let fetched = await mlProject(project, ['fetch', id]);
    for (let i = 0; i < 30 && fetched.code === 1 && /is (queued|running)/.test(fetched.stderr); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      fetched = await mlProject(project, ['fetch', id]);
    }
    expect(fetched.code, tail(fetched)).toBe(0);
    expect(readFileSync(join(project.dir, 'runs', id, 'models', 'w.txt'), 'utf8')).toBe('weights\n');
    expect(record(project, id)).toMatchObject({ state: 'succeeded', fetched: true });
  });

  it('--allow-dirty runs the working tree as a snapshot commit and keeps its diff; without it the run is refused', async () => {
    writeFileSync(join(project.dir, 'note.txt'), 'uncommitted\n');
    try {
      const refused = await mlProject(project, ['run', '--', 'cat', 'note.txt']);
      expect(refused.code).toBe(2);
      const result = await mlProject(project, ['run', '--allow-dirty', '--', 'cat', 'note.txt'], { timeoutMs: 600_000 });
      expect(result.code, tail(result)).toBe(0);
      const id = newestRun(project);
      expect(readFileSync(join(project.dir, 'runs', id, 'output.log'), 'utf8')).toBe('uncommitted\n');
      expect(readFileSync(join(project.dir, 'runs', id, 'diff.patch'), 'utf8')).toContain('+uncommitted');
      const run = record(project, id) as unknown as { base: string; commit: string };
      expect(run.base).toBe((await exec('git', ['rev-parse', 'HEAD'], { cwd: project.dir, env: project.env })).stdout.trim());
      expect(run.commit).not.toBe(run.base);
    } finally {
      await exec('rm', ['-f', join(project.dir, 'note.txt')]);
    }
  }, 600_000);

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s while the image builds: exit 130, nothing submitted, the record says so', async (signal) => {
    // A change of its own makes a new snapshot commit, so the image is built again.
    writeFileSync(join(project.dir, 'note.txt'), `${signal}\n`);
    try {
      const result = await mlProject(project, ['run', '--allow-dirty', '--', 'true'], { interruptWhen: (out) => /^Step 1\/\d+/m.test(out), interruptWith: { signal, group: false }, timeoutMs: 600_000 });
      expect(result.code, tail(result)).toBe(130);
      const id = newestRun(project);
      expect(result.stderr).toMatch(new RegExp(`Interrupted: run ${id} was not submitted`));
      expect(record(project, id)).toMatchObject({ state: 'cancelled', reason: 'interrupted before it was submitted' });
      expect(await containerExists(`runs-docker-run-${id}`)).toBe(false);
      const tag = record(project, id) as unknown as { commit: string };
      expect((await docker(['image', 'inspect', `runs-docker-cpu:run-${tag.commit.slice(0, 12)}`])).code).not.toBe(0);
    } finally {
      await exec('rm', ['-f', join(project.dir, 'note.txt')]);
    }
  }, 600_000);

  it('Ctrl-C while an attached run goes on cancels it: exit 130, cancelled, its container gone', async () => {
    // The marker is printed by the command, not in the command line the runner echoes.
    const result = await mlProject(project, ['run', '--', 'sh', '-c', 'echo "run-$((20 + 22))"; sleep 300'], { interruptWhen: (out) => /^run-42$/m.test(out), interruptWith: { signal: 'SIGINT', group: false } });
    expect(result.code, tail(result)).toBe(130);
    const id = newestRun(project);
    expect(record(project, id)).toMatchObject({ state: 'cancelled', reason: 'interrupted while it ran' });
    expect(await containerExists(`runs-docker-run-${id}`)).toBe(false);
    expect(readFileSync(join(project.dir, 'runs', id, 'output.log'), 'utf8')).toContain('run-42');
  });

  it('--gpus on a project without a GPU image: exit 2 before anything is sent', async () => {
    const result = await mlProject(project, ['run', '--gpus', '1', '--', 'true']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--gpus 1: this project has no GPU image/);
  });
});
