/** What a command of create-ml-project is given to talk to the user through. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Both stdin and stdout are terminals: questions may be asked. */
  interactive: boolean;
  cwd: string;
}

/**
 * Exits with a command's code once what it printed is flushed: prompt
 * libraries, an engine connection or a child may hold the event loop open.
 */
export function exitWhenDone(code: Promise<number>): void {
  void code.then((value) => process.stdout.write('', () => process.exit(value)));
}
