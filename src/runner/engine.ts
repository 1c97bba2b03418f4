/**
 * What the runner asks of a Docker engine, as an interface: the commands are
 * written against this, docker-engine.ts implements it with dockerode, and
 * tests substitute fakes (or point dockerode at a fake Engine API server).
 */

export interface EngineVersion {
  version: string;
  apiVersion: string;
  os?: string;
  arch?: string;
}

/** The parts of the engine's `/info` answer the runner reads. */
export interface EngineInfo {
  runtimes: string[];
  /** CDI device ids the engine discovered (Docker 28+), e.g. `nvidia.com/gpu=all`. */
  discoveredDevices: string[];
  serverVersion?: string;
  name?: string;
}

/** One line of the engine's build stream, as JSON. */
export interface BuildEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

export interface BuildRequest {
  /** A tar of the build context. */
  context: NodeJS.ReadableStream;
  /** The Dockerfile's path inside the context. */
  dockerfile: string;
  /** The tag the engine applies when, and only when, the build succeeds. */
  tag: string;
  buildArgs: Record<string, string>;
  signal: AbortSignal;
  onEvent: (event: BuildEvent) => void;
}

export interface ContainerState {
  id: string;
  name: string;
  /** The compose service, from the `com.docker.compose.service` label. */
  service?: string;
  image: string;
  status: string;
  running: boolean;
  exitCode: number;
  /** Host ports published, e.g. [8888]. */
  ports: number[];
  /** What the container's healthcheck last said (State.Health); undefined when it has none. */
  health?: ContainerHealth;
}

export interface ContainerHealth {
  status: 'starting' | 'healthy' | 'unhealthy';
  /** Failed checks in a row. */
  failingStreak: number;
  /** The output of the last check, for messages. */
  lastOutput: string;
}

export interface Engine {
  /** Where the engine is, for messages: `unix:///var/run/docker.sock`, `ssh://user@gpu-box`. */
  readonly endpoint: string;
  ping(): Promise<void>;
  version(): Promise<EngineVersion>;
  info(): Promise<EngineInfo>;
  /** Streams the build; resolves when the stream ends (an error event inside it is the caller's to judge), rejects on transport errors and abort. */
  build(request: BuildRequest): Promise<void>;
  imageExists(name: string): Promise<boolean>;
  /** The ids of the containers, running or not, that carry every one of these labels. */
  listContainers(labels: Readonly<Record<string, string>>): Promise<string[]>;
  inspectContainer(id: string): Promise<ContainerState | undefined>;
  /** The last `tail` lines of a container's output (stdout and stderr). */
  containerLogs(id: string, tail: number): Promise<string>;
  removeContainer(id: string): Promise<void>;
}
