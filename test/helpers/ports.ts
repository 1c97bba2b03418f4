/**
 * Loopback ports for servers a test starts later (a stand-in web service, a
 * model server) or never (a registry that is down): from a block of its own
 * per test worker, below the kernel's range for ephemeral ports (32768 and
 * up) and above the SLURM and SSH servers of the CI, so that no other test's
 * listen(0) or connection takes one in the meantime. A port found in use is
 * skipped.
 */
import { createServer } from 'node:net';

const BLOCK = 500;
const firstPort = 20_000 + (Number(process.env.VITEST_POOL_ID ?? 0) % 24) * BLOCK;
let nextPort = firstPort;

function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port of 127.0.0.1 that nothing listens on now, and that no other test will take. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = nextPort;
    nextPort = port + 1 < firstPort + BLOCK ? port + 1 : firstPort;
    if (await bindable(port)) return port;
  }
}
