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

type Service = Record<string, unknown> & { ports?: unknown[]; profiles?: string[] };
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

/** The container and host ports of one `ports:` entry (short or long syntax). */
export function portPair(entry: unknown, env: NodeJS.ProcessEnv): { container: number; host: number } {
  if (typeof entry === 'object' && entry !== null) {
    const long = entry as { target?: unknown; published?: unknown };
    return { container: Number(long.target), host: Number(interpolate(String(long.published), env)) };
  }
  const parts = interpolate(String(entry), env).replace(/\/(tcp|udp)$/, '').split(':');
  return { container: Number(parts.at(-1)), host: Number(parts.at(-2) ?? parts.at(-1)) };
}

export interface ComposeCopy {
  /** The files to pass with -f, in order, relative to the project folder. */
  files: string[];
  /** For each service that published a port: the port it listens on (on 127.0.0.1 with host networking). */
  listens: Record<string, number>;
  /** For each service that published a port: the host port of the original file, interpolated. */
  published: Record<string, number>;
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
  const published: Record<string, number> = {};
  const services: Record<string, Service> = {};
  let version: string | undefined;
  for (const file of generated) {
    // merge: the `<<: *anchor` keys of the generated files, resolved as compose does.
    const doc = parse(readFileSync(join(projectDir, file), 'utf8'), { merge: true }) as ComposeFile;
    version ??= doc.version;
    for (const [name, service] of Object.entries(doc.services ?? {})) {
      // A service under a profile (serve) is not started by `up`: left out of the copy.
      if (service.profiles) {
        delete doc.services![name];
        continue;
      }
      const first = service.ports?.[0];
      if (first !== undefined) {
        const pair = portPair(first, env);
        listens[name] = pair.container;
        published[name] = pair.host;
      }
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
  return { files, listens, published, services };
}
