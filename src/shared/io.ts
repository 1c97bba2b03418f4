/** What a command of create-ml-project is given to talk to the user through. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Both stdin and stdout are terminals: questions may be asked. */
  interactive: boolean;
  cwd: string;
}
