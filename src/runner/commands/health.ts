/**
 * When a started web service is ready, for `up` and `start`: a service with a
 * healthcheck (State.Health, from docker-compose.yml) once it says healthy,
 * then once its published port answers from here; one without a healthcheck
 * (a compose file from before they existed) once its port answers. An
 * unhealthy one is a failure, named with what its healthcheck last said.
 */
import { FailureError } from '../../shared/errors.js';
import { clip } from '../../shared/excerpt.js';
import type { ContainerState } from '../engine.js';

export type Readiness = 'starting' | 'probe' | 'unhealthy';

export function readiness(c: ContainerState | undefined): Readiness {
  if (!c?.health || c.health.status === 'healthy') return 'probe';
  return c.health.status;
}

/** The last line of what the healthcheck printed: for the Python probe, the exception that ended it. */
function lastWords(c: ContainerState): string {
  const last = c.health?.lastOutput.split('\n').filter((l) => l.trim()).at(-1);
  return last ? `; its last check said: ${clip(last.trim(), 200)}` : '';
}

export function unhealthyError(failing: readonly ContainerState[]): FailureError {
  const each = failing.map((c) => `the ${c.service} container (${c.name}) is unhealthy: its healthcheck failed ${c.health?.failingStreak ?? 0} times in a row${lastWords(c)}`);
  return new FailureError(`${each.join(', and ').replace(/^t/, 'T')}. Its last log lines are above.`);
}

/** Why the wait ran out: still starting by its healthcheck, or not answering on its port. */
export function notReady(pending: ReadonlyMap<string, number>, states: readonly ContainerState[], seconds: number): FailureError {
  const starting = [...pending.keys()].filter((s) => readiness(states.find((c) => c.service === s)) === 'starting');
  const silent = [...pending].filter(([s]) => !starting.includes(s));
  const parts = [
    ...(starting.length ? [`${starting.join(' and ')} did not turn healthy (its healthcheck still says starting)`] : []),
    ...(silent.length ? [`${silent.map(([s]) => s).join(' and ')} did not answer on port ${silent.map(([, p]) => p).join(', ')}`] : []),
  ];
  return new FailureError(`${parts.join(', and ')} within ${seconds}s. Raise the limit with --timeout.`);
}
