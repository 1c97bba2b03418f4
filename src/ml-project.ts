/**
 * The `ml-project` bin: every command runs a generated project's containers,
 * so all of the command line goes to the runner (src/runner/).
 */
export { main } from './runner/cli.js';
