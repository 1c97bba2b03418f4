/**
 * The user's kubeconfig, as kubectl reads it: the file (the target's, else
 * the first of KUBECONFIG holding the context, else ~/.kube/config), the
 * context (the target's, else current-context), its cluster (server, CA)
 * and user (a token, a token file, a client certificate, or an exec plugin
 * such as a cloud's login helper, whose ExecCredential gives a token).
 */
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { quote } from '../../shared/excerpt.js';
import { readTextFile } from '../../shared/text-file.js';
import { parseYamlText } from '../../shared/yaml-text.js';
import { run } from '../compose.js';
import { TargetUnavailableError } from './backend.js';

export interface KubeAccess {
  file: string;
  context: string;
  server: string;
  namespace?: string;
  ca?: Buffer;
  insecure: boolean;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** An exec plugin, run for a token when the API asks. */
  exec?: { command: string; args: string[]; env: Record<string, string> };
}

type Named<T> = { name?: string } & Record<string, T>;
type Raw = Record<string, unknown>;

function candidates(file: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (file) return [file.replace(/^~(?=\/)/, env.HOME || homedir())];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

function read(path: string): Raw | undefined {
  const text = readTextFile(path, 'the kubeconfig');
  if (text === undefined) return undefined;
  const value = parseYamlText(text, { cannotRead: (why) => new UsageError(`Cannot read the kubeconfig ${path}: ${why}.`), holds: 'a kubeconfig holds clusters, users and contexts', maxAliasCount: 100 });
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}

function entry(config: Raw, list: string, name: string): Raw | undefined {
  const items = Array.isArray(config[list]) ? (config[list] as Named<unknown>[]) : [];
  const found = items.find((item) => item?.name === name);
  const inner = found?.[list.replace(/s$/, '')];
  return inner && typeof inner === 'object' ? (inner as Raw) : undefined;
}

/** Inline `-data` (base64) or a file path relative to the kubeconfig's folder. */
function bytes(section: Raw, key: string, base: string): Buffer | undefined {
  const data = section[`${key}-data`];
  if (typeof data === 'string') return Buffer.from(data, 'base64');
  const path = section[key];
  if (typeof path !== 'string') return undefined;
  const text = readTextFile(isAbsolute(path) ? path : join(base, path), 'a file the kubeconfig names');
  if (text === undefined) throw new UsageError(`The kubeconfig names ${path} (${key}), which does not exist.`);
  return Buffer.from(text);
}

export function loadKubeAccess(file: string | undefined, wanted: string | undefined, env: NodeJS.ProcessEnv, targetName: string): KubeAccess {
  const paths = candidates(file, env);
  let first: { path: string; config: Raw } | undefined;
  for (const path of paths) {
    const config = read(path);
    if (!config) continue;
    first ??= { path, config };
    const name = wanted ?? (typeof config['current-context'] === 'string' ? (config['current-context'] as string) : undefined);
    if (!name || !entry(config, 'contexts', name)) continue;
    const context = entry(config, 'contexts', name)!;
    const cluster = entry(config, 'clusters', String(context.cluster ?? ''));
    if (!cluster || typeof cluster.server !== 'string') throw new UsageError(`Target ${targetName}: the kubeconfig ${path} has no cluster ${quote(context.cluster)} with a server for context ${name}.`);
    const user = entry(config, 'users', String(context.user ?? '')) ?? {};
    const base = dirname(path);
    const tokenFile = typeof user.tokenFile === 'string' ? readTextFile(isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile), 'the kubeconfig\'s token file') : undefined;
    const exec = user.exec && typeof user.exec === 'object' ? (user.exec as Raw) : undefined;
    return {
      file: path,
      context: name,
      server: cluster.server.replace(/\/+$/, ''),
      namespace: typeof context.namespace === 'string' ? context.namespace : undefined,
      ca: bytes(cluster, 'certificate-authority', base),
      insecure: cluster['insecure-skip-tls-verify'] === true,
      token: typeof user.token === 'string' ? user.token : tokenFile?.trim(),
      cert: bytes(user, 'client-certificate', base),
      key: bytes(user, 'client-key', base),
      exec: exec && typeof exec.command === 'string'
        ? { command: exec.command, args: Array.isArray(exec.args) ? exec.args.map(String) : [], env: Object.fromEntries((Array.isArray(exec.env) ? (exec.env as Raw[]) : []).map((e) => [String(e.name), String(e.value)])) }
        : undefined,
    };
  }
  if (!first) throw new UsageError(`Target ${targetName}: no kubeconfig at ${paths.join(', ')}. Set kubeconfig: in the target, or KUBECONFIG.`);
  const names = (Array.isArray(first.config.contexts) ? (first.config.contexts as Named<unknown>[]) : []).map((c) => c.name).filter(Boolean);
  throw new UsageError(`Target ${targetName}: ${wanted ? `no context ${quote(wanted)}` : 'no current-context'} in ${paths.join(', ')}${names.length ? ` (contexts: ${names.join(', ')})` : ''}. Set context: in the target.`);
}

/** The token an exec plugin gives (client.authentication.k8s.io ExecCredential). */
export async function execToken(access: KubeAccess, env: NodeJS.ProcessEnv, targetName: string): Promise<string> {
  const exec = access.exec!;
  const result = await run(exec.command, exec.args, { env: { ...env, ...exec.env }, timeoutMs: 60_000 });
  const token = (() => {
    try {
      return (JSON.parse(result.stdout) as { status?: { token?: string } }).status?.token;
    } catch {
      return undefined;
    }
  })();
  if (result.code !== 0 || !token) throw new TargetUnavailableError(`Target ${targetName}: the kubeconfig's login command ${exec.command} gave no token: ${result.stderr.trim().split('\n').pop() || `exit code ${result.code}`}`);
  return token;
}
