/**
 * The PyTorch variant's Dockerfiles built on a real Docker engine, on the
 * offline stand-in base image (test/fixtures/base-image): both build, pip
 * installs the pinned torch from requirements.txt, and each image keeps
 * PyTorch's index of its build (CPU-only, or the CUDA version chosen) for pip.
 *
 * What it cannot show here: that pip fetches the right wheel from that
 * index. The stand-in pip reads only local wheels (no network); the index
 * each image hands to pip is what this test checks.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonPackages, torchIndexes } from '../../src/shared/versions.js';
import { generateProject } from '../helpers/generate.js';
import { baseImageScript, engineEnv, exec, probeEngine, tail } from './engine.js';

const engine = await probeEngine();
if (engine.skip) console.warn(`[e2e pytorch images] skipped: ${engine.skip}`);

describe.runIf(process.env.CMP_E2E_REQUIRED === '1')('CMP_E2E_REQUIRED=1', () => {
  it('has an engine', () => {
    expect(engine.skip, engine.skip ?? '').toBeNull();
  });
});

const env = engineEnv(engine.host);
const docker = (args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}) => exec('docker', args, { ...options, env });
const runId = `${process.pid}-${Date.now().toString(36)}`;
const images = new Set<string>();
let project = '';
let baseImage = '';

async function build(kind: 'cpu' | 'gpu'): Promise<string> {
  const image = `cmp-e2e-torch-${kind}:${runId}`;
  images.add(image);
  const args = { BASE_IMAGE: baseImage, PYTHON_IMAGE: baseImage, USER_UID: '4321', USER_GID: '4321' };
  const built = await docker(
    ['build', '-f', `docker/Dockerfile.${kind}`, ...Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), '-t', image, '.'],
    { cwd: project, timeoutMs: 600_000 },
  );
  expect(built.code, tail(built, 60)).toBe(0);
  return image;
}

describe.skipIf(engine.skip)('the PyTorch variant\'s images on a real Docker engine', () => {
  beforeAll(async () => {
    const generated = await generateProject({ projectName: 'torch-lab', framework: 'pytorch', compute: 'auto', cudaVersion: '13.0' });
    expect(generated.code, generated.stderr).toBe(0);
    project = generated.dir;
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '4321:4321', project]);
    const base = await exec(baseImageScript, ['-r', join(project, 'requirements.txt'), '-r', join(project, 'requirements-dev.txt')], { env, timeoutMs: 900_000 });
    expect(base.code, tail(base)).toBe(0);
    baseImage = base.stdout.trim().split('\n').at(-1)!;
  }, 1_200_000);

  afterAll(async () => {
    if (images.size > 0) await docker(['rmi', '--force', ...images], { timeoutMs: 120_000 });
    if (project) rmSync(dirname(project), { recursive: true, force: true });
  }, 300_000);

  it.each([
    ['cpu', torchIndexes.cpu],
    ['gpu', torchIndexes['13.0']],
  ] as const)('docker/Dockerfile.%s builds, installs torch==pinned and hands pip the index %s', async (kind, index) => {
    const image = await build(kind);
    const pip = await docker(['run', '--rm', '--network', 'none', image, 'sh', '-c', 'printenv PIP_EXTRA_INDEX_URL; python -m pip list --format freeze']);
    expect(pip.code, tail(pip)).toBe(0);
    const [given, ...installed] = pip.stdout.trim().split('\n');
    expect(given).toBe(index);
    expect(installed).toContain(`torch==${pythonPackages.torch}`);
  }, 900_000);
});
