/**
 * The `create-ml-project` bin: the command word picks the job. `update` and
 * `check` run inside an existing project (src/update/, loaded only then);
 * anything else generates one (src/generate/).
 */
import { generate } from './generate/cli.js';
import type { Io } from './shared/io.js';

export type { Io };

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'update' || command === 'check') {
    const { runProjectCommand } = await import('./update/cli.js');
    return runProjectCommand(command, rest, io);
  }
  return generate(argv, io);
}
