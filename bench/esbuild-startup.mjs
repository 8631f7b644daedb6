// Profile start-up with native esbuild vs esbuild-wasm: the profiler bundles the user's function
// before every profile, in a process that loaded esbuild on first use. Each sample is a fresh Node
// process that loads esbuild and bundles a small TypeScript module (first bundle: load + start-up
// of the service or WebAssembly module), then bundles a second one (warm). Prints medians and the
// wasm/native ratios. esbuild-wasm (same version as our esbuild) is fetched with `npm pack` into
// .cache/ (git-ignored; not a dependency).
// Usage: node bench/esbuild-startup.mjs [--runs n]   (default 5)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const require = createRequire(path.join(repo, 'package.json'));
const nativeFolder = path.dirname(require.resolve('esbuild/package.json'));
const version = JSON.parse(readFileSync(path.join(nativeFolder, 'package.json'), 'utf8')).version;

const cache = path.join(repo, '.cache', 'esbuild-wasm');
const wasmFolder = path.join(cache, `esbuild-wasm@${version}`);
if (!existsSync(path.join(wasmFolder, 'package.json'))) {
  mkdirSync(wasmFolder, { recursive: true });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', `esbuild-wasm@${version}`, '--json', '--pack-destination', cache], {
      encoding: 'utf8',
    }),
  );
  execFileSync('tar', ['xzf', path.join(cache, packed.filename), '-C', wasmFolder, '--strip-components=1']);
}

const sample = (folder) => `
const started = performance.now();
const esbuild = require(${JSON.stringify(folder)});
const options = (contents) => ({ stdin: { contents, loader: 'ts', resolveDir: process.cwd() }, bundle: true, platform: 'node', format: 'cjs', write: false });
esbuild.build(options("import { createHash } from 'node:crypto'; export function f(x: string) { return createHash('sha256').update(x).digest('hex'); }"))
  .then(() => {
    const first = performance.now() - started;
    const warmStart = performance.now();
    return esbuild.build(options('export const g = (x: number) => x * 2;')).then(() => {
      console.log(JSON.stringify({ first, warm: performance.now() - warmStart }));
      esbuild.stop?.();
    });
  });`;

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const results = {};
for (const [name, folder] of [
  ['native', nativeFolder],
  ['wasm', wasmFolder],
]) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ['-e', sample(folder)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`);
    samples.push(JSON.parse(child.stdout));
  }
  results[name] = { first: median(samples.map((s) => s.first)), warm: median(samples.map((s) => s.warm)) };
  console.log(
    `${name.padEnd(6)} esbuild ${version}: load + first bundle ${results[name].first.toFixed(0)} ms, warm bundle ${results[name].warm.toFixed(1)} ms (median of ${runs})`,
  );
}
console.log(
  `wasm/native: first ${(results.wasm.first / results.native.first).toFixed(1)}x, warm ${(results.wasm.warm / results.native.warm).toFixed(1)}x`,
);
