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
const { main } = require('../dist/ml-project.cjs');

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
}).then((code) => {
  // Exit once output is flushed: an engine connection or a child may hold the loop open.
  process.stdout.write('', () => process.exit(code));
});
