/**
 * The serving image on a real Docker engine: docker/Dockerfile.serve builds on
 * the offline stand-in base image with a model trained here, and holds the
 * model and the serving requirements only, run by an unprivileged user.
 *
 * The stand-in's fastapi and uvicorn are metadata-only wheels (Debian's
 * python3 in the image does not have them), so the server is not started
 * here: the generated project's own tests and test/helpers/pipeline.ts call
 * it on a loopback port.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../helpers/generate.js';
import { runPython } from '../helpers/python.js';
import { baseImageScript, engineEnv, exec, probeEngine, tail } from './engine.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e serve image] skipped: ${engine.skip}`);

describe.runIf(process.env.CMP_E2E_REQUIRED === '1')('CMP_E2E_REQUIRED=1', () => {
  it('has an engine', () => {
    expect(engine.skip, engine.skip ?? '').toBeNull();
  });
});

const env = engineEnv(engine.host);
const docker = (args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}) => exec('docker', args, { ...options, env });
const image = `cmp-e2e-serve:${process.pid}-${Date.now().toString(36)}`;
let project = '';
let built = false;

describe.skipIf(engine.skip)('the serving image on a real Docker engine', () => {
  beforeAll(async () => {
    const generated = await generateProject({ projectName: 'serve-lab', task: 'classification', compute: 'cpu' });
    expect(generated.code, generated.stderr).toBe(0);
    project = generated.dir;
    for (const step of ['etl', 'train']) {
      const run = await runPython(['-m', `serve_lab.${step}`], project);
      expect(run.code, run.stderr).toBe(0);
    }
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '4321:4321', project]);
    const base = await exec(baseImageScript, ['-r', join(project, 'requirements-serve.txt')], { env, timeoutMs: 900_000 });
    expect(base.code, tail(base)).toBe(0);
    const baseImage = base.stdout.trim().split('\n').at(-1)!;
    const build = await docker(['build', '-f', 'docker/Dockerfile.serve', '--build-arg', `BASE_IMAGE=${baseImage}`, '-t', image, '.'], {
      cwd: project,
      timeoutMs: 600_000,
    });
    expect(build.code, tail(build, 60)).toBe(0);
    built = true;
  }, 1_200_000);

  afterAll(async () => {
    if (built) await docker(['rmi', '--force', image], { timeoutMs: 120_000 });
    if (project) rmSync(dirname(project), { recursive: true, force: true });
  }, 300_000);

  const inImage = (...command: string[]) => docker(['run', '--rm', '--network', 'none', '--entrypoint', command[0]!, image, ...command.slice(1)]);

  it('holds the code, the configs and the trained model, owned by root, run by an unprivileged user', async () => {
    const listing = await inImage('sh', '-c', 'id -u; ls /app /app/models; stat -c %U /app/models/model.joblib; test -w /app/models/model.joblib || echo read-only');
    expect(listing.code, tail(listing)).toBe(0);
    const [uid, ...rest] = listing.stdout.trim().split('\n');
    expect(Number(uid)).not.toBe(0);
    expect(rest).toEqual(expect.arrayContaining(['configs', 'models', 'serve_lab', 'model.joblib', 'root', 'read-only']));
    // The rest of models/ and the data stay out of the image.
    expect(rest).not.toContain('data');
    expect(rest.filter((name) => name.startsWith('model'))).toEqual(['models', 'model.joblib']);
  });

  it('installs the serving requirements and nothing of training, tracking, plotting or development', async () => {
    const pip = await inImage('python', '-m', 'pip', 'list', '--format', 'freeze', '--local');
    expect(pip.code, tail(pip)).toBe(0);
    const installed = pip.stdout.toLowerCase().split('\n').map((line) => line.split('==')[0]);
    for (const name of ['fastapi', 'uvicorn', 'scikit-learn', 'pandas', 'joblib']) expect(installed, name).toContain(name);
    for (const name of ['mlflow', 'matplotlib', 'jupyterlab', 'pytest', 'ruff', 'dvc', 'torch']) expect(installed, name).not.toContain(name);
  });

  it('starts the server on 0.0.0.0:8000 and checks its health, as compose and docker run expect', async () => {
    const format = ['{{json .Config.Cmd}}', '{{json .Config.Healthcheck.Test}}', '{{json .Config.ExposedPorts}}'].join('\n');
    const inspect = await docker(['image', 'inspect', image, '--format', format]);
    expect(inspect.code, tail(inspect)).toBe(0);
    const [cmd, health, ports] = inspect.stdout.trim().split('\n').map((part) => JSON.parse(part) as unknown);
    expect(cmd).toEqual(['python', '-m', 'serve_lab.serve', '--host', '0.0.0.0', '--port', '8000']);
    expect((health as string[]).join(' ')).toContain("urlopen('http://127.0.0.1:8000/health'");
    expect(ports).toEqual({ '8000/tcp': {} });
  });
});
