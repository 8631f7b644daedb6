#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build`.
// Node 22.1+ keeps V8's compiled code of the bundle on disk: start-up is mostly compiling it.
require('node:module').enableCompileCache?.();
require('../dist/cli.js').runCli();
