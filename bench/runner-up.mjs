#!/usr/bin/env node
// ml-project on a real engine (the private one of the e2e tests, CMP_DOCKER_HOST):
//   - `ml-project up` on an image built beforehand, the stack taken down between
//     runs, beside `docker-compose up -d` on the same files (which returns before
//     the services answer) and beside that same call followed by the runner's
//     waiting done by a script: every 500 ms, the stack listed by its compose
//     label until Jupyter's and MLflow's healthchecks say healthy, then both answer;
//   - `ml-project status` on the running stack beside `docker ps -a` with the
//     same label filter;
//   - start-up: spawning `ml-project doctor --json` and `ml-project up` (stack
//     running) to the runner's first request to the engine (a relay socket in
//     front of it notes the moment), beside `node -e 0` to exit. `up` looks for
//     the compose tool first, so its figure includes that.
// Medians over repeated runs, interleaved, with the interquartile range; nothing is asserted.
// The stack runs on host networking (loopback only), on 127.0.0.1:8888 and :5000,
// which must be free. Run after `npm run build`. RUNS (default 7) sets the runs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const generatorBin = join(root, 'bin', 'create-ml-project.cjs');
const runnerBin = join(root, 'bin', 'ml-project.cjs');
const runs = Number(process.env.RUNS ?? 7);
const host = process.env.CMP_DOCKER_HOST ?? '';
const ports = { jupyter: 8888, mlflow: 5000 };
const name = 'bench-up';
const image = `${name}-cpu:latest`;

function run(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, out }));
  });
}

const engineEnv = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' };
for (const key of ['DOCKER_CONTEXT', 'DOCKER_CONFIG', 'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'ML_PROJECT_IMAGE', 'JUPYTER_TOKEN']) delete engineEnv[key];

function skip(reason) {
  console.log(`runner-up bench skipped: ${reason}`);
  process.exit(0);
}

if (!host) skip('CMP_DOCKER_HOST is not set (.ci/dockerd start, then eval "$(.ci/dockerd env)")');
const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { env: engineEnv }).catch((e) => ({ code: 1, out: e.message }));
if (info.code !== 0) skip(`CMP_DOCKER_HOST=${host} does not answer: ${info.out.trim()}`);
if (!host.startsWith('unix://')) skip(`the start-up timing relays a unix socket; CMP_DOCKER_HOST is ${host}`);

function portFree(port) {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}
for (const port of Object.values(ports)) if (!(await portFree(port))) skip(`127.0.0.1:${port} is in use; the stack listens there with host networking`);

function answers(port) {
  return new Promise((r) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      r(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => r(false));
    req.end();
  });
}

// A relay in front of the engine notes the runner's first request of each run.
// The tools the runner starts talk to the engine too (`docker compose version`
// pings it), so requests with their User-Agent do not count: the runner's own
// (dockerode) carry none of theirs.
const work = mkdtempSync(join(tmpdir(), 'cmp-bench-up-'));
const relayPath = join(work, 'docker.sock');
let onConnection = () => {};
const relay = createServer({ allowHalfOpen: true }, (client) => {
  client.once('data', (chunk) => {
    if (/^user-agent: *(docker-client|docker-compose)\//im.test(chunk.toString('latin1'))) return;
    onConnection();
    onConnection = () => {};
  });
  const upstream = connect({ path: host.slice('unix://'.length), allowHalfOpen: true });
  const drop = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', drop).on('close', drop);
  upstream.on('error', drop).on('close', drop);
  client.pipe(upstream);
  upstream.pipe(client);
});
await new Promise((r) => relay.listen(relayPath, r));
const runnerEnv = { ...engineEnv, DOCKER_HOST: `unix://${relayPath}`, JUPYTER_HOST_PORT: String(ports.jupyter), MLFLOW_HOST_PORT: String(ports.mlflow) };

const project = join(work, name);
const compose = (args) => run('docker-compose', ['-f', 'docker-compose.yml', ...args], { cwd: project, env: { ...runnerEnv, DOCKER_HOST: host, ML_PROJECT_IMAGE: image } });
const down = async () => {
  const d = await compose(['down', '--remove-orphans', '--timeout', '5']);
  if (d.code !== 0) throw new Error(`docker-compose down failed:\n${d.out}`);
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The interquartile range, as bench/run.mjs gives it. */
function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(s.length / 4)], s[Math.floor((3 * s.length) / 4)]];
}

/** Milliseconds from spawn to exit, or to the first engine connection with `until: 'engine'`. */
function time(command, args, { cwd = project, env = runnerEnv, until = 'exit', check = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    let first;
    if (until === 'engine') onConnection = () => (first = performance.now() - start);
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const total = performance.now() - start;
      onConnection = () => {};
      if (check && code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`));
      else if (until === 'engine' && first === undefined) reject(new Error(`${args.join(' ')} never reached the engine`));
      else resolvePromise(until === 'engine' ? first : total);
    });
  });
}

/** The Engine API's answer to a GET, straight from the engine's socket. */
function engineGet(path) {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: host.slice('unix://'.length), path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolvePromise(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether Jupyter's and MLflow's containers say healthy (their healthchecks). */
async function healthy() {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${name}`] }));
  const listed = await engineGet(`/containers/json?all=1&filters=${filters}`);
  const ready = listed.filter((c) => ['jupyter', 'mlflow'].includes(c.Labels['com.docker.compose.service']) && /\(healthy\)/.test(c.Status));
  return ready.length === 2;
}

