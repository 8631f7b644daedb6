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
  // the loader that starts the CLI and the server with V8's code cache (bin/, the extension)
  'code-cache': 'src/shared/code-cache.ts',
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

// The profiler harness keeps its names when minified: the profiler finds the harness's frames
// (`invoke`) in V8 CPU profiles by their source names (a minified harness lost the hot lines).
const { 'profiler-harness': harness, ...rest } = entryPoints;
const builds = [
  { ...options, entryPoints: rest },
  ...(harness
    ? [
        {
          ...options,
          entryPoints: { 'profiler-harness': harness },
          minify: false,
          minifyWhitespace: production,
          minifySyntax: production,
        },
      ]
    : []),
];

if (watch) {
  for (const build of builds) await (await esbuild.context(build)).watch();
} else {
  await Promise.all(builds.map((build) => esbuild.build(build)));
}
