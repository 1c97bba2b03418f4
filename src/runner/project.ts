/**
 * The project the runner works on: its root (the nearest folder upwards with
 * a `.yo-rc.json` holding a create-ml-project entry), its answers, its `.env`,
 * and the host ports its services publish.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseDotenv } from '../shared/dotenv.js';
import { UsageError } from '../shared/errors.js';
import { projectFileIn, readProjectFile, STORE_KEY } from '../shared/project-file.js';
import { readTextFile } from '../shared/text-file.js';

export interface PortSetting {
  service: 'jupyter' | 'mlflow';
  variable: 'JUPYTER_HOST_PORT' | 'MLFLOW_HOST_PORT';
  port: number;
  /** Where the number came from, for doctor: `environment`, `.env`, `.yo-rc.json`, `default`. */
  source: string;
}

export interface Project {
  root: string;
  name: string;
  compute: 'auto' | 'cpu' | 'gpu';
  hasCpuImage: boolean;
  hasGpuImage: boolean;
  hasGpuCompose: boolean;
  dotenv: Record<string, string>;
  ports: PortSetting[];
  jupyterToken?: string;
  /** `<package>.gpu_check` in a PyTorch project with a GPU image (what make gpu-check runs). */
  gpuCheckModule?: string;
}

/**
 * The folder holding a `.yo-rc.json` with our entry, from `start` upwards;
 * undefined outside a project. One that is not what we wrote is a UsageError naming it.
 */
export function findRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (readProjectFile(projectFileIn(dir))?.entry) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function portFrom(value: unknown, where: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${where} is not a port number: ${JSON.stringify(value)}.`);
  return n;
}

export function resolvePorts(env: NodeJS.ProcessEnv, dotenv: Record<string, string>, answers: Record<string, unknown>): PortSetting[] {
  const spec = [
    { service: 'jupyter', variable: 'JUPYTER_HOST_PORT', answer: 'jupyterPort', fallback: 8888 },
    { service: 'mlflow', variable: 'MLFLOW_HOST_PORT', answer: 'mlflowPort', fallback: 5000 },
  ] as const;
  return spec.map(({ service, variable, answer, fallback }) => {
    // Compose gives the environment precedence over .env; so do we.
    const fromEnv = portFrom(env[variable], variable);
    if (fromEnv !== undefined) return { service, variable, port: fromEnv, source: 'environment' };
    const fromFile = portFrom(dotenv[variable], `${variable} in .env`);
    if (fromFile !== undefined) return { service, variable, port: fromFile, source: '.env' };
    const fromAnswers = portFrom(answers[answer], `${answer} in .yo-rc.json`);
    if (fromAnswers !== undefined) return { service, variable, port: fromAnswers, source: '.yo-rc.json' };
    return { service, variable, port: fallback, source: 'default' };
  });
}

function gpuCheckModuleOf(root: string, answers: Record<string, unknown>): string | undefined {
  const pkg = answers.packageName;
  if (answers.framework !== 'pytorch' || typeof pkg !== 'string' || !/^[A-Za-z_]\w*$/.test(pkg)) return undefined;
  return existsSync(join(root, pkg, 'gpu_check.py')) ? `${pkg}.gpu_check` : undefined;
}

export function loadProject(root: string, env: NodeJS.ProcessEnv): Project {
  const answers = readProjectFile(projectFileIn(root))?.entry?.answers ?? {};
  // No .env: compose and the runner fall back to the answers and defaults.
  const dotenv = parseDotenv(readTextFile(join(root, '.env')) ?? '');
  const compute = answers.compute === 'cpu' || answers.compute === 'gpu' ? answers.compute : 'auto';
  return {
    root,
    name: typeof answers.projectName === 'string' && answers.projectName ? answers.projectName : basename(root),
    compute,
    hasCpuImage: existsSync(join(root, 'docker', 'Dockerfile.cpu')),
    hasGpuImage: existsSync(join(root, 'docker', 'Dockerfile.gpu')),
    hasGpuCompose: existsSync(join(root, 'docker-compose.gpu.yml')),
    dotenv,
    ports: resolvePorts(env, dotenv, answers),
    jupyterToken: env.JUPYTER_TOKEN || dotenv.JUPYTER_TOKEN || undefined,
    gpuCheckModule: gpuCheckModuleOf(root, answers),
  };
}

export function requireProject(cwd: string, env: NodeJS.ProcessEnv): Project {
  const root = findRoot(cwd);
  if (!root) {
    throw new UsageError(`No create-ml-project project here: no .yo-rc.json with a "${STORE_KEY}" entry in ${resolve(cwd)} or above. Run ml-project from inside a generated project.`);
  }
  return loadProject(root, env);
}
