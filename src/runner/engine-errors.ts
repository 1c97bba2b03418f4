/**
 * Turns what goes wrong on the way to the engine (socket missing, refused,
 * permission denied, host unknown or silent, ssh refused, something that is
 * not an engine answering) into one DockerUnavailableError naming the engine
 * and the fix. Pure, so each case is a row in a table test; an EACCES cannot
 * be staged reliably as root.
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

/** Node's HTTP parser rejecting the answer (`HPE_INVALID_CONSTANT`...): whatever listens there does not speak HTTP. */
const isParseError = (code: string | undefined) => code?.startsWith('HPE_') === true;

/** Whether an error means "could not talk to the engine" rather than "the engine said no". */
export function isConnectionError(error: unknown): boolean {
  const e = error as SystemishError | undefined;
  if (!e || typeof e !== 'object' || e.statusCode) return false;
  return (e.code !== undefined && (connectionCodes.has(e.code) || isParseError(e.code))) || e.level?.startsWith('client-') === true || e.level === 'protocol' || /timeout/i.test(e.message ?? '');
}

/** What an answer looked like, for a message: one short line, control characters shown as `?`. */
export function excerpt(answer: unknown, max = 60): string {
  const text = Buffer.isBuffer(answer) ? answer.toString('utf8') : typeof answer === 'string' ? answer : JSON.stringify(answer) ?? String(answer);
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/g, '?');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}...` : flat);
}

/** Something listens at the endpoint, but what it says is not the Docker Engine API. */
export function notAnEngineError(endpoint: string, what: string): DockerUnavailableError {
  return new DockerUnavailableError(
    `Something answers at ${endpoint}, but it is not a Docker engine: ${what}.\n` +
      'Point DOCKER_HOST (or the docker context) at the Docker engine, or unset DOCKER_HOST to use the local one.',
  );
}

/**
 * @param endpoint as describeEndpoint prints it
 * @param kind whether the endpoint is a local socket (unix) or a remote host (tcp, ssh)
 */
export function connectionError(error: unknown, endpoint: string, kind: 'unix' | 'tcp' | 'ssh'): DockerUnavailableError {
  const e = (error ?? {}) as SystemishError;
  const code = e.code ?? '';
  if (isParseError(code)) return notAnEngineError(endpoint, `its answer is not HTTP (${e.message ?? code})`);
  const silent = code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '');
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
    if (silent) {
      return new DockerUnavailableError(
        `The Docker engine at ${socket} did not answer in time: it is hung, or what listens there is not a Docker engine.\n` +
          'Restart it (sudo systemctl restart docker, or Docker Desktop), or point DOCKER_HOST at a running engine.',
      );
    }
    return new DockerUnavailableError(`Cannot talk to the Docker engine at ${socket}${code ? ` (${code})` : ''}: ${e.message ?? 'no answer'}.`);
  }
  const host = endpoint;
  if (e.level === 'client-authentication') {
    const [, destination, port] = /^ssh:\/\/(.*?)(?::(\d+))?$/.exec(host) ?? [];
    const command = `ssh ${port ? `-p ${port} ` : ''}${destination ?? host}`;
    return new DockerUnavailableError(`ssh refused the login to ${host}: ${(e.message ?? '').replace(/\.+$/, '')}. Check that \`${command}\` works without a password or a question (ssh-agent, IdentityFile and known_hosts in ~/.ssh/config).`);
  }
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
    : code === 'ECONNREFUSED' ? 'the connection was refused (no engine or sshd listening there)'
    : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'the host is unreachable'
    : silent ? 'it did not answer in time'
    : e.message ?? 'no answer';
  return new DockerUnavailableError(`The Docker engine at ${host} is unreachable: ${why}.\nCheck the host, or unset DOCKER_HOST (or run docker context use default) to use the local engine.`);
}
