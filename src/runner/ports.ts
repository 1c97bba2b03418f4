/**
 * Whether a host port is free, found by binding it for a moment: the only
 * check that agrees with what the engine will meet when it publishes the port.
 */
import { createServer } from 'node:net';

export type PortState = 'free' | 'in-use' | 'denied';

/**
 * The generated compose file publishes on 127.0.0.1, so that is where a clash
 * matters; a listener on 0.0.0.0 or 127.0.0.1 makes this bind fail, one on
 * another single address does not, just as it would not stop the engine.
 */
export function checkPort(port: number, host = '127.0.0.1'): Promise<PortState> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EACCES' ? 'denied' : 'in-use'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}
