/**
 * The `ml-project` entry: parses arguments, runs one command, and is the one
 * place where the runner's errors become messages and exit codes. dockerode
 * is imported only when a command first talks to the engine.
 */
import { ExitCode, exitCodeFor, InterruptedError, UsageError } from '../shared/errors.js';
import { onInterrupt } from '../shared/signals.js';
import { packageVersion as version } from '../shared/package-root.js';
import { parseRunnerArgs, runnerHelpOrVersion, type RunnerArgs } from './args.js';
import { findCompose } from './compose.js';
import type { Engine } from './engine.js';
import { resolveEndpoint, type Endpoint } from './endpoint.js';
import { createProgress } from './progress.js';
import type { RunnerContext } from './commands/context.js';

export interface RunnerIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Replaceable in tests: how to reach an engine at an endpoint. */
export interface RunnerDeps {
  openEngine?: (endpoint: Endpoint) => Promise<Engine>;
  /** Aborting it acts as Ctrl-C does, without signalling the test process. */
  interrupt?: AbortSignal;
}

const BUILD_TIMEOUT = 3600;
const UP_TIMEOUT = 180;

async function openDockerEngine(endpoint: Endpoint): Promise<Engine> {
  const { DockerEngine } = await import('./docker-engine.js');
  return new DockerEngine(endpoint);
}

function context(io: RunnerIo, signal: AbortSignal, deps: RunnerDeps): RunnerContext {
  let endpoint: Endpoint | undefined;
  let engine: Promise<Engine> | undefined;
  const getEndpoint = () => (endpoint ??= resolveEndpoint(io.env));
  return {
    cwd: io.cwd,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
    signal,
    endpoint: getEndpoint,
    connect: () =>
      (engine ??= (async () => {
        const opened = await (deps.openEngine ?? openDockerEngine)(getEndpoint());
        await opened.ping();
        return opened;
      })()),
    findCompose: () => findCompose(io.env),
    progress: () => createProgress(io.stdout),
    uid: process.getuid?.() ?? 1000,
    gid: process.getgid?.() ?? 1000,
  };
}

async function dispatch(args: RunnerArgs, ctx: RunnerContext): Promise<number> {
  switch (args.command) {
    case 'doctor':
      return (await import('./commands/doctor.js')).doctor(ctx, args.json);
    case 'build':
      return (await import('./commands/build.js')).build(ctx, { gpu: args.gpu, baseImage: args.baseImage, pythonImage: args.pythonImage, timeoutSeconds: args.timeout ?? BUILD_TIMEOUT });
    case 'up':
    case 'start':
      return (await import('./commands/up.js')).up(ctx, { gpu: args.gpu, timeoutSeconds: args.timeout ?? UP_TIMEOUT, mode: args.command, keep: args.keep });
    case 'status':
      return (await import('./commands/manage.js')).status(ctx, args.json);
    case 'stop':
      return (await import('./commands/manage.js')).stop(ctx);
    case 'down':
      return (await import('./commands/manage.js')).down(ctx);
    case 'logs':
      if (args.runId) return (await import('./commands/runs.js')).runLogs(ctx, args.runId, args.follow);
      return (await import('./commands/manage.js')).logs(ctx, args.service, args.follow);
    case 'run':
      return (await import('./commands/run.js')).run(ctx, { command: args.run, notebook: args.notebook, parameters: args.parameters, sweep: args.sweep, gpus: args.gpus, on: args.on, detach: args.detach, allowDirty: args.allowDirty, dryRun: args.dryRun, json: args.json, buildTimeoutSeconds: args.timeout ?? BUILD_TIMEOUT });
    case 'runs':
      return (await import('./commands/runs.js')).listRuns(ctx, args.json);
    case 'fetch':
      return (await import('./commands/runs.js')).fetchRun(ctx, args.runId!, args.json);
    case 'cancel':
      return (await import('./commands/runs.js')).cancelRun(ctx, args.runId!, args.json);
    case 'targets':
      return (await import('./commands/targets.js')).listTargets(ctx, args.json);
    case 'shell':
      return (await import('./commands/exec.js')).shell(ctx);
    case 'exec':
      return (await import('./commands/exec.js')).exec(ctx, args.service, args.run);
    default:
      throw new UsageError('No command given. See ml-project --help.');
  }
}

export async function main(argv: readonly string[], io: RunnerIo, deps: RunnerDeps = {}): Promise<number> {
  const controller = new AbortController();
  // The first Ctrl-C lets the command cancel and clean up; a second one leaves at once.
  // The signal is the abort's reason, so that exec can pass the same one on.
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    io.stderr.write('\nInterrupted: cleaning up (press Ctrl-C again to leave at once)...\n');
    controller.abort(signal);
  };
  const stopListening = onInterrupt(onSignal);
  deps.interrupt?.addEventListener('abort', () => controller.abort(deps.interrupt!.reason), { once: true });
  try {
    const args = parseRunnerArgs(argv);
    const shown = runnerHelpOrVersion(args, version());
    if (shown !== undefined) {
      io.stdout.write(shown);
      return ExitCode.ok;
    }
    const code = await dispatch(args, context(io, controller.signal, deps));
    if (controller.signal.aborted && code === ExitCode.ok) throw new InterruptedError();
    return code;
  } catch (error) {
    return exitCodeFor(error, io.stderr, controller.signal.aborted, 'Interrupted.\n');
  } finally {
    stopListening();
  }
}
