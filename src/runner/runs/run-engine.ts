/**
 * What a run on a docker target asks of a Docker engine, beyond what the
 * stack commands ask (engine.ts): one container per run, its logs, its files,
 * and pushing an image to a registry for Kubernetes.
 */
import type { BuildEvent, Engine } from '../engine.js';

export interface RunContainerSpec {
  name: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  workingDir: string;
  /** GPUs through the NVIDIA device request: a count, -1 for all, 0 for none. */
  gpus: number;
}

export interface RunContainer {
  id: string;
  status: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  exitCode: number;
  startedAt?: string;
  finishedAt?: string;
  oomKilled: boolean;
  /** The engine's error for a container it could not start. */
  error?: string;
}

export interface RunEngine extends Engine {
  /** The image id (`sha256:...`) of a local image, undefined when there is none. */
  imageId(name: string): Promise<string | undefined>;
  createRunContainer(spec: RunContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  runContainer(idOrName: string): Promise<RunContainer | undefined>;
  /** The container's output from the start; with `follow`, until it exits or `signal` aborts. */
  streamLogs(id: string, onText: (text: string) => void, follow: boolean, signal?: AbortSignal): Promise<void>;
  /** A tar of `path` in the container (its last folder level included), undefined when there is nothing there. */
  copyFrom(id: string, path: string): Promise<NodeJS.ReadableStream | undefined>;
  stopContainer(id: string, seconds: number): Promise<void>;
  tagImage(image: string, repository: string, tag: string): Promise<void>;
  /** Pushes `repository:tag`; `auth` is the X-Registry-Auth value (base64 JSON), when there are credentials. */
  pushImage(repository: string, tag: string, auth: string | undefined, onEvent: (event: BuildEvent & { aux?: { Digest?: string } }) => void, signal: AbortSignal): Promise<void>;
}
