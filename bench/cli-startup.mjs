// One-file CLI scan speed: `concurrency-lens scan <one file of the demo>` (no typed program: files
// named one by one skip it) against `--version` (loading the CLI and nothing else) and against a
// scan of the demo folder (typed program). Each sample is a fresh process; prints the median wall
// time and the median CPU time (user + system, read from /proc: Linux only) of --runs samples
// (default 5). On a loaded machine the wall time waits for a CPU; CPU time is the cost itself.
// Usage: node bench/cli-startup.mjs [--runs n] [--node path]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, node: { type: 'string' } },
});
const node = values.node ?? process.execPath;
const demo = path.join(repo, 'examples/demo-service');
const bin = path.join(repo, 'bin/concurrency-lens.js');

/** CPU seconds of this process's reaped children so far (utime + stime of /proc/self/stat, fields 16-17). */
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
for (const [name, args] of cases) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const child = spawnSync(node, [bin, ...args], { cwd: demo, encoding: 'utf8' });
    wall.push(performance.now() - started);
    cpu.push(childrenCpuMs() - cpuBefore);
    if (child.status !== 0 && child.status !== 1)
      throw new Error(`${name}: exit ${child.status}\n${child.stderr}`);
  }
  console.log(
    `${name.padEnd(26)} wall ${median(wall).toFixed(0).padStart(5)} ms   cpu ${median(cpu).toFixed(0).padStart(5)} ms   (median of ${values.runs}, ${path.basename(node)} ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()})`,
  );
}
