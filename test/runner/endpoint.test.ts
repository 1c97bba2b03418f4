/** Finding the engine: DOCKER_HOST, docker contexts, the default socket; and naming faults. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { connectionError, excerpt, isConnectionError } from '../../src/runner/engine-errors.js';
import { describeEndpoint, isLocal, parseHost, resolveEndpoint } from '../../src/runner/endpoint.js';
import { tempDir } from '../fakes/project.js';

describe('resolveEndpoint', () => {
  const home = tempDir('mlp-home-');
  it.each([
    ['unix:///run/user/1000/docker.sock', 'unix:///run/user/1000/docker.sock', true],
    ['tcp://10.0.0.5:2375', 'tcp://10.0.0.5:2375', false],
    ['ssh://me@gpu-box', 'ssh://me@gpu-box', false],
    ['ssh://me@gpu-box:2222', 'ssh://me@gpu-box:2222', false],
    ['tcp://localhost:2375', 'tcp://localhost:2375', true],
    ['10.0.0.5:2375', 'tcp://10.0.0.5:2375', false],
  ])('DOCKER_HOST=%s -> %s (local: %s)', (host, shown, local) => {
    const endpoint = resolveEndpoint({ DOCKER_HOST: host, HOME: home });
    expect(describeEndpoint(endpoint)).toBe(shown);
    expect(isLocal(endpoint)).toBe(local);
  });

  it('reads the ssh user and host', () => {
    expect(parseHost('ssh://ada@gpu-box', 'DOCKER_HOST')).toMatchObject({ kind: 'ssh', host: 'gpu-box', username: 'ada' });
  });

  it.each(['ftp://x', 'npipe:////./pipe/docker_engine', 'http://[bad'])('rejects DOCKER_HOST=%s as a usage error', (host) => {
    expect(() => resolveEndpoint({ DOCKER_HOST: host, HOME: home })).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
  });

  it('follows the current docker context to its endpoint', () => {
    const h = tempDir('mlp-home-');
    writeFileSync(join(h, 'x'), '');
    mkdirSync(join(h, '.docker', 'contexts', 'meta', 'abc123'), { recursive: true });
    writeFileSync(join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'gpu' }));
    writeFileSync(join(h, '.docker', 'contexts', 'meta', 'abc123', 'meta.json'), JSON.stringify({ Name: 'gpu', Endpoints: { docker: { Host: 'ssh://ml@gpu-box' } } }));
    expect(describeEndpoint(resolveEndpoint({ HOME: h }))).toBe('ssh://ml@gpu-box');
    // DOCKER_HOST wins over the context, DOCKER_CONTEXT over config.json.
    expect(describeEndpoint(resolveEndpoint({ HOME: h, DOCKER_HOST: 'unix:///x.sock' }))).toBe('unix:///x.sock');
    expect(resolveEndpoint({ HOME: h, DOCKER_CONTEXT: 'default' }).kind).toBe('unix');
    expect(() => resolveEndpoint({ HOME: h, DOCKER_CONTEXT: 'missing' })).toThrow(/docker context use default/);
  });

  it('falls back to the default socket', () => {
    expect(describeEndpoint(resolveEndpoint({ HOME: home }))).toBe('unix:///var/run/docker.sock');
    mkdirSync(join(home, '.docker', 'run'), { recursive: true });
    writeFileSync(join(home, '.docker', 'run', 'docker.sock'), '');
    expect(describeEndpoint(resolveEndpoint({ HOME: home }))).toBe(`unix://${join(home, '.docker', 'run', 'docker.sock')}`);
  });
});

describe('connectionError', () => {
  const err = (code: string, extra: object = {}) => Object.assign(new Error(`connect ${code}`), { code, ...extra });
  it.each([
    ['ENOENT', /not running[\s\S]*systemctl start docker/],
    ['ECONNREFUSED', /not running/],
    ['EACCES', /Permission denied on the Docker socket \/var\/run\/docker.sock[\s\S]*usermod -aG docker[\s\S]*rootless/],
    ['EPERM', /Permission denied/],
    ['EPIPE', /closed the connection \(EPIPE\): it stopped or restarted/],
    ['ECONNRESET', /closed the connection/],
    ['ETIMEDOUT', /^The Docker engine at \/var\/run\/docker\.sock did not answer in time: it is hung, or what listens there is not a Docker engine\.\nRestart it/],
    ['HPE_INVALID_CONSTANT', /^Something answers at unix:\/\/\/var\/run\/docker\.sock, but it is not a Docker engine: its answer is not HTTP \(connect HPE_INVALID_CONSTANT\)\.\nPoint DOCKER_HOST/],
    ['HPE_INVALID_HEADER_TOKEN', /but it is not a Docker engine: its answer is not HTTP/],
  ])('local socket, %s', (code, message) => {
    const e = connectionError(err(code), 'unix:///var/run/docker.sock', 'unix');
    expect(e.exitCode).toBe(ExitCode.dockerUnavailable);
    expect(e.message).toMatch(message);
  });

  it('never suggests running docker with sudo', () => {
    const message = connectionError(err('EACCES'), 'unix:///var/run/docker.sock', 'unix').message;
    expect(message).not.toMatch(/sudo (docker|ml-project|make)/);
    expect(message).not.toMatch(/chmod/);
  });

  it.each([
    ['ENOTFOUND', /does not resolve/],
    ['EAI_AGAIN', /does not resolve/],
    ['ECONNREFUSED', /refused/],
    ['EHOSTUNREACH', /unreachable/],
    ['ETIMEDOUT', /did not answer in time/],
    ['HPE_INVALID_CONSTANT', /^Something answers at ssh:\/\/me@gpu-box, but it is not a Docker engine/],
  ])('remote host, %s names the host', (code, message) => {
    const e = connectionError(err(code), 'ssh://me@gpu-box', 'ssh');
    expect(e.exitCode).toBe(ExitCode.dockerUnavailable);
    expect(e.message).toContain('ssh://me@gpu-box');
    expect(e.message).toMatch(message);
  });

  it('explains a refused ssh login', () => {
    const e = connectionError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), 'ssh://me@gpu-box', 'ssh');
    expect(e.message).toMatch(/ssh refused the login to ssh:\/\/me@gpu-box[\s\S]*ssh me@gpu-box/);
  });

  it('an ssh server that speaks garbage: unreachable, with what ssh said', () => {
    const e = connectionError(Object.assign(new Error('Connection lost before handshake'), { level: 'protocol' }), 'ssh://me@gpu-box', 'ssh');
    expect(e.exitCode).toBe(ExitCode.dockerUnavailable);
    expect(e.message).toMatch(/^The Docker engine at ssh:\/\/me@gpu-box is unreachable: Connection lost before handshake\./);
  });

  it('tells transport failures from engine answers', () => {
    expect(isConnectionError(err('ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(err('HPE_INVALID_CONSTANT'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('Bad packet length'), { level: 'protocol' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { level: 'client-socket' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('(HTTP code 404) no such image'), { statusCode: 404 }))).toBe(false);
    expect(isConnectionError(new Error('boom'))).toBe(false);
  });
});

describe('excerpt', () => {
  it.each([
    [Buffer.from('OK\n'), '"OK?"'],
    ['<html>\u001b[2J\u202eevil</html>', '"<html>?[2J?evil</html>"'],
    [Buffer.from([0xff, 0xfe, 0x00]), '"???"'],
    ['x'.repeat(100), `"${'x'.repeat(60)}..."`],
    [{ Version: 1 }, '"{\\"Version\\":1}"'],
  ])('shows %j as one bounded, printable line', (answer, shown) => {
    expect(excerpt(answer)).toBe(shown);
  });
});
