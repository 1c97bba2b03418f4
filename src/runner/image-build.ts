/**
 * One image build through the engine, as `build` and `run` both do it: step
 * n/m as progress, a stall (silence, not length) cancels it, Ctrl-C cancels
 * it, and the engine tags the image only when the build succeeds.
 */
import { FailureError, InterruptedError } from '../shared/errors.js';
import { BuildLog } from './build-log.js';
import type { Engine } from './engine.js';
import { gpuEngineError } from './gpu.js';
import type { Progress } from './progress.js';

export interface ImageBuild {
  context: NodeJS.ReadableStream;
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  timeoutSeconds: number;
  /** Ctrl-C. */
  signal: AbortSignal;
  progress: Progress;
}

/** Builds; resolves with the image id the engine reported, if it did. */
export async function buildImage(engine: Engine, request: ImageBuild): Promise<string | undefined> {
  const log = new BuildLog();
  const { progress } = request;
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, request.timeoutSeconds * 1000);
  };
  arm();
  const onInterrupt = () => controller.abort();
  request.signal.addEventListener('abort', onInterrupt, { once: true });
  // Ctrl-C while the context was being made: do not start the build at all.
  if (request.signal.aborted) controller.abort();
  try {
    await engine.build({
      context: request.context,
      dockerfile: request.dockerfile,
      tag: request.tag,
      buildArgs: request.buildArgs,
      signal: controller.signal,
      onEvent: (event) => {
        arm();
        const started = log.push(event);
        if (started) progress.note(`Step ${started.index}/${started.total}: ${started.instruction}`);
        else if (log.step && log.lines.length) progress.update(`Step ${log.step.index}/${log.step.total}  ${log.lines.at(-1)}`);
      },
    });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', onInterrupt);
    progress.stop();
  }
  // Aborting the request makes the engine cancel the build: no tag, no running step left.
  if (request.signal.aborted) throw new InterruptedError('Interrupted: the build was cancelled; no image was tagged.');
  if (timedOut) {
    const where = log.step ? ` at step ${log.step.index}/${log.step.total} (${log.step.instruction})` : '';
    throw new FailureError(`The build stalled${where}: no output for ${request.timeoutSeconds}s, so it was cancelled and nothing was tagged. Raise the limit with --timeout SECONDS, or check the network if a download hangs.`);
  }
  if (log.error) throw gpuEngineError(log.error) ?? new FailureError(`${log.failure()}\nNothing was tagged.`);
  return log.imageId;
}
