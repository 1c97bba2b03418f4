/**
 * A fake Docker Engine API on a unix socket: just the endpoints the runner
 * calls, with canned answers and a record of every request, so tests can
 * point the real dockerode client (or the built bin via DOCKER_HOST) at it.
 * Also a socket that answers garbage, for the faults no real engine shows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { stackIds } from './stack-engine.js';

/** `slow`: succeeds after a second of silence, which an instant timer takes for a stall. */
export type BuildScenario = 'ok' | 'error' | 'stall' | 'gpu-driver' | 'slow';

export interface FakeEngineOptions {
  /** The runtimes `/info` reports; include `nvidia` for a GPU host. */
  runtimes?: string[];
  build?: BuildScenario;
  images?: string[];
  /**
   * The file the fake `docker` tool keeps the stack's container ids in
   * (FAKE_STACK_FILE): each id of stackIds listed there is a container, running
   * unless `containers` says otherwise.
   */
  stackFile?: string;
  /** `health`: State.Health as the engine reports it, for a container with a healthcheck. */
  containers?: Record<string, { running?: boolean; exitCode?: number; logs?: string; health?: unknown }>;
  /** The compose project name the stack's containers carry (com.docker.compose.project) in listings. */
  project?: string;
  /** Paths (without the version prefix) the engine never answers, as a hung engine would. */
  hang?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** For /build: the paths in the uploaded context tar. */
  contextFiles?: string[];
}

export interface FakeEngine {
  socketPath: string;
  requests: RecordedRequest[];
  options: FakeEngineOptions;
  /** True once a build request's connection was closed before its stream ended. */
  buildAborted: boolean;
  close(): Promise<void>;
}

const okStream = [
  { stream: 'Step 1/4 : ARG BASE_IMAGE=python:3.12-slim\n' },
  { stream: 'Step 2/4 : FROM ${BASE_IMAGE}\n' },
  { stream: ' ---> 5f0c2e1a9d3b\n' },
  { stream: 'Step 3/4 : RUN pip install --no-cache-dir mlflow\n' },
  { stream: ' ---> Running in 0123456789ab\n' },
  { stream: 'Collecting mlflow\n' },
  { stream: 'Successfully installed mlflow-2.22.0\n' },
  { stream: ' ---> 7a8b9c0d1e2f\n' },
  { stream: 'Step 4/4 : WORKDIR /workspace\n' },
  { stream: ' ---> 3c4d5e6f7a8b\n' },
  { aux: { ID: 'sha256:3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d' } },
  { stream: 'Successfully built 3c4d5e6f7a8b\n' },
];

const failMessage = "The command '/bin/sh -c pip install --no-cache-dir no-such-package' returned a non-zero code: 1";
const errorStream = [
  { stream: 'Step 1/4 : ARG BASE_IMAGE=python:3.12-slim\n' },
  { stream: 'Step 2/4 : FROM ${BASE_IMAGE}\n' },
  { stream: ' ---> 5f0c2e1a9d3b\n' },
  { stream: 'Step 3/4 : RUN pip install --no-cache-dir no-such-package\n' },
  { stream: ' ---> Running in 0123456789ab\n' },
  { stream: 'ERROR: Could not find a version that satisfies the requirement no-such-package (from versions: none)\n' },
  { stream: 'ERROR: No matching distribution found for no-such-package\n' },
  { errorDetail: { code: 1, message: failMessage }, error: failMessage },
];

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readContext(req: IncomingMessage): Promise<string[]> {
  const names: string[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((resolve) => {
    ex.on('finish', resolve);
    ex.on('error', () => resolve());
    req.pipe(ex as unknown as NodeJS.WritableStream);
  });
  return names;
}

function stackHas(fake: FakeEngine, id: string): boolean {
  const file = fake.options.stackFile;
  return Boolean(file && existsSync(file) && readFileSync(file, 'utf8').split('\n').includes(id) && id in stackIds);
}

/** The stack's containers a listing filtered by labels (`key=value`, all to match) finds, as the engine's summaries. */
function listing(fake: FakeEngine, query: Record<string, string>): unknown[] {
  const labels = (JSON.parse(query.filters ?? '{}') as { label?: string[] }).label ?? [];
  const carried = new Set([`com.docker.compose.project=${fake.options.project}`, 'com.docker.compose.oneoff=False']);
  if (query.all !== 'true' || fake.options.project === undefined || !labels.every((l) => carried.has(l))) return [];
  const ids = fake.options.stackFile && existsSync(fake.options.stackFile) ? readFileSync(fake.options.stackFile, 'utf8').split('\n') : [];
  return ids.filter((id) => stackHas(fake, id)).map((id) => ({ Id: id, Labels: { 'com.docker.compose.service': stackIds[id as keyof typeof stackIds] } }));
}

/** Inspect, logs (unframed, as a TTY container's) and removal of the stack's containers. */
function containerAnswer(fake: FakeEngine, req: IncomingMessage, res: ServerResponse, id: string, what: string | undefined): void {
  if (!stackHas(fake, id)) return json(res, 404, { message: `No such container: ${id}` });
  const state = { running: true, exitCode: 0, logs: '', ...fake.options.containers?.[id] };
  if (what === '/logs') return void res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' }).end(state.logs);
  if (req.method === 'DELETE') {
    const file = fake.options.stackFile!;
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((line) => line !== id).join('\n'));
    return void res.writeHead(204).end();
  }
  const service = stackIds[id as keyof typeof stackIds];
  json(res, 200, {
    Id: id,
    Name: `/my-project-${service}-1`,
    Config: { Image: 'my-project-cpu:latest', Labels: { 'com.docker.compose.service': service } },
    State: { Status: state.running ? 'running' : 'exited', Running: state.running, ExitCode: state.exitCode, Health: state.health },
    NetworkSettings: { Ports: {} },
  });
}

