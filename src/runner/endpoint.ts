/**
 * Where the Docker engine is, resolved the way the docker CLI does it:
 * DOCKER_HOST first, then the current docker context (DOCKER_CONTEXT or
 * `currentContext` in ~/.docker/config.json, its endpoint in
 * ~/.docker/contexts/meta/<id>/meta.json), then the default socket.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { NotAFileError, readTextFile } from '../shared/text-file.js';

export type Endpoint =
  | { kind: 'unix'; socketPath: string; source: string }
  | { kind: 'tcp' | 'ssh'; host: string; port?: number; username?: string; tls: boolean; source: string };

export interface EndpointEnv {
  DOCKER_HOST?: string;
  DOCKER_CONTEXT?: string;
  DOCKER_CONFIG?: string;
  DOCKER_TLS_VERIFY?: string;
  HOME?: string;
  XDG_RUNTIME_DIR?: string;
}

/** `unix:///var/run/docker.sock`, `ssh://me@gpu-box`, `tcp://10.0.0.2:2375`: how messages name the engine. */
export function describeEndpoint(endpoint: Endpoint): string {
  if (endpoint.kind === 'unix') return `unix://${endpoint.socketPath}`;
  const user = endpoint.username ? `${endpoint.username}@` : '';
  return `${endpoint.kind}://${user}${endpoint.host}${endpoint.port ? `:${endpoint.port}` : ''}`;
}

/** True when published ports are on this machine, so they can be probed on 127.0.0.1. */
export function isLocal(endpoint: Endpoint): boolean {
  return endpoint.kind === 'unix' || ['localhost', '127.0.0.1', '::1'].includes(endpoint.host);
}

/** The host to open published ports on: 127.0.0.1 for a local engine, the remote host otherwise. */
export function publishedHost(endpoint: Endpoint): string {
  return isLocal(endpoint) ? '127.0.0.1' : (endpoint as { host: string }).host;
}

export function parseHost(value: string, source: string, env: EndpointEnv = {}): Endpoint {
  if (value.startsWith('unix://')) return { kind: 'unix', socketPath: value.slice('unix://'.length) || '/var/run/docker.sock', source };
  if (value.startsWith('npipe://')) throw new UsageError(`${source}: named pipes (${value}) are Windows only; this runner needs a unix socket, tcp:// or ssh:// engine.`);
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `tcp://${value}`);
  } catch {
    throw new UsageError(`${source} is not a Docker host address: ${JSON.stringify(value)}. Use unix:///path, tcp://host:port or ssh://user@host.`);
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'tcp' && protocol !== 'ssh' && protocol !== 'http' && protocol !== 'https') {
    throw new UsageError(`${source} uses an unknown scheme ${JSON.stringify(protocol)}. Use unix://, tcp:// or ssh://.`);
  }
  const port = url.port ? Number(url.port) : undefined;
  const kind = protocol === 'ssh' ? 'ssh' : 'tcp';
  const tls = kind === 'tcp' && (protocol === 'https' || env.DOCKER_TLS_VERIFY === '1' || port === 2376);
  return { kind, host: url.hostname.replace(/^\[|\]$/g, ''), port, username: url.username ? decodeURIComponent(url.username) : undefined, tls, source };
}

/** A docker CLI settings file; unreadable or broken counts as absent, as for the docker CLI's defaults, but a FIFO or device is refused rather than waited on. */
function readJson(path: string): unknown {
  try {
    const text = readTextFile(path);
    return text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    if (error instanceof NotAFileError) throw error;
    return undefined;
  }
}

/** The docker host of a named context, from its meta.json (the folder name is a digest of the name, so match on Name). */
export function contextHost(configDir: string, name: string): string | undefined {
  const metaRoot = join(configDir, 'contexts', 'meta');
  let entries: string[];
  try {
    entries = readdirSync(metaRoot);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const meta = readJson(join(metaRoot, entry, 'meta.json')) as { Name?: string; Endpoints?: { docker?: { Host?: string } } } | undefined;
    if (meta?.Name === name) return meta.Endpoints?.docker?.Host;
  }
  return undefined;
}

function defaultSocket(home: string, runtimeDir: string | undefined): string {
  // Docker Desktop and rootless setups put the socket in the user's folder.
  const candidates = [join(home, '.docker', 'run', 'docker.sock'), runtimeDir ? join(runtimeDir, 'docker.sock') : ''];
  return candidates.find((p) => p && existsSync(p)) ?? '/var/run/docker.sock';
}

export function resolveEndpoint(env: EndpointEnv = process.env): Endpoint {
  if (env.DOCKER_HOST) return parseHost(env.DOCKER_HOST, 'DOCKER_HOST', env);
  const home = env.HOME || homedir();
  const configDir = env.DOCKER_CONFIG || join(home, '.docker');
  const config = readJson(join(configDir, 'config.json')) as { currentContext?: string } | undefined;
  const name = env.DOCKER_CONTEXT || config?.currentContext;
  if (name && name !== 'default') {
    const host = contextHost(configDir, name);
    if (!host) throw new UsageError(`Docker context ${JSON.stringify(name)} is selected but not found in ${join(configDir, 'contexts')}. Run: docker context use default`);
    return parseHost(host, `docker context ${JSON.stringify(name)}`, env);
  }
  return { kind: 'unix', socketPath: defaultSocket(home, env.XDG_RUNTIME_DIR), source: 'default socket' };
}
