/**
 * `ml-project up` (make create-container) and `start`: run the stack with the
 * real compose tool, wait until Jupyter and MLflow are healthy (their
 * healthchecks) and answer, print their URLs.
 * Writes .env first when there is none. Idempotent. On any failure or Ctrl-C,
 * what this run created is removed and what it started is stopped; what ran
 * before is left alone. A failure shows each failing service's last log
 * lines first; --keep leaves the containers for inspection.
 */
import { FailureError, InterruptedError } from '../../shared/errors.js';
import { composeRunner, requireCompose } from '../compose.js';
import type { ContainerState, Engine } from '../engine.js';
import { isLocal, publishedHost } from '../endpoint.js';
import { PortInUseError } from '../errors.js';
import { gpuEngineError, type GpuFlag } from '../gpu.js';
import { composeFiles, IMAGE_VARIABLE, imageName } from '../images.js';
import { checkPort } from '../ports.js';
import type { Progress } from '../progress.js';
import { ensureDotenv } from '../dotenv-file.js';
import { loadProject, requireProject, type Project } from '../project.js';
import { answers, sleep } from '../wait.js';
import { chooseCompute, describeChoice } from './choose.js';
import { line, type RunnerContext } from './context.js';
import { listStack, printUrls, SERVICES, tail, urls } from './stack.js';
import { notReady, readiness, unhealthyError } from './health.js';
import { cleanUp, evidence, keptLine } from './undo.js';

export interface UpOptions {
  gpu: GpuFlag;
  timeoutSeconds: number;
  /** `start` only starts containers that exist; `up` creates them too. */
  mode: 'up' | 'start';
  /** After a failure, leave the containers as they are for inspection. */
  keep: boolean;
}

/** The port in a compose/engine "port is already allocated" message, as one of the project's settings. */
function portError(project: Project, message: string): PortInUseError | undefined {
  if (!/port is already allocated|address already in use|ports are not available/i.test(message)) return undefined;
  const numbers = [...message.matchAll(/:(\d{2,5})\b/g)].map((m) => Number(m[1]));
  const setting = project.ports.find((p) => numbers.includes(p.port)) ?? project.ports[0]!;
  return new PortInUseError(setting.port, setting.variable, setting.service);
}

/** Which image to run: the one `build` would pick, or the only one built when `auto` finds just one. */
async function pickImage(engine: Engine, project: Project, flag: GpuFlag) {
  const choice = await chooseCompute(engine, project, flag);
  const image = imageName(project.name, choice.compute);
  if (await engine.imageExists(image)) return { choice, image };
  if (flag === 'auto' && choice.compute === 'gpu' && project.hasCpuImage) {
    const cpu = imageName(project.name, 'cpu');
    if (await engine.imageExists(cpu)) return { choice: { compute: 'cpu' as const, reason: `only the CPU image ${cpu} is built (make init builds ${image})` }, image: cpu };
  }
  throw new FailureError(`The image ${image} is not built yet. Run: make init  (or: ml-project build${flag === 'auto' ? '' : ` --gpu ${flag}`})`);
}

const INTERRUPTED: unique symbol = Symbol('interrupted');

