// Profiler overhead benchmark. In one run it measures
//   (a) end to end: time from profileFunction() to its result for a function that runs ~100 ms,
//       with the default settings (target < 1.5 s), split into bundle, start-up, the function's
//       own runs and the rest;
//   (b) accuracy: the reported cpuRatio against an independent measurement taken from outside the
//       child, /proc/<pid>/stat (utime + stime of the whole process) over the measured runs, and
//       against pidusage's figure, for a CPU-bound, a mixed and an I/O-bound workload.
// Prints figures, asserts nothing. Usage: node bench/profile.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workloads = path.join(repo, 'test/fixtures/profiler/workloads.mjs');

// Build the profiler the way dist/ holds it (library + profiler-harness.js side by side), inside the
// repo so piscina and pidusage resolve from its node_modules.
const outdir = path.join(repo, '.cl-tmp', `bench-${process.pid}`);
mkdirSync(outdir, { recursive: true });
process.on('exit', () => {
  rmSync(outdir, { recursive: true, force: true });
  try {
    rmdirSync(path.dirname(outdir)); // .cl-tmp itself, when no other run uses it
  } catch {}
});
await esbuild.build({
  entryPoints: {
    profiler: path.join(repo, 'src/profiler/index.ts'),
    'profiler-harness': path.join(repo, 'src/profiler/harness.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['esbuild', 'piscina'],
  logLevel: 'warning',
});
const { profileFunction } = createRequire(import.meta.url)(path.join(outdir, 'profiler.js'));

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a whole process, ms, from /proc/<pid>/stat (fields 14 and 15). */
function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return undefined;
  }
}

async function profileWithOutsideView(functionName, args, extra = {}) {
  const marks = {};
  const started = performance.now();
  const result = await profileFunction({
    file: workloads,
    functionName,
    args,
    ...extra,
    onProgress(event) {
      if (event.type === 'measure')
        marks[event.edge] = { at: performance.now(), cpuMs: processCpuMs(event.pid) };
    },
  });
  const endToEndMs = performance.now() - started;
  if (!result.ok) throw new Error(`${functionName}: ${result.error.kind}: ${result.error.message}`);
  const { start, end } = marks;
  const independentRatio =
    start?.cpuMs !== undefined && end?.cpuMs !== undefined
      ? (end.cpuMs - start.cpuMs) / (end.at - start.at)
      : undefined;
  return { result, endToEndMs, independentRatio };
}

const fmt = (value, digits = 0) => (value === undefined ? 'n/a' : value.toFixed(digits));

// Warm the file system cache and esbuild's service once, as a second command in an editor would.
await profileWithOutsideView('cpuLoop', [5], { runs: 1, warmupMs: 0 });

console.log('Profiler overhead benchmark');
console.log(`node ${process.version}, ${process.platform}/${process.arch}, CLK_TCK ${ticksPerSecond}\n`);

console.log('(a) end to end, cpuLoop(100): a function that runs ~100 ms, default settings');
const endToEnd = [];
for (let i = 0; i < 3; i++) {
  const { result, endToEndMs } = await profileWithOutsideView('cpuLoop', [100]);
  const functionMs =
    result.runs.reduce((sum, run) => sum + run.wallMs, 0) + result.warmupRuns * result.wallMs;
  endToEnd.push(endToEndMs);
  console.log(
    `  run ${i + 1}: ${fmt(endToEndMs)} ms end to end = bundle ${fmt(result.timing.bundleMs)} + start-up ${fmt(result.timing.startupMs)} + function ${fmt(functionMs)} (${result.warmupRuns} warm-up + ${result.runs.length} runs) + other ${fmt(endToEndMs - result.timing.bundleMs - result.timing.startupMs - functionMs)} ms`,
  );
}
const { result: single, endToEndMs: singleMs } = await profileWithOutsideView('cpuLoop', [100], {
  runs: 1,
  warmupMs: 0,
});
console.log(`  median ${fmt(endToEnd.sort((a, b) => a - b)[1])} ms (target < 1500 ms)`);
console.log(
  `  --runs 1: ${fmt(singleMs)} ms end to end for ${single.warmupRuns + single.runs.length} calls of ~100 ms (the floor)\n`,
);

console.log(
  '(b) reported ratio vs independent /proc/<pid>/stat (process utime+stime / wall, read by the parent)',
);
console.log('    and pidusage, over the measured runs. rawCpuRatio is the comparable figure; cpuRatio also');
console.log("    takes out of the wall time the main thread's wait for a CPU (machine load).");
console.log(
  '  workload            cpuRatio  rawCpuRatio   /proc  raw÷/proc  raw−/proc  pidusage  run-queue wait  class',
);
for (const [name, args, label] of [
  ['cpuLoop', [100], 'cpuLoop(100)'],
  ['halfAndHalf', [100], 'halfAndHalf(100)'],
  ['onlyTimers', [100], 'onlyTimers(100)'],
]) {
  const { result, independentRatio } = await profileWithOutsideView(name, args, { budgetMs: 1000 });
  const quotient = independentRatio ? result.rawCpuRatio / independentRatio : undefined;
  const difference = independentRatio !== undefined ? result.rawCpuRatio - independentRatio : undefined;
  console.log(
    `  ${label.padEnd(18)}  ${fmt(result.cpuRatio, 3).padStart(8)}  ${fmt(result.rawCpuRatio, 3).padStart(11)}  ${fmt(independentRatio, 3).padStart(6)}  ${fmt(quotient, 3).padStart(9)}  ${fmt(difference, 3).padStart(9)}  ${fmt(result.pidusage.cpuPercent / 100, 3).padStart(8)}  ${`${fmt(result.runQueueWaitMs, 1)} ms`.padStart(14)}  ${result.classification}`,
  );
}
