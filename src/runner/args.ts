/**
 * The runner's command line: one command, its flags, --help. Each command
 * lists the flags it takes, so a flag given to the wrong command is a usage
 * error rather than silently ignored.
 */
import { UsageError } from '../shared/errors.js';
import { quote } from '../shared/excerpt.js';
import { parseGpuFlag, type GpuFlag } from './gpu.js';
import { isRunId } from './runs/record.js';

export const commands = {
  doctor: { flags: ['json'], help: 'Check the engine, compose, NVIDIA support, free ports and the GPUs torch sees in the running stack; one line each, with fixes' },
  build: { flags: ['gpu', 'base-image', 'python-image', 'timeout'], help: 'Build the CPU or GPU image (make init)' },
  up: { flags: ['gpu', 'timeout', 'keep'], help: 'Start bash-executor, Jupyter and MLflow; print their URLs (make create-container). Writes .env when missing' },
  start: { flags: ['gpu', 'timeout', 'keep'], help: 'Start the stack\'s existing containers again' },
  stop: { flags: [], help: 'Stop the containers, keeping them' },
  down: { flags: [], help: 'Stop and remove the containers and the network' },
  status: { flags: ['json'], help: 'Show each service\'s state and the URLs' },
  logs: { flags: ['follow'], help: 'Show the logs of all services, one service, or a run: logs [bash-executor|jupyter|mlflow|RUN-ID]' },
  shell: { flags: [], help: 'Open bash in the bash-executor container' },
  exec: { flags: ['service'], help: 'Run a command in a running service: exec [--service NAME] -- COMMAND [ARG...]; exits with its exit code' },
  run: { flags: ['on', 'gpus', 'detach', 'allow-dirty', 'dry-run', 'sweep', 'parameter', 'json', 'timeout'], help: 'Run a command of the project at its commit as a job on a target: run [--on TARGET] -- COMMAND..., or run NOTEBOOK.ipynb [-p NAME VALUE]...' },
  runs: { flags: ['json'], help: 'List the runs (runs/) with their state: queued, running, succeeded, failed, cancelled' },
  fetch: { flags: ['json'], help: 'Bring a run\'s logs and outputs back into runs/RUN-ID/ (again, after a failure): fetch RUN-ID' },
  cancel: { flags: ['json'], help: 'Cancel a queued or running run: cancel RUN-ID' },
  targets: { flags: ['json'], help: 'List the targets of configs/targets.yml and check that each answers' },
} as const;

/**
 * The longest --timeout: setTimeout waits at most 2^31-1 ms, and a longer
 * delay fires at once, which would turn a generous limit into an instant
 * "stalled".
 */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

export type CommandName = keyof typeof commands;

export interface RunnerArgs {
  command?: CommandName;
  help: boolean;
  version: boolean;
  json: boolean;
  follow: boolean;
  gpu: GpuFlag;
  baseImage?: string;
  /** The GPU Dockerfile's PYTHON_IMAGE (the image whose /usr/local it copies). */
  pythonImage?: string;
  /** Seconds; undefined means the command's own default. */
  timeout?: number;
  /** up/start: keep the containers after a failure, for inspection. */
  keep: boolean;
  service?: string;
  /** exec, run: the command and its arguments, as given. */
  run: string[];
  /** run: the target's name. */
  on?: string;
  /** run: GPUs for the job; undefined: the target's. */
  gpus?: number;
  detach: boolean;
  allowDirty: boolean;
  dryRun: boolean;
  /** run: experiment files or patterns, one task each. */
  sweep: string[];
  /** run NOTEBOOK: papermill's parameters, in order. */
  parameters: [string, string][];
  notebook?: string;
  /** logs, fetch, cancel: a run. */
  runId?: string;
}

const valued = new Set(['gpu', 'base-image', 'python-image', 'timeout', 'service', 'on', 'gpus', 'sweep']);
const shorts: Record<string, string> = { h: 'help', v: 'version', f: 'follow', p: 'parameter' };

/** The value as given, once it looks like an image reference (it becomes a build argument). */
function imageReference(flag: string, value: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._\/:@-]*$/.test(value)) throw new UsageError(`--${flag} is not an image reference: ${JSON.stringify(value)}.`);
  return value;
}

function parseTimeout(value: string): number {
  const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS)) {
    throw new UsageError(`--timeout takes a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS} (about 24 days), not ${JSON.stringify(value)}.`);
  }
  return seconds;
}

