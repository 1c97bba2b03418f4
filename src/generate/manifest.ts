/**
 * Which generated paths exist for which answers. A part that is switched off
 * leaves no file behind; smaller variations live as `if` blocks in templates.
 */
import type { Answers } from './questions.js';

export interface OptionalPart {
  /**
   * Output paths, `__package__/` standing for the Python package; a path
   * ending in `/` covers everything under it.
   */
  paths: readonly string[];
  when: (answers: Answers) => boolean;
}

export const hasCpuImage = (a: Pick<Answers, 'compute'>): boolean => a.compute !== 'gpu';
export const hasGpuImage = (a: Pick<Answers, 'compute'>): boolean => a.compute !== 'cpu';
const sklearn = (a: Pick<Answers, 'framework'>): boolean => a.framework === 'sklearn';
const pytorch = (a: Pick<Answers, 'framework'>): boolean => a.framework === 'pytorch';

export const optionalParts: readonly OptionalPart[] = [
  { paths: ['docker/Dockerfile.cpu'], when: hasCpuImage },
  { paths: ['docker/Dockerfile.gpu'], when: hasGpuImage },
  { paths: ['docker-compose.gpu.yml'], when: (a) => a.compute === 'auto' },
  { paths: ['LICENSE'], when: (a) => a.license !== 'none' },
  { paths: ['dvc.yaml', 'params.yaml', '.dvcignore', '.dvc/'], when: (a) => a.dvc },
  { paths: ['.pre-commit-config.yaml'], when: (a) => a.precommit },
  { paths: ['.github/'], when: (a) => a.ci },
  { paths: ['.devcontainer/'], when: (a) => a.devcontainer },
  // A devcontainer cannot choose its compose files: in auto mode this script, run first, writes the choice.
  { paths: ['.devcontainer/compute.sh'], when: (a) => a.compute === 'auto' },
  // One pipeline, two model families: only the model code and its examples differ.
  {
    paths: ['__package__/models.py', 'configs/examples/random_forest.yml', 'configs/examples/gradient_boosting.yml'],
    when: sklearn,
  },
  {
    paths: [
      '__package__/devices.py',
      '__package__/distributed.py',
      '__package__/nets.py',
      '__package__/trainer.py',
      '__package__/checkpoints.py',
      'configs/examples/linear.yml',
      'configs/examples/wide_mlp.yml',
      'tests/test_torch.py',
    ],
    when: pytorch,
  },
  { paths: ['__package__/gpu_check.py'], when: (a) => pytorch(a) && hasGpuImage(a) },
  // The second sample set of a classification project: three classes instead of two.
  { paths: ['configs/examples/wine.yml'], when: (a) => a.task === 'classification' },
];

export function isIncluded(path: string, answers: Answers): boolean {
  const covers = (partPath: string) => {
    const p = outputPath(partPath, answers.packageName);
    return partPath.endsWith('/') ? path.startsWith(p) : path === p;
  };
  return optionalParts.every((part) => part.when(answers) || !part.paths.some(covers));
}

/** The output path of a template file, before the package name is known. */
export function outputPath(templatePath: string, packageName: string): string {
  return templatePath
    .split('/')
    .map((segment) => (segment === '__package__' ? packageName : segment.replace(/^_gitignore(?=$|\.ejs$)/, '.gitignore')))
    .join('/')
    .replace(/\.ejs$/, '');
}
