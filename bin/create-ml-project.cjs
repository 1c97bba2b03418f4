#!/usr/bin/env node
'use strict';
// The bundled entry of src/create-ml-project.ts; `npm run build` writes it.
require('../dist/create-ml-project.cjs').run();
