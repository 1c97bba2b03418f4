/**
 * Typed errors. Modules throw these; only the CLI entry prints them and maps
 * them to exit codes, so a user error never shows a stack trace.
 */

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  dockerUnavailable: 3,
  interrupted: 130,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Invalid input or usage: a bad flag, value, answers file or target. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/**
 * One answer failed validation: `Invalid <field> <value>: <detail>`. The
 * parts are kept so that a message can name the answer the way the user
 * gave it (a flag, a key, the first argument, a prompt).
 */
export class ValidationError extends UsageError {
  constructor(
    readonly field: string,
    /** The value as a message quotes it (bounded). */
    readonly value: string,
    /** Why it is refused, with a hint and an example. */
    readonly detail: string,
    message = `Invalid ${field} ${value}: ${detail}`,
  ) {
    super(message);
  }
}

/** Something failed while doing the work (disk, permissions, git). */
export class FailureError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.failure);
  }
}

/** The user pressed Ctrl-C, or the process got SIGINT. */
export class InterruptedError extends CliError {
  constructor(message = 'Interrupted.') {
    super(message, ExitCode.interrupted);
  }
}

/** The terminal's input ended (Ctrl-D, a closed terminal) while a question was waiting for its answer. */
export class InputEndedError extends Error {
  constructor() {
    super('The input ended before the question was answered.');
    this.name = 'InputEndedError';
  }
}

/** Whether an error is inquirer's answer to Ctrl-C (or an abort) at a prompt, or the end of its input. */
export function isPromptInterrupt(error: unknown): boolean {
  return error instanceof Error && ['ExitPromptError', 'AbortPromptError', 'InputEndedError'].includes(error.name);
}

/**
 * How a command ends on an error, the same for every entry point: a user
 * error prints its one message and exits with its code; after an interrupt,
 * any other error prints `interruptedMessage` and exits 130; anything else is
 * a bug, shown whole.
 */
export function exitCodeFor(
  error: unknown,
  stderr: NodeJS.WritableStream,
  interrupted: boolean,
  interruptedMessage: string,
): number {
  // After a Ctrl-C, a failure is most likely its echo (a child process that died of the same signal).
  if (error instanceof CliError && (!interrupted || error.exitCode === ExitCode.interrupted)) {
    stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (interrupted) {
    stderr.write(interruptedMessage);
    return ExitCode.interrupted;
  }
  stderr.write(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.failure;
}
