/**
 * The `create-ml-project` bin: the command word picks the job. `update` and
 * `check` run inside an existing project (src/update/, loaded only then);
 * anything else generates one (src/generate/, loaded once the arguments ask
 * for more than --help or --version).
 */
import { helpOrVersion, parseArgs } from './generate/args.js';
import { ExitCode } from './shared/errors.js';
import { exitWhenDone, type Io } from './shared/io.js';
import { packageVersion } from './shared/package-root.js';

export type { Io };

/** The help or version text the arguments ask for; undefined for a run, or for arguments the run will refuse. */
function shownAtOnce(argv: readonly string[]): string | undefined {
  try {
    return helpOrVersion(parseArgs(argv), packageVersion());
  } catch {
    return undefined;
  }
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'update' || command === 'check') {
    const { runProjectCommand } = await import('./update/cli.js');
    return runProjectCommand(command, rest, io);
  }
  const shown = shownAtOnce(argv);
  if (shown !== undefined) {
    io.stdout.write(shown);
    return ExitCode.ok;
  }
  const { generate } = await import('./generate/cli.js');
  return generate(argv, io);
}

/** The bin: this process's arguments, streams and folder. */
export function run(): void {
  exitWhenDone(main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY), cwd: process.cwd() }));
}
