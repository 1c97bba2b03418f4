/**
 * The few calls of the Kubernetes API a run makes, over Node's https with
 * the kubeconfig's credentials: the version, a Job (create, read, delete),
 * its pods and their logs. Unreachable, or credentials refused (401), is
 * exit 3 naming the target; any other refusal carries the API's message.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FailureError } from '../../shared/errors.js';
import { clip } from '../../shared/excerpt.js';
import { TargetUnavailableError } from './backend.js';
import { execToken, type KubeAccess } from './kubeconfig.js';

export interface ApiAnswer {
  status: number;
  body: string;
}

export class KubeClient {
  private token?: string;

  constructor(
    readonly access: KubeAccess,
    private readonly targetName: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.token = access.token;
  }

  private async open(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<IncomingMessage> {
    if (!this.token && this.access.exec) this.token = await execToken(this.access, this.env, this.targetName);
    const url = new URL(path, `${this.access.server}/`);
    const secure = url.protocol === 'https:';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}), ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) };
    const options = { method, headers, timeout: timeoutMs, ...(secure ? { ca: this.access.ca, cert: this.access.cert, key: this.access.key, rejectUnauthorized: !this.access.insecure } : {}) };
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, options, resolve);
      req.on('timeout', () => req.destroy(Object.assign(new Error('it did not answer in time'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => reject(new TargetUnavailableError(`Target ${this.targetName}: the Kubernetes API at ${this.access.server} (context ${this.access.context}) is unreachable: ${error.code === 'ECONNREFUSED' ? 'the connection was refused' : error.message}.`)));
      req.end(payload);
    });
  }

  /** One call, its answer read whole; 401 and 403 are refusals of the user, 5xx of the server. */
  async call(method: string, path: string, body?: unknown, accept: number[] = []): Promise<ApiAnswer> {
    const response = await this.open(method, path, body);
    let text = '';
    for await (const chunk of response) text += chunk.toString();
    const status = response.statusCode ?? 0;
    if ((status >= 200 && status < 300) || accept.includes(status)) return { status, body: text };
    const message = (() => {
      try {
        return (JSON.parse(text) as { message?: string }).message;
      } catch {
        return undefined;
      }
    })() ?? clip(text.trim() || `HTTP ${status}`, 200);
    if (status === 401) throw new TargetUnavailableError(`Target ${this.targetName}: the Kubernetes API at ${this.access.server} refused the credentials of context ${this.access.context} (401 Unauthorized): log in again, or check the user in ${this.access.file}.`);
    throw new FailureError(`The Kubernetes API refused ${method} ${path.split('?')[0]} (${status}): ${message}`);
  }

  async json<T>(method: string, path: string, body?: unknown, accept: number[] = []): Promise<{ status: number; value?: T }> {
    const answer = await this.call(method, path, body, accept);
    if (answer.status >= 300) return { status: answer.status };
    try {
      return { status: answer.status, value: JSON.parse(answer.body) as T };
    } catch {
      throw new FailureError(`The Kubernetes API at ${this.access.server} answered ${path.split('?')[0]} with something that is not JSON: ${clip(answer.body, 80)}`);
    }
  }

  /** A pod's log followed as it grows, until the container ends or `signal` aborts. */
  async follow(path: string, write: (text: string) => void, signal: AbortSignal): Promise<void> {
    const response = await this.open('GET', path, undefined, 0);
    if ((response.statusCode ?? 0) >= 300) {
      response.resume();
      return;
    }
    const stop = () => response.destroy();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const chunk of response) write(chunk.toString());
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
}
