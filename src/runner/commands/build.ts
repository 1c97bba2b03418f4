/**
 * `ml-project build` (make init): picks CPU or GPU, packs the context, builds
 * through the engine with the host's UID/GID, and shows step n/m. The engine
 * tags the image only when the build succeeds; this command never tags.
 */
import { UsageError } from '../../shared/errors.js';
import { packContext } from '../context.js';
import type { GpuFlag } from '../gpu.js';
import { buildImage } from '../image-build.js';
import { dockerfileFor, imageName } from '../images.js';
import { requireProject } from '../project.js';
import { chooseCompute, describeChoice } from './choose.js';
import { line, type RunnerContext } from './context.js';

export interface BuildOptions {
  gpu: GpuFlag;
  baseImage?: string;
  /** Only docker/Dockerfile.gpu has a PYTHON_IMAGE argument. */
  pythonImage?: string;
  timeoutSeconds: number;
}

/**
 * Base images from a mirror, set as compose reads them (the shell, then .env):
 * CPU_BASE_IMAGE for the CPU image, GPU_BASE_IMAGE and PYTHON_IMAGE for the GPU
 * one. So `make init` builds from the same images with or without the runner.
 */
export function mirrorImages(
  compute: 'cpu' | 'gpu',
  env: NodeJS.ProcessEnv,
  dotenv: Record<string, string>,
): { base?: string; python?: string } {
  const read = (name: string) => env[name] || dotenv[name] || undefined;
  return compute === 'gpu' ? { base: read('GPU_BASE_IMAGE'), python: read('PYTHON_IMAGE') } : { base: read('CPU_BASE_IMAGE') };
}

export async function build(ctx: RunnerContext, options: BuildOptions): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  const engine = await ctx.connect();
  // Decided before anything is sent: `--gpu on` without NVIDIA fails here.
  const choice = await chooseCompute(engine, project, options.gpu);
  // Refused rather than sent: the CPU Dockerfile would ignore it and build from another Python than asked.
  if (options.pythonImage && choice.compute !== 'gpu') {
    throw new UsageError(`--python-image applies to the GPU image (docker/Dockerfile.gpu) only; this build is ${describeChoice(choice, options.gpu)}. For the CPU image, --base-image IMAGE sets its Python image.`);
  }
  const tag = imageName(project.name, choice.compute);
  const dockerfile = dockerfileFor(choice.compute);
  line(ctx.stdout, `Image: ${describeChoice(choice, options.gpu)}`);

  const mirrors = mirrorImages(choice.compute, ctx.env, project.dotenv);
  const buildArgs: Record<string, string> = { USER_UID: String(ctx.uid), USER_GID: String(ctx.gid) };
  const baseImage = options.baseImage ?? mirrors.base;
  const pythonImage = options.pythonImage ?? mirrors.python;
  if (baseImage) buildArgs.BASE_IMAGE = baseImage;
  if (pythonImage) buildArgs.PYTHON_IMAGE = pythonImage;
  const context = await packContext(project.root, dockerfile);
  line(ctx.stdout, `Building ${tag} from ${dockerfile} (${context.files} files in the context, ${engine.endpoint})`);

  const imageId = await buildImage(engine, { context: context.stream, dockerfile, tag, buildArgs, timeoutSeconds: options.timeoutSeconds, signal: ctx.signal, progress: ctx.progress() });
  line(ctx.stdout, `Built ${tag}${imageId ? ` (${imageId.replace(/^sha256:/, '').slice(0, 12)})` : ''}. Next: make create-container`);
  return 0;
}
