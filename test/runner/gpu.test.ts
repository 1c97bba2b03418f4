/** The CPU/GPU decision and NVIDIA detection, as tables. */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { decideCompute, gpuEngineError, nvidiaSupport, parseGpuFlag, type GpuFlag } from '../../src/runner/gpu.js';

const withNvidia = nvidiaSupport({ runtimes: ['io.containerd.runc.v2', 'nvidia', 'runc'], discoveredDevices: [] });
const without = nvidiaSupport({ runtimes: ['io.containerd.runc.v2', 'runc'], discoveredDevices: [] });

describe('nvidiaSupport', () => {
  it.each([
    [['runc'], [], false],
    [[], [], false],
    [['runc', 'nvidia'], [], true],
    [['runc'], ['nvidia.com/gpu=all'], true],
    [['runc'], ['amd.com/gpu=0'], false],
    [['nvidia-experimental'], [], false],
  ])('runtimes %j, CDI devices %j -> %s', (runtimes, devices, available) => {
    expect(nvidiaSupport({ runtimes, discoveredDevices: devices }).available).toBe(available);
  });
});

describe('decideCompute', () => {
  const both = { hasCpuImage: true, hasGpuImage: true };
  const cpuOnly = { hasCpuImage: true, hasGpuImage: false };
  const gpuOnly = { hasCpuImage: false, hasGpuImage: true };
  it.each([
    ['auto', withNvidia, both, 'gpu'],
    ['auto', without, both, 'cpu'],
    ['auto', withNvidia, cpuOnly, 'cpu'],
    ['auto', without, cpuOnly, 'cpu'],
    ['auto', withNvidia, gpuOnly, 'gpu'],
    ['on', withNvidia, both, 'gpu'],
    ['on', withNvidia, gpuOnly, 'gpu'],
    ['off', withNvidia, both, 'cpu'],
    ['off', without, cpuOnly, 'cpu'],
  ] as const)('--gpu %s, %o, %o -> %s', (flag, nvidia, images, compute) => {
    const choice = decideCompute({ flag, nvidia, ...images });
    expect(choice.compute).toBe(compute);
    expect(choice.reason.length).toBeGreaterThan(5);
  });

  it('auto explains why it picked CPU when NVIDIA is missing', () => {
    expect(decideCompute({ flag: 'auto', nvidia: without, ...both }).reason).toMatch(/no nvidia runtime/);
    expect(decideCompute({ flag: 'auto', nvidia: withNvidia, ...both }).reason).toMatch(/nvidia runtime.*GPU image/);
  });

  it.each([
    ['on', without, both, ExitCode.failure, /nvidia-container-toolkit[\s\S]*nvidia-ctk runtime configure --runtime=docker[\s\S]*restart docker/],
    ['on', without, gpuOnly, ExitCode.failure, /nvidia-ctk/],
    ['auto', without, gpuOnly, ExitCode.failure, /only a GPU image[\s\S]*nvidia-ctk/],
    ['on', withNvidia, cpuOnly, ExitCode.usage, /no GPU image/],
    ['off', withNvidia, gpuOnly, ExitCode.usage, /no CPU image/],
    ['auto', withNvidia, { hasCpuImage: false, hasGpuImage: false }, ExitCode.usage, /neither/],
  ] as const)('--gpu %s, %o, %o fails with exit %i', (flag, nvidia, images, exitCode, message) => {
    let thrown: unknown;
    try {
      decideCompute({ flag: flag as GpuFlag, nvidia, ...images });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ exitCode });
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toMatch(/falling back|fall back to CPU/i);
  });

  it('parses the flag', () => {
    expect(['auto', 'on', 'off'].map(parseGpuFlag)).toEqual(['auto', 'on', 'off']);
    for (const bad of ['yes', 'true', '', 'ON', 'gpu']) expect(() => parseGpuFlag(bad)).toThrow(/auto, on or off/);
  });
});

describe('gpuEngineError', () => {
  it.each([
    'Error response from daemon: could not select device driver "" with capabilities: [[gpu]]',
    'Error response from daemon: unknown or invalid runtime name: nvidia',
    'Error response from daemon: failed to create task: unknown runtime "nvidia"',
    'nvidia-container-cli: initialization error: nvml error: driver not loaded',
  ])('maps %j to the install hint', (message) => {
    const error = gpuEngineError(message);
    expect(error?.exitCode).toBe(ExitCode.failure);
    expect(error?.message).toMatch(/sudo nvidia-ctk runtime configure --runtime=docker/);
  });

  it.each(['port is already allocated', "The command '/bin/sh -c false' returned a non-zero code: 1", ''])('leaves %j alone', (message) => {
    expect(gpuEngineError(message)).toBeUndefined();
  });
});
