/**
 * What `up` and `start` do after a failure or an interrupt: show the
 * evidence first (the last log lines of each failing service, read before
 * anything is removed), then take the stack back to how the run found it,
 * or, with --keep, leave it for inspection and say how to look and clean up.
 */
import type { Compose } from '../compose.js';
import type { ContainerState, Engine } from '../engine.js';
import { listStack, tail, type StackRef } from './stack.js';

const LOG_LINES = 20;

/** Takes the stack back to how `before` found it; says what that took. */
export async function cleanUp(compose: Compose, stack: StackRef, before: ContainerState[]): Promise<string> {
  if (before.length === 0) {
    await compose.run(['down', '--remove-orphans'], { timeoutMs: 120_000 });
    return 'the containers this run created were removed.';
  }
  const known = new Map(before.map((c) => [c.id, c]));
  let removed = 0;
  let stopped = 0;
  for (const c of await listStack(stack).catch(() => [])) {
    const old = known.get(c.id);
    if (!old) {
      await stack.engine.removeContainer(c.id).catch(() => undefined);
      removed++;
    } else if (!old.running && c.running && c.service) {
      await compose.run(['stop', c.service], { timeoutMs: 60_000 });
      stopped++;
    }
  }
  const done = [
    ...(removed ? [`${removed} ${removed === 1 ? 'container' : 'containers'} this run created removed`] : []),
    ...(stopped ? [`${stopped} it started stopped again`] : []),
  ];
  return done.length ? `the stack is as it was (${done.join(', ')}).` : 'the stack is as it was.';
}

/** The last log lines of each container, one block per service, for stderr. */
export async function evidence(engine: Engine, failing: readonly ContainerState[]): Promise<string> {
  const blocks: string[] = [];
  for (const c of failing) {
    const state = c.running ? 'running' : `exited with code ${c.exitCode}`;
    const logs = await engine.containerLogs(c.id, LOG_LINES).catch((error: Error) => `(its logs could not be read: ${error.message})`);
    blocks.push(`--- ${c.service} (${c.name}, ${state}): its last log lines ---\n${logs.trim() ? tail(logs, LOG_LINES) : '(no output)'}`);
  }
  return blocks.length ? `${blocks.join('\n')}\n---\n` : '';
}

/** The line that ends a failure under --keep: what was kept and the next commands. */
export function keptLine(failing: readonly ContainerState[]): string {
  const services = [...new Set(failing.map((c) => c.service).filter(Boolean))];
  const look = services.length ? services.map((s) => `ml-project logs ${s}`).join(', ') : 'ml-project logs';
  return `The containers were kept for inspection (--keep): ${look}, ml-project status; remove them with: ml-project down`;
}
