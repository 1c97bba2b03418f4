/**
 * The questions, declared once. Prompts, CLI flags, --help, --yes defaults,
 * the answers file and validation all come from this list.
 */
import { ValidationError } from '../shared/errors.js';
import { quote } from '../shared/excerpt.js';
import { cudaImages, pythonImages, type CudaVersion, type PythonVersion } from '../shared/versions.js';
import {
  emailReason,
  packageNameFor,
  packageNameReason,
  parsePort,
  projectNameReason,
  suggestPackageName,
  suggestProjectName,
  unsafeTextReason,
} from './validate.js';

export const frameworkChoices = ['sklearn', 'pytorch'] as const;
export const taskChoices = ['regression', 'classification'] as const;
export const computeChoices = ['auto', 'cpu', 'gpu'] as const;
export const licenseChoices = ['MIT', 'BSD-3-Clause', 'Apache-2.0', 'none'] as const;
export const pythonChoices = Object.keys(pythonImages) as PythonVersion[];
export const cudaChoices = Object.keys(cudaImages) as CudaVersion[];

export interface Answers {
  projectName: string;
  packageName: string;
  description: string;
  authorName: string;
  authorEmail: string;
  pythonVersion: PythonVersion;
  framework: (typeof frameworkChoices)[number];
  task: (typeof taskChoices)[number];
  compute: (typeof computeChoices)[number];
  cudaVersion: CudaVersion;
  jupyterPort: number;
  mlflowPort: number;
  license: (typeof licenseChoices)[number];
  dvc: boolean;
  precommit: boolean;
  ci: boolean;
  devcontainer: boolean;
  git: boolean;
}

export type AnswerKey = keyof Answers;

/** Facts about the user's machine that defaults come from. */
export interface DefaultsContext {
  gitUserName?: string;
  gitUserEmail?: string;
}

/** How the user met an answer, for messages that refer to it: `--jupyter-port`, `jupyterPort`, `the Jupyter port`. */
export type AnswerNames = (name: AnswerKey) => string;

export interface Question<K extends AnswerKey = AnswerKey> {
  name: K;
  /** The long flag without its dashes; booleans also get `--no-<flag>`. */
  flag: string;
  kind: 'text' | 'choice' | 'boolean' | 'port';
  message: string;
  /** The question named in a sentence ("the Jupyter port"), where its prompt message does not read as one. */
  noun?: string;
  help: string;
  example: string;
  choices?: readonly string[];
  /** What each choice means, shown next to it in the prompt. */
  choiceHelp?: Readonly<Record<string, string>>;
  /** Asked only when this holds; otherwise the default is taken silently. */
  when?: (answers: Partial<Answers>) => boolean;
  default: (answers: Partial<Answers>, context: DefaultsContext) => Answers[K];
  /** The default reads the git identity (`context`): asked first, the question waits for git. */
  defaultFromGit?: true;
  /**
   * Validates a raw value from any source and returns it normalized; throws
   * ValidationError. `names` says how other answers it refers to were given.
   */
  parse: (raw: unknown, answers: Partial<Answers>, names?: AnswerNames) => Answers[K];
}

/** The question as a sentence names it. */
export function nounOf(question: Pick<Question, 'noun' | 'message'>): string {
  return question.noun ?? question.message;
}

function fail(question: Pick<Question, 'name' | 'example'>, raw: unknown, reason: string, hint = ''): never {
  throw new ValidationError(question.name, quote(raw), `${reason}.${hint} Example: ${question.example}`);
}

function text(question: Pick<Question, 'name' | 'example'>, raw: unknown, maxLength = 200): string {
  if (typeof raw !== 'string') fail(question, raw, 'it must be text');
  // The length first: a 10 MB value is refused without a scan of every character.
  const reason = raw.length > maxLength ? `it is longer than ${maxLength} characters` : unsafeTextReason(raw);
  if (reason) fail(question, raw, reason);
  return raw;
}

