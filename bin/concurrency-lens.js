#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build`.
require('../dist/cli.js').runCli();
