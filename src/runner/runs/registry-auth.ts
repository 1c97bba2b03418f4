/**
 * Credentials for pushing to a registry, where the docker CLI keeps them:
 * ~/.docker/config.json (DOCKER_CONFIG), its `auths` entries, or the
 * credential helper it names (credHelpers, credsStore), run as the CLI
 * runs it. The result is the engine's X-Registry-Auth value.
 */
import { join } from 'node:path';
import { readTextFile } from '../../shared/text-file.js';
import { run } from '../compose.js';

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

function encode(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The registry host of `registry.example.com/team` (Docker Hub for a bare path). */
export function registryHost(registry: string): string {
  const first = registry.split('/')[0]!;
  return /[.:]/.test(first) || first === 'localhost' ? first : 'docker.io';
}

export async function registryAuth(registry: string, env: NodeJS.ProcessEnv): Promise<string> {
  const host = registryHost(registry);
  const dir = env.DOCKER_CONFIG || join(env.HOME ?? '', '.docker');
  let config: DockerConfig = {};
  try {
    config = JSON.parse(readTextFile(join(dir, 'config.json')) ?? '{}') as DockerConfig;
  } catch {
    // A broken file is no credentials, as for the docker CLI.
  }
  const keys = host === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io'] : [host, `https://${host}`];
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? config.credsStore;
  if (helper) {
    const answer = await run(`docker-credential-${helper}`, ['get'], { env, timeoutMs: 60_000, input: keys[0] });
    if (answer.code === 0) {
      try {
        const { Username, Secret } = JSON.parse(answer.stdout) as { Username?: string; Secret?: string };
        if (Username === '<token>' && Secret) return encode({ identitytoken: Secret, serveraddress: host });
        if (Username && Secret) return encode({ username: Username, password: Secret, serveraddress: host });
      } catch {
        // no usable answer: try the file's entries
      }
    }
  }
  const entry = keys.map((k) => config.auths?.[k]).find(Boolean);
  if (entry?.identitytoken) return encode({ identitytoken: entry.identitytoken, serveraddress: host });
  if (entry?.auth) {
    const [username, ...rest] = Buffer.from(entry.auth, 'base64').toString().split(':');
    return encode({ username: username!, password: rest.join(':'), serveraddress: host });
  }
  // No credentials: an anonymous push, said the way the docker CLI says it (engines may require the header).
  return encode({ serveraddress: host });
}
