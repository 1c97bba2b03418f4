#!/usr/bin/env node
import { main } from '../dist/ml-project.mjs';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
// Exit once output is flushed: an engine connection or a child may hold the loop open.
process.stdout.write('', () => process.exit(code));
