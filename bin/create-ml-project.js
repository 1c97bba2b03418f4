#!/usr/bin/env node
import { main } from '../dist/create-ml-project.mjs';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
});
// Exit once output is flushed: prompt libraries may keep stdin open.
process.stdout.write('', () => process.exit(code));
