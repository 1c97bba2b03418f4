#!/usr/bin/env node
// Benchmarks of create-ml-project, each timing beside a yardstick measured in
// the same run (these machines are noisy): medians over repeated runs with
// their spread, and the ratio of the medians. Run after `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'create-ml-project.cjs');
const runnerBin = join(root, 'bin', 'ml-project.cjs');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'cmp-bench-'));
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: join(work, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
writeFileSync(gitEnv.GIT_CONFIG_GLOBAL, '[user]\n\tname = Bench\n\temail = bench@example.com\n');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(s.length / 4)], s[Math.floor((3 * s.length) / 4)]];
};

/** Wall time of one command, in seconds. */
function time(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: 'ignore', env: gitEnv, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs subject and yardstick alternately, `runs` times each. */
function compare(name, subject, yardstick, yardstickName) {
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(subject(i));
    b.push(yardstick(i));
  }
  return { name, yardstick: yardstickName, median: median(a), spread: spread(a), base: median(b), baseSpread: spread(b), ratio: median(a) / median(b) };
}

function fresh() {
  return mkdtempSync(join(work, 'run-'));
}

// The floor: a plain Node script writing the very same files (paths and bytes) as --yes --no-git.
const reference = fresh();
execFileSync(process.execPath, [bin, 'my-project', '--yes', '--no-git'], { cwd: reference, env: gitEnv, stdio: 'ignore' });
const files = readdirSync(join(reference, 'my-project'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => {
    const path = join(e.parentPath, e.name);
    return [relative(join(reference, 'my-project'), path), readFileSync(path).toString('base64'), statSync(path).mode & 0o777];
  });
const floor = join(work, 'floor.mjs');
writeFileSync(
  floor,
  `import { mkdirSync, writeFileSync } from 'node:fs';\nimport { dirname, join } from 'node:path';\n` +
    `const files = ${JSON.stringify(files)};\nconst target = join(process.cwd(), 'my-project');\n` +
    `for (const [path, data, mode] of files) { mkdirSync(dirname(join(target, path)), { recursive: true }); writeFileSync(join(target, path), Buffer.from(data, 'base64'), { mode }); }\n`,
);
const floorWithGit = join(work, 'floor-git.sh');
writeFileSync(floorWithGit, `set -e\n"${process.execPath}" "${floor}"\ncd my-project\ngit init -q -b main\ngit add -A\ngit commit -qm "Initial commit"\n`);

const results = [];
results.push(compare('generate --yes --no-git', () => time(process.execPath, [bin, 'my-project', '--yes', '--no-git'], { cwd: fresh() }), () => time(process.execPath, [floor], { cwd: fresh() }), 'floor script'));
results.push(compare('generate --yes (git init + commit)', () => time(process.execPath, [bin, 'my-project', '--yes'], { cwd: fresh() }), () => time('bash', [floorWithGit], { cwd: fresh() }), 'floor script + git'));
const firstOutput = (regex, command) => Number(execFileSync('python3', [join(root, 'bench', 'first-output.py'), regex, fresh(), '--', ...command], { env: gitEnv, encoding: 'utf8' }));
results.push(compare('first prompt (pty)', () => firstOutput('Project name', [process.execPath, bin]), () => firstOutput('$^', [process.execPath, '-e', '0']), 'node -e 0'));
results.push(compare('--help', () => time(process.execPath, [bin, '--help']), () => time(process.execPath, ['-e', '0']), 'node -e 0'));
if (existsSync(runnerBin)) {
  results.push(compare('ml-project --help', () => time(process.execPath, [runnerBin, '--help']), () => time(process.execPath, ['-e', '0']), 'node -e 0'));
}

// Install footprint: the tarball from npm pack, installed into an empty folder.
const packDir = fresh();
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop();
const installDir = fresh();
writeFileSync(join(installDir, 'package.json'), '{"name":"bench-install","private":true}');
const installStart = process.hrtime.bigint();
execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', join(packDir, tarball)], { cwd: installDir, stdio: 'ignore' });
const installSeconds = Number(process.hrtime.bigint() - installStart) / 1e9;
const packages = readdirSync(join(installDir, 'node_modules'), { recursive: true }).filter((p) => p.endsWith('package.json') && !p.includes('node_modules/node_modules') && p.split('/').filter((s) => s === 'node_modules').length === 0 && (p.split('/').length === 2 || (p.startsWith('@') && p.split('/').length === 3))).length;
const bytes = Number(execFileSync('du', ['-sb', join(installDir, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);

const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
console.log(`create-ml-project benchmarks: ${runs} runs each, median [interquartile range]; ratio = median / yardstick median\n`);
console.log('| measure | median | yardstick | yardstick median | ratio |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.name} | ${ms(r.median)} [${ms(r.spread[0])}-${ms(r.spread[1])}] | ${r.yardstick} | ${ms(r.base)} [${ms(r.baseSpread[0])}-${ms(r.baseSpread[1])}] | ${r.ratio.toFixed(2)}x |`);
}
console.log(`\nInstall of the packed tarball (${tarball}) into an empty folder: ${packages} packages, ${(bytes / 1e6).toFixed(1)} MB on disk, ${installSeconds.toFixed(1)} s.`);
rmSync(work, { recursive: true, force: true });
