/**
 * The `ml-project` bin: every command runs a generated project's containers,
 * so all of the command line goes to the runner (src/runner/), whose
 * commands are loaded once the arguments ask for more than --help or --version.
 */
import { parseRunnerArgs, runnerHelpOrVersion } from './runner/args.js';
import type { RunnerDeps, RunnerIo } from './runner/cli.js';
import { ExitCode } from './shared/errors.js';
import { exitWhenDone } from './shared/io.js';
import { packageVersion } from './shared/package-root.js';

/** The help or version text the arguments ask for; undefined for a command, or for arguments the runner will refuse. */
function shownAtOnce(argv: readonly string[]): string | undefined {
  try {
    return runnerHelpOrVersion(parseRunnerArgs(argv), packageVersion());
  } catch {
    return undefined;
  }
}

export async function main(argv: readonly string[], io: RunnerIo, deps?: RunnerDeps): Promise<number> {
  const shown = shownAtOnce(argv);
  if (shown !== undefined) {
    io.stdout.write(shown);
    return ExitCode.ok;
  }
  return (await import('./runner/cli.js')).main(argv, io, deps);
}

/** The bin: this process's arguments, streams, folder and environment. */
export function run(): void {
  exitWhenDone(main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }));
}
