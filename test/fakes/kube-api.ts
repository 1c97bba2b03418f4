/**
 * A stand-in for a Kubernetes API server: it answers each request with the
 * recorded answer the test set for its method and path (test/fixtures/kube/),
 * 404 with a Status object otherwise, and keeps the requests it got. No
 * cluster runs on the test machine; the answers have the shapes a real API
 * server gives (batch/v1 Job, v1 PodList, the log as text, Status on errors).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { tempDir } from './project.js';

export const kubeFixtures = join(import.meta.dirname, '..', 'fixtures', 'kube');

export interface Answer {
  status?: number;
  /** An object is sent as JSON, a string as text. */
  body: unknown;
}

export interface KubeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  body?: unknown;
}

export interface FakeKubeApi {
  url: string;
  /** A kubeconfig naming this server, with context `fake` (namespace ml) and a token. */
  kubeconfig: string;
  requests: KubeRequest[];
  /** Sets what METHOD PATH (no query) answers from now on. */
  answer(method: string, path: string, answer: Answer): void;
  close(): Promise<void>;
}

/** A recorded answer: test/fixtures/kube/NAME.json, with its placeholders replaced. */
export function recorded(name: string, values: Record<string, string> = {}): unknown {
  let text = readFileSync(join(kubeFixtures, `${name}.json`), 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`{{${key}}}`, value);
  return JSON.parse(text);
}

function notFound(path: string): Answer {
  return { status: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server could not find the requested resource (${path})`, reason: 'NotFound', code: 404 } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk.toString();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeKubeApi(token = 'fake-token'): Promise<FakeKubeApi> {
  const answers = new Map<string, Answer>();
  const requests: KubeRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: KubeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body: await readBody(req) };
    requests.push(request);
    const answer = req.headers.authorization !== `Bearer ${token}` ? { status: 401, body: recorded('status-401') } : (answers.get(`${request.method} ${request.path}`) ?? notFound(request.path));
    const text = typeof answer.body === 'string';
    res.writeHead(answer.status ?? 200, { 'Content-Type': text ? 'text/plain' : 'application/json' });
    res.end(text ? (answer.body as string) : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const kubeconfig = join(tempDir('mlp-kube-'), 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: fake',
      'clusters:',
      `- name: fake-cluster\n  cluster:\n    server: ${url}`,
      'contexts:',
      '- name: fake\n  context:\n    cluster: fake-cluster\n    user: fake-user\n    namespace: ml',
      '- name: other\n  context:\n    cluster: fake-cluster\n    user: nobody',
      'users:',
      `- name: fake-user\n  user:\n    token: ${token}`,
      '- name: nobody\n  user:\n    token: wrong',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    requests,
    answer: (method, path, answer) => answers.set(`${method} ${path}`, answer),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