function choice<T extends string>(question: Pick<Question, 'name' | 'example'>, raw: unknown, choices: readonly T[]): T {
  const value = typeof raw === 'number' ? String(raw) : raw;
  if (typeof value === 'string') {
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
    if (found) return found;
  }
  const yamlHint =
    typeof raw === 'number' ? ` (a YAML number loses digits: write "${choices[0]}" in quotes)` : '';
  return fail(question, raw, `it must be one of ${choices.join(', ')}${yamlHint}`);
}

function bool(question: Pick<Question, 'name' | 'example'>, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  return fail(question, raw, 'it must be true or false');
}

function port(question: Pick<Question, 'name' | 'example'>, raw: unknown): number {
  const parsed = parsePort(raw);
  return typeof parsed === 'number' ? parsed : fail(question, raw, parsed);
}

const hasGpu = (a: Partial<Answers>) => a.compute !== 'cpu';

export const questions: readonly Question[] = [
  {
    name: 'projectName',
    flag: 'project-name',
    kind: 'text',
    message: 'Project name (the new folder)',
    noun: 'project name',
    help: 'Folder to create, also the Docker Compose project name',
    example: 'my-project',
    default: () => 'my-project',
    parse(raw) {
      const value = text(this, raw);
      const reason = projectNameReason(value);
      if (reason) {
        const suggestion = /[\\/]/.test(value) ? undefined : suggestProjectName(value);
        fail(this, raw, reason, suggestion ? ` Did you mean "${suggestion}"?` : '');
      }
      return value;
    },
  },
  {
    name: 'packageName',
    flag: 'package-name',
    kind: 'text',
    message: 'Python package name',
    noun: 'package name',
    help: 'Import name of the project code (default: from the project name)',
    example: 'my_project',
    default: (a) => packageNameFor(a.projectName ?? 'my-project'),
    parse(raw) {
      const value = text(this, raw);
      const reason = packageNameReason(value);
      if (reason) {
        const suggestion = suggestPackageName(value);
        fail(this, raw, reason, suggestion ? ` Try "${suggestion}".` : '');
      }
      return value;
    },
  },
  {
    name: 'description',
    flag: 'description',
    kind: 'text',
    message: 'Short description',
    help: 'One line describing the project',
    example: '"Predict churn from usage logs"',
    default: () => 'A machine-learning project',
    parse(raw) {
      return text(this, raw);
    },
  },
  {
    name: 'authorName',
    flag: 'author-name',
    kind: 'text',
    message: 'Author name',
    help: 'Author for pyproject.toml and LICENSE (default: git config user.name)',
    example: '"Ada Lovelace"',
    default: (a, context) => context.gitUserName || `The ${a.projectName ?? 'project'} authors`,
    defaultFromGit: true,
    parse(raw) {
      const value = text(this, raw).trim();
      return value === '' ? fail(this, raw, 'it is empty') : value;
    },
  },
  {
    name: 'authorEmail',
    flag: 'author-email',
    kind: 'text',
    message: 'Author email (may be empty)',
    help: 'Author email for pyproject.toml (default: git config user.email)',
    example: 'ada@example.com',
    default: (_a, context) => context.gitUserEmail ?? '',
    defaultFromGit: true,
    parse(raw) {
      const value = text(this, raw).trim();
      const reason = emailReason(value);
      return reason ? fail(this, raw, reason) : value;
    },
  },
  {
    name: 'pythonVersion',
    flag: 'python-version',
    kind: 'choice',
    message: 'Python version',
    help: 'Python of the Docker images and CI',
    example: '3.12',
    choices: pythonChoices,
    default: () => '3.12',
    parse(raw) {
      return choice(this, raw, pythonChoices);
    },
  },
  {
    name: 'framework',
    flag: 'framework',
    kind: 'choice',
    message: 'Model framework',
    help: 'sklearn (scikit-learn models) or pytorch (a network trained on every GPU of a host)',
    example: 'pytorch',
    choices: frameworkChoices,
    choiceHelp: {
      sklearn: 'scikit-learn estimators, trained on the CPU',
      pytorch: 'a PyTorch network: CPU, one GPU or every GPU of a host (torchrun)',
    },
    default: () => 'sklearn',
    parse(raw) {
      return choice(this, raw, frameworkChoices);
    },
  },
  {
    name: 'task',
    flag: 'task',
    kind: 'choice',
    message: 'Task',
    noun: 'task',
    help: 'regression (predict a number) or classification (predict a class and its probabilities)',
    example: 'classification',
    choices: taskChoices,
    choiceHelp: {
      regression: "predict a number; sample data: scikit-learn's diabetes set",
      classification: "predict a class and its probabilities; sample data: scikit-learn's breast cancer set",
    },
    default: () => 'regression',
    parse(raw) {
      return choice(this, raw, taskChoices);
    },
  },
  {
    name: 'compute',
    flag: 'compute',
    kind: 'choice',
    message: 'Compute',
    help: 'auto (CPU and GPU images, the GPU one where NVIDIA is found), cpu or gpu',
    example: 'auto',
    choices: computeChoices,
    choiceHelp: {
      auto: 'CPU and GPU images; the GPU one is used where NVIDIA is found',
      cpu: 'CPU image only',
      gpu: 'GPU image only (CUDA)',
    },
    default: () => 'auto',
    parse(raw) {
      return choice(this, raw, computeChoices);
    },
  },
  {
    name: 'cudaVersion',
    flag: 'cuda-version',
    kind: 'choice',
    message: 'CUDA version of the GPU image',
    help: 'CUDA of the GPU image (with cuDNN)',
    example: '12.8',
    choices: cudaChoices,
    when: hasGpu,
    default: () => '12.8',
    parse(raw) {
      return choice(this, raw, cudaChoices);
    },
  },
  {
    name: 'jupyterPort',
    flag: 'jupyter-port',
    kind: 'port',
    message: 'Jupyter port on this machine',
    noun: 'Jupyter port',
    help: `Host port of JupyterLab (1024-65535)`,
    example: '8888',
    default: () => 8888,
    parse(raw) {
      return port(this, raw);
    },
  },
  {
    name: 'mlflowPort',
    flag: 'mlflow-port',
    kind: 'port',
    message: 'MLflow port on this machine',
    noun: 'MLflow port',
    help: 'Host port of the MLflow UI (1024-65535)',
    example: '5000',
    default: (a) => (a.jupyterPort === 5000 ? 5001 : 5000),
    parse(raw, a, names = (name) => name) {
      const value = port(this, raw);
      return value === a.jupyterPort ? fail(this, raw, `it is the same port as ${names('jupyterPort')}`) : value;
    },
  },
  {
    name: 'license',
    flag: 'license',
    kind: 'choice',
    message: 'License',
    help: 'MIT, BSD-3-Clause, Apache-2.0 or none (no LICENSE file)',
    example: 'MIT',
    choices: licenseChoices,
    default: () => 'MIT',
    parse(raw) {
      return choice(this, raw, licenseChoices);
    },
  },
  ...(
    [
      ['dvc', 'dvc', 'Add a DVC pipeline (dvc.yaml)?', 'DVC pipeline of the etl, train and evaluate stages'],
      ['precommit', 'pre-commit', 'Add pre-commit hooks (ruff, nbstripout)?', 'pre-commit hooks: ruff, nbstripout, large files'],
      ['ci', 'ci', 'Add GitHub Actions CI?', 'GitHub Actions workflow: lint, tests, a small training run'],
      ['devcontainer', 'devcontainer', 'Add a VS Code devcontainer?', 'VS Code devcontainer on the bash-executor service'],
      ['git', 'git', 'Initialize a git repository with a first commit?', 'git init and a first commit'],
    ] as const
  ).map(
    ([name, flag, message, help]): Question => ({
      name,
      flag,
      kind: 'boolean',
      message,
      help,
      example: 'true',
      default: () => true,
      parse(raw) {
        return bool(this, raw);
      },
    }),
  ),
];

export const questionByName: ReadonlyMap<string, Question> = new Map(questions.map((q) => [q.name, q]));
export const questionByFlag: ReadonlyMap<string, Question> = new Map(questions.map((q) => [q.flag, q]));
