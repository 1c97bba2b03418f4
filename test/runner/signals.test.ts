/**
 * SIGTERM (a supervisor, `timeout`, CI cancelling a job) and SIGHUP (a closed
 * terminal or SSH session) end every runner command as Ctrl-C does: the built
 * bin against the fake Engine API server and the fake compose tool, the
 * signal sent to the runner alone or, as a terminal does, to its whole
 * process group.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeEngine, type FakeEngine } from '../fakes/engine-server.js';
import { composeProjectOf, fakePath, makeProject, tempDir } from '../fakes/project.js';
import { runnerBin, runnerEnv } from './helpers.js';
import { freePort } from './stack-setup.js';

const fakes: FakeEngine[] = [];
afterAll(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface Stage {
  root: string;
  engine: FakeEngine;
  env: NodeJS.ProcessEnv;
  stackFile: string;
  calls(): string[];
}

/** A project whose stack the fake compose tool and the fake engine share (FAKE_STACK_FILE), with a FIFO for long-running calls. */
async function stage(stack: string, build: 'ok' | 'stall' = 'ok'): Promise<Stage> {
  const state = tempDir('mlp-signals-');
  const stackFile = join(state, 'stack');
  const log = join(state, 'docker.log');
  const fifo = join(state, 'fifo');
  writeFileSync(stackFile, stack);
  writeFileSync(log, '');
  execFileSync('mkfifo', [fifo]);
  const engine = await startFakeEngine({ stackFile, images: ['my-project-cpu:latest'], build });
  fakes.push(engine);
  const env = runnerEnv({
    DOCKER_HOST: `unix://${engine.socketPath}`,
    PATH: fakePath(['docker']),
    FAKE_COMPOSE_VERSION: '2.29.1',
    FAKE_STACK_FILE: stackFile,
    FAKE_UP_IDS: 'c-bash c-jupyter c-mlflow',
    FAKE_DOCKER_LOG: log,
    FAKE_FIFO: fifo,
    // Nothing listens there: Jupyter and MLflow never answer, so up waits.
    JUPYTER_HOST_PORT: String(await freePort()),
    MLFLOW_HOST_PORT: String(await freePort()),
  });
  const root = makeProject({ files: { '.env': 'JUPYTER_TOKEN=t\n' } });
  engine.options.project = composeProjectOf(root, env);
  return { root, engine, env, stackFile, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/**
 * Runs the bin in its own process group and, once `ready` holds (checked on
 * its output and every 50 ms), sends `signal` to the runner or to the group.
 */
function interrupt(s: Stage, args: readonly string[], signal: NodeJS.Signals, ready: (stdout: string) => boolean, group = false) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; sent: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [runnerBin, ...args], { cwd: s.root, env: s.env, stdio: 'pipe', detached: true });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const check = () => {
      if (sent || !ready(stdout)) return;
      sent = true;
      if (group) process.kill(-child.pid!, signal);
      else child.kill(signal);
    };
    const poll = setInterval(check, 50);
    const limit = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), check()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve({ code, stdout, stderr, sent });
    });
  });
}

const all = 'c-bash\nc-jupyter\nc-mlflow\n';

describe.concurrent('SIGINT, SIGTERM and SIGHUP in every runner command', () => {
  it.each(signals)('up waiting for the services, %s to the runner: exit 130, what this run created taken down', async (signal) => {
    const s = await stage('');
    const result = await interrupt(s, ['up'], signal, (out) => out.includes('Waiting for'));
    expect(result.sent).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Interrupted: the containers this run created were removed.');
    expect(s.calls().at(-1)).toMatch(/^compose -f docker-compose\.yml down --remove-orphans/);
    expect(readFileSync(s.stackFile, 'utf8').trim()).toBe('');
  });

  it.each(signals)('start waiting for the services, %s to the whole group: exit 130, the services it started stopped again', async (signal) => {
    const s = await stage(all);
    const started = () => s.calls().some((c) => /^compose -f docker-compose\.yml start /.test(c));
    // compose start "starts" them: from then on the fake engine reports them running (decided at each inspect, not by the test's polling).
    const state = () => (started() ? {} : { running: false });
    s.engine.options.containers = {
      get 'c-bash'() { return state(); },
      get 'c-jupyter'() { return state(); },
      get 'c-mlflow'() { return state(); },
    };
    const result = await interrupt(s, ['start'], signal, (out) => out.includes('Waiting for'), true);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Interrupted: the stack is as it was (3 it started stopped again).');
    expect(s.calls().filter((c) => / stop /.test(c)).map((c) => c.replace(/ \|.*$/, '')).sort()).toEqual(
      ['bash-executor', 'jupyter', 'mlflow'].map((x) => `compose -f docker-compose.yml stop ${x}`),
    );
  });

  it.each(signals.flatMap((signal) => [[signal, false], [signal, true]] as const))('exec running a command, %s (to the group: %s): passed on to the command, exit 130', async (signal, group) => {
    const s = await stage(all);
    const result = await interrupt(s, ['exec', '--', 'make', 'test'], signal, () => s.calls().some((c) => / exec -T -e ML_PROJECT_EXEC=/.test(c)), group);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`Interrupted: ${signal} was passed to make in bash-executor.`);
    const started = /exec -T -e (ML_PROJECT_EXEC=[0-9a-f]+) /.exec(s.calls().find((c) => / exec -T -e /.test(c))!)![1];
    expect(s.calls().filter((c) => c.includes(`sh -c `) && c.endsWith(` ${started} ${signal.slice(3)} | ML_PROJECT_IMAGE=`))).toHaveLength(1);
  });

  it.each(signals)('shell, %s to the runner: passed on to bash, exit 130', async (signal) => {
    const s = await stage(all);
    const result = await interrupt(s, ['shell'], signal, () => s.calls().some((c) => / exec -T -e ML_PROJECT_EXEC=\S+ bash-executor bash/.test(c)));
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`Interrupted: ${signal} was passed to bash in bash-executor.`);
  });

  it.each(signals)('logs --follow, %s to the runner: compose is ended, exit 130', async (signal) => {
    const s = await stage(all);
    const result = await interrupt(s, ['logs', '--follow'], signal, () => s.calls().some((c) => / logs --tail 200 --follow/.test(c)));
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/Interrupted\.\n$/);
  });
});
