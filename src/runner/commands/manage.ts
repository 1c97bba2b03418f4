/**
 * The small commands around a running stack: status, stop, down, logs. Each
 * checks the engine first, then is one compose call (or a listing), with
 * compose's own output shown.
 */
import { FailureError, InterruptedError } from '../../shared/errors.js';
import type { Compose } from '../compose.js';
import { publishedHost } from '../endpoint.js';
import { line, type RunnerContext } from './context.js';
import { listStack, notRunning, openProjectStack, openStack, printUrls, requireRunning, SERVICES, serviceNamed, urls } from './stack.js';

/** Hands the terminal to compose; Ctrl-C (or SIGTERM, SIGHUP) ends it and the command with 130. */
async function passThrough(ctx: RunnerContext, compose: Compose, args: string[], what: string): Promise<number> {
  const result = await compose.run(args, { inherit: true, signal: ctx.signal });
  if (ctx.signal.aborted || result.code === 130) throw new InterruptedError();
  if (result.code !== 0) throw new FailureError(`${what} failed (compose exit code ${result.code}).`);
  return 0;
}

export async function stop(ctx: RunnerContext): Promise<number> {
  const { compose, ...stack } = await openStack(ctx);
  await requireRunning(stack);
  return passThrough(ctx, compose, ['stop'], 'Stopping the stack');
}

export async function down(ctx: RunnerContext): Promise<number> {
  const { compose } = await openStack(ctx);
  return passThrough(ctx, compose, ['down', '--remove-orphans'], 'Removing the stack');
}

/** Stopped containers keep their logs, and those are what a failed start leaves to read; only no container at all has none. */
export async function logs(ctx: RunnerContext, name: string | undefined, follow: boolean): Promise<number> {
  const service = name === undefined ? undefined : serviceNamed(name);
  const { compose, ...stack } = await openStack(ctx);
  const containers = await listStack(stack);
  const why = notRunning(containers, service);
  if (!containers.some((c) => service === undefined || c.service === service)) throw new FailureError(why!);
  const code = await passThrough(ctx, compose, ['logs', '--tail', '200', ...(follow ? ['--follow'] : []), ...(service ? [service] : [])], 'Showing logs');
  // After the logs, so that it is the last thing read.
  if (why) line(ctx.stderr, why);
  return code;
}

export async function status(ctx: RunnerContext, json: boolean): Promise<number> {
  const stack = await openProjectStack(ctx);
  const { project } = stack;
  const containers = await listStack(stack);
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
