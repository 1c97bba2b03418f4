/**
 * A generated project's stack, run in-process: `main` with an in-memory
 * engine, the fake `docker` (compose) tool on PATH logging every call, and
 * real HTTP servers on loopback standing in for Jupyter and MLflow once
 * compose has "started" them; a suite closes those with closeServers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/runner/cli.js';
import { composeProjectOf, fakePath, makeProject, tempDir } from '../fakes/project.js';
import { freePort } from '../helpers/ports.js';
import { StackEngine } from '../fakes/stack-engine.js';

export { freePort };

export const open: Array<Server | HttpServer> = [];

export async function closeServers(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => new Promise((r) => s.close(r))));
}

export function serve(port: number): void {
  const server = createHttpServer((_, res) => res.writeHead(302, { location: '/lab' }).end());
  open.push(server);
  server.listen(port, '127.0.0.1');
}

export function sink() {
  let text = '';
  return { stream: new Writable({ write: (chunk: Buffer, _, done) => ((text += chunk.toString()), done()) }), text: () => text };
}

export interface Setup {
  compute?: 'auto' | 'cpu' | 'gpu';
  images?: string[];
  nvidia?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Start the stand-in web servers once compose "started" the stack. */
  serveAfterUp?: boolean;
  /** The project's files besides the Dockerfiles (default: a .env with a token). */
  files?: Record<string, string>;
}

export async function setup(options: Setup = {}) {
  const root = makeProject({ compute: options.compute, files: options.files ?? { '.env': 'JUPYTER_TOKEN=s3cret token\n' } });
  const state = tempDir('mlp-state-');
  const stackFile = join(state, 'stack');
  const log = join(state, 'docker.log');
  writeFileSync(stackFile, '');
  writeFileSync(log, '');
  const ports = { jupyter: await freePort(), mlflow: await freePort() };
  const engine = new StackEngine(stackFile);
  engine.images = options.images ?? ['my-project-cpu:latest'];
  if (options.nvidia) engine.runtimes = ['runc', 'nvidia'];
  let serving = false;
  engine.onInspect = () => {
    if (options.serveAfterUp !== false && !serving && readFileSync(stackFile, 'utf8').trim()) {
      serving = true;
      serve(ports.jupyter);
      serve(ports.mlflow);
    }
  };
  const env: NodeJS.ProcessEnv = {
    PATH: fakePath(['docker']),
    HOME: tempDir('mlp-home-'),
    DOCKER_HOST: 'unix:///var/run/fake-docker.sock',
    FAKE_COMPOSE_VERSION: '2.29.1',
    FAKE_STACK_FILE: stackFile,
    FAKE_UP_IDS: 'c-bash c-jupyter c-mlflow',
    FAKE_DOCKER_LOG: log,
    JUPYTER_HOST_PORT: String(ports.jupyter),
    MLFLOW_HOST_PORT: String(ports.mlflow),
    ...options.env,
  };
  engine.project = () => composeProjectOf(root, env);
  const interrupt = new AbortController();
  const run = async (args: string[]) => {
    const out = sink();
    const err = sink();
    const code = await main(args, { stdout: out.stream, stderr: err.stream, cwd: root, env }, { openEngine: async () => engine, interrupt: interrupt.signal });
    return { code, stdout: out.text(), stderr: err.text() };
  };
  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { root, engine, ports, run, calls, interrupt, stackFile };
}

