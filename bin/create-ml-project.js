#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle between runs (in the system's
// temporary folder); on older Node this does nothing and the code is compiled each run.
try {
  module.enableCompileCache?.();
} catch {
  // A cache that cannot be set up is only slower.
}
const { main } = await import('../dist/create-ml-project.mjs');

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
});
// Exit once output is flushed: prompt libraries may keep stdin open.
process.stdout.write('', () => process.exit(code));
