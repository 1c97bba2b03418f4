/**
 * RunEngine on dockerode, beside the stack's DockerEngine: it reaches the
 * engine through the same client and the same error handling, and is loaded
 * only by the commands that run jobs.
 */
import { PassThrough, Writable } from 'node:stream';
import type Docker from 'dockerode';
import { DockerEngine } from './docker-engine.js';
import { readEvents } from './engine-streams.js';
import type { BuildEvent } from './engine.js';
import type { RunContainer, RunContainerSpec, RunEngine } from './runs/run-engine.js';

const notFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

export class DockerRunEngine extends DockerEngine implements RunEngine {
  imageId(name: string): Promise<string | undefined> {
    return this.call('look up an image', async () => {
      try {
        return (await this.docker.getImage(name).inspect()).Id;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    });
  }

  createRunContainer(spec: RunContainerSpec): Promise<string> {
    return this.call('create the run\'s container', async () => {
      const container = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.command,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        WorkingDir: spec.workingDir,
        Tty: false,
        HostConfig: {
          DeviceRequests: spec.gpus ? [{ Driver: 'nvidia', Count: spec.gpus, Capabilities: [['gpu']] }] : undefined,
        },
      });
      return container.id;
    });
  }

  startContainer(id: string): Promise<void> {
    return this.call('start the run\'s container', async () => {
      await this.docker.getContainer(id).start();
    });
  }

  runContainer(idOrName: string): Promise<RunContainer | undefined> {
    return this.call('inspect the run\'s container', async () => {
      let c: Docker.ContainerInspectInfo;
      try {
        c = await this.docker.getContainer(idOrName).inspect();
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
      const time = (t: string | undefined) => (t && !t.startsWith('0001-') ? t : undefined);
      return {
        id: c.Id,
        status: c.State.Status as RunContainer['status'],
        exitCode: c.State.ExitCode,
        startedAt: time(c.State.StartedAt),
        finishedAt: time(c.State.FinishedAt),
        oomKilled: c.State.OOMKilled,
        error: c.State.Error || undefined,
      };
    });
  }

  streamLogs(id: string, onText: (text: string) => void, follow: boolean, signal?: AbortSignal): Promise<void> {
    return this.call('read the run\'s logs', async () => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          onText(chunk.toString('utf8'));
          done();
        },
      });
      const options = { stdout: true, stderr: true, follow, abortSignal: signal } as const;
      if (!follow) {
        const data = (await this.docker.getContainer(id).logs({ ...options, follow: false })) as unknown as Buffer;
        const through = new PassThrough();
        this.docker.modem.demuxStream(through, sink, sink);
        through.end(data);
        return;
      }
      const stream = (await this.docker.getContainer(id).logs({ ...options, follow: true })) as unknown as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.demuxStream(stream, sink, sink);
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', (error: Error) => (signal?.aborted ? resolve() : reject(error)));
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }, 0);
  }

  copyFrom(id: string, path: string): Promise<NodeJS.ReadableStream | undefined> {
    return this.call('copy files out of the run\'s container', async () => {
      try {
        return (await this.docker.getContainer(id).getArchive({ path })) as unknown as NodeJS.ReadableStream;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    });
  }

  stopContainer(id: string, seconds: number): Promise<void> {
    return this.call('stop the run\'s container', async () => {
      try {
        await this.docker.getContainer(id).stop({ t: seconds });
      } catch (error) {
        // 304: already stopped; 404: gone.
        const status = (error as { statusCode?: number }).statusCode;
        if (status !== 304 && status !== 404) throw error;
      }
    }, (seconds + 30) * 1000);
  }

  tagImage(image: string, repository: string, tag: string): Promise<void> {
    return this.call('tag an image', async () => {
      await this.docker.getImage(image).tag({ repo: repository, tag });
    });
  }

  pushImage(repository: string, tag: string, auth: string | undefined, onEvent: (event: BuildEvent) => void, signal: AbortSignal): Promise<void> {
    return this.call('push an image', async () => {
      const stream = (await this.docker.getImage(repository).push({ tag, abortSignal: signal, ...(auth ? { authconfig: { key: auth } } : {}) } as never)) as unknown as NodeJS.ReadableStream;
      await readEvents(stream, onEvent);
    }, 0);
  }
}
