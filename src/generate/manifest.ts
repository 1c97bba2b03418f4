/**
 * Which generated paths exist for which answers. A part that is switched off
 * leaves no file behind; smaller variations live as `if` blocks in templates.
 */
import type { Answers } from './questions.js';

export interface OptionalPart {
  /** Output paths; a path ending in `/` covers everything under it. */
  paths: readonly string[];
  when: (answers: Answers) => boolean;
}

export const hasCpuImage = (a: Pick<Answers, 'compute'>): boolean => a.compute !== 'gpu';
export const hasGpuImage = (a: Pick<Answers, 'compute'>): boolean => a.compute !== 'cpu';

export const optionalParts: readonly OptionalPart[] = [
  { paths: ['docker/Dockerfile.cpu'], when: hasCpuImage },
  { paths: ['docker/Dockerfile.gpu'], when: hasGpuImage },
  { paths: ['docker-compose.gpu.yml'], when: (a) => a.compute === 'auto' },
  { paths: ['LICENSE'], when: (a) => a.license !== 'none' },
  { paths: ['dvc.yaml', '.dvcignore', '.dvc/'], when: (a) => a.dvc },
  { paths: ['.pre-commit-config.yaml'], when: (a) => a.precommit },
  { paths: ['.github/'], when: (a) => a.ci },
  { paths: ['.devcontainer/'], when: (a) => a.devcontainer },
];

export function isIncluded(path: string, answers: Answers): boolean {
  return optionalParts.every(
    (part) => part.when(answers) || !part.paths.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p)),
  );
}

/** The output path of a template file, before the package name is known. */
export function outputPath(templatePath: string, packageName: string): string {
  return templatePath
    .split('/')
    .map((segment) => (segment === '__package__' ? packageName : segment.replace(/^_gitignore(?=$|\.ejs$)/, '.gitignore')))
    .join('/')
    .replace(/\.ejs$/, '');
}
