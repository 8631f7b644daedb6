// Scan-speed benchmark. In one run over the same files it times
//   (a) parse-only: read + ts.createSourceFile (the TypeScript parser, no rules), single thread;
//   (b) the full scan in a single thread (same work as (a) plus the semantic model and all rules);
//   (c) the full scan as the CLI runs it (--jobs default: half the logical CPUs);
//   (d) the full scan on every logical CPU (--jobs = available parallelism), for comparison;
// in rounds that alternate the order of the modes (default 4 rounds: forward, reversed, …), and
// prints each mode's median time with throughput (files/s, MB/s), the ratios of the medians to
// (a) with the range of the per-round ratios, and the highest peak RSS of each mode. Every mode
// runs in a fresh child process (no shared heap) and peak RSS is the kernel's high-water mark
// (process.resourceUsage().maxRSS), which also counts worker threads and moments when this
// thread is busy (a timer sampling RSS would miss exactly those).
// Usage: node bench/scan.mjs [corpus-dir] [--rounds n]   (default corpus: ../shared's, built into /tmp/cl-perf-corpus)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const roundsFlag = process.argv.indexOf('--rounds');
const rounds = roundsFlag === -1 ? 4 : Math.max(1, Number(process.argv[roundsFlag + 1]));
const positional = process.argv.slice(2).filter((a, i, all) => a !== '--rounds' && all[i - 1] !== '--rounds');
const corpus =
  positional[0] ??
  execFileSync('bash', [path.join(repo, '../shared/bench/perf-corpus.sh'), '/tmp/cl-perf-corpus'], {
    encoding: 'utf8',
  }).trim();

if (process.env.CL_BENCH_MODE) {
  await runMode(process.env.CL_BENCH_MODE);
} else {
  const modes = ['parse', 'scan-1-thread', 'scan-cli', 'scan-all-cpus'];
  // This VM's speed drifts over tens of seconds (sustained load is throttled, neighbours come and
  // go), so modes run in rounds of alternating order and each reports its median: every mode sees
  // every position, and one slow moment moves no figure.
  const runs = Object.fromEntries(modes.map((mode) => [mode, []]));
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), corpus], {
        env: { ...process.env, CL_BENCH_MODE: mode },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      if (child.status !== 0) {
        console.error(child.stderr);
        process.exit(1);
      }
      runs[mode].push(JSON.parse(child.stdout.trim().split('\n').pop()));
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const results = Object.fromEntries(
    modes.map((mode) => [
      mode,
      {
        ...runs[mode][0],
        ms: median(runs[mode].map((r) => r.ms)),
        peakRss: Math.max(...runs[mode].map((r) => r.peakRss)),
      },
    ]),
  );
  /** per-round ratios parse/mode: how far the noise moves the figure */
  const spread = (mode) => {
    const ratios = runs[mode].map((r, i) => runs.parse[i].ms / r.ms);
    return `rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
  };
  const { parse } = results;
  console.log(
    `corpus: ${corpus} — ${parse.files} files, ${(parse.bytes / 1048576).toFixed(1)} MB; median of ${rounds} rounds`,
  );
  for (const mode of modes) {
    const r = results[mode];
    console.log(
      `${mode.padEnd(14)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${(r.files / (r.ms / 1000)).toFixed(0).padStart(6)} files/s  ${(r.bytes / 1048576 / (r.ms / 1000)).toFixed(1).padStart(6)} MB/s  peak RSS ${(r.peakRss / 1048576).toFixed(0)} MB${r.findings !== undefined ? `  findings ${r.findings}, skipped ${r.skipped}` : ''}`,
    );
  }
  const jobsNote = (mode) => `--jobs ${results[mode].jobs}`;
  console.log(
    `throughput ratio scan-1-thread / parse-only: ${(parse.ms / results['scan-1-thread'].ms).toFixed(2)}x (${spread('scan-1-thread')}; target >= 0.7)`,
  );
  console.log(
    `throughput ratio scan-cli      / parse-only: ${(parse.ms / results['scan-cli'].ms).toFixed(2)}x (${spread('scan-cli')}; ${jobsNote('scan-cli')}, the default here)`,
  );
  console.log(
    `throughput ratio scan-all-cpus / parse-only: ${(parse.ms / results['scan-all-cpus'].ms).toFixed(2)}x (${spread('scan-all-cpus')}; ${jobsNote('scan-all-cpus')})`,
  );
}

async function runMode(mode) {
  // The bundled CLI exports what the benchmark needs, so it measures exactly the shipped code,
  // loaded with require() as bin/concurrency-lens.js loads it.
  const api = createRequire(import.meta.url)(path.join(repo, 'dist/cli.js'));
  const files = (await api.listSourceFiles([corpus], { baseDir: corpus })).files;
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const started = performance.now();
  let extra = {};
  if (mode === 'parse') {
    const ts = api.typescript;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // the parser's default (no parent pointers): the cheapest parse, the strictest baseline
      ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, api.scriptKindOf(file));
    }
  } else {
    const options = api.defaultOptions();
    const jobs =
      mode === 'scan-1-thread' ? 1 : mode === 'scan-all-cpus' ? os.availableParallelism() : api.defaultJobs();
    const result = await api.scan({ files, options, root: corpus, jobs });
    extra = { findings: result.findings.length, skipped: result.skipped.length, jobs };
  }
  const ms = performance.now() - started;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ mode, files: files.length, bytes, ms, peakRss, ...extra }));
}
