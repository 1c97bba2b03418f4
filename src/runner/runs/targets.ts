/**
 * `configs/targets.yml`: where `ml-project run --on NAME` may run a command,
 * checked as strictly as the answers are (see fields.ts). Without the file,
 * or without a `local` entry in it, `local` is the local Docker engine.
 */
import { join } from 'node:path';
import { closest } from '../../shared/closest.js';
import { UsageError } from '../../shared/errors.js';
import { clip, quote } from '../../shared/excerpt.js';
import { readTextFile } from '../../shared/text-file.js';
import { parseYamlText } from '../../shared/yaml-text.js';
import { Fields, type Raw } from './fields.js';
import { tolerations, type Toleration } from './tolerations.js';

export const TARGETS_FILE = 'configs/targets.yml';
export const kinds = ['docker', 'slurm', 'kubernetes'] as const;
export type Kind = (typeof kinds)[number];

interface Common {
  name: string;
  /** Paths of the project brought back into runs/<id>/ when the run ends. */
  outputs: string[];
  /** Variables set for the command, beside ML_PROJECT_RUN_ID and ML_PROJECT_COMMIT. */
  env: Record<string, string>;
  /** GPUs when --gpus is not given. */
  gpus: number;
}

export interface DockerTarget extends Common {
  kind: 'docker';
  /** `ssh://user@host`, `ssh://alias`, `tcp://host:2376`, `unix:///path`; unset: DOCKER_HOST, the docker context, the default socket. */
  host?: string;
  /** A docker context name, instead of host. */
  context?: string;
}

export const slurmRuntimes = ['venv', 'none', 'apptainer', 'enroot', 'podman'] as const;
export type SlurmRuntime = (typeof slurmRuntimes)[number];

export interface SlurmTarget extends Common {
  kind: 'slurm';
  /** The login node as ssh reaches it: an alias of ~/.ssh/config, user@host, user@host:port; unset: sbatch runs here. */
  host?: string;
  /** A folder on the cluster's shared file system; each run gets one below it. */
  workdir: string;
  partition?: string;
  account?: string;
  time?: string;
  cpus?: number;
  memory?: string;
  runtime: SlurmRuntime;
  /** The project's image for apptainer, enroot and podman. */
  image?: string;
  /** The Python that makes the virtual environment (venv) or runs the command (none). */
  python: string;
  pipArgs: string[];
  /** Shell lines run before the command in the job (module load ...). */
  setup: string[];
}

export interface KubernetesTarget extends Common {
  kind: 'kubernetes';
  /** The kubeconfig file; unset: KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  /** The kubeconfig context; unset: its current context. */
  context?: string;
  /** Unset: the context's namespace, else default. */
  namespace?: string;
  /** Where the runner pushes the project's image: registry.example.com/team. */
  registry: string;
  pullSecret?: string;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  cpu?: string;
  memory?: string;
}

export type Target = DockerTarget | SlurmTarget | KubernetesTarget;

export interface Targets {
  file: string;
  /** The target `run` uses without --on. */
  default: string;
  targets: Map<string, Target>;
}

export const DEFAULT_OUTPUTS = ['reports', 'models'];

export function localTarget(): DockerTarget {
  return { kind: 'docker', name: 'local', outputs: DEFAULT_OUTPUTS, env: {}, gpus: 0 };
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SLURM_TIME = /^(\d+-\d{1,2}(:\d{2}){0,2}|\d+(:\d{2}){0,2})$/;
const SLURM_MEMORY = /^\d+[KMGT]?$/;
const QUANTITY = /^\d+(\.\d+)?(m|[KMGTPE]i?)?$/;
const LABEL = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function outputs(fields: Fields): string[] {
  const list = fields.list('outputs', DEFAULT_OUTPUTS);
  for (const path of list) {
    const parts = path.replace(/\/+$/, '').split('/');
    if (path.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '') || parts[0] === '.git') {
      fields.fail('outputs', `holds ${quote(path)}: each output is a path inside the project, such as reports or models/model.joblib`);
    }
  }
  return list.map((path) => path.replace(/\/+$/, ''));
}

function common(fields: Fields, name: string): Common {
  return {
    name,
    outputs: outputs(fields),
    env: fields.map('env', ENV_NAME, 'a variable name'),
    gpus: fields.count('gpus', 0, 64) ?? 0,
  };
}

function docker(fields: Fields, name: string): DockerTarget {
  const target: DockerTarget = {
    kind: 'docker',
    ...common(fields, name),
    host: fields.string('host', /^(unix|tcp|ssh|https?):\/\/[^\s]+$/, 'ssh://user@host, ssh://alias, tcp://host:2376 or unix:///path'),
    context: fields.string('context', /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, 'a docker context name'),
  };
  if (target.host && target.context) fields.fail('context', 'cannot be set with host: one engine per target');
  return target;
}

