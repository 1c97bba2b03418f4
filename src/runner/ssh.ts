/**
 * The system's ssh client, as the docker CLI uses it: it reads the user's
 * ~/.ssh/config (aliases, IdentityFile, ProxyJump), agents and known_hosts,
 * none of which a client that speaks SSH itself sees. It carries the Docker
 * Engine API (`docker system dial-stdio` on the far side) and the commands
 * of a SLURM login node. Its own failures (exit 255) become errors with the
 * codes a socket would give, so they are explained like any other.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { Agent } from 'node:http';
import { delimiter, join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';

export interface SshDestination {
  host: string;
  port?: number;
  username?: string;
}

/** Whether `ssh` is on the PATH of `env`. */
export function hasSsh(env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', 'ssh'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `gpu-box`, `me@gpu-box:2222` as a destination. */
export function parseDestination(value: string): SshDestination {
  const m = /^(?:([^@]+)@)?([^:@]+)(?::(\d+))?$/.exec(value);
  return m ? { username: m[1], host: m[2]!, port: m[3] ? Number(m[3]) : undefined } : { host: value };
}

/** The arguments that reach `destination`: never a prompt (BatchMode), a bounded wait for the connection. */
export function sshArgs(destination: SshDestination): string[] {
  return [
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=20',
    '-o', 'ServerAliveInterval=30',
    ...(destination.port ? ['-p', String(destination.port)] : []),
    '--',
    `${destination.username ? `${destination.username}@` : ''}${destination.host}`,
  ];
}

/** ssh's own failure as an error shaped like a socket's (a code) or an ssh library's (a level); undefined when ssh itself did not fail. */
export function sshError(code: number | null, stderr: string): (Error & { code?: string; level?: string }) | undefined {
  if (code !== 255) return undefined;
  const said = stderr.trim().split('\n').filter(Boolean).pop() ?? 'ssh failed';
  const error: Error & { code?: string; level?: string } = new Error(said);
  if (/Permission denied|Too many authentication failures|no matching host key|Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) error.level = 'client-authentication';
  else if (/Connection refused/i.test(stderr)) error.code = 'ECONNREFUSED';
  else if (/Could not resolve hostname|Name or service not known|nodename nor servname/i.test(stderr)) error.code = 'ENOTFOUND';
  else if (/timed out/i.test(stderr)) error.code = 'ETIMEDOUT';
  else if (/No route to host/i.test(stderr)) error.code = 'EHOSTUNREACH';
  else if (/Network is unreachable/i.test(stderr)) error.code = 'ENETUNREACH';
  else error.level = 'client-socket';
  return error;
}

/**
 * An HTTP agent whose every connection is `ssh DESTINATION docker system
 * dial-stdio`: the Engine API over the system's ssh, one process per request.
 */
export function dialStdioAgent(destination: SshDestination, env: NodeJS.ProcessEnv): Agent {
  const agent = new Agent();
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const child = spawn('ssh', [...sshArgs(destination), 'docker', 'system', 'dial-stdio'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let answered = false;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Whether the far side said anything decides how a failure reads; the bytes go on through `readable`.
    const readable = new PassThrough();
    child.stdout.on('data', (chunk: Buffer) => {
      answered = true;
      readable.write(chunk);
    });
    // The request's bytes reach ssh through `writable` too: ssh exiting (EPIPE) must not end the
    // socket before its exit code and stderr say why.
    const writable = new PassThrough();
    child.stdin.on('error', () => undefined);
    writable.pipe(child.stdin);
    const socket = Duplex.from({ readable, writable }) as Duplex & Record<string, unknown>;
    child.on('error', (error) => socket.destroy(error));
    child.on('close', (code) => {
      // The end of the stream waits for ssh's exit, so that its reason, not a hang-up, is what the request fails with.
      const failed = answered ? undefined : (sshError(code, stderr) ?? (code ? Object.assign(new Error(`the far side ended the connection: ${stderr.trim().split('\n').pop() ?? `exit code ${code}`}`), { level: 'client-socket' }) : undefined));
      if (failed) socket.destroy(failed);
      else readable.end();
    });
    socket.on('close', () => child.kill());
    // What http asks of a socket beyond a stream.
    for (const name of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) socket[name] = () => socket;
    return socket;
  };
  return agent;
}
