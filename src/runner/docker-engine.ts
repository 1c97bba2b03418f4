/**
 * The Engine interface on dockerode: the one module that imports it, loaded
 * lazily by the CLI so that --help and usage errors never pay for it.
 */
import Docker from 'dockerode';
import type { BuildRequest, ContainerState, Engine, EngineInfo, EngineVersion } from './engine.js';
import { demuxLogs, readEvents } from './engine-streams.js';
import { connectionError, excerpt, isConnectionError, notAnEngineError } from './engine-errors.js';
import { describeEndpoint, type Endpoint } from './endpoint.js';
import { CliError, FailureError } from '../shared/errors.js';
import { dialStdioAgent, hasSsh } from './ssh.js';

/** How long the engine may take to answer: a ping, and every other call but the build stream (which has its own limit on silence). */
export interface EngineLimits {
  pingMs: number;
  callMs: number;
}

const LIMITS: EngineLimits = { pingMs: 15_000, callMs: 60_000 };

function options(endpoint: Endpoint): Docker.DockerOptions {
  if (endpoint.kind === 'unix') return { socketPath: endpoint.socketPath };
  if (endpoint.kind === 'ssh' && hasSsh(process.env)) {
    // The system's ssh, as the docker CLI uses it: it reads ~/.ssh/config (aliases, keys, ProxyJump).
    return { protocol: 'http', host: 'localhost', port: 80, agent: dialStdioAgent(endpoint, process.env) } as Docker.DockerOptions;
  }
  if (endpoint.kind === 'ssh') {
    // Without an ssh client, dockerode's own (an agent and user@host only). docker-modem's ssh transport hands Node an address it flags as deprecated (DEP0170);
    // the warning says nothing users can act on, so it is kept off their terminal.
    process.noDeprecation = true;
    return { protocol: 'ssh', host: endpoint.host, port: endpoint.port ?? 22, username: endpoint.username, sshOptions: { agent: process.env.SSH_AUTH_SOCK } };
  }
  return { protocol: endpoint.tls ? 'https' : 'http', host: endpoint.host, port: endpoint.port ?? (endpoint.tls ? 2376 : 2375) };
}

/** State.Health as the engine reports it; a status outside the three documented ones reads as still starting. */
function health(h: Docker.ContainerInspectInfo['State']['Health']): ContainerState['health'] {
  if (!h) return undefined;
  const status = h.Status === 'healthy' || h.Status === 'unhealthy' ? h.Status : 'starting';
  return { status, failingStreak: h.FailingStreak ?? 0, lastOutput: h.Log?.at(-1)?.Output?.trim() ?? '' };
}

export class DockerEngine implements Engine {
  readonly endpoint: string;
  protected readonly docker: Docker;

  constructor(
    private readonly where: Endpoint,
    private readonly limits: EngineLimits = LIMITS,
  ) {
    this.endpoint = describeEndpoint(where);
    this.docker = new Docker(options(where));
  }

