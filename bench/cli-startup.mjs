// One-file CLI scan speed: `concurrency-lens scan <one file of the demo>` (no typed program: files
// named one by one skip it) against `--version` (loading the CLI and nothing else) and against a
// scan of the demo folder (typed program). Each sample is a fresh process; prints the median wall
// time and the median CPU time (user + system, read from /proc: Linux only) of --runs samples
// (default 5). On a loaded machine the wall time waits for a CPU; CPU time is the cost itself.
//
// Usage: node bench/cli-startup.mjs [--runs n] [--node path] [--cache warm|cold] [--compare <checkout>]
//   --cache warm (default): the code cache (src/shared/code-cache.ts) as on every run after the
//     first, warmed by an uncounted run; cold: an empty cache folder for every sample.
//   --compare: another checkout with a built dist/ (e.g. an older commit), run alternately with
//     this one, sample by sample, and the ratios printed: fair on a busy machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    node: { type: 'string' },
    cache: { type: 'string', default: 'warm' },
    compare: { type: 'string' },
  },
});
const node = values.node ? path.resolve(values.node) : process.execPath;
const checkouts = [repo, ...(values.compare ? [path.resolve(values.compare)] : [])];
const label = (checkout) => (checkout === repo ? 'this checkout' : checkout);

/** CPU milliseconds of this process's reaped children so far (utime + stime of /proc/self/stat, fields 16-17). */
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const cases = [
  ['--version', ['--version']],
  ['scan src/server.ts', ['scan', 'src/server.ts']],
  ['scan . (typed, 12 files)', ['scan', '.']],
];
const work = mkdtempSync(path.join(os.tmpdir(), 'cl-cli-startup-'));
/** One sample: a fresh process of `checkout`'s CLI; returns [wall ms, CPU ms]. */
function sample(checkout, args, cacheDir) {
  // Node's own compile cache stays off: the launcher's code cache is what is measured.
  const env = { ...process.env, CONCURRENCY_LENS_CODE_CACHE: cacheDir };
  delete env.NODE_COMPILE_CACHE;
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const child = spawnSync(node, [path.join(checkout, 'bin/concurrency-lens.js'), ...args], {
    cwd: path.join(repo, 'examples/demo-service'),
    encoding: 'utf8',
    env,
  });
  const wall = performance.now() - started;
  if (child.status !== 0 && child.status !== 1)
    throw new Error(`${args.join(' ')}: exit ${child.status}\n${child.stderr}`);
  return [wall, childrenCpuMs() - cpuBefore];
}

const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(
  `CLI start-up, cwd examples/demo-service, Node ${nodeVersion}, code cache ${values.cache}, median of ${values.runs}, load average ${os.loadavg()[0].toFixed(1)}`,
);
try {
  for (const [name, args] of cases) {
    const results = checkouts.map(() => ({ wall: [], cpu: [] }));
    const warmDirs = checkouts.map((_, k) => path.join(work, `warm-${k}`));
    if (values.cache === 'warm')
      for (const [k, checkout] of checkouts.entries()) sample(checkout, args, warmDirs[k]);
    for (let i = 0; i < Number(values.runs); i++) {
      for (const [k, checkout] of checkouts.entries()) {
        const cacheDir = values.cache === 'warm' ? warmDirs[k] : path.join(work, `cold-${name}-${k}-${i}`);
        const [wall, cpu] = sample(checkout, args, cacheDir);
        results[k].wall.push(wall);
        results[k].cpu.push(cpu);
      }
    }
    for (const [k, checkout] of checkouts.entries()) {
      console.log(
        `${name.padEnd(26)} wall ${median(results[k].wall).toFixed(0).padStart(5)} ms   cpu ${median(results[k].cpu).toFixed(0).padStart(5)} ms   ${label(checkout)}`,
      );
    }
    if (checkouts.length > 1) {
      const ratio = (key) => (median(results[0][key]) / median(results[1][key])).toFixed(2);
      console.log(
        `${''.padEnd(26)} ratio this / ${label(checkouts[1])}: wall ${ratio('wall')}, cpu ${ratio('cpu')}`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
