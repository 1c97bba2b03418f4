/**
 * doctor in a PyTorch project whose stack runs the GPU image: the project's
 * own gpu_check runs inside bash-executor. No GPU here: the CPU-only torch
 * build's answer comes from the real gpu_check.py on Debian's torch (run by
 * the fake compose in the project folder, as the container would); a GPU's
 * answer is given as the container would print it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/generate.js';
import { closeServers, setup } from './stack-setup.js';

afterAll(closeServers);

const gpuCheck = readFileSync(join(repoRoot, 'templates/__package__/gpu_check.py'), 'utf8');
const running = 'c-bash\nc-jupyter\nc-mlflow\n';

interface Report {
  ok: boolean;
  exitCode: number;
  checks: { name: string; status: string; detail: string; fix?: string }[];
}

async function pytorchStack(options: { compute?: 'auto' | 'gpu'; nvidia?: boolean; framework?: string; stack?: string; env?: NodeJS.ProcessEnv }) {
  const compute = options.compute ?? 'gpu';
  const answers = { projectName: 'my-project', packageName: 'my_project', framework: options.framework ?? 'pytorch', compute, jupyterPort: 8888, mlflowPort: 5000 };
  const s = await setup({
    compute,
    nvidia: options.nvidia ?? true,
    images: ['my-project-gpu:latest'],
    env: options.env,
    files: {
      '.env': 'JUPYTER_TOKEN=t\n',
      '.yo-rc.json': JSON.stringify({ 'create-ml-project': { version: '0.1.0', answers } }),
      'my_project/__init__.py': '',
      'my_project/gpu_check.py': gpuCheck,
    },
  });
  writeFileSync(s.stackFile, options.stack ?? running);
  const doctor = async () => {
    const result = await s.run(['doctor', '--json']);
    return { code: result.code, report: JSON.parse(result.stdout) as Report, calls: s.calls() };
  };
  return { s, doctor };
}

const gpusOf = (report: Report) => report.checks.find((c) => c.name === 'gpus');

describe.concurrent('ml-project doctor: the GPUs inside the stack', () => {
  it("runs the project's gpu_check in bash-executor and reports each GPU it saw", async () => {
    const lines = 'torch 2.9.1+cu128, built for CUDA 12.8\nGPU 0: NVIDIA A100-SXM4-80GB, 79.2 GiB\nGPU 1: NVIDIA A100-SXM4-80GB, 79.2 GiB\nGPU 0: matmul ok\nGPU 1: matmul ok\n2 GPU(s) ready';
    const { doctor } = await pytorchStack({ env: { FAKE_EXEC_STDOUT: lines } });
    const { code, report, calls } = await doctor();
    expect(code).toBe(0);
    expect(gpusOf(report)).toEqual({ name: 'gpus', status: 'ok', detail: `in bash-executor: ${lines.split('\n').join('; ')}` });
    expect(calls).toContain('compose -f docker-compose.yml exec -T bash-executor python -m my_project.gpu_check | ML_PROJECT_IMAGE=');
  });

  it('fails with the reason and the fix when torch in the container is a CPU-only build (the real gpu_check on Debian torch)', async () => {
    const { doctor } = await pytorchStack({ env: { FAKE_EXEC_PYTHON: '/usr/bin/python3' } });
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const gpus = gpusOf(report)!;
    expect(gpus.status).toBe('fail');
    expect(gpus.detail).toMatch(/^python -m my_project\.gpu_check failed in bash-executor: torch 1\.\d+.*, built for CUDA none \(CPU-only build\)$/);
    expect(gpus.fix).toContain('CPU-only build');
    expect(gpus.fix).toContain('make create-container GPU=1');
  });

  it.each([
    ['a GPU image that sees no GPU', 1, 'torch 2.9.1+cu128, built for CUDA 12.8', 'torch 2.9.1+cu128 is built for CUDA 12.8, but it sees no GPU. On the host, nvidia-smi must list the GPU'],
    ['a wrong product', 1, 'GPU 0: matmul WRONG', "A matrix product on a GPU differs from the CPU's: check the driver."],
    ['python missing in the container', 127, '', 'OCI runtime exec failed: exec: "python": executable file not found in $PATH'],
  ])('%s: fails with the check\'s own message', async (_, exit, stdout, stderr) => {
    const { doctor } = await pytorchStack({ env: { FAKE_EXEC_EXIT: String(exit), FAKE_EXEC_STDOUT: stdout, FAKE_EXEC_STDERR: stderr } });
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(gpusOf(report)).toMatchObject({ status: 'fail', fix: stderr });
    expect(gpusOf(report)!.detail).toBe(`python -m my_project.gpu_check failed in bash-executor${stdout ? `: ${stdout}` : ''}`);
  });

  it.each([
    ['nothing created', ''],
    ['bash-executor stopped', 'c-bash\n'],
  ])('%s: says the GPUs were not checked and how to check them, without failing', async (_, stack) => {
    const { s, doctor } = await pytorchStack({ stack });
    if (stack) s.engine.states['c-bash'] = { running: false, status: 'exited', exitCode: 0 };
    const { code, report, calls } = await doctor();
    expect(code).toBe(0);
    expect(gpusOf(report)).toMatchObject({ status: 'warn', detail: 'not checked inside the container: bash-executor is not running' });
    expect(calls.filter((c) => c.includes(' exec '))).toEqual([]);
  });

  it.each([
    ['compute auto without the NVIDIA runtime (the stack runs the CPU image)', { compute: 'auto' as const, nvidia: false }],
    ['a scikit-learn project', { framework: 'sklearn' }],
  ])('%s: no GPU check', async (_, options) => {
    const { doctor } = await pytorchStack({ ...options, env: { FAKE_EXEC_EXIT: '1' } });
    const { report, calls } = await doctor();
    expect(gpusOf(report)).toBeUndefined();
    expect(calls.filter((c) => c.includes(' exec '))).toEqual([]);
  });

  it('compute auto with the NVIDIA runtime: the stack runs the GPU image, so its GPUs are checked', async () => {
    const { doctor } = await pytorchStack({ compute: 'auto', env: { FAKE_EXEC_STDOUT: 'torch 2.9.1+cu126, built for CUDA 12.6\nGPU 0: NVIDIA L4, 22.0 GiB\nGPU 0: matmul ok\n1 GPU(s) ready' } });
    const { code, report } = await doctor();
    expect(code).toBe(0);
    expect(gpusOf(report)).toMatchObject({ status: 'ok', detail: expect.stringContaining('GPU 0: NVIDIA L4, 22.0 GiB') });
  });
});