function parseGpus(value: string): number {
  if (!/^\d{1,2}$/.test(value) || Number(value) > 64) throw new UsageError(`--gpus takes a whole number from 0 to 64, not ${quote(value)}.`);
  return Number(value);
}

export function parseRunnerArgs(argv: readonly string[]): RunnerArgs {
  const args: RunnerArgs = { help: false, version: false, json: false, follow: false, keep: false, gpu: 'auto', run: [], detach: false, allowDirty: false, dryRun: false, sweep: [], parameters: [] };
  const positionals: string[] = [];
  // The flags given, checked against the command once it is known.
  const given: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // After `--`, or after exec's first word, everything is the command to run, dashes and all.
    if (arg === '--' || (positionals[0] === 'exec' && !arg.startsWith('-'))) {
      args.run = argv.slice(arg === '--' ? i + 1 : i);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(arg) ?? (/^-([a-zA-Z])$/.exec(arg) ? [arg, shorts[arg[1]!] ?? arg, undefined] : null);
    const name = m?.[1];
    if (!name || name.startsWith('-')) throw new UsageError(`Unknown option ${arg}. See ml-project --help.`);
    let value = m[2];
    if (name === 'parameter') {
      // papermill's -p NAME VALUE: two words.
      const [key, given] = [argv[i + 1], argv[i + 2]];
      if (value !== undefined || key === undefined || given === undefined || key.startsWith('-')) throw new UsageError('-p takes a name and a value: -p alpha 0.5');
      args.parameters.push([key, given]);
      i += 2;
      continue;
    }
    if (valued.has(name) && value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`Option --${name} needs a value.`);
    } else if (!valued.has(name) && value !== undefined) throw new UsageError(`Option --${name} takes no value.`);
    if (name === 'help') args.help = true;
    else if (name === 'version') args.version = true;
    else if (name === 'json') args.json = true;
    else if (name === 'follow') args.follow = true;
    else if (name === 'keep') args.keep = true;
    else if (name === 'service') args.service = value!;
    else if (name === 'gpu') args.gpu = parseGpuFlag(value!);
    else if (name === 'base-image') args.baseImage = imageReference(name, value!);
    else if (name === 'python-image') args.pythonImage = imageReference(name, value!);
    else if (name === 'timeout') args.timeout = parseTimeout(value!);
    else if (name === 'on') args.on = value!;
    else if (name === 'gpus') args.gpus = parseGpus(value!);
    else if (name === 'sweep') args.sweep.push(value!);
    else if (name === 'detach') args.detach = true;
    else if (name === 'allow-dirty') args.allowDirty = true;
    else if (name === 'dry-run') args.dryRun = true;
    else throw new UsageError(`Unknown option --${name}. See ml-project --help.`);
    given.push(name);
  }
  const [command, ...rest] = positionals;
  if (command !== undefined) {
    if (!(command in commands)) throw new UsageError(`Unknown command ${JSON.stringify(command)}. Commands: ${Object.keys(commands).join(', ')}.`);
    args.command = command as CommandName;
  }
  if (args.command && !args.help) {
    const allowed: readonly string[] = commands[args.command].flags;
    const wrong = given.find((f) => f !== 'help' && f !== 'version' && !allowed.includes(f));
    if (wrong) throw new UsageError(`${args.command} does not take --${wrong}.${allowed.length ? ` It takes: ${allowed.map((f) => `--${f}`).join(', ')}.` : ''}`);
    if (args.command === 'logs' && rest.length <= 1) {
      if (rest[0] !== undefined && isRunId(rest[0])) args.runId = rest[0];
      else args.service = rest[0];
    } else if ((args.command === 'fetch' || args.command === 'cancel') && rest.length === 1) args.runId = rest[0];
    else if (args.command === 'fetch' || args.command === 'cancel') throw new UsageError(`${args.command} takes one run id: ml-project ${args.command} RUN-ID (ml-project runs lists them).`);
    else if (args.command === 'run' && rest.length === 1 && rest[0]!.endsWith('.ipynb') && !args.run.length) args.notebook = rest[0];
    else if (rest.length) throw new UsageError(`${args.command} takes no argument ${quote(rest[0])}.${args.command === 'run' ? ' The command goes after --: ml-project run -- COMMAND...' : ''}`);
    if (args.command === 'exec' && !args.run.length) throw new UsageError('exec needs a command to run: ml-project exec [--service NAME] -- COMMAND [ARG...]');
    if (args.command === 'run' && !args.run.length && !args.notebook) throw new UsageError('run needs a command after -- or a notebook: ml-project run [--on TARGET] -- COMMAND... or ml-project run NOTEBOOK.ipynb [-p NAME VALUE]...');
    if (args.parameters.length && !args.notebook) throw new UsageError('-p sets a notebook\'s parameters: ml-project run NOTEBOOK.ipynb -p NAME VALUE.');
    if (args.notebook && args.sweep.length) throw new UsageError('--sweep runs a command once per experiment file, not a notebook: ml-project run --sweep FILE... -- COMMAND...');
    if (args.command !== 'exec' && args.command !== 'run' && args.run.length) throw new UsageError(`${args.command} takes no command after --: ${quote(args.run.join(' '))}.`);
  }
  return args;
}

