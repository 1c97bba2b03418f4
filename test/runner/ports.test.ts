/** Port checks against real sockets, and where the project's ports come from. */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkPort } from '../../src/runner/ports.js';
import { parseDotenv } from '../../src/shared/dotenv.js';
import { resolvePorts } from '../../src/runner/project.js';

function listen(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('checkPort', () => {
  it.each(['127.0.0.1', '0.0.0.0'])('finds a port bound on %s in use, and free once released', async (host) => {
    const { server, port } = await listen(host);
    expect(await checkPort(port)).toBe('in-use');
    await new Promise((r) => server.close(r));
    expect(await checkPort(port)).toBe('free');
  });
});

describe('resolvePorts', () => {
  const answers = { jupyterPort: 8890, mlflowPort: 5001 };
  it.each([
    [{}, {}, {}, [8888, 5000], ['default', 'default']],
    [{}, {}, answers, [8890, 5001], ['.yo-rc.json', '.yo-rc.json']],
    [{}, { JUPYTER_HOST_PORT: '9000' }, answers, [9000, 5001], ['.env', '.yo-rc.json']],
    [{ JUPYTER_HOST_PORT: '9900', MLFLOW_HOST_PORT: '5500' }, { JUPYTER_HOST_PORT: '9000' }, answers, [9900, 5500], ['environment', 'environment']],
    [{ JUPYTER_HOST_PORT: '' }, { JUPYTER_HOST_PORT: '9000' }, {}, [9000, 5000], ['.env', 'default']],
  ])('env %j, .env %j, answers %j', (env, dotenv, stored, ports, sources) => {
    const result = resolvePorts(env, dotenv, stored);
    expect(result.map((p) => p.port)).toEqual(ports);
    expect(result.map((p) => p.source)).toEqual(sources);
    expect(result.map((p) => p.variable)).toEqual(['JUPYTER_HOST_PORT', 'MLFLOW_HOST_PORT']);
  });

  it.each(['abc', '70000', '0', '88;88'])('rejects %j', (value) => {
    expect(() => resolvePorts({ JUPYTER_HOST_PORT: value }, {}, {})).toThrow(/JUPYTER_HOST_PORT is not a port number/);
  });
});

describe('parseDotenv', () => {
  it('reads the forms compose reads', () => {
    expect(
      parseDotenv('# comment\nJUPYTER_TOKEN=abc123\nexport A=1\nB = "two words"\nC=\'$HOME\'\nD=x # trailing\n\nbroken line\nE=\n'),
    ).toEqual({ JUPYTER_TOKEN: 'abc123', A: '1', B: 'two words', C: '$HOME', D: 'x', E: '' });
  });
});
