/**
 * Which bundled packages a run of a built bin actually loads: a module hook
 * records every file Node loads, and the build's metafile (dist/metafile.json)
 * says which packages' code each bundle file holds.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, tempDir } from './generate.js';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.CMP_LOADED_LOG, url + '\\n');
  return next(url, context);
}`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

export interface LoadedRun {
  status: number | null;
  stdout: string;
  /** Bundled npm packages whose code was loaded, by name. */
  packages: Set<string>;
  /** This package's own source files whose code was loaded (`src/...`). */
  sources: Set<string>;
  /** The files loaded, as paths. */
  files: string[];
}

export function loadedBy(bin: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): LoadedRun {
  const log = join(tempDir('cmp-loaded-'), 'loaded.log');
  const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, ...options.env, CMP_LOADED_LOG: log },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const files = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
  const { outputs } = JSON.parse(readFileSync(join(repoRoot, 'dist', 'metafile.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const packages = new Set<string>();
  const sources = new Set<string>();
  for (const file of files) {
    for (const input of Object.keys(outputs[relative(repoRoot, file).split(sep).join('/')]?.inputs ?? {})) {
      if (input.startsWith('src/')) sources.add(input);
      const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input)?.[1];
      if (name) packages.add(name);
    }
  }
  return { status: result.status, stdout: result.stdout, packages, sources, files };
}
