// Bundles every entry point with esbuild. `--watch` rebuilds on change; `--production` minifies.
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { fastTypeScriptAccess } from './fast-typescript-access.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Entry points by output name; an entry whose source does not exist yet is skipped.
const entries = {
  cli: 'src/cli/main.ts',
  'scan-worker': 'src/cli/scan-worker.ts',
  extension: 'src/extension.ts',
  'language-client': 'src/client/language-client-library.ts',
  server: 'src/server/server.ts',
  'server-scan-child': 'src/server/scan-child.ts',
  'profiler-harness': 'src/profiler/harness.ts',
};
const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

const options = {
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  // `vscode` is provided by the extension host; esbuild must not be bundled (it ships a native binary).
  external: ['vscode', 'esbuild'],
  logLevel: 'warning',
  plugins: [fastTypeScriptAccess],
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