export async function up(ctx: RunnerContext, options: UpOptions): Promise<number> {
  let project = requireProject(ctx.cwd, ctx.env);
  // As make's .env prerequisite does; read again so the URL carries the new token.
  if (ensureDotenv(project.root, { uid: ctx.uid, gid: ctx.gid }) === 'created') {
    line(ctx.stdout, `Wrote .env with a new random JUPYTER_TOKEN and your UID/GID (${ctx.uid}:${ctx.gid})`);
    project = loadProject(project.root, ctx.env);
  }
  const tool = await requireCompose(ctx.env);
  const engine = await ctx.connect();
  const { choice, image } = await pickImage(engine, project, options.gpu);
  const files = composeFiles(choice.compute).filter((f) => f !== 'docker-compose.gpu.yml' || project.hasGpuCompose);
  const compose = composeRunner(tool, files, project.root, { ...ctx.env, [IMAGE_VARIABLE]: image });
  const host = publishedHost(ctx.endpoint());
  const links = urls(project, host);

  const stack = { engine, project, env: ctx.env };
  const before = await listStack(stack);
  const running = new Set(before.filter((c) => c.running).map((c) => c.service));
  if (SERVICES.every((s) => running.has(s))) {
    const images = [...new Set(before.filter((c) => c.running).map((c) => c.image))];
    line(ctx.stdout, `Already running: ${SERVICES.join(', ')} (${images.join(', ')}).`);
    // A running stack is never switched behind the user's back.
    if (!images.includes(image)) line(ctx.stdout, `This run would pick ${image}; to switch: ml-project down, then ml-project up.`);
    printUrls(ctx.stdout, links);
    return 0;
  }
  if (options.mode === 'start' && before.length === 0) throw new FailureError('Nothing to start: the containers do not exist yet. Run: make create-container');
  line(ctx.stdout, `Image: ${image}, ${describeChoice(choice, options.gpu)}`);
  if (running.size) line(ctx.stdout, `Already running: ${[...running].join(', ')}`);

  // Checked before anything starts, so a clash leaves nothing behind.
  if (isLocal(ctx.endpoint())) {
    for (const setting of project.ports) {
      if (!running.has(setting.service) && (await checkPort(setting.port)) !== 'free') throw new PortInUseError(setting.port, setting.variable, setting.service);
    }
  }

  let progress: Progress | undefined;
  // An interrupt always takes the stack back; a failure shows the failing services' logs before anything goes.
  const fail = async (error: Error | typeof INTERRUPTED, failing: ContainerState[] = []): Promise<never> => {
    progress?.stop();
    if (error === INTERRUPTED) throw new InterruptedError(`Interrupted: ${await cleanUp(compose, stack, before)}`);
    ctx.stderr.write(await evidence(engine, failing));
    if (options.keep) error.message += `\n${keptLine(failing)}`;
    else error.message += `\nCleaned up: ${await cleanUp(compose, stack, before)} To keep the containers for inspection: ml-project ${options.mode} --keep`;
    throw error;
  };
  const interrupted = (): typeof INTERRUPTED => INTERRUPTED;
  if (ctx.signal.aborted) throw new InterruptedError('Interrupted: nothing was started.');
  const args = options.mode === 'up' ? ['up', '-d', '--remove-orphans'] : ['start'];
  line(ctx.stdout, `Starting the stack (${tool.command.join(' ')} ${files.map((f) => `-f ${f}`).join(' ')} ${args.join(' ')})`);
  const result = await compose.run(args, { signal: ctx.signal });
  // 130: compose died of the terminal's SIGINT before the runner's own handler ran.
  if (ctx.signal.aborted || result.code === 130) return fail(interrupted());
  if (result.code !== 0) {
    const message = `${result.stderr}\n${result.stdout}`;
    const known = portError(project, message) ?? gpuEngineError(message);
    // compose gives up on a service whose dependency turned unhealthy: name that one, with its logs.
    const unhealthy = known ? [] : (await listStack(stack).catch(() => [])).filter((c) => readiness(c) === 'unhealthy');
    if (unhealthy.length) return fail(unhealthyError(unhealthy), unhealthy);
    return fail(known ?? new FailureError(`Starting the stack failed:\n${tail(message)}`));
  }

  progress = ctx.progress();
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const pending = new Map(project.ports.map((p) => [p.service, p.port]));
  try {
    while (pending.size) {
      if (ctx.signal.aborted) return await fail(interrupted());
      // Whatever stops the listing, what this run started is taken down.
      const states = await listStack(stack).catch((error: unknown) =>
        fail(error instanceof InterruptedError || ctx.signal.aborted ? interrupted() : (error as Error)),
      );
      const exited = states.filter((c) => !c.running && (SERVICES as readonly (string | undefined)[]).includes(c.service));
      if (exited.length) {
        const which = exited.map((c) => `the ${c.service} container (${c.name}) exited with code ${c.exitCode}`).join(' and ');
        return await fail(new FailureError(`${which.replace(/^t/, 'T')} right after starting.`), exited);
      }
      const waiting = states.filter((c) => [...pending.keys()].some((s) => s === c.service));
      const unhealthy = waiting.filter((c) => readiness(c) === 'unhealthy');
      if (unhealthy.length) return await fail(unhealthyError(unhealthy), unhealthy);
      for (const [service, port] of pending) {
        if (readiness(states.find((c) => c.service === service)) === 'probe' && (await answers(host, port))) pending.delete(service);
      }
      if (!pending.size) break;
      if (Date.now() > deadline) return await fail(notReady(pending, states, options.timeoutSeconds), waiting);
      progress.update(`Waiting for ${[...pending.keys()].join(' and ')} to be healthy and answer...`);
      await sleep(500, ctx.signal);
    }
  } finally {
    progress.stop();
  }
  line(ctx.stdout, `Running: ${SERVICES.join(', ')}`);
  printUrls(ctx.stdout, links);
  return 0;
}