  /**
   * Transport failures and silence become DockerUnavailableError; engine
   * answers keep their message. `timeoutMs` 0: no limit.
   */
  protected async call<T>(what: string, run: () => Promise<T>, timeoutMs = this.limits.callMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      if (timeoutMs) timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    });
    try {
      return await Promise.race([run(), silence]);
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (isConnectionError(error)) throw connectionError(error, this.endpoint, this.where.kind);
      if ((error as Error).name === 'AbortError') throw error;
      const e = error as { json?: { message?: string }; message?: string };
      throw new FailureError(`The Docker engine failed to ${what}: ${e.json?.message ?? e.message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An answer the Engine API gives as a JSON object; anything else means something else answers. */
  private object<T>(path: string, answer: unknown): T {
    if (answer === null || typeof answer !== 'object' || Buffer.isBuffer(answer)) throw notAnEngineError(this.endpoint, `its answer to ${path} is not JSON: ${excerpt(answer)}`);
    return answer as T;
  }

  ping(): Promise<void> {
    return this.call(
      'answer a ping',
      async () => {
        let answer: unknown;
        try {
          answer = await this.docker.ping();
        } catch (error) {
          // An HTTP server that is not an engine: a 404 page, a login form...
          const status = (error as { statusCode?: number }).statusCode;
          if (status) throw notAnEngineError(this.endpoint, `it answers /_ping with HTTP ${status}`);
          // Whatever else stops a ping (an ssh server speaking garbage...) leaves no engine to use.
          throw connectionError(error, this.endpoint, this.where.kind);
        }
        // The engine's ping answers exactly OK.
        const text = Buffer.isBuffer(answer) || typeof answer === 'string' ? String(answer).trim() : undefined;
        if (text !== 'OK') throw notAnEngineError(this.endpoint, `it answers /_ping with ${excerpt(answer)}, not OK`);
      },
      this.limits.pingMs,
    );
  }

  version(): Promise<EngineVersion> {
    return this.call('report its version', async () => {
      const v = this.object<{ Version?: unknown; ApiVersion?: unknown; Os?: string; Arch?: string }>('/version', await this.docker.version());
      if (typeof v.Version !== 'string' || typeof v.ApiVersion !== 'string') throw notAnEngineError(this.endpoint, `its /version has no Version and ApiVersion: ${excerpt(v)}`);
      return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
    });
  }

  info(): Promise<EngineInfo> {
    return this.call('report its info', async () => {
      const i = this.object<{ Runtimes?: Record<string, unknown>; DiscoveredDevices?: { ID?: string }[]; ServerVersion?: string; Name?: string }>('/info', await this.docker.info());
      return {
        runtimes: Object.keys(i.Runtimes ?? {}),
        discoveredDevices: (i.DiscoveredDevices ?? []).map((d) => d.ID ?? '').filter(Boolean),
        serverVersion: i.ServerVersion,
        name: i.Name,
      };
    });
  }

  build(request: BuildRequest): Promise<void> {
    return this.call('build', async () => {
      // `t` makes the engine tag the image itself, and only when the build succeeds;
      // rm/forcerm remove intermediate containers of failed steps too.
      const stream = await this.docker.buildImage(request.context, {
        dockerfile: request.dockerfile,
        t: request.tag,
        buildargs: request.buildArgs,
        rm: true,
        forcerm: true,
        abortSignal: request.signal,
      });
      const onAbort = () => (stream as unknown as { destroy?: () => void }).destroy?.();
      request.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await readEvents(stream, request.onEvent);
      } finally {
        request.signal.removeEventListener('abort', onAbort);
      }
    }, 0);
  }

  imageExists(name: string): Promise<boolean> {
    return this.call('look up an image', async () => {
      try {
        await this.docker.getImage(name).inspect();
        return true;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return false;
        throw error;
      }
    });
  }

  listContainers(labels: Readonly<Record<string, string>>): Promise<string[]> {
    return this.call('list containers', async () => {
      const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
      const found = await this.docker.listContainers({ all: true, filters: JSON.stringify(filters) });
      return found.map((c) => c.Id);
    });
  }

  inspectContainer(id: string): Promise<ContainerState | undefined> {
    return this.call('inspect a container', async () => {
      let c: Docker.ContainerInspectInfo;
      try {
        c = await this.docker.getContainer(id).inspect();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
      const ports = Object.values(c.NetworkSettings?.Ports ?? {}).flatMap((bindings) => (bindings ?? []).map((b) => Number(b.HostPort)));
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        service: c.Config?.Labels?.['com.docker.compose.service'],
        image: c.Config?.Image ?? '',
        status: c.State.Status,
        running: c.State.Running,
        exitCode: c.State.ExitCode,
        ports: [...new Set(ports.filter((p) => Number.isInteger(p) && p > 0))],
        health: health(c.State.Health),
      };
    });
  }

  containerLogs(id: string, tail: number): Promise<string> {
    return this.call('read container logs', async () => {
      const data = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      return demuxLogs(Buffer.isBuffer(data) ? data : Buffer.from(String(data)));
    });
  }

  removeContainer(id: string): Promise<void> {
    return this.call('remove a container', async () => {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: false });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    });
  }
}
