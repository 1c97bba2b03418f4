/**
 * The small commands around a running stack: status, stop, down, logs, shell.
 * Each is one compose call (or a listing), with compose's own output shown.
 */
import { FailureError, UsageError } from '../../shared/errors.js';
import { composeRunner, requireCompose, type Compose } from '../compose.js';
import { publishedHost } from '../endpoint.js';
import { requireProject, type Project } from '../project.js';
import { line, type RunnerContext } from './context.js';
import { listStack, printUrls, SERVICES, tail, urls } from './stack.js';

async function projectCompose(ctx: RunnerContext): Promise<{ project: Project; compose: Compose }> {
  const project = requireProject(ctx.cwd, ctx.env);
  const tool = await requireCompose(ctx.env);
  // The GPU override only adds device reservations; stop, down, logs and exec act on the same containers without it.
  return { project, compose: composeRunner(tool, ['docker-compose.yml'], project.root, ctx.env) };
}

async function passThrough(compose: Compose, args: string[], what: string): Promise<number> {
  const result = await compose.run(args, { inherit: true });
  if (result.code === 130) return 130;
  if (result.code !== 0) throw new FailureError(`${what} failed (compose exit code ${result.code}).`);
  return 0;
}

export async function stop(ctx: RunnerContext): Promise<number> {
  const { compose } = await projectCompose(ctx);
  return passThrough(compose, ['stop'], 'Stopping the stack');
}

export async function down(ctx: RunnerContext): Promise<number> {
  const { compose } = await projectCompose(ctx);
  return passThrough(compose, ['down', '--remove-orphans'], 'Removing the stack');
}

export async function logs(ctx: RunnerContext, service: string | undefined, follow: boolean): Promise<number> {
  if (service !== undefined && !(SERVICES as readonly string[]).includes(service)) {
    throw new UsageError(`Unknown service ${JSON.stringify(service)}. Services: ${SERVICES.join(', ')}.`);
  }
  const { compose } = await projectCompose(ctx);
  return passThrough(compose, ['logs', '--tail', '200', ...(follow ? ['--follow'] : []), ...(service ? [service] : [])], 'Showing logs');
}

export async function shell(ctx: RunnerContext): Promise<number> {
  const { compose } = await projectCompose(ctx);
  // Without a terminal (a pipe, CI) compose refuses to allocate one: ask it not to.
  const tty = process.stdin.isTTY ? [] : ['-T'];
  const result = await compose.run(['exec', ...tty, 'bash-executor', 'bash'], { inherit: true });
  if (result.code === 127 || result.code === 126) throw new FailureError(`Could not run compose: ${tail(result.stderr)}`);
  // The shell's own exit code is the user's, passed on as is.
  return result.code;
}

export async function status(ctx: RunnerContext, json: boolean): Promise<number> {
  const { project, compose } = await projectCompose(ctx);
  const engine = await ctx.connect();
  const containers = await listStack(compose, engine);
  const links = urls(project, publishedHost(ctx.endpoint()));
  const services = SERVICES.map((service) => {
    const c = containers.find((x) => x.service === service);
    return {
      service,
      state: c ? c.status : 'not created',
      running: c?.running ?? false,
      exitCode: c && !c.running ? c.exitCode : null,
      container: c?.name ?? null,
      image: c?.image ?? null,
      ports: c?.ports ?? [],
      url: c?.running && (service === 'jupyter' || service === 'mlflow') ? links[service] : null,
    };
  });
  if (json) {
    line(ctx.stdout, JSON.stringify({ project: project.name, root: project.root, services }, null, 2));
    return 0;
  }
  for (const s of services) {
    const state = s.exitCode !== null ? `${s.state} (exit code ${s.exitCode})` : s.state;
    line(ctx.stdout, `${s.service.padEnd(14)} ${state.padEnd(22)} ${s.ports.join(', ')}`);
  }
  if (services.every((s) => s.running)) printUrls(ctx.stdout, links);
  else if (services.every((s) => s.state === 'not created')) line(ctx.stdout, 'Nothing created yet. Start it with: make create-container');
  return 0;
}
