/**
 * The image a run's command runs in: the project's CPU or GPU Dockerfile,
 * built from the pinned commit on the engine that runs it (a docker target)
 * or that pushes it (a kubernetes target), tagged with the commit so that a
 * second run of the same commit reuses it.
 */
import { UsageError } from '../../shared/errors.js';
import { mirrorImages } from '../commands/build.js';
import type { Engine } from '../engine.js';
import { GpuUnavailableError } from '../errors.js';
import { nvidiaSupport, type Compute } from '../gpu.js';
import { buildImage } from '../image-build.js';
import { dockerfileFor, imageName } from '../images.js';
import type { RunPlan, SubmitOptions } from './backend.js';
import { commitContext } from './commit-context.js';
import type { Git } from './source.js';

export function runCompute(plan: Pick<RunPlan, 'gpus' | 'project'>): Compute {
  if (plan.gpus > 0) {
    if (!plan.project.hasGpuImage) throw new UsageError(`--gpus ${plan.gpus}: this project has no GPU image (no docker/Dockerfile.gpu; it was generated with compute "cpu").`);
    return 'gpu';
  }
  return plan.project.hasCpuImage ? 'cpu' : 'gpu';
}

/** `<project>-cpu` and `run-<commit>`: the repository and tag of a run's image. */
export function runImageName(plan: Pick<RunPlan, 'gpus' | 'project' | 'source'>): { repository: string; tag: string } {
  const [repository] = imageName(plan.project.name, runCompute(plan)).split(':');
  return { repository: repository!, tag: `run-${plan.source.commit.slice(0, 12)}` };
}

/** Builds the run's image on `engine` unless it has it already; its name and id. */
export async function ensureRunImage(engine: Engine & { imageId(name: string): Promise<string | undefined> }, git: Git, plan: RunPlan, options: SubmitOptions, env: NodeJS.ProcessEnv): Promise<{ name: string; id?: string }> {
  const compute = runCompute(plan);
  if (plan.gpus > 0) {
    const nvidia = nvidiaSupport(await engine.info());
    if (!nvidia.available) throw new GpuUnavailableError(`--gpus ${plan.gpus}, but on ${engine.endpoint} ${nvidia.detail}.`);
  }
  const { repository, tag } = runImageName(plan);
  const name = `${repository}:${tag}`;
  const existing = await engine.imageId(name);
  if (existing) {
    options.say(`Image: ${name}, built from this commit before (${existing.replace(/^sha256:/, '').slice(0, 12)})`);
    return { name, id: existing };
  }
  const dockerfile = dockerfileFor(compute);
  const mirrors = mirrorImages(compute, env, plan.project.dotenv);
  const buildArgs: Record<string, string> = { USER_UID: String(process.getuid?.() ?? 1000), USER_GID: String(process.getgid?.() ?? 1000) };
  if (mirrors.base) buildArgs.BASE_IMAGE = mirrors.base;
  if (mirrors.python) buildArgs.PYTHON_IMAGE = mirrors.python;
  options.say(`Building ${name} from ${dockerfile} at ${plan.source.commit.slice(0, 12)} on ${engine.endpoint}`);
  const context = await commitContext(git, plan.source, dockerfile);
  const id = await buildImage(engine, { context, dockerfile, tag: name, buildArgs, timeoutSeconds: options.buildTimeoutSeconds, signal: options.signal, progress: options.progress() });
  return { name, id: id ?? (await engine.imageId(name)) };
}
