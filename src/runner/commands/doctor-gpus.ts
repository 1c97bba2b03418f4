/**
 * The GPUs as the running stack sees them, for `ml-project doctor`: in a
 * PyTorch project whose stack uses the GPU image, the project's own
 * `<package>.gpu_check` (what `make gpu-check` runs) inside bash-executor.
 * The host's runtime can be right while the container still sees no GPU
 * (containers made before the toolkit was installed, a CPU build of torch);
 * only a check inside tells.
 */
import { InterruptedError } from '../../shared/errors.js';
import type { Compose } from '../compose.js';
import { decideCompute, type NvidiaSupport } from '../gpu.js';
import type { Project } from '../project.js';
import type { Check } from './check.js';
import { listStack, notRunning, tail, type StackRef } from './stack.js';

/** Long enough for CUDA's first initialisation on several GPUs. */
const CHECK_TIMEOUT_MS = 180_000;

/**
 * Whether the stack runs the GPU image, decided as `up` decides it. A project
 * whose only image is the GPU one runs it whatever the engine says (up then
 * fails, and the check says the stack is not running).
 */
export function stackUsesGpu(project: Project, nvidia: NvidiaSupport): boolean {
  try {
    return decideCompute({ flag: 'auto', nvidia, hasCpuImage: project.hasCpuImage, hasGpuImage: project.hasGpuImage }).compute === 'gpu';
  } catch {
    return project.hasGpuImage;
  }
}

/** The check's lines as one detail: what torch reports, `; `-separated. */
function summary(text: string): string {
  return text.trim().split('\n').filter(Boolean).join('; ');
}

export async function gpuCheck(module: string, compose: Compose, stack: StackRef, signal: AbortSignal): Promise<Check> {
  const why = notRunning(await listStack(stack), 'bash-executor');
  if (why) {
    return {
      name: 'gpus',
      status: 'warn',
      detail: 'not checked inside the container: bash-executor is not running',
      fix: 'make create-container, then ml-project doctor (or make gpu-check) checks the GPUs torch sees there.',
    };
  }
  const result = await compose.run(['exec', '-T', 'bash-executor', 'python', '-m', module], { timeoutMs: CHECK_TIMEOUT_MS, signal });
  if (result.code === 130 || signal.aborted) throw new InterruptedError('Interrupted while checking the GPUs in bash-executor.');
  if (result.code === 0) return { name: 'gpus', status: 'ok', detail: `in bash-executor: ${summary(result.stdout)}` };
  const seen = summary(result.stdout);
  const detail =
    result.signal === 'SIGKILL'
      ? `python -m ${module} gave no answer within ${CHECK_TIMEOUT_MS / 1000} s in bash-executor`
      : `python -m ${module} failed in bash-executor${seen ? `: ${seen}` : ''}`;
  return { name: 'gpus', status: 'fail', detail, fix: tail(result.stderr, 5) || `Run it yourself for the whole output: make gpu-check` };
}
