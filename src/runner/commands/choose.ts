/**
 * The CPU/GPU choice for a project on a given engine, said out loud: shared by
 * `build` (which image to build) and `up` (which image and compose files to run).
 */
import type { Engine } from '../engine.js';
import { decideCompute, nvidiaSupport, type ComputeChoice, type GpuFlag } from '../gpu.js';
import type { Project } from '../project.js';

export async function chooseCompute(engine: Engine, project: Project, flag: GpuFlag): Promise<ComputeChoice> {
  const nvidia = nvidiaSupport(await engine.info());
  return decideCompute({ flag, nvidia, hasCpuImage: project.hasCpuImage, hasGpuImage: project.hasGpuImage });
}

export function describeChoice(choice: ComputeChoice, flag: GpuFlag): string {
  return `${choice.compute.toUpperCase()}${flag === 'auto' ? ' (auto)' : ''}: ${choice.reason}`;
}