async function composeUpThenWait() {
  const start = performance.now();
  const up = await compose(['up', '-d', '--remove-orphans']);
  if (up.code !== 0) throw new Error(`docker-compose up failed:\n${up.out}`);
  const pending = new Set(Object.values(ports));
  while (pending.size) {
    if (await healthy()) for (const port of pending) if (await answers(port)) pending.delete(port);
    if (pending.size) await new Promise((r) => setTimeout(r, 500));
    if (performance.now() - start > 180_000) throw new Error('the services were not ready within 180 s');
  }
  return performance.now() - start;
}

const rows = [];
try {
  // The project: generated, its compose file on host networking (ports and
  // networks removed, test/fixtures/compose/host-network.yml merged in).
  execFileSync(process.execPath, [generatorBin, name, '--yes', '--no-git'], { cwd: work, stdio: 'ignore' });
  const composeFile = join(project, 'docker-compose.yml');
  const doc = parse(readFileSync(composeFile, 'utf8'), { merge: true });
  const hostNetwork = parse(readFileSync(join(root, 'test', 'fixtures', 'compose', 'host-network.yml'), 'utf8'));
  delete doc.networks;
  for (const [service, settings] of Object.entries(doc.services)) {
    delete settings.ports;
    delete settings.networks;
    doc.services[service] = { ...settings, ...hostNetwork.services[service] };
  }
  writeFileSync(composeFile, stringify(doc, { aliasDuplicateObjects: false }));

  const base = await run(join(root, 'test', 'fixtures', 'base-image', 'build.sh'), ['-r', join(project, 'requirements.txt'), '-r', join(project, 'requirements-dev.txt')], { env: engineEnv });
  if (base.code !== 0) throw new Error(`base image:\n${base.out}`);
  const baseImage = base.out.trim().split('\n').at(-1);
  const build = await run(process.execPath, [runnerBin, 'build', '--gpu', 'off', '--base-image', baseImage], { cwd: project, env: runnerEnv });
  if (build.code !== 0) throw new Error(`ml-project build:\n${build.out}`);

  // Warm-up, not counted: writes .env, starts every container once.
  await time(process.execPath, [runnerBin, 'up']);
  await down();

  // The runner on the engine itself for the comparisons (the relay is for the start-up timings).
  const directEnv = { ...runnerEnv, DOCKER_HOST: host };
  const samples = { runner: [], compose: [], composeWait: [], status: [], dockerPs: [], node: [], doctor: [], upRunning: [], upRunningExit: [] };
  for (let i = 0; i < runs; i++) {
    samples.runner.push(await time(process.execPath, [runnerBin, 'up'], { env: directEnv }));
    await down();
    samples.compose.push(await time('docker-compose', ['-f', 'docker-compose.yml', 'up', '-d', '--remove-orphans'], { env: { ...runnerEnv, DOCKER_HOST: host, ML_PROJECT_IMAGE: image } }));
    await down();
    samples.composeWait.push(await composeUpThenWait());
    // The stack stays up for status, and for `up` on a running stack.
    samples.status.push(await time(process.execPath, [runnerBin, 'status'], { env: directEnv }));
    samples.dockerPs.push(await time('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${name}`], { env: engineEnv }));
    samples.node.push(await time(process.execPath, ['-e', '0']));
    samples.doctor.push(await time(process.execPath, [runnerBin, 'doctor', '--json'], { until: 'engine', check: false }));
    samples.upRunning.push(await time(process.execPath, [runnerBin, 'up'], { until: 'engine' }));
    samples.upRunningExit.push(await time(process.execPath, [runnerBin, 'up']));
    await down();
  }

  const row = (label, xs, yard) => [label, median(xs).toFixed(0), `${spread(xs)[0].toFixed(0)}-${spread(xs)[1].toFixed(0)}`, yard ? (median(xs) / median(yard)).toFixed(2) : ''];
  rows.push(['up (stack down before each run)']);
  rows.push(row('  docker-compose up -d', samples.compose));
  rows.push(row('  docker-compose up -d, then the same waiting (yardstick)', samples.composeWait));
  rows.push(row('  ml-project up, to exit (waits for both)', samples.runner, samples.composeWait));
  rows.push(['status (stack running)']);
  rows.push(row('  docker ps -a, filtered by the project label (yardstick)', samples.dockerPs));
  rows.push(row('  ml-project status', samples.status, samples.dockerPs));
  rows.push(['start-up']);
  rows.push(row('  node -e 0 (yardstick)', samples.node));
  rows.push(row('  ml-project doctor, to first engine call', samples.doctor, samples.node));
  rows.push(row('  ml-project up (running), to first engine call', samples.upRunning, samples.node));
  rows.push(row('  ml-project up (running), to exit', samples.upRunningExit, samples.node));
} finally {
  await down().catch(() => undefined);
  await run('docker', ['rmi', '--force', image], { env: engineEnv });
  await run('docker', ['image', 'prune', '--force'], { env: engineEnv });
  relay.close();
  rmSync(work, { recursive: true, force: true });
}

const header = ['case', 'median ms', 'IQR ms', 'x yardstick'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const fmt = (r) => (r.length === 1 ? r[0] : r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));
const server = info.out.trim();
const composeVersion = (await run('docker-compose', ['version', '--short'], { env: engineEnv })).out.trim();
console.log(`runs: ${runs}, engine ${server} at ${host}, docker-compose ${composeVersion}`);
console.log(fmt(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(fmt(r));