/** What --help or --version prints, when asked for (help first). */
export function runnerHelpOrVersion(args: Pick<RunnerArgs, 'help' | 'version'>, version: string): string | undefined {
  if (args.help) return runnerHelp(version);
  if (args.version) return `${version}\n`;
  return undefined;
}

export function runnerHelp(version: string): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 2;
  return `ml-project ${version}: run a create-ml-project project's Docker stack, and its jobs on GPU servers and clusters

Usage:
  ml-project COMMAND [OPTIONS]
  ml-project exec [--service NAME] -- COMMAND [ARG...]
  ml-project run [--on TARGET] [--gpus N] [--detach] [--allow-dirty] [--sweep FILE]... -- COMMAND [ARG...]
  ml-project run NOTEBOOK.ipynb [-p NAME VALUE]... [--on TARGET]
  ml-project runs | logs RUN-ID [-f] | fetch RUN-ID | cancel RUN-ID | targets

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}${c.help}`).join('\n')}

Options:
  --gpu auto|on|off    build/up: GPU image or CPU image (default auto: GPU when the
                       engine has NVIDIA support and docker/Dockerfile.gpu exists)
  --base-image IMAGE   build: the BASE_IMAGE build argument: the Python image of
                       docker/Dockerfile.cpu, the CUDA runtime image of docker/Dockerfile.gpu
  --python-image IMAGE build, GPU image only: the PYTHON_IMAGE build argument, the
                       Python slim image whose /usr/local docker/Dockerfile.gpu copies
  --timeout SECONDS    build, run: give up when the build is silent this long (default 3600)
                       up/start: wait this long for Jupyter and MLflow (default 180)
                       (1 to ${MAX_TIMEOUT_SECONDS} seconds)
  --keep               up/start: after a failure, keep the containers for inspection
                       (ml-project logs SERVICE; ml-project down removes them)
  --service NAME       exec: bash-executor (default), jupyter or mlflow
  --on TARGET          run: a target of configs/targets.yml (default: its default, local)
  --gpus N             run: GPUs for the job (0 to 64; default: the target's gpus)
  --detach             run: submit and return; follow with ml-project logs RUN-ID -f
  --allow-dirty        run: run uncommitted changes as a snapshot commit (the diff is
                       kept in runs/RUN-ID/diff.patch); without it a dirty tree is refused
  --sweep FILE         run: one task per experiment file (repeat it, or a pattern such as
                       'configs/examples/*.yml'), each file the command's last argument:
                       an array job on slurm, an Indexed Job on kubernetes
  --dry-run            run: print what would be submitted (the container, the job
                       script, the Kubernetes Job) and submit nothing
  -p NAME VALUE        run NOTEBOOK: a papermill parameter
  --json               doctor/status/run/runs/fetch/cancel/targets: machine-readable output
  -f, --follow         logs: keep following
  -h, --help           show this help
  -v, --version        show the version

Environment:
  DOCKER_HOST          the engine (unix://, tcp://, ssh://user@host); else the docker context
  JUPYTER_HOST_PORT, MLFLOW_HOST_PORT   host ports (also read from .env)

exec runs COMMAND in the running service through compose and exits with its
exit code. Without a terminal, Ctrl-C (and SIGTERM, SIGHUP) is passed on to
COMMAND and ml-project exits 130. When stdin is a terminal, COMMAND gets one
too, and Ctrl-C reaches it as it would locally (compose sends the key);
SIGTERM and SIGHUP are passed on and ml-project exits 130.

run takes the project at its commit to the target (a docker engine, a SLURM
cluster, Kubernetes), and keeps the run's record, logs and outputs in
runs/RUN-ID/. Ctrl-C while it submits removes what was submitted; while an
attached run goes on, it cancels the run.

Exit codes: 0 ok, 1 failure (also a run that did not succeed), 2 usage,
3 Docker or a target unavailable, 130 interrupted.
`;
}
