/**
 * The image names the runner builds and the compose files run. docker-compose.yml
 * reads `${ML_PROJECT_IMAGE:-<projectName>-cpu:latest}` (the GPU override the
 * -gpu name), and the runner sets ML_PROJECT_IMAGE to the image it chose.
 */
import type { Compute } from './gpu.js';

/** The variable compose files read the image name from. */
export const IMAGE_VARIABLE = 'ML_PROJECT_IMAGE';

/** `<projectName>-cpu:latest` or `<projectName>-gpu:latest`, lowercased as image names must be. */
export function imageName(projectName: string, compute: Compute): string {
  const base = projectName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'ml-project';
  return `${base}-${compute}:latest`;
}

export function dockerfileFor(compute: Compute): string {
  return `docker/Dockerfile.${compute}`;
}

export function composeFiles(compute: Compute): string[] {
  return compute === 'gpu' ? ['docker-compose.yml', 'docker-compose.gpu.yml'] : ['docker-compose.yml'];
}
