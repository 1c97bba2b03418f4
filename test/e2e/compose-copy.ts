/**
 * The test's copy of the generated compose setup, for an engine with no
 * bridge network: published ports and networks removed (docker-compose 1.29
 * refuses them with host networking), then test/fixtures/compose/host-network.yml
 * merged over them. The originals stay untouched.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../helpers/generate.js';

export const hostNetworkFixture = join(repoRoot, 'test', 'fixtures', 'compose', 'host-network.yml');

type Service = Record<string, unknown> & { ports?: unknown[] };
interface ComposeFile {
  version?: string;
  services?: Record<string, Service>;
  networks?: unknown;
}

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$` as compose reads them. */
export function interpolate(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (whole, name?: string, op?: string, fallback?: string) => {
    if (whole === '$$') return '$';
    const value = env[name!];
    if (op === ':-') return value ? value : (fallback ?? '');
    if (op === '-') return value ?? fallback ?? '';
    return value ?? '';
  });
}

/** The port a service listens on inside its container, from its first `ports:` entry. */
export function containerPort(entry: unknown, env: NodeJS.ProcessEnv): number {
  if (typeof entry === 'object' && entry !== null && 'target' in entry) return Number((entry as { target: unknown }).target);
  const text = interpolate(String(entry), env).replace(/\/(tcp|udp)$/, '');
  return Number(text.slice(text.lastIndexOf(':') + 1));
}

export interface ComposeCopy {
  /** The files to pass with -f, in order, relative to the project folder. */
  files: string[];
  /** For each service that published a port: the port it listens on (on 127.0.0.1 with host networking). */
  listens: Record<string, number>;
  /** The services of the copy. */
  services: Record<string, Service>;
}

/**
 * Writes `<name>.e2e.yml` beside each generated compose file (so relative
 * paths resolve as in the original) and the host-network override; returns
 * the -f list.
 */
export function writeComposeCopy(projectDir: string, generated: readonly string[], env: NodeJS.ProcessEnv): ComposeCopy {
  const files: string[] = [];
  const listens: Record<string, number> = {};
  const services: Record<string, Service> = {};
  let version: string | undefined;
  for (const file of generated) {
    const doc = parse(readFileSync(join(projectDir, file), 'utf8')) as ComposeFile;
    version ??= doc.version;
    for (const [name, service] of Object.entries(doc.services ?? {})) {
      const first = service.ports?.[0];
      if (first !== undefined) listens[name] = containerPort(first, env);
      delete service.ports;
      delete service.networks;
      services[name] = { ...services[name], ...service };
    }
    delete doc.networks;
    const copy = `${basename(file, '.yml')}.e2e.yml`;
    writeFileSync(join(projectDir, copy), stringify(doc));
    files.push(copy);
  }
  const override = parse(readFileSync(hostNetworkFixture, 'utf8')) as ComposeFile;
  const overrideFile = 'docker-compose.host-network.e2e.yml';
  writeFileSync(join(projectDir, overrideFile), stringify(version ? { version, ...override } : override));
  files.push(overrideFile);
  return { files, listens, services };
}
