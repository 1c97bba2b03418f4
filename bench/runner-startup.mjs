#!/usr/bin/env node
// ml-project start-up: from spawning `ml-project doctor --json` to its first
// request reaching the engine (a minimal Engine API on a unix socket), and
// `ml-project --help` to exit, each beside `node -e 0` measured in the same
// run. Medians over repeated runs; nothing is asserted. Run after `npm run build`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const runs = Number(process.env.RUNS ?? 15);
const bin = resolve(import.meta.dirname, '..', 'bin', 'ml-project.cjs');
const dir = mkdtempSync(join(tmpdir(), 'mlp-bench-'));
const socketPath = join(dir, 'docker.sock');

// The first request of each run resolves that run's waiter.
let onFirstRequest = () => {};
const server = createServer((req, res) => {
  onFirstRequest();
  onFirstRequest = () => {};
  const body = req.url.endsWith('/version') ? { Version: '27.5.1', ApiVersion: '1.47' } : req.url.endsWith('/info') ? { Runtimes: { runc: {} } } : 'OK';
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
});
await new Promise((r) => server.listen(socketPath, r));

const env = { PATH: dir, HOME: dir, DOCKER_HOST: `unix://${socketPath}` };

/** Milliseconds until `until` resolves ('exit' or 'request'). */
function time(args, until) {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    let first;
    if (until === 'request') onFirstRequest = () => (first = performance.now() - start);
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => {
      const total = performance.now() - start;
      if (until === 'request' && first === undefined) reject(new Error('no request reached the engine'));
      else resolvePromise(until === 'request' ? first : total);
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const cases = [
  ['node -e 0 (yardstick)', ['-e', '0'], 'exit'],
  ['ml-project --help, to exit', [bin, '--help'], 'exit'],
  ['ml-project doctor, to first engine call', [bin, 'doctor', '--json'], 'request'],
];
const samples = new Map(cases.map(([name]) => [name, []]));
// Interleaved, so that a slow patch of the machine hits every case alike.
for (let i = 0; i < runs; i++) for (const [name, args, until] of cases) samples.get(name).push(await time(args, until));

const base = median(samples.get(cases[0][0]));
const rows = cases.map(([name]) => {
  const s = samples.get(name);
  return [name, median(s).toFixed(1), Math.min(...s).toFixed(1), Math.max(...s).toFixed(1), (median(s) / base).toFixed(2)];
});
const header = ['case', 'median ms', 'min', 'max', 'x node -e 0'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
console.log(`runs: ${runs}`);
console.log(fmt(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(fmt(r));

server.close();
rmSync(dir, { recursive: true, force: true });
