/**
 * How a target is reached from the user's own settings: a docker target's
 * engine (host, a docker context by name, else DOCKER_HOST), a registry's
 * credentials from the docker CLI's config, a kubeconfig's context and user.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEndpoint } from '../../src/runner/endpoint.js';
import { targetEndpoint } from '../../src/runner/runs/docker-target.js';
import { loadKubeAccess } from '../../src/runner/runs/kubeconfig.js';
import { registryAuth, registryHost } from '../../src/runner/runs/registry-auth.js';
import { tempDir } from '../fakes/project.js';
import { target } from './run-plan.js';

const docker = (yaml: string) => target(`kind: docker\n${yaml}`, 'box') as Parameters<typeof targetEndpoint>[0];

describe('a docker target\'s engine', () => {
  const home = tempDir('mlp-home-');
  mkdirSync(join(home, '.docker', 'contexts', 'meta', 'f00d'), { recursive: true });
  writeFileSync(join(home, '.docker', 'contexts', 'meta', 'f00d', 'meta.json'), JSON.stringify({ Name: 'lab', Endpoints: { docker: { Host: 'ssh://ml@lab-gpu' } } }));

  it.each([
    ['host: ssh://me@gpu-box:2200', {}, 'ssh://me@gpu-box:2200'],
    ['host: ssh://gpu-box', {}, 'ssh://gpu-box'],
    ['host: tcp://10.0.0.2:2375', { DOCKER_HOST: 'unix:///elsewhere.sock' }, 'tcp://10.0.0.2:2375'],
    ['context: lab', { DOCKER_HOST: 'unix:///elsewhere.sock' }, 'ssh://ml@lab-gpu'],
    ['gpus: 0', { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, 'unix:///run/user/1000/docker.sock'],
  ])('%s (environment %j): %s', (yaml, env, where) => {
    expect(describeEndpoint(targetEndpoint(docker(yaml), { HOME: home, ...env }, 'configs/targets.yml'))).toBe(where);
  });

  it('a context that does not exist: exit 2 naming it', () => {
    expect(() => targetEndpoint(docker('context: nowhere'), { HOME: home }, 'configs/targets.yml')).toThrow(/^configs\/targets\.yml, target box: context nowhere is not a docker context \(docker context ls lists them\)\.$/);
  });
});

describe('registry credentials', () => {
  const decode = (value: string) => JSON.parse(Buffer.from(value, 'base64url').toString()) as Record<string, string>;

  it.each([
    ['registry.example.com/team', 'registry.example.com'],
    ['localhost:5000/x', 'localhost:5000'],
    ['team/sub', 'docker.io'],
  ])('%s is on %s', (registry, host) => {
    expect(registryHost(registry)).toBe(host);
  });

  it('come from the docker CLI\'s auths, by host; none gives an anonymous push', async () => {
    const dir = tempDir('mlp-docker-');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('ada:s3:cr3t').toString('base64') }, 'https://index.docker.io/v1/': { identitytoken: 'tok' } } }));
    expect(decode(await registryAuth('registry.example.com/team', { DOCKER_CONFIG: dir }))).toEqual({ username: 'ada', password: 's3:cr3t', serveraddress: 'registry.example.com' });
    expect(decode(await registryAuth('team', { DOCKER_CONFIG: dir }))).toEqual({ identitytoken: 'tok', serveraddress: 'docker.io' });
    expect(decode(await registryAuth('other.example.org/x', { DOCKER_CONFIG: dir }))).toEqual({ serveraddress: 'other.example.org' });
    writeFileSync(join(dir, 'config.json'), '{ broken');
    expect(decode(await registryAuth('registry.example.com/team', { DOCKER_CONFIG: dir }))).toEqual({ serveraddress: 'registry.example.com' });
  });
});

describe('kubeconfig', () => {
  function kubeconfig(text: string): string {
    const dir = tempDir('mlp-kube-');
    writeFileSync(join(dir, 'config'), text);
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'token'), 'from-a-file\n');
    return join(dir, 'config');
  }
  const config = kubeconfig(`
apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: prod
    cluster: { server: "https://prod.example.com:6443/", certificate-authority: ca.crt }
  - name: dev
    cluster: { server: "https://dev.example.com", insecure-skip-tls-verify: true }
contexts:
  - name: dev
    context: { cluster: dev, user: dev-user }
  - name: prod
    context: { cluster: prod, user: prod-user, namespace: ml }
  - name: cloud
    context: { cluster: prod, user: cloud-user }
users:
  - name: dev-user
    user: { tokenFile: token }
  - name: prod-user
    user: { client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')} }
  - name: cloud-user
    user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: gke-gcloud-auth-plugin, args: [--x], env: [{ name: A, value: b }] } }
`);

  it('the current context, its cluster and user (a token file)', () => {
    expect(loadKubeAccess(config, undefined, {}, 'k8s')).toMatchObject({ context: 'dev', server: 'https://dev.example.com', insecure: true, token: 'from-a-file', namespace: undefined });
  });

  it('a named context: CA and client certificate, relative paths from the kubeconfig\'s folder', () => {
    const access = loadKubeAccess(config, 'prod', {}, 'k8s');
    expect(access).toMatchObject({ server: 'https://prod.example.com:6443', namespace: 'ml', insecure: false });
    expect([access.ca?.toString(), access.cert?.toString(), access.key?.toString()]).toEqual(['CA', 'CERT', 'KEY']);
  });

  it('an exec plugin, and KUBECONFIG\'s first file holding the context', () => {
    const other = kubeconfig('apiVersion: v1\nkind: Config\ncontexts: []\n');
    const access = loadKubeAccess(undefined, 'cloud', { KUBECONFIG: `${other}:${config}` }, 'k8s');
    expect(access.file).toBe(config);
    expect(access.exec).toEqual({ command: 'gke-gcloud-auth-plugin', args: ['--x'], env: { A: 'b' } });
  });

  it.each([
    ['a context it lacks', () => loadKubeAccess(config, 'staging', {}, 'k8s'), /^Target k8s: no context "staging" in .* \(contexts: dev, prod, cloud\)\./],
    ['no file', () => loadKubeAccess(join(tempDir('mlp-kube-'), 'config'), undefined, {}, 'k8s'), /^Target k8s: no kubeconfig at /],
    ['not YAML', () => loadKubeAccess(kubeconfig('clusters: [\n'), undefined, {}, 'k8s'), /^Cannot read the kubeconfig .*: invalid YAML at line/],
  ])('%s: exit 2, one line', (_what, load, message) => {
    expect(load).toThrow(message);
  });
});
