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

  it.each([
    ['jupyter', { 'c-jupyter': 2 }],
    ['mlflow', { 'c-mlflow': 1 }],
    ['jupyter and mlflow', { 'c-jupyter': 1, 'c-mlflow': 137 }],
    ['all three', { 'c-bash': 126, 'c-jupyter': 2, 'c-mlflow': 1 }],
  ] as const)('%s exiting at once: each one\'s exit code and last log lines, shown before the stack is taken down', async (_, exits) => {
    const s = await setup({ serveAfterUp: false });
    for (const [id, code] of Object.entries(exits)) {
      s.engine.states[id] = { running: false, status: 'exited', exitCode: code };
      s.engine.logs[id] = `${id} line 1\n${Array.from({ length: 30 }, (_, i) => `${id} detail ${i}`).join('\n')}\n${id}: the reason it stopped\n`;
    }
    // What compose was asked by the time the engine was asked for each log: the evidence comes first.
    const callsAtLogs: string[][] = [];
    const read = s.engine.containerLogs.bind(s.engine);
    s.engine.containerLogs = async (id: string) => (callsAtLogs.push(s.calls()), read(id));
    const result = await s.run(['up', '--timeout', '20']);
    expect(result.code).toBe(1);
    for (const [id, code] of Object.entries(exits)) {
      const service = { 'c-bash': 'bash-executor', 'c-jupyter': 'jupyter', 'c-mlflow': 'mlflow' }[id]!;
      expect(result.stderr).toContain(`--- ${service} (my-project-${service}-1, exited with code ${code}): its last log lines ---\n`);
      expect(result.stderr).toContain(`${id} detail 29\n${id}: the reason it stopped\n`);
      // The last 20 lines, not the whole log.
      expect(result.stderr).not.toContain(`${id} line 1\n`);
      expect(result.stderr).toMatch(new RegExp(`the ${service} container \\(my-project-${service}-1\\) exited with code ${code}`, 'i'));
    }
    expect(result.stderr).toMatch(/right after starting\.\nCleaned up: the containers this run created were removed\. To keep the containers for inspection: ml-project up --keep\n$/);
    expect(callsAtLogs).toHaveLength(Object.keys(exits).length);
    for (const calls of callsAtLogs) expect(calls.some((c) => /down/.test(c))).toBe(false);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
  });

  it.each([[1], [2]])('services that never answer within --timeout %i: named, their last log lines, the stack taken down, and no pointer to logs of removed containers', async (timeout) => {
    const s = await setup({ serveAfterUp: false });
    s.engine.logs['c-jupyter'] = '[I ServerApp] still importing extensions...\n';
    s.engine.logs['c-mlflow'] = '';
    const result = await s.run(['up', '--timeout', String(timeout)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--- jupyter (my-project-jupyter-1, running): its last log lines ---\n[I ServerApp] still importing extensions...\n');
    expect(result.stderr).toContain('--- mlflow (my-project-mlflow-1, running): its last log lines ---\n(no output)\n---\n');
    expect(result.stderr).not.toContain('bash-executor (');
    expect(result.stderr).toMatch(new RegExp(`jupyter and mlflow did not answer on port ${s.ports.jupyter}, ${s.ports.mlflow} within ${timeout}s\\. Raise the limit with --timeout\\.\\nCleaned up: the containers this run created were removed\\. To keep the containers for inspection: ml-project up --keep\\n$`));
    expect(result.stderr).not.toMatch(/ml-project logs/);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
  });

  it.each([
    ['a wait timeout', {}, ['up', '--keep', '--timeout', '1'], ['jupyter', 'mlflow']],
    ['an exited container', { 'c-mlflow': { running: false, status: 'exited', exitCode: 1 } }, ['up', '--timeout', '20', '--keep'], ['mlflow']],
  ] as const)('up --keep after %s: the containers stay, and it says how to inspect and remove them', async (_, states, args, failing) => {
    const s = await setup({ serveAfterUp: false });
    Object.assign(s.engine.states, states);
    const result = await s.run([...args]);
    expect(result.code).toBe(1);
    const looks = failing.map((f) => `ml-project logs ${f}`).join(', ');
    expect(result.stderr).toMatch(new RegExp(`\\nThe containers were kept for inspection \\(--keep\\): ${looks}, ml-project status; remove them with: ml-project down\\n$`));
    expect(result.stderr).not.toMatch(/Cleaned up/);
    expect(s.calls().some((c) => /down|stop/.test(c))).toBe(false);
    expect(s.engine.removed).toEqual([]);
    expect(readFileSync(s.stackFile, 'utf8').split('\n').filter(Boolean)).toEqual(['c-bash', 'c-jupyter', 'c-mlflow']);
  });

  it('start --keep after a failure leaves the services it started running; without --keep they are stopped again', async () => {
    for (const keep of [true, false]) {
      const s = await setup({ serveAfterUp: false });
      writeFileSync(s.stackFile, 'c-bash\nc-jupyter\nc-mlflow\n');
      for (const id of ['c-bash', 'c-jupyter', 'c-mlflow']) s.engine.states[id] = { running: false, status: 'exited', exitCode: 0 };
      // compose start brings bash-executor and jupyter up; mlflow exits again at once.
      s.engine.onInspect = () => {
        if (s.calls().some((c) => / start$/.test(c.replace(/ \|.*$/, '')))) {
          s.engine.states['c-bash'] = {};
          s.engine.states['c-jupyter'] = {};
          s.engine.states['c-mlflow'] = { running: false, status: 'exited', exitCode: 3 };
        }
      };
      const result = await s.run(['start', '--timeout', '20', ...(keep ? ['--keep'] : [])]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('The mlflow container (my-project-mlflow-1) exited with code 3 right after starting.');
      const stops = s.calls().filter((c) => / stop /.test(c)).map((c) => c.replace(/ \|.*$/, ''));
      if (keep) {
        expect(result.stderr).toMatch(/kept for inspection \(--keep\): ml-project logs mlflow, ml-project status; remove them with: ml-project down\n$/);
        expect(stops).toEqual([]);
      } else {
        expect(result.stderr).toMatch(/\nCleaned up: the stack is as it was \(2 it started stopped again\)\. To keep the containers for inspection: ml-project start --keep\n$/);
        expect(stops.sort()).toEqual(['compose -f docker-compose.yml stop bash-executor', 'compose -f docker-compose.yml stop jupyter']);
      }
      expect(s.engine.removed).toEqual([]);
    }
  });

  it('Ctrl-C with --keep still takes the stack back: --keep is for failures', async () => {
    const s = await setup({ serveAfterUp: false });
    s.engine.onInspect = () => {
      if (readFileSync(s.stackFile, 'utf8').trim()) s.interrupt.abort();
    };
    const result = await s.run(['up', '--keep', '--timeout', '30']);
    expect(result.code).toBe(ExitCode.interrupted);
    expect(result.stderr).toMatch(/Interrupted: the containers this run created were removed/);
    expect(readFileSync(s.stackFile, 'utf8').trim()).toBe('');
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

  it.each([
    ['jupyter and mlflow', ['c-jupyter', 'c-mlflow'], 6],
    ['mlflow', ['c-mlflow'], 10],
  ])('up waits on the healthchecks of %s: a port that answers is not enough while one says starting', async (_, ids, checks) => {
    const s = await setup();
    for (const id of ids) s.engine.states[id] = { health: { status: 'starting', failingStreak: 0, lastOutput: '' } };
    const serve = s.engine.onInspect!;
    let inspections = 0;
    let healthyAfter: number | undefined;
    s.engine.onInspect = (id) => {
      serve(id);
      if (readFileSync(s.stackFile, 'utf8').trim() && ++inspections === checks) {
        for (const starting of ids) s.engine.states[starting] = { health: { status: 'healthy', failingStreak: 0, lastOutput: '' } };
        healthyAfter = inspections;
      }
    };
    const result = await s.run(['up', '--timeout', '60']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(healthyAfter, 'up finished before the healthchecks said healthy').toBe(checks);
    expect(result.stdout).toMatch(/^Running: bash-executor, jupyter, mlflow$/m);
  });

  it.each([
    ['mlflow', { 'c-mlflow': 'Traceback (most recent call last):\n  File "<string>", line 1\nurllib.error.URLError: <urlopen error [Errno 111] Connection refused>\n' }, 5],
    ['jupyter', { 'c-jupyter': 'urllib.error.HTTPError: HTTP Error 500: Internal Server Error' }, 7],
    ['jupyter and mlflow', { 'c-jupyter': '', 'c-mlflow': 'TimeoutError: timed out' }, 3],
  ] as const)('%s turning unhealthy while up waits: named with its last check, its last log lines, the stack taken down', async (_, outputs, streak) => {
    const s = await setup();
    for (const [id, lastOutput] of Object.entries(outputs)) {
      s.engine.states[id] = { health: { status: 'unhealthy', failingStreak: streak, lastOutput } };
      s.engine.logs[id] = `${id}: the server's own account of it\n`;
    }
    const result = await s.run(['up', '--timeout', '60']);
    expect(result.code).toBe(1);
    for (const [id, lastOutput] of Object.entries(outputs)) {
      const service = id.slice(2);
      expect(result.stderr).toContain(`--- ${service} (my-project-${service}-1, running): its last log lines ---\n${id}: the server's own account of it\n`);
      const said = lastOutput.trim().split('\n').at(-1);
      expect(result.stderr).toMatch(new RegExp(`the ${service} container \\(my-project-${service}-1\\) is unhealthy: its healthcheck failed ${streak} times in a row${said ? `; its last check said: ${said.replace(/[.()[\]]/g, '\\$&')}` : ''}`, 'i'));
    }
    expect(result.stderr).toMatch(/Its last log lines are above\.\nCleaned up: the containers this run created were removed\./);
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
  });

  it('compose up giving up on a dependency that turned unhealthy: the unhealthy service is named with its evidence, not compose\'s one line', async () => {
    const s = await setup({ serveAfterUp: false, env: { FAKE_UP_EXIT: '1', FAKE_UP_STDERR: 'ERROR: for jupyter  Container "c-mlflow" is unhealthy.' } });
    s.engine.states['c-mlflow'] = { health: { status: 'unhealthy', failingStreak: 5, lastOutput: 'ConnectionRefusedError: [Errno 111] Connection refused' } };
    s.engine.states['c-jupyter'] = { running: false, status: 'created', exitCode: 0 };
    s.engine.logs['c-mlflow'] = 'alembic.util.exc.CommandError: Can\'t locate revision\n';
    const result = await s.run(['up', '--timeout', '60']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--- mlflow (my-project-mlflow-1, running): its last log lines ---\nalembic.util.exc.CommandError: Can\'t locate revision\n');
    expect(result.stderr).toContain('The mlflow container (my-project-mlflow-1) is unhealthy: its healthcheck failed 5 times in a row; its last check said: ConnectionRefusedError: [Errno 111] Connection refused.');
    expect(result.stderr).not.toContain('Starting the stack failed');
    expect(s.calls().at(-1)).toMatch(/down --remove-orphans/);
  });

  it.each([[1], [2]])('a healthcheck still starting at --timeout %i: named as not healthy yet, not as a silent port', async (timeout) => {
    const s = await setup();
    s.engine.states['c-mlflow'] = { health: { status: 'starting', failingStreak: 2, lastOutput: '' } };
    const result = await s.run(['up', '--timeout', String(timeout)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`mlflow did not turn healthy (its healthcheck still says starting) within ${timeout}s. Raise the limit with --timeout.`);
    expect(result.stderr).toContain('--- mlflow (my-project-mlflow-1, running): its last log lines ---');
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

  it.each([
    ['the folder\'s name', {}, {}],
    ['COMPOSE_PROJECT_NAME in .env', { '.env': 'JUPYTER_TOKEN=t\nCOMPOSE_PROJECT_NAME=from-dotenv\n' }, {}],
    ['COMPOSE_PROJECT_NAME in the environment, over .env', { '.env': 'COMPOSE_PROJECT_NAME=from-dotenv\n' }, { COMPOSE_PROJECT_NAME: 'from-env' }],
  ])('status finds the stack by compose\'s labels under the project name compose gives it (%s), without calling compose', async (_, files, env) => {
    const s = await setup({ files, env });
    writeFileSync(s.stackFile, 'c-bash\nc-jupyter\nc-mlflow\n');
    const result = await s.run(['status', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as { services: Array<{ running: boolean }> };
    expect(status.services.map((x) => x.running)).toEqual([true, true, true]);
    expect(s.engine.listings).toEqual([{ 'com.docker.compose.project': s.engine.project(), 'com.docker.compose.oneoff': 'False' }]);
    expect(s.calls()).toEqual([]);
  });

  it('up waits by listing the stack through the engine: compose is called only to start it', async () => {
    const s = await setup();
    const result = await s.run(['up', '--timeout', '20']);
    expect(result.code, result.stderr).toBe(0);
    expect(s.engine.listings.length).toBeGreaterThanOrEqual(2);
    expect(s.calls().map((c) => c.replace(/ \|.*$/, ''))).toEqual(['compose version --short', 'compose -f docker-compose.yml up -d --remove-orphans']);
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
