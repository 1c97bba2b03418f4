#!/usr/bin/env node
'use strict';
const { enableCompileCache } = require('node:module');

// Node 22.1+ keeps V8's compiled code of the entry between runs (in the system's
// temporary folder); on older Node this does nothing. The jobs keep their own cache.
try {
  enableCompileCache?.();
} catch {
  // A cache that cannot be set up is only slower.
}
const { main } = require('../dist/create-ml-project.cjs');

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
}).then((code) => {
  // Exit once output is flushed: prompt libraries may keep stdin open.
  process.stdout.write('', () => process.exit(code));
});