function slurm(fields: Fields, name: string): SlurmTarget {
  const target: SlurmTarget = {
    kind: 'slurm',
    ...common(fields, name),
    host: fields.string('host', /^(?!-)[A-Za-z0-9_.@-]+(:\d{1,5})?$/, 'an ssh host: an alias, user@host or user@host:port'),
    workdir: fields.required('workdir', /^(\/|~\/)[^\s'"`$\\]*$/, 'an absolute folder on the shared file system, e.g. /scratch/me/runs'),
    partition: fields.string('partition', /^[A-Za-z0-9_.,-]+$/, 'a partition name'),
    account: fields.string('account', /^[A-Za-z0-9_.-]+$/, 'an account name'),
    time: fields.string('time', SLURM_TIME, 'MM, HH:MM:SS or D-HH:MM:SS'),
    cpus: fields.count('cpus', 1, 4096),
    memory: fields.string('memory', SLURM_MEMORY, 'a size such as 16G or 4096M'),
    runtime: fields.choice('runtime', slurmRuntimes, 'venv'),
    image: fields.string('image', /^[^\s'"`$\\]+$/, 'an image reference, e.g. docker://registry.example.com/team/project:tag'),
    python: fields.string('python', /^[^\s'"`$\\]+$/, 'a command such as python3 or /opt/python/bin/python3') ?? 'python3',
    pipArgs: fields.list('pip_args'),
    setup: fields.list('setup'),
  };
  const containerised = target.runtime !== 'venv' && target.runtime !== 'none';
  if (containerised && !target.image) fields.fail('image', `is needed for runtime ${target.runtime}: the project's image in a registry the cluster pulls from`);
  if (!containerised && target.image) fields.fail('image', `is for the container runtimes (apptainer, enroot, podman), not runtime ${target.runtime}`);
  return target;
}

function kubernetes(fields: Fields, name: string): KubernetesTarget {
  return {
    kind: 'kubernetes',
    ...common(fields, name),
    kubeconfig: fields.string('kubeconfig', /^[^\s]+$/, 'the path of a kubeconfig file'),
    context: fields.string('context', /^[^\s]+$/, 'a kubeconfig context name'),
    namespace: fields.string('namespace', /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name'),
    registry: fields.required('registry', /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, 'a registry and path such as registry.example.com/team'),
    pullSecret: fields.string('pull_secret', /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'the name of a Secret'),
    nodeSelector: fields.map('node_selector', LABEL, 'a label name'),
    tolerations: tolerations(fields),
    cpu: fields.string('cpu', QUANTITY, 'a quantity such as 4 or 500m'),
    memory: fields.string('memory', QUANTITY, 'a quantity such as 16Gi'),
  };
}

function parseTarget(name: string, raw: unknown, file: string): Target {
  if (!NAME.test(name)) throw new UsageError(`${file}: the target name ${quote(name)} must be lowercase letters, digits and "-", at most 32 (it names jobs and containers).`);
  const where = `${file}, target ${name}`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${where}: must be a mapping of settings, starting with kind: docker, slurm or kubernetes.`);
  const kindOf = new Fields(raw as Raw, where, 'a target').choice('kind', kinds, 'docker');
  const fields = new Fields(raw as Raw, where, `a ${kindOf} target`);
  fields.any('kind');
  const target = kindOf === 'docker' ? docker(fields, name) : kindOf === 'slurm' ? slurm(fields, name) : kubernetes(fields, name);
  fields.done();
  return target;
}

/** The targets of a targets file's text. */
export function parseTargets(text: string, file = TARGETS_FILE): Targets {
  const top = parseYamlText(text, {
    cannotRead: (why) => new UsageError(`Cannot read ${file}: ${why}.`),
    holds: 'a targets file holds settings (text, numbers, lists and mappings of them)',
    maxAliasCount: 100,
  });
  if (typeof top !== 'object' || Array.isArray(top) || top === null) throw new UsageError(`${file} must be a mapping with targets: (and default:), not ${quote(top)}.`);
  for (const key of Object.keys(top)) {
    if (key !== 'targets' && key !== 'default') {
      const hint = closest(key, ['targets', 'default']);
      throw new UsageError(`${file}: ${clip(key)} is not a setting here${hint ? ` (did you mean ${hint}?)` : ''}; the file holds default: and targets:.`);
    }
  }
  const { targets: rawTargets = {}, default: rawDefault } = top as Raw;
  if (rawTargets === null || typeof rawTargets !== 'object' || Array.isArray(rawTargets)) throw new UsageError(`${file}: targets must be a mapping of names to settings.`);
  const targets = new Map<string, Target>(Object.entries(rawTargets as Raw).map(([name, raw]) => [name, parseTarget(name, raw, file)]));
  if (!targets.has('local')) targets.set('local', localTarget());
  if (rawDefault !== undefined && rawDefault !== null && typeof rawDefault !== 'string') throw new UsageError(`${file}: default must be the name of a target, not ${quote(rawDefault)}.`);
  const fallback = (rawDefault as string | null | undefined) ?? 'local';
  if (!targets.has(fallback)) throw new UsageError(`${file}: default names ${quote(fallback)}, which is not one of the targets (${[...targets.keys()].join(', ')}).`);
  return { file, default: fallback, targets };
}

/** The project's targets; only `local` when it has no targets file. */
export function loadTargets(root: string): Targets {
  const text = readTextFile(join(root, TARGETS_FILE));
  return text === undefined ? { file: TARGETS_FILE, default: 'local', targets: new Map([['local', localTarget()]]) } : parseTargets(text);
}

/** The target `--on NAME` asks for, or the file's default. */
export function pickTarget(targets: Targets, name: string | undefined): Target {
  const chosen = name ?? targets.default;
  const target = targets.targets.get(chosen);
  if (target) return target;
  const hint = closest(chosen, targets.targets.keys());
  throw new UsageError(`No target ${quote(chosen)} in ${targets.file}.${hint ? ` Did you mean ${hint}?` : ''} Targets: ${[...targets.targets.keys()].join(', ')}.`);
}
