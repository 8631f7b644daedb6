// Dependency reading, measured on a project with node_modules: the CLI scan's wall time with
// dependency reading off (`"dependencies": false`), on with a cold cache (no summaries on disk),
// and on with a warm cache (the summaries of the previous run), and the ratios to "off".
//
//   node bench/deps.mjs                      # json-server 0.17.4 with its production deps installed
//   node bench/deps.mjs --project DIR        # any project that has node_modules
//   node bench/deps.mjs --rounds 5 --cli bin/concurrency-lens.js
//
// The default project is the accuracy set's json-server (bench/accuracy, fetched by
// bench/accuracy/fetch.mjs) copied to a temporary folder, where `npm install --omit=dev
// --ignore-scripts` installs its dependencies once (about a minute; kept for the next run).
// Speed is reported, never asserted (the machine may be shared).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const args = {
    project: undefined,
    rounds: 3,
    cli: path.join(repoRoot, 'bin/concurrency-lens.js'),
    accuracy: path.join(repoRoot, '.cache/accuracy'),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    if (flag === '--project') args.project = path.resolve(value());
    else if (flag === '--rounds') args.rounds = Number(value());
    else if (flag === '--cli') args.cli = path.resolve(value());
    else if (flag === '--accuracy-dest') args.accuracy = path.resolve(value());
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

/** json-server from the accuracy set, with its dependencies installed, in a temporary folder. */
function defaultProject(accuracyDest) {
  const dir = path.join(os.tmpdir(), 'cl-deps-bench');
  if (fs.existsSync(path.join(dir, 'node_modules', 'express'))) return dir;
  const source = path.join(accuracyDest, 'json-server');
  if (!fs.existsSync(source)) {
    throw new Error(
      `${source} is missing: run node bench/accuracy/fetch.mjs (or pass --accuracy-dest / --project)`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(source, dir, { recursive: true });
  console.log(`installing json-server's dependencies in ${dir} (once)…`);
  const install = spawnSync(
    'npm',
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'],
    { cwd: dir, stdio: 'inherit' },
  );
  if (install.status !== 0) throw new Error('npm install failed');
  return dir;
}

function scan(cli, project, config) {
  const started = process.hrtime.bigint();
  const run = spawnSync(
    process.execPath,
    [cli, 'scan', '.', '--no-gitignore', '--format', 'json', '--config', config],
    { cwd: project, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`scan failed (exit ${run.status}): ${run.stderr.slice(0, 400)}`);
  const report = JSON.parse(run.stdout);
  const dependency = report.findings.filter((f) => f.messageId === 'dependency');
  // the scan's own time (reading, analysis, finalizing) without process start-up
  return {
    ms,
    scanMs: report.durationMs,
    findings: report.findings.length,
    dependency,
    files: report.filesAnalyzed,
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const args = parseArgs(process.argv.slice(2));
const project = args.project ?? defaultProject(args.accuracy);
if (!fs.existsSync(path.join(project, 'node_modules'))) throw new Error(`${project} has no node_modules`);
const cacheDir = path.join(project, 'node_modules', '.cache', 'concurrency-lens', 'deps');
// config files next to the project's own (the scan root is the config file's folder)
const off = path.join(project, '.cl-bench-deps-off.json');
const on = path.join(project, '.cl-bench-deps-on.json');
fs.writeFileSync(off, JSON.stringify({ dependencies: false }));
fs.writeFileSync(on, JSON.stringify({ dependencies: true }));
const times = { off: [], cold: [], warm: [] };
const scanTimes = { off: [], cold: [], warm: [] };
let last;
try {
  scan(args.cli, project, off); // warm the file system and the CLI's own code cache
  for (let round = 0; round < args.rounds; round++) {
    const offRun = scan(args.cli, project, off);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    const coldRun = scan(args.cli, project, on);
    last = scan(args.cli, project, on);
    for (const [kind, run] of [
      ['off', offRun],
      ['cold', coldRun],
      ['warm', last],
    ]) {
      times[kind].push(run.ms);
      scanTimes[kind].push(run.scanMs);
    }
  }
} finally {
  fs.rmSync(off, { force: true });
  fs.rmSync(on, { force: true });
}

const packages = fs.existsSync(cacheDir)
  ? fs.readdirSync(cacheDir).flatMap((engine) => fs.readdirSync(path.join(cacheDir, engine)))
  : [];
const installed = fs.readdirSync(path.join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
console.log(`project: ${project}`);
console.log(
  `${last.files} files scanned, ${installed.length} entries in node_modules, ${packages.length} packages read (summaries cached)`,
);
console.log(`findings: ${last.findings}, of them at calls into dependencies: ${last.dependency.length}`);
for (const finding of last.dependency)
  console.log(`  ${finding.file}:${finding.range.start.line} ${finding.message}`);
for (const [title, series] of [
  ['scan time reported by the CLI (durationMs)', scanTimes],
  ['wall time of the CLI process', times],
]) {
  const m = { off: median(series.off), cold: median(series.cold), warm: median(series.warm) };
  console.log(`\nmedian of ${args.rounds} rounds, ${title}, ms:`);
  console.log(`  dependencies off     ${m.off.toFixed(0)}`);
  console.log(`  on, cold cache       ${m.cold.toFixed(0)}   ${(m.cold / m.off).toFixed(2)}x off`);
  console.log(`  on, warm cache       ${m.warm.toFixed(0)}   ${(m.warm / m.off).toFixed(2)}x off`);
  console.log(`  rounds: off ${fmt(series.off)}; cold ${fmt(series.cold)}; warm ${fmt(series.warm)}`);
}

function fmt(values) {
  return values.map((v) => v.toFixed(0)).join(' ');
}
