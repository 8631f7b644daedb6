// Runs an exported function of a compiled fixture module several times at once and reports what
// happened on the threads: Workers started, pool.run calls, distinct pools, and the main thread's
// event-loop utilisation while the calls were in flight. Prints one JSON line.
// usage: node offload-probe.mjs <project dir> <module file> <export> <args json file> <calls>
import { createHash } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [projectDir, moduleFile, exportName, argsFile, calls] = process.argv.slice(2);
const require = createRequire(`${projectDir}/package.json`);

// Count Workers: piscina reads `worker_threads.Worker` when it starts one.
const threads = require('node:worker_threads');
let workersStarted = 0;
const OriginalWorker = threads.Worker;
threads.Worker = class CountedWorker extends OriginalWorker {
  constructor(...args) {
    super(...args);
    workersStarted++;
  }
};
// Count pool.run calls and the pools they went to (the ESM entry wraps the same CommonJS class).
const { Piscina } = require('piscina');
const pools = new Set();
let runs = 0;
const originalRun = Piscina.prototype.run;
Piscina.prototype.run = function run(...args) {
  runs++;
  pools.add(this);
  return originalRun.apply(this, args);
};

const module = await import(pathToFileURL(moduleFile).href);
const fn = module[exportName];
const args = JSON.parse(readFileSync(argsFile, 'utf8'));
// warm up (starts the pool's threads), then measure
await fn(...args);
const before = performance.eventLoopUtilization();
const results = await Promise.all(Array.from({ length: Number(calls) }, () => fn(...args)));
const elu = performance.eventLoopUtilization(before).utilization;
// results as digests: a large result written to a pipe right before exit could be cut short
const digests = results.map((r) => createHash('sha256').update(JSON.stringify(r)).digest('hex'));
writeSync(1, `${JSON.stringify({ elu, workersStarted, runs, pools: pools.size, results: digests })}\n`);
process.exit(0);
