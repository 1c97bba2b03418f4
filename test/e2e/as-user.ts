/**
 * Running `ml-project` (and make) as an ordinary user against the private
 * engine: as root (CI), the engine's socket is root's only, so a relay on a
 * socket the user may open stands in for membership of the docker group.
 * Run as another user, the commands and the project stay as they are.
 */
import { chmodSync, chownSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { exec, type Exec, type ExecOptions } from './engine.js';

export interface User {
  uid: number;
  gid: number;
  /** Whether commands must switch to this user (the test runs as root). */
  switch: boolean;
}

/** As root, an ordinary UID/GID that owns the project, as a developer's own would; otherwise the caller's own. */
export function testUser(): User {
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  return uid === 0 ? { uid: 4321, gid: 4321, switch: true } : { uid, gid, switch: false };
}

export interface Relay {
  /** `unix:///.../docker.sock`, for DOCKER_HOST. */
  host: string;
  /** Connections opened so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A unix socket in `dir` that passes every connection on to `target` byte for
 * byte (HTTP, and the raw streams of attach and exec), owned by the user.
 */
export async function startRelay(target: string, dir: string, user: User): Promise<Relay> {
  const socketPath = join(dir, 'docker.sock');
  rmSync(socketPath, { force: true });
  const open = new Set<Socket>();
  let connections = 0;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const upstream = connect({ path: target, allowHalfOpen: true });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  if (user.switch) chownSync(socketPath, user.uid, user.gid);
  return {
    host: `unix://${socketPath}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface RunAsOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  user: User;
  timeoutMs?: number;
  /** Sends SIGINT to the command's process group, as Ctrl-C in a terminal does, once its stdout so far passes this test. */
  interruptWhen?: (stdout: string) => boolean;
  interruptWith?: ExecOptions['interruptWith'];
}

/** Runs a command as the user to its end (killed with its process group at the timeout); never throws on a non-zero exit. */
export function runAs(command: string, args: readonly string[], options: RunAsOptions): Promise<Exec> {
  const ids = options.user.switch ? { uid: options.user.uid, gid: options.user.gid } : {};
  return exec(command, args, { cwd: options.cwd, env: options.env, timeoutMs: options.timeoutMs, interruptWhen: options.interruptWhen, interruptWith: options.interruptWith, ...ids });
}
