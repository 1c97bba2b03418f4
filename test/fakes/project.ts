/**
 * Generated-project stand-ins for runner tests: a `.yo-rc.json`, the
 * Dockerfiles the chosen compute implies, and whatever else a test adds.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export function tempDir(prefix = 'mlp-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface FakeProjectOptions {
  name?: string;
  compute?: 'auto' | 'cpu' | 'gpu';
  jupyterPort?: number;
  mlflowPort?: number;
  files?: Record<string, string>;
}

export function makeProject(options: FakeProjectOptions = {}): string {
  const root = tempDir('mlp-project-');
  const compute = options.compute ?? 'auto';
  const answers = { projectName: options.name ?? 'my-project', compute, jupyterPort: options.jupyterPort ?? 8888, mlflowPort: options.mlflowPort ?? 5000 };
  const files: Record<string, string> = {
    '.yo-rc.json': JSON.stringify({ 'create-ml-project': { version: '0.1.0', answers } }, null, 2),
    'docker-compose.yml': 'services: {}\n',
    ...(compute !== 'gpu' ? { 'docker/Dockerfile.cpu': 'FROM python:3.12-slim\n' } : {}),
    ...(compute !== 'cpu' ? { 'docker/Dockerfile.gpu': 'FROM nvidia/cuda:12.8.0-runtime-ubuntu24.04\n' } : {}),
    // As generated: the GPU override exists only beside a CPU stack; a GPU-only stack is GPU already.
    ...(compute === 'auto' ? { 'docker-compose.gpu.yml': 'services: {}\n' } : {}),
    ...options.files,
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/**
 * The project name the fake compose tool labels a stack with, as compose
 * does for these projects: COMPOSE_PROJECT_NAME from the environment, else
 * from .env (where .env.example puts it), else the folder's name in lower case.
 */
export function composeProjectOf(root: string, env: NodeJS.ProcessEnv): string {
  const dotenv = existsSync(join(root, '.env')) ? readFileSync(join(root, '.env'), 'utf8') : '';
  return env.COMPOSE_PROJECT_NAME || /^COMPOSE_PROJECT_NAME=(.*)$/m.exec(dotenv)?.[1] || basename(root).toLowerCase();
}

const toolsDir = resolve(import.meta.dirname, 'tools');

/** A folder to use as PATH holding only the named fake tools (`docker`, `docker-compose`). */
export function fakePath(tools: Array<'docker' | 'docker-compose'>): string {
  const dir = tempDir('mlp-path-');
  for (const tool of tools) {
    copyFileSync(join(toolsDir, tool), join(dir, tool));
    chmodSync(join(dir, tool), 0o755);
  }
  return dir;
}
