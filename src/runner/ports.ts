/**
 * Whether a host port is free, found by binding it for a moment: the only
 * check that agrees with what the engine will meet when it publishes the port.
 */
import { createServer } from 'node:net';

export type PortState = 'free' | 'in-use' | 'denied';

export function checkPort(port: number, host = '0.0.0.0'): Promise<PortState> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EACCES' ? 'denied' : 'in-use'));
    // Docker publishes on all interfaces by default, so a listener on any of them is a clash.
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}
