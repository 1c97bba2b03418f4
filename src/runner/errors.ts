/**
 * The runner's own error types and the fix hints they carry. They extend the
 * generator's CliError so that both entries map errors to exit codes alike.
 */
import { CliError, ExitCode, FailureError } from '../shared/errors.js';

/** The engine cannot be reached: no daemon, no permission, host unreachable. Exit 3. */
export class DockerUnavailableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.dockerUnavailable);
  }
}

/** The steps that give Docker NVIDIA GPU support; shown wherever GPU support is missing. */
export const NVIDIA_HINT = [
  'Install the NVIDIA driver and the NVIDIA Container Toolkit (package nvidia-container-toolkit), then run:',
  '  sudo nvidia-ctk runtime configure --runtime=docker',
  '  sudo systemctl restart docker',
  'and check with: ml-project doctor',
].join('\n');

/** GPU was asked for (or is the only image) but the engine cannot give containers a GPU. Exit 1. */
export class GpuUnavailableError extends FailureError {
  constructor(reason: string) {
    super(`${reason}\n${NVIDIA_HINT}`);
  }
}

/** A host port the stack needs is taken. Exit 1, naming the variable that moves it. */
export class PortInUseError extends FailureError {
  constructor(
    readonly port: number,
    readonly variable: string,
    readonly service: string,
  ) {
    super(
      `Port ${port} (${service}, ${variable}) is already in use on this host.\n` +
        `Stop what uses it, or pick another port: ${variable}=${suggestPort(port)} make create-container`,
    );
  }
}

function suggestPort(port: number): number {
  return port >= 65000 ? 9900 : port + 1000 > 65535 ? 9900 : port + 1000;
}
