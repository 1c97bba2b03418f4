/**
 * An in-memory Engine for the stack commands: containers whose state a test
 * sets, images that exist or not, and a hook when compose has "started" them.
 * Used with the fake `docker` tool, whose `compose up` writes the ids the
 * engine then lists, under the compose project name the test gives it.
 */
import { readFileSync } from 'node:fs';
import type { BuildRequest, ContainerState, Engine, EngineInfo } from '../../src/runner/engine.js';

export const stackIds = { 'c-bash': 'bash-executor', 'c-jupyter': 'jupyter', 'c-mlflow': 'mlflow' } as const;

export class StackEngine implements Engine {
  readonly endpoint = 'unix:///var/run/fake-docker.sock';
  runtimes = ['runc'];
  images: string[] = [];
  /** Overrides per container id; the default is running. */
  states: Record<string, Partial<ContainerState>> = {};
  logs: Record<string, string> = {};
  removed: string[] = [];
  runningImage = 'my-project-cpu:latest';
  inspected = 0;
  /** Called on every inspect, so a test can bring services up once compose "started" them. */
  onInspect?: (id: string) => void;
  /** The compose project name the stack's containers carry (com.docker.compose.project), as compose would give it now. */
  project = () => '';
  /** The label filters of every listing, in order. */
  listings: Array<Record<string, string>> = [];

  constructor(private readonly stackFile: string) {}

  async ping(): Promise<void> {}
  async version() {
    return { version: '27.5.1', apiVersion: '1.47' };
  }
  async info(): Promise<EngineInfo> {
    return { runtimes: this.runtimes, discoveredDevices: [] };
  }
  async build(_: BuildRequest): Promise<void> {
    throw new Error('not used by stack tests');
  }
  async imageExists(name: string): Promise<boolean> {
    return this.images.includes(name);
  }
  async listContainers(labels: Readonly<Record<string, string>>): Promise<string[]> {
    this.listings.push({ ...labels });
    // As the engine does: every label must match; compose marks service containers oneoff=False.
    const carried: Record<string, string> = { 'com.docker.compose.project': this.project(), 'com.docker.compose.oneoff': 'False' };
    if (!Object.entries(labels).every(([key, value]) => carried[key] === value)) return [];
    return readFileSync(this.stackFile, 'utf8').split('\n').filter((id) => id in stackIds);
  }
  async inspectContainer(id: string): Promise<ContainerState | undefined> {
    this.inspected++;
    this.onInspect?.(id);
    const service = stackIds[id as keyof typeof stackIds];
    if (!service || !readFileSync(this.stackFile, 'utf8').includes(id)) return undefined;
    return { id, name: `my-project-${service}-1`, service, image: this.runningImage, status: 'running', running: true, exitCode: 0, ports: [], ...this.states[id] };
  }
  async containerLogs(id: string): Promise<string> {
    return this.logs[id] ?? '';
  }
  async removeContainer(id: string): Promise<void> {
    this.removed.push(id);
  }
}