export async function startFakeEngine(options: FakeEngineOptions = {}): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-engine-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: RecordedRequest[] = [];
  const fake: FakeEngine = { socketPath, requests, options, buildAborted: false, close: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    // dockerode may prefix a version (/v1.47/...); the fake answers either way.
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    const record: RecordedRequest = { method: req.method ?? 'GET', path, query: Object.fromEntries(url.searchParams) };
    requests.push(record);
    if (fake.options.hang?.includes(path)) return;
    if (path === '/_ping') return void res.end('OK');
    if (path === '/version') return json(res, 200, { Version: '27.5.1', ApiVersion: '1.47', Os: 'linux', Arch: 'amd64' });
    if (path === '/info') {
      const runtimes = Object.fromEntries((fake.options.runtimes ?? ['runc']).map((r) => [r, { path: r }]));
      return json(res, 200, { Name: 'fake', ServerVersion: '27.5.1', Runtimes: runtimes });
    }
    if (path === '/build' && req.method === 'POST') {
      record.contextFiles = await readContext(req);
      const scenario = fake.options.build ?? 'ok';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => {
        if (!res.writableEnded) fake.buildAborted = true;
      });
      if (scenario === 'gpu-driver') {
        const message = 'could not select device driver "nvidia" with capabilities: [[gpu]]';
        return void res.end(`${JSON.stringify({ stream: 'Step 1/1 : RUN nvidia-smi\n' })}\n${JSON.stringify({ error: message, errorDetail: { message } })}\n`);
      }
      if (scenario === 'stall') return void res.write(`${JSON.stringify(okStream[0])}\n${JSON.stringify(okStream[1])}\n`);
      if (scenario === 'slow') {
        res.write(`${JSON.stringify(okStream[0])}\n`);
        fake.options.images = [...(fake.options.images ?? []), record.query.t ?? ''];
        return void setTimeout(() => res.end(okStream.slice(1).map((e) => `${JSON.stringify(e)}\n`).join('')), 1000);
      }
      const lines = (scenario === 'error' ? errorStream : okStream).map((e) => `${JSON.stringify(e)}\n`).join('');
      // Cut the stream mid-line, as a real engine's chunks may be.
      const cut = Math.floor(lines.length / 2);
      res.write(lines.slice(0, cut));
      setTimeout(() => res.end(lines.slice(cut)), 20);
      if (scenario === 'ok') fake.options.images = [...(fake.options.images ?? []), record.query.t ?? ''];
      return;
    }
    if (path === '/containers/json') return json(res, 200, listing(fake, record.query));
    const container = /^\/containers\/([^/]+)(\/json|\/logs)?$/.exec(path);
    if (container) return containerAnswer(fake, req, res, decodeURIComponent(container[1]!), container[2]);
    const image = /^\/images\/(.+)\/json$/.exec(path);
    if (image && req.method === 'GET') {
      const name = decodeURIComponent(image[1]!);
      return (fake.options.images ?? []).includes(name) ? json(res, 200, { Id: 'sha256:1', RepoTags: [name] }) : json(res, 404, { message: `No such image: ${name}` });
    }
    json(res, 404, { message: `page not found (fake engine: ${req.method} ${path})` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => json(res, 500, { message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
    });
  return fake;
}

/**
 * What may listen where an engine should, and is not one:
 * - `text`: writes a line of text and closes (a chat server, a shell);
 * - `bytes`: writes binary noise and closes;
 * - `silent`: accepts and never answers;
 * - `web`: an HTTP server with a 404 page for every path;
 * - `ok-page`: an HTTP server answering 200 and an HTML page everywhere.
 */
export type GarbageMode = 'text' | 'bytes' | 'silent' | 'web' | 'ok-page';

export interface GarbageServer {
  /** For DOCKER_HOST: `unix:///.../docker.sock`, or `tcp://127.0.0.1:PORT`. */
  host: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

const garbage: Record<GarbageMode, (socket: Socket) => void> = {
  text: (s) => s.end('hello, this is not a Docker engine\n'),
  bytes: (s) => s.end(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a])),
  silent: (s) => s.resume(),
  web: (s) => s.once('data', () => s.end('HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: 22\r\nconnection: close\r\n\r\n<h1>404 Not Found</h1>')),
  'ok-page': (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 21\r\nconnection: close\r\n\r\n<html>welcome</html>\n')),
};

/** A server in the engine's place answering `mode`, on a unix socket or (tcp) a loopback port. */
export async function startGarbageServer(mode: GarbageMode, transport: 'unix' | 'tcp' = 'unix'): Promise<GarbageServer> {
  const dir = mkdtempSync(join(tmpdir(), 'garbage-engine-'));
  const open = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    open.add(socket);
    socket.on('error', () => undefined).on('close', () => open.delete(socket));
    garbage[mode](socket);
  });
  const socketPath = join(dir, 'docker.sock');
  await new Promise<void>((resolve) => (transport === 'unix' ? server.listen(socketPath, resolve) : server.listen(0, '127.0.0.1', resolve)));
  const host = transport === 'unix' ? `unix://${socketPath}` : `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
