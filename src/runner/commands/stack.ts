/**
 * The project's containers, found through the engine by the labels compose
 * puts on them (asking compose costs a Python start-up per call with
 * docker-compose 1.x), whether a service runs, and the URLs of its web services.
 */
import { basename } from 'node:path';
import { FailureError, UsageError } from '../../shared/errors.js';
import { composeRunner, requireCompose, type Compose, type ComposeTool } from '../compose.js';
import type { ContainerState, Engine } from '../engine.js';
import { requireProject, type Project } from '../project.js';
import type { RunnerContext } from './context.js';

export const SERVICES = ['bash-executor', 'jupyter', 'mlflow'] as const;
export type Service = (typeof SERVICES)[number];

/** A service name as given on the command line, checked. */
export function serviceNamed(name: string): Service {
  if (!(SERVICES as readonly string[]).includes(name)) throw new UsageError(`Unknown service ${JSON.stringify(name)}. Services: ${SERVICES.join(', ')}.`);
  return name as Service;
}

/**
 * The project, its engine and compose, for the commands that act on the
 * containers. The engine comes first: compose, given an engine it cannot
 * reach, answers with a Python traceback rather than a reason.
 */
export async function openStack(ctx: RunnerContext): Promise<StackRef & { compose: Compose }> {
  const stack = await openProjectStack(ctx);
  const tool = await requireCompose(ctx.env);
  return { ...stack, compose: stackCompose(tool, stack.project, ctx.env) };
}

/** The project and its engine, for what only looks at the containers (no compose tool needed). */
export async function openProjectStack(ctx: RunnerContext): Promise<StackRef> {
  const project = requireProject(ctx.cwd, ctx.env);
  return { project, engine: await ctx.connect(), env: ctx.env };
}

/** What finds the stack's containers: the engine, and the project and environment that name the stack. */
export interface StackRef {
  project: Project;
  engine: Engine;
  env: NodeJS.ProcessEnv;
}

/**
 * Compose on the stack's containers as they are: the GPU override only adds
 * device reservations, so stop, down, logs, exec and doctor need only the base file.
 */
export function stackCompose(tool: ComposeTool, project: Project, env: NodeJS.ProcessEnv): Compose {
  return composeRunner(tool, ['docker-compose.yml'], project.root, env);
}

/**
 * Why nothing can be done in `service` (any service, when not given), with
 * what to run instead; undefined when it runs.
 */
export function notRunning(containers: readonly ContainerState[], service?: Service): string | undefined {
  if (containers.length === 0) return 'Nothing is running: the stack has no containers. Start it with: make create-container';
  if (service === undefined) {
    return containers.some((c) => c.running) ? undefined : 'Nothing is running: the stack\'s containers are stopped. Start them with: ml-project start';
  }
  const own = containers.find((c) => c.service === service);
  if (!own) return `Nothing is running in ${service}: it has no container. Create it with: make create-container`;
  return own.running ? undefined : `Nothing is running in ${service}: its container is stopped. Start it with: ml-project start`;
}

/** Lists the stack and fails, saying what to run, unless `service` (any, when not given) runs. */
export async function requireRunning(stack: StackRef, service?: Service): Promise<ContainerState[]> {
  const containers = await listStack(stack);
  const why = notRunning(containers, service);
  if (why) throw new FailureError(why);
  return containers;
}

/**
 * The project name compose gives the stack, as docker-compose 1.x and
 * `docker compose` derive it without `-p`: COMPOSE_PROJECT_NAME from the
 * environment, else from the project's .env, else the folder's name; lower
 * case, only letters, digits, `-` and `_`, starting with a letter or digit.
 */
export function composeProjectName(project: Pick<Project, 'root' | 'dotenv'>, env: NodeJS.ProcessEnv): string {
  const given = env.COMPOSE_PROJECT_NAME || project.dotenv.COMPOSE_PROJECT_NAME || basename(project.root);
  return given.toLowerCase().replace(/[^-_a-z0-9]/g, '').replace(/^[-_]+/, '') || 'default';
}

/** The stack's service containers (not one-off `compose run` ones), running or not, as the engine sees them. */
export async function listStack({ engine, project, env }: StackRef): Promise<ContainerState[]> {
  const ids = await engine.listContainers({ 'com.docker.compose.project': composeProjectName(project, env), 'com.docker.compose.oneoff': 'False' });
  const states = await Promise.all(ids.map((id) => engine.inspectContainer(id)));
  return states.filter((s): s is ContainerState => s !== undefined);
}

export function urls(project: Project, host: string): { jupyter: string; mlflow: string } {
  const port = (service: string) => project.ports.find((p) => p.service === service)!.port;
  const token = project.jupyterToken ? `?token=${encodeURIComponent(project.jupyterToken)}` : '';
  return { jupyter: `http://${host}:${port('jupyter')}/lab${token}`, mlflow: `http://${host}:${port('mlflow')}` };
}

export function printUrls(out: NodeJS.WritableStream, u: { jupyter: string; mlflow: string }): void {
  out.write(`Jupyter: ${u.jupyter}\nMLflow:  ${u.mlflow}\nShell:   ml-project shell\n`);
}

/** The last lines of a text, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
