#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build`.
// Start-up is mostly compiling the 4 MB bundle: dist/code-cache.js keeps V8's compiled code of it
// on disk (src/shared/code-cache.ts).
const path = require('node:path');
const { requireWithCodeCache } = require('../dist/code-cache.js');
requireWithCodeCache(path.join(__dirname, '../dist/cli.js')).runCli();
