/** The backend of a target's kind, loaded when a command first needs it. */
import type { Backend } from './backend.js';
import type { Git } from './source.js';
import type { Target } from './targets.js';

export async function openBackend(target: Target, git: Git, env: NodeJS.ProcessEnv, file: string): Promise<Backend> {
  if (target.kind === 'docker') return (await import('./docker-target.js')).dockerBackend(target, git, env, file);
  if (target.kind === 'slurm') return (await import('./slurm-target.js')).slurmBackend(target, git, env);
  return (await import('./kubernetes-target.js')).kubernetesBackend(target, git, env);
}
