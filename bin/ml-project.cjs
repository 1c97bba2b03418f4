#!/usr/bin/env node
'use strict';
// The bundled entry of src/ml-project.ts; `npm run build` writes it.
require('../dist/ml-project.cjs').run();
