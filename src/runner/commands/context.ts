/**
 * What every command gets: its output streams, environment, the Ctrl-C signal,
 * and lazy ways to reach the engine and the compose tool, so that tests swap
 * them and --help never loads dockerode.
 */
import type { Engine } from '../engine.js';
import type { ComposeTool } from '../compose.js';
import type { Endpoint } from '../endpoint.js';
import type { Progress } from '../progress.js';

export interface RunnerContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal: AbortSignal;
  endpoint(): Endpoint;
  /** An engine that answered a ping; throws DockerUnavailableError otherwise. */
  connect(): Promise<Engine>;
  findCompose(): Promise<ComposeTool | { missing: string }>;
  progress(): Progress;
  uid: number;
  gid: number;
}

export function line(out: NodeJS.WritableStream, text = ''): void {
  out.write(`${text}\n`);
}
