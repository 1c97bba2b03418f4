/**
 * Turns what goes wrong on the way to the engine (socket missing, refused,
 * permission denied, host unknown or silent, ssh refused) into one
 * DockerUnavailableError naming the engine and the fix. Pure, so each case is
 * a row in a table test; an EACCES cannot be staged reliably as root.
 */
import { DockerUnavailableError } from './errors.js';

interface SystemishError {
  code?: string;
  errno?: number;
  syscall?: string;
  level?: string;
  message?: string;
  statusCode?: number;
}

const connectionCodes = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ENOTSOCK']);

/** Whether an error means "could not talk to the engine" rather than "the engine said no". */
export function isConnectionError(error: unknown): boolean {
  const e = error as SystemishError | undefined;
  if (!e || typeof e !== 'object' || e.statusCode) return false;
  return (e.code !== undefined && connectionCodes.has(e.code)) || e.level?.startsWith('client-') === true || /timeout/i.test(e.message ?? '');
}

/**
 * @param endpoint as describeEndpoint prints it
 * @param kind whether the endpoint is a local socket (unix) or a remote host (tcp, ssh)
 */
export function connectionError(error: unknown, endpoint: string, kind: 'unix' | 'tcp' | 'ssh'): DockerUnavailableError {
  const e = (error ?? {}) as SystemishError;
  const code = e.code ?? '';
  if (kind === 'unix') {
    const socket = endpoint.replace(/^unix:\/\//, '');
    if (code === 'EACCES' || code === 'EPERM') {
      return new DockerUnavailableError(
        `Permission denied on the Docker socket ${socket}.\n` +
          'Add yourself to the docker group and log in again:  sudo usermod -aG docker "$USER"  (then log out and back in, or run: newgrp docker)\n' +
          'Or use rootless Docker and point DOCKER_HOST at its socket, e.g. DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock',
      );
    }
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') {
      return new DockerUnavailableError(
        `The Docker daemon is not running (no engine at ${socket}: ${code}).\n` +
          'Start it (sudo systemctl start docker, or open Docker Desktop), or point DOCKER_HOST at a running engine.',
      );
    }
    if (code === 'EPIPE' || code === 'ECONNRESET') {
      return new DockerUnavailableError(`The Docker daemon at ${socket} closed the connection (${code}): it stopped or restarted. Check it with: ml-project doctor`);
    }
    return new DockerUnavailableError(`Cannot talk to the Docker engine at ${socket}${code ? ` (${code})` : ''}: ${e.message ?? 'no answer'}.`);
  }
  const host = endpoint;
  if (e.level === 'client-authentication') {
    return new DockerUnavailableError(`ssh refused the login to ${host}: ${e.message}. Check that \`ssh ${host.replace(/^ssh:\/\//, '')}\` works without a password (ssh-agent, SSH_AUTH_SOCK).`);
  }
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
    : code === 'ECONNREFUSED' ? 'the connection was refused (no engine or sshd listening there)'
    : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'the host is unreachable'
    : code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '') ? 'it did not answer in time'
    : e.message ?? 'no answer';
  return new DockerUnavailableError(`The Docker engine at ${host} is unreachable: ${why}.\nCheck the host, or unset DOCKER_HOST (or run docker context use default) to use the local engine.`);
}
