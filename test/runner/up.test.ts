/**
 * up, start, status and cleanup, run in-process: an in-memory engine, the
 * fake `docker` (compose) tool on PATH, and real HTTP servers on loopback
 * standing in for Jupyter and MLflow once compose has "started" them.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { main } from '../../src/runner/cli.js';
import { connectionError } from '../../src/runner/engine-errors.js';
import { tempDir } from '../fakes/project.js';
import { closeServers, freePort, open, serve, setup, sink } from './stack-setup.js';

afterAll(closeServers);

describe.concurrent('ml-project up and friends', () => {
  it('up starts the stack through compose, waits for Jupyter and MLflow, prints both URLs with the token', async () => {
    const s = await setup();
    const result = await s.run(['up', '--timeout', '20']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(s.calls()).toContain('compose -f docker-compose.yml up -d --remove-orphans | ML_PROJECT_IMAGE=my-project-cpu:latest');
    expect(result.stdout).toMatch(/^Image: my-project-cpu:latest, CPU \(auto\): /m);
    expect(result.stdout).toContain(`Jupyter: http://127.0.0.1:${s.ports.jupyter}/lab?token=s3cret%20token\n`);
    expect(result.stdout).toContain(`MLflow:  http://127.0.0.1:${s.ports.mlflow}\n`);
  });

  it.each([
    ['up', ''],
    ['start', 'c-bash\nc-jupyter\nc-mlflow\n'],
  ])('%s without .env writes it from .env.example (token, UID/GID, mode 600) and prints the URL with that token', async (command, stack) => {
    const s = await setup({ serveAfterUp: !stack, files: { '.env.example': 'COMPOSE_PROJECT_NAME=x\nJUPYTER_TOKEN=\nUSER_UID=1000\nUSER_GID=1000\n' } });
    if (stack) {
      // Stopped containers, running (and answering) once compose has started them.
      writeFileSync(s.stackFile, stack);
      for (const id of stack.split('\n').filter(Boolean)) s.engine.states[id] = { running: false, status: 'exited', exitCode: 0 };
      s.engine.onInspect = () => {
        if (!s.calls().some((c) => / start /.test(c)) || !Object.keys(s.engine.states).length) return;
        s.engine.states = {};
        serve(s.ports.jupyter);
        serve(s.ports.mlflow);
      };
    }
    const result = await s.run([command!, '--timeout', '20']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const env = readFileSync(join(s.root, '.env'), 'utf8');
    const token = /^JUPYTER_TOKEN=([0-9a-f]{48})$/m.exec(env)?.[1];
    expect(token, env).toBeDefined();
    expect(env).toBe(`COMPOSE_PROJECT_NAME=x\nJUPYTER_TOKEN=${token}\nUSER_UID=${process.getuid!()}\nUSER_GID=${process.getgid!()}\n`);
    expect(statSync(join(s.root, '.env')).mode & 0o777).toBe(0o600);
    expect(result.stdout).toMatch(/^Wrote \.env with a new random JUPYTER_TOKEN and your UID\/GID/m);
    expect(result.stdout).toContain(`Jupyter: http://127.0.0.1:${s.ports.jupyter}/lab?token=${token}\n`);
  });

  it.each(['2147483', '86400'])('up --timeout %s, however long, is a limit honoured as given, not an instant failure', async (timeout) => {
    const s = await setup();
    const result = await s.run(['up', '--timeout', timeout]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Running: bash-executor, jupyter, mlflow$/m);
  });

  it('up leaves an existing .env as it is and says nothing about it', async () => {
    const s = await setup();
    const result = await s.run(['up', '--timeout', '20']);
    expect(result.code).toBe(0);
    expect(readFileSync(join(s.root, '.env'), 'utf8')).toBe('JUPYTER_TOKEN=s3cret token\n');
    expect(result.stdout).not.toMatch(/Wrote \.env/);
  });

  it('a second up reports what already runs, prints the URLs again and starts nothing', async () => {
    const s = await setup();
    expect((await s.run(['up'])).code).toBe(0);
    const before = s.calls().length;
    const again = await s.run(['up']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Already running: bash-executor, jupyter, mlflow \(my-project-cpu:latest\)\.$/m);
    expect(again.stdout).toContain(`Jupyter: http://127.0.0.1:${s.ports.jupyter}/lab?token=`);
    expect(s.calls().slice(before).some((c) => / up /.test(c))).toBe(false);
    expect(again.stdout).not.toMatch(/to switch/);
  });

  it('a second up never switches a running stack to the other image, and says how to', async () => {
    const s = await setup({ nvidia: true, images: ['my-project-cpu:latest', 'my-project-gpu:latest'] });
    writeFileSync(s.stackFile, 'c-bash\nc-jupyter\nc-mlflow\n');
    const result = await s.run(['up']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Already running: bash-executor, jupyter, mlflow \(my-project-cpu:latest\)\.\nThis run would pick my-project-gpu:latest; to switch: ml-project down, then ml-project up\.$/m);
  });

  it('up with NVIDIA and a GPU image adds the GPU override file and runs the GPU image', async () => {
    const s = await setup({ nvidia: true, images: ['my-project-gpu:latest'] });
    const result = await s.run(['up']);
    expect(result.code).toBe(0);
    expect(s.calls()).toContain('compose -f docker-compose.yml -f docker-compose.gpu.yml up -d --remove-orphans | ML_PROJECT_IMAGE=my-project-gpu:latest');
  });

  it('up on a GPU-only project runs its one compose file with the GPU image', async () => {
    const s = await setup({ compute: 'gpu', nvidia: true, images: ['my-project-gpu:latest'] });
    const result = await s.run(['up']);
    expect(result.code).toBe(0);
    expect(s.calls()).toContain('compose -f docker-compose.yml up -d --remove-orphans | ML_PROJECT_IMAGE=my-project-gpu:latest');
  });

  it('up --gpu auto with NVIDIA but only the CPU image built runs that image, and says so', async () => {
    const s = await setup({ nvidia: true, images: ['my-project-cpu:latest'] });
    const result = await s.run(['up']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/CPU \(auto\): only the CPU image my-project-cpu:latest is built \(make init builds my-project-gpu:latest\)/);
    expect(s.calls()).toContain('compose -f docker-compose.yml up -d --remove-orphans | ML_PROJECT_IMAGE=my-project-cpu:latest');
  });

  it('up --gpu on without NVIDIA fails before starting anything, with the hint', async () => {
    const s = await setup({ images: ['my-project-gpu:latest'] });
    const result = await s.run(['up', '--gpu', 'on']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nvidia-ctk runtime configure --runtime=docker/);
    expect(s.calls().some((c) => / up /.test(c))).toBe(false);
  });

  it('up before the image is built says to run make init', async () => {
    const s = await setup({ images: [] });
    const result = await s.run(['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The image my-project-cpu:latest is not built yet\. Run: make init/);
    expect(s.calls().some((c) => / up /.test(c))).toBe(false);
  });

  it('a busy port fails before starting, naming the port and the variable to change', async () => {
    const s = await setup();
    const busy = createServer();
    open.push(busy);
    await new Promise<void>((r) => busy.listen(s.ports.mlflow, '127.0.0.1', r));
    const result = await s.run(['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`Port ${s.ports.mlflow} \\(mlflow, MLFLOW_HOST_PORT\\) is already in use[\\s\\S]*MLFLOW_HOST_PORT=\\d+ make create-container`));
    expect(s.calls().some((c) => / up /.test(c))).toBe(false);
  });

  it.each([
    ['port is already allocated', (p: { jupyter: number }) => `Bind for 0.0.0.0:${p.jupyter} failed: port is already allocated`, /Port \d+ \(jupyter, JUPYTER_HOST_PORT\) is already in use[\s\S]*JUPYTER_HOST_PORT=\d+ make create-container/],
    ['no GPU driver', () => 'Error response from daemon: could not select device driver "nvidia" with capabilities: [[gpu]]', /could not select device driver[\s\S]*nvidia-ctk runtime configure/],
    ['anything else', () => 'service "jupyter" refers to undefined volume data', /Starting the stack failed:\n[\s\S]*undefined volume data/],
  ])('compose up failing with %s is explained and cleaned up', async (_, stderr, message) => {
    const ports = { jupyter: await freePort() };
    const s = await setup({ env: { FAKE_UP_EXIT: '1', FAKE_UP_STDERR: stderr(ports), JUPYTER_HOST_PORT: String(ports.jupyter) } });
    const result = await s.run(['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(s.calls().at(-1)).toMatch(/^compose -f docker-compose.yml down --remove-orphans/);
  });

  it('a container that exits at once: its exit code and last log lines, the stack taken down', async () => {
    const s = await setup({ serveAfterUp: false });
    s.engine.states['c-jupyter'] = { running: false, status: 'exited', exitCode: 2 };
    s.engine.logs['c-jupyter'] = 'Traceback (most recent call last):\nModuleNotFoundError: No module named \'jupyterlab\'\n';
    const result = await s.run(['up', '--timeout', '20']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The jupyter container \(my-project-jupyter-1\) exited with code 2 right after starting\.\n--- its last log lines ---\nTraceback[\s\S]*No module named 'jupyterlab'/);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
  });

  it('services that never answer hit the deadline, named, and the stack is taken down', async () => {
    const s = await setup({ serveAfterUp: false });
    const result = await s.run(['up', '--timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/jupyter and mlflow did not answer on port \d+, \d+ within 1s/);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
  });

  it('Ctrl-C while waiting: exit 130 and what this run created is taken down', async () => {
    const s = await setup({ serveAfterUp: false });
    s.engine.onInspect = () => {
      if (readFileSync(s.stackFile, 'utf8').trim()) s.interrupt.abort();
    };
    const result = await s.run(['up', '--timeout', '30']);
    expect(result.code).toBe(ExitCode.interrupted);
    expect(result.stderr).toMatch(/Interrupted: the containers this run created were removed/);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
    expect(readFileSync(s.stackFile, 'utf8').trim()).toBe('');
  });

  it('Ctrl-C that reaches compose first (its ps dies of SIGINT while up waits): exit 130, the stack taken down', async () => {
    const s = await setup({ serveAfterUp: false, env: { FAKE_PS_SIGINT: '1' } });
    const result = await s.run(['up', '--timeout', '30']);
    expect(result.code).toBe(ExitCode.interrupted);
    expect(result.stderr).toMatch(/Interrupted: the containers this run created were removed/);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
    expect(readFileSync(s.stackFile, 'utf8').trim()).toBe('');
  });

  it('a failure with part of the stack already running removes only the new containers', async () => {
    const s = await setup({ serveAfterUp: false });
    writeFileSync(s.stackFile, 'c-bash\n');
    s.engine.states['c-mlflow'] = { running: false, status: 'exited', exitCode: 1 };
    const result = await s.run(['up', '--timeout', '20']);
    expect(result.code).toBe(1);
    expect(s.engine.removed.sort()).toEqual(['c-jupyter', 'c-mlflow']);
    expect(s.calls().some((c) => /down/.test(c))).toBe(false);
  });

  it('Ctrl-C with part of the stack there before: exit 130, only the new containers removed, and says so', async () => {
    const s = await setup({ serveAfterUp: false });
    writeFileSync(s.stackFile, 'c-bash\n');
    s.engine.onInspect = () => {
      if (readFileSync(s.stackFile, 'utf8').split('\n').filter(Boolean).length > 1) s.interrupt.abort();
    };
    const result = await s.run(['up', '--timeout', '30']);
    expect(result.code).toBe(ExitCode.interrupted);
    expect(result.stderr).toContain('Interrupted: the stack is as it was (2 containers this run created removed).');
    expect(s.engine.removed.sort()).toEqual(['c-jupyter', 'c-mlflow']);
  });

  it('start with nothing created says to run make create-container', async () => {
    const s = await setup();
    const result = await s.run(['start']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Nothing to start[\s\S]*make create-container/);
  });

  it('status --json lists each service, and the URLs of running ones', async () => {
    const s = await setup();
    const empty = JSON.parse((await s.run(['status', '--json'])).stdout) as { services: Array<{ service: string; state: string }> };
    expect(empty.services.map((x) => `${x.service}:${x.state}`)).toEqual(['bash-executor:not created', 'jupyter:not created', 'mlflow:not created']);
    writeFileSync(s.stackFile, 'c-bash\nc-jupyter\nc-mlflow\n');
    s.engine.states['c-bash'] = { running: false, status: 'exited', exitCode: 137 };
    const result = await s.run(['status', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { project: string; services: Array<Record<string, unknown>> };
    expect(status.project).toBe('my-project');
    expect(status.services[0]).toMatchObject({ service: 'bash-executor', state: 'exited', running: false, exitCode: 137, url: null });
    expect(status.services[1]).toMatchObject({ service: 'jupyter', running: true, url: `http://127.0.0.1:${s.ports.jupyter}/lab?token=s3cret%20token` });
    expect(status.services[2]).toMatchObject({ service: 'mlflow', running: true, url: `http://127.0.0.1:${s.ports.mlflow}` });
    const text = await s.run(['status']);
    expect(text.stdout).toMatch(/^bash-executor +exited \(exit code 137\)/m);
  });

  it('permission denied on the socket (injected at the interface): exit 3 with the docker group hint', async () => {
    const s = await setup();
    const out = sink();
    const err = sink();
    const eacces = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' });
    const code = await main(['build'], { stdout: out.stream, stderr: err.stream, cwd: s.root, env: { HOME: tempDir(), DOCKER_HOST: 'unix:///var/run/docker.sock' } }, {
      openEngine: async () => {
        s.engine.ping = async () => {
          throw connectionError(eacces, 'unix:///var/run/docker.sock', 'unix');
        };
        return s.engine;
      },
    });
    expect(code).toBe(ExitCode.dockerUnavailable);
    expect(err.text()).toMatch(/^Permission denied on the Docker socket \/var\/run\/docker\.sock\.\n.*usermod -aG docker/);
  });
});
