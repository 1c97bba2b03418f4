/**
 * CPU or GPU: the decision as pure functions of what the engine reports and
 * what the project has, so every combination is a row in a table test. GPU is
 * never dropped silently: asked for and missing is an error, not a fallback.
 */
import { UsageError } from '../shared/errors.js';
import { GpuUnavailableError } from './errors.js';
import type { EngineInfo } from './engine.js';

export type GpuFlag = 'auto' | 'on' | 'off';
export type Compute = 'cpu' | 'gpu';

export function parseGpuFlag(value: string): GpuFlag {
  if (value === 'auto' || value === 'on' || value === 'off') return value;
  throw new UsageError(`--gpu takes auto, on or off, not ${JSON.stringify(value)}.`);
}

export interface NvidiaSupport {
  available: boolean;
  /** How it was found, or why not: for doctor and for `auto`'s explanation. */
  detail: string;
}

/** NVIDIA support as the engine reports it: the `nvidia` runtime, or NVIDIA devices found through CDI. */
export function nvidiaSupport(info: EngineInfo): NvidiaSupport {
  if (info.runtimes.includes('nvidia')) return { available: true, detail: 'the engine has the nvidia runtime' };
  const cdi = info.discoveredDevices.find((id) => id.startsWith('nvidia.com/gpu'));
  if (cdi) return { available: true, detail: `the engine has the CDI device ${cdi}` };
  return { available: false, detail: `the engine has no nvidia runtime (runtimes: ${info.runtimes.join(', ') || 'none'})` };
}

export interface ComputeInputs {
  flag: GpuFlag;
  nvidia: NvidiaSupport;
  /** docker/Dockerfile.cpu exists */
  hasCpuImage: boolean;
  /** docker/Dockerfile.gpu exists */
  hasGpuImage: boolean;
}

export interface ComputeChoice {
  compute: Compute;
  reason: string;
}

export function decideCompute({ flag, nvidia, hasCpuImage, hasGpuImage }: ComputeInputs): ComputeChoice {
  if (flag === 'off') {
    if (!hasCpuImage) throw new UsageError('--gpu off: this project has no CPU image (no docker/Dockerfile.cpu; it was generated with compute "gpu").');
    return { compute: 'cpu', reason: '--gpu off' };
  }
  if (flag === 'on') {
    if (!hasGpuImage) throw new UsageError('--gpu on: this project has no GPU image (no docker/Dockerfile.gpu; it was generated with compute "cpu").');
    if (!nvidia.available) throw new GpuUnavailableError(`--gpu on, but ${nvidia.detail}.`);
    return { compute: 'gpu', reason: `--gpu on and ${nvidia.detail}` };
  }
  if (hasGpuImage && nvidia.available) return { compute: 'gpu', reason: `${nvidia.detail} and the project has a GPU image` };
  if (hasCpuImage) {
    return { compute: 'cpu', reason: hasGpuImage ? `${nvidia.detail} (see: ml-project doctor)` : 'the project has only a CPU image' };
  }
  if (hasGpuImage) throw new GpuUnavailableError(`This project has only a GPU image, but ${nvidia.detail}.`);
  throw new UsageError('This project has neither docker/Dockerfile.cpu nor docker/Dockerfile.gpu.');
}

/** The engine's own words for "no GPU for you", wherever they show up (build, compose up). */
export function gpuEngineError(message: string): GpuUnavailableError | undefined {
  if (/could not select device driver|unknown or invalid runtime name|unknown runtime|nvidia-container-cli|unresolvable CDI devices/i.test(message)) {
    return new GpuUnavailableError(`The engine cannot give the container a GPU: ${message.trim().split('\n').pop()}`);
  }
  return undefined;
}
