// Prints every finding and skipped-file note of a scan, one JSON line each, sorted, with nothing
// that varies between runs (durations): diff the output of two builds to show that a speed change
// changed no finding. Scans the way bench/scan.mjs's scan-1-thread mode does.
// Usage: node bench/findings-digest.mjs [corpus-dir] [--cli <path to a build's dist/cli.js>] > out.jsonl
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliFlag = process.argv.indexOf('--cli');
const cli = cliFlag === -1 ? path.join(repo, 'dist/cli.js') : path.resolve(process.argv[cliFlag + 1]);
const corpus =
  process.argv.slice(2).find((a, i, all) => a !== '--cli' && all[i - 1] !== '--cli') ?? '/tmp/cl-perf-corpus';

const api = createRequire(import.meta.url)(cli);
const files = (await api.listSourceFiles([corpus], { baseDir: corpus })).files;
const result = await api.scan({ files, options: api.defaultOptions(), root: corpus, jobs: 1 });
const lines = [
  ...result.findings.map((finding) => JSON.stringify({ finding })),
  ...result.skipped.map((skipped) => JSON.stringify({ skipped })),
].sort();
process.stdout.write(`${lines.join('\n')}\n`);
console.error(`${result.findings.length} findings, ${result.skipped.length} skipped, ${files.length} files`);
