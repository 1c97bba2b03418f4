/**
 * The project's containers as compose knows them (`ps -a -q` leaves the
 * project name to compose), inspected through the engine, and the URLs of
 * its web services.
 */
import { FailureError, InterruptedError } from '../../shared/errors.js';
import type { Compose } from '../compose.js';
import type { ContainerState, Engine } from '../engine.js';
import type { Project } from '../project.js';

export const SERVICES = ['bash-executor', 'jupyter', 'mlflow'] as const;

export async function listStack(compose: Compose, engine: Engine): Promise<ContainerState[]> {
  const ps = await compose.run(['ps', '-a', '-q']);
  // A Ctrl-C at the terminal reaches compose too, and may end it before the runner hears of it.
  if (ps.code === 130) throw new InterruptedError();
  if (ps.code !== 0) throw new FailureError(`Listing the project's containers failed:\n${tail(ps.stderr)}`);
  const ids = ps.stdout.split(/\s+/).filter(Boolean);
  const states = await Promise.all(ids.map((id) => engine.inspectContainer(id)));
  return states.filter((s): s is ContainerState => s !== undefined);
}

export function urls(project: Project, host: string): { jupyter: string; mlflow: string } {
  const port = (service: string) => project.ports.find((p) => p.service === service)!.port;
  const token = project.jupyterToken ? `?token=${encodeURIComponent(project.jupyterToken)}` : '';
  return { jupyter: `http://${host}:${port('jupyter')}/lab${token}`, mlflow: `http://${host}:${port('mlflow')}` };
}

export function printUrls(out: NodeJS.WritableStream, u: { jupyter: string; mlflow: string }): void {
  out.write(`Jupyter: ${u.jupyter}\nMLflow:  ${u.mlflow}\nShell:   ml-project shell\n`);
}

/** The last lines of a text, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
