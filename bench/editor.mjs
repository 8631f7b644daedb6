// Editor benchmark, in the real VS Code extension host (code-server, see test/integration/):
//   activation time, edit → diagnostics time for a 3,000-line file, and the longest extension-host
//   event-loop stall during a workspace scan of the 29 MB corpus.
// Targets (issue 3): activation < 50 ms, edit analysis < 30 ms, no stall > 20 ms.
//
//   node bench/editor.mjs [corpus-dir] [--edits N] [--debounce ms (default 100, the setting's default)] [--profile]
//   node bench/editor.mjs --first-diagnostic [--runs 5] [--cache cold|warm] [--compare <other checkout>]
//     --cache cold: the server's compile cache is empty in every window (the first start after
//     installing); warm: kept from window to window (every later start), warmed by an uncounted window.
//     --compare: another checkout of the extension (built with `node scripts/build.mjs --production`),
//     its windows alternating with this build's, and the ratio printed.
//     a cold window each run (fresh code-server and user data, the demo service as the workspace,
//     default settings): opening src/images.ts → our first diagnostic in it, median of the runs,
//     split into VS Code's part (until our bundle starts evaluating) and ours (issue 11: < 1.5 s).
// The corpus defaults to ../shared/bench/perf-corpus.sh's /tmp/cl-perf-corpus (built when missing).
// Uses the production (minified) bundle, as shipped. Results: .vscode-test/results/bench-editor.json.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  build,
  consoleText,
  ensureInstalled,
  launchBrowser,
  log,
  makeSandbox,
  repo,
  startCodeServer,
  vscodeTest,
  workbenchUrl,
} from '../test/integration/harness.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    edits: { type: 'string', default: '40' },
    profile: { type: 'boolean', default: false },
    debounce: { type: 'string', default: '100' },
    timeout: { type: 'string', default: '900' },
    'first-diagnostic': { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    compare: { type: 'string' },
    cache: { type: 'string', default: 'cold' },
  },
});

const corpus = args['first-diagnostic']
  ? undefined
  : (positionals[0] ??
    execFileSync('bash', [path.join(repo, '../shared/bench/perf-corpus.sh'), '/tmp/cl-perf-corpus'], {
      encoding: 'utf8',
    }).trim());
const resultsFile = path.join(vscodeTest, 'results/bench-editor.json');
/** --profile: a CPU profile of the extension host during the workspace scan */
const profileFile = path.join(vscodeTest, 'results/bench-editor-ext-host-scan.cpuprofile');

/** A 3,000-line TypeScript service: 200 routes with helpers, every 20th with a blocking read. */
function bigFile() {
  const lines = [
    "import fs from 'node:fs';",
    "import express from 'express';",
    '',
    'const app = express();',
    '',
  ];
  for (let i = 0; lines.length < 2990; i++) {
    const read =
      i % 20 === 0
        ? `  const data = fs.readFileSync('data${i}.json', 'utf8');`
        : `  const data = await fs.promises.readFile('data${i}.json', 'utf8');`;
    lines.push(
      `export function helper${i}(input: string[]): number {`,
      '  let total = 0;',
      '  for (const item of input) {',
      `    total += item.length * ${i};`,
      '  }',
      '  return total;',
      '}',
      '',
      `app.get('/route${i}', async (req, res) => {`,
      read,
      '  const parsed = JSON.parse(data) as string[];',
      `  res.json({ total: helper${i}(parsed), id: ${i} });`,
      '});',
      '',
      '',
    );
  }
  lines.push('app.listen(3000);', '');
  return lines.join('\n');
}

async function main() {
  ensureInstalled();
  if (!existsSync(corpus)) throw new Error(`no corpus at ${corpus}`);
  const { testsEntry } = await build({ production: true, folder: 'bench' });
  const sandbox = makeSandbox();
  const workspace = path.join(sandbox.dir, 'bench-workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'big.ts'), bigFile());
  cpSync(corpus, path.join(workspace, 'corpus'), { recursive: true });
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  rmSync(resultsFile, { force: true });
  // Baselines: two extensions that do nothing, activated before and after ours. The first absorbs
  // the extension host's one-time costs; the second is VS Code's cost of activating any extension.
  for (const name of ['noop-before', 'noop-after']) {
    const folder = path.join(sandbox.dir, `extensions/concurrency-lens.${name}-0.0.0`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'package.json'),
      JSON.stringify({
        name,
        publisher: 'concurrency-lens',
        version: '0.0.0',
        main: './extension.js',
        engines: { vscode: '^1.90.0' },
      }),
    );
    writeFileSync(path.join(folder, 'extension.js'), 'exports.activate = () => ({});\n');
  }
  let server;
  let browser;
  let exitCode = 1;
  try {
    server = await startCodeServer(sandbox, {
      env: {
        CONCURRENCY_LENS_BENCH_RESULTS: resultsFile,
        CONCURRENCY_LENS_BENCH_EDITS: args.edits,
        ...(args.profile ? { CONCURRENCY_LENS_BENCH_PROFILE: profileFile } : {}),
      },
      settings: {
        // The scan is measured on its own, by command; edits are measured without a quiet period.
        'concurrencyLens.workspaceScan.onStartup': false,
        'concurrencyLens.debounceMs': Number(args.debounce),
        'typescript.disableAutomaticTypeAcquisition': true,
      },
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    const finished = new Promise((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    page.on('console', (message) => {
      const text = consoleText(message);
      if (text.startsWith('[bench]')) log(text.slice(8));
    });
    await page.goto(
      workbenchUrl(server, workspace, {
        extensionDevelopmentPath: repo,
        extensionTestsPath: testsEntry,
      }),
    );
    const outcome = await Promise.race([
      finished,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), Number(args.timeout) * 1000)),
    ]);
    if (outcome === 'timeout') log('timed out');
    exitCode = report();
  } catch (error) {
    log('bench error:', error?.stack ?? error);
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    sandbox.dispose();
  }
  process.exit(exitCode);
}

function report() {
  if (!existsSync(resultsFile)) {
    log('no results');
    return 1;
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  if (results.error) console.log(`error: ${results.error}`);
  const { edit, scan } = results;
  const verdict = (value, target) => (value === undefined ? 'n/a' : value < target ? 'ok' : 'OVER TARGET');
  console.log(`\nVS Code ${results.vscodeVersion}, extension host Node ${results.node}`);
  console.log(
    `activation (require + activate): ${results.activationMs} ms  [target < 50 ms: ${verdict(results.activationMs, 50)}]`,
  );
  console.log(
    `  a no-op extension, same host:   ${results.noopActivationMs} ms (first activation in the host: ${results.noopFirstActivationMs} ms)`,
  );
  console.log(
    `  of which inside activate():     ${results.insideActivateMs} ms (the rest is loading the bundle and VS Code's own work)`,
  );
  const parts = results.activationParts;
  if (parts)
    console.log(
      `  split: VS Code before our code runs (incl. reading and compiling the bundle) ${parts.beforeOurCodeRuns} ms, evaluating our modules ${parts.evaluatingOurModules} ms, VS Code between ${parts.betweenLoadAndActivate} ms, activate() ${parts.insideActivate} ms, VS Code after ${parts.afterActivateReturns} ms`,
    );
  console.log(`server ready after activation:   ${results.serverReadyMs} ms (off the activation path)`);
  if (results.server)
    console.log(`server process: Node ${results.server.node}, flags [${results.server.execArgv.join(' ')}]`);
  if (edit) {
    console.log(
      `${edit.lines}-line file, first diagnostics after open: ${edit.openToDiagnosticsMs} ms (first analysis, cold: ${edit.firstAnalysisMs} ms)`,
    );
    console.log(
      `edit → diagnostics (${edit.edits} edits, end to end, debounce ${args.debounce} ms): median ${edit.endToEndMs.median} ms, p90 ${edit.endToEndMs.p90} ms, max ${edit.endToEndMs.max} ms`,
    );
    console.log(
      `  server analysis per edit (incremental parse + analysis + cross-file pass): median ${edit.analysisMs.median} ms, p90 ${edit.analysisMs.p90} ms, max ${edit.analysisMs.max} ms  [target < 30 ms: ${verdict(edit.analysisMs.median, 30)}]`,
    );
    if (edit.analysisCpuMs)
      console.log(
        `  server CPU time per edit:      median ${edit.analysisCpuMs.median} ms, p90 ${edit.analysisCpuMs.p90} ms (wall minus CPU = waiting for a core)`,
      );
  }
  if (scan) {
    console.log(
      `workspace scan: ${scan.filesScanned} files (${scan.filesSkipped} skipped) in ${scan.wallMs} ms, ${scan.findings} findings in ${scan.filesWithDiagnostics} files`,
    );
    const loop = (w) =>
      `max stall ${w.maxStallMs} ms, p99 ${w.p99Ms} ms, timer gaps > 20 ms: ${w.gapsOver20Ms}, longest gap ${w.longestTimerGapMs} ms (extension-host CPU in it: ${w.cpuDuringLongestGapMs} ms), longest gap with the host busy ${w.longestBusyGapMs} ms`;
    console.log(
      `  extension-host event loop during the scan (${(scan.eventLoop.durationMs / 1000).toFixed(1)} s): ${loop(scan.eventLoop)}  [target < 20 ms: ${verdict(scan.eventLoop.maxStallMs, 20)}]`,
    );
    if (scan.idleBaseline)
      console.log(`  same window length afterwards, server idle:  ${loop(scan.idleBaseline)}`);
  }
  console.log(`results: ${path.relative(repo, resultsFile)}`);
  if (args.profile) console.log(`extension-host profile of the scan: ${path.relative(repo, profileFile)}`);
  return results.error ? 1 : 0;
}

/** One cold window: returns the extension host's firstDiagnostic record. */
/**
 * One cold window: returns the extension host's firstDiagnostic record. `extension`: the folder of
 * the extension to run (this repo or --compare's); `cacheDir`: a compile cache kept between windows
 * (--cache warm), copied into the window's temp folder where the extension points the server's.
 */
async function coldWindow(testsEntry, extension, cacheDir) {
  const sandbox = makeSandbox();
  const workspace = path.join(sandbox.dir, 'demo-service');
  cpSync(path.join(repo, 'examples/demo-service'), workspace, { recursive: true });
  // Where the window's compile caches live: ours (src/shared/code-cache.ts, under XDG_CACHE_HOME)
  // and Node's (NODE_COMPILE_CACHE in the temp folder, used by builds before ours).
  const windowCaches = ['xdg/cache/concurrency-lens', 'tmp/node-compile-cache'];
  if (cacheDir && existsSync(cacheDir)) cpSync(cacheDir, sandbox.dir, { recursive: true });
  const present = windowCaches.flatMap((cache) => {
    const folder = path.join(sandbox.dir, cache);
    return existsSync(folder)
      ? readdirSync(folder, { recursive: true }).filter((f) => /\.bin$|\.cache$/.test(f))
      : [];
  });
  let server;
  let browser;
  try {
    server = await startCodeServer(sandbox, {
      env: { CONCURRENCY_LENS_BENCH_RESULTS: resultsFile, CONCURRENCY_LENS_BENCH_MODE: 'first-diagnostic' },
      settings: { 'typescript.disableAutomaticTypeAcquisition': true },
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    const finished = new Promise((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    page.on('console', (message) => {
      const text = consoleText(message);
      if (text.startsWith('[bench]')) log(text.slice(8));
    });
    rmSync(resultsFile, { force: true });
    await page.goto(
      workbenchUrl(server, workspace, {
        extensionDevelopmentPath: extension,
        extensionTestsPath: testsEntry,
      }),
    );
    await Promise.race([
      finished,
      new Promise((resolve) => setTimeout(resolve, Number(args.timeout) * 1000)),
    ]);
    const results = existsSync(resultsFile)
      ? JSON.parse(readFileSync(resultsFile, 'utf8'))
      : { error: 'no results' };
    if (results.error) throw new Error(results.error);
    return {
      ...results.firstDiagnostic,
      cachesAtStart: present.map((f) => path.basename(f).replace(/-\d.*$/, '')),
    };
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    if (cacheDir) {
      rmSync(cacheDir, { recursive: true, force: true });
      for (const cache of windowCaches) {
        const from = path.join(sandbox.dir, cache);
        if (existsSync(from)) cpSync(from, path.join(cacheDir, cache), { recursive: true });
      }
      const kept = path.join(cacheDir, 'xdg/cache/concurrency-lens/code-cache');
      log(
        `code cache kept: ${
          existsSync(kept)
            ? readdirSync(kept)
                .map((f) => `${f} (${statSync(path.join(kept, f)).size} B)`)
                .join(', ') || 'empty'
            : 'none'
        }`,
      );
    }
    sandbox.dispose();
  }
}

async function firstDiagnostic() {
  ensureInstalled();
  const { testsEntry } = await build({ production: true, folder: 'bench' });
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  // This repo's build, and --compare's (another checkout with a production dist/), alternately.
  const extensions = [repo, ...(args.compare ? [path.resolve(args.compare)] : [])];
  const cacheDirs = extensions.map((_, i) =>
    args.cache === 'warm' ? path.join(vscodeTest, `tmp/bench-compile-cache-${i}`) : undefined,
  );
  for (const dir of cacheDirs) if (dir) rmSync(dir, { recursive: true, force: true });
  const runsOf = extensions.map(() => []);
  if (args.cache === 'warm') {
    log('warming the compile caches (a first window per build, not counted)');
    for (const [k, extension] of extensions.entries()) await coldWindow(testsEntry, extension, cacheDirs[k]);
  }
  for (let i = 0; i < Number(args.runs); i++) {
    for (const [k, extension] of extensions.entries()) {
      const run = await coldWindow(testsEntry, extension, cacheDirs[k]);
      run.vscodePartMs = run.vscodeBeforeOurCodeMs + run.vscodeBetweenLoadAndActivateMs;
      run.oursPartMs = run.openToFirstDiagnosticMs - run.vscodePartMs;
      run.afterActivateMs = run.openToFirstDiagnosticMs - run.timeline.activateEnds;
      // The squiggle can only be seen once the editor is: the later of the two.
      run.squiggleVisibleMs = Math.max(run.openToFirstDiagnosticMs, run.editorShownMs);
      log(`run ${i + 1} (${extension}): ${JSON.stringify(run)}`);
      runsOf[k].push(run);
    }
  }
  const medians = extensions.map((extension, k) => summarize(extension, runsOf[k]));
  if (extensions.length > 1) {
    console.log(
      `\nratio this build / ${extensions[1]}: open → diagnostic ${(medians[0].total / medians[1].total).toFixed(2)}, ours ${(medians[0].ours / medians[1].ours).toFixed(2)}, squiggle visible ${(medians[0].squiggle / medians[1].squiggle).toFixed(2)} (same run, windows alternating)`,
    );
  }
  for (const dir of cacheDirs) if (dir) rmSync(dir, { recursive: true, force: true });
  writeFileSync(
    path.join(vscodeTest, 'results/bench-first-diagnostic.json'),
    JSON.stringify(Object.fromEntries(extensions.map((extension, k) => [extension, runsOf[k]])), null, 2),
  );
  process.exit(0);
}

/** Prints one build's medians and timeline; returns its medians. */
function summarize(extension, runs) {
  const median = (key) => {
    const values = runs
      .map((run) => run[key])
      .filter((value) => typeof value === 'number')
      .sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  const range = (key) =>
    `${Math.min(...runs.map((run) => run[key]))}–${Math.max(...runs.map((run) => run[key]))}`;
  const total = median('openToFirstDiagnosticMs');
  const tally = (key) =>
    Object.entries(
      runs.reduce((counts, run) => {
        const value = Array.isArray(run[key]) ? run[key].join(' + ') || 'none' : String(run[key]);
        counts[value] = (counts[value] ?? 0) + 1;
        return counts;
      }, {}),
    )
      .map(([value, count]) => `${value} ×${count}`)
      .join(', ');
  console.log(
    `\n${extension === repo ? 'this build' : extension}, compile cache ${args.cache}: cold window, open src/images.ts → first diagnostic, median of ${runs.length}: ${total} ms (range ${range('openToFirstDiagnosticMs')})  [target < 1500 ms: ${total < 1500 ? 'ok' : 'OVER TARGET'}]  load average ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(
    `  editor shown (showTextDocument resolved) ${median('editorShownMs')} ms; squiggle visible (the later of editor shown and diagnostic) ${median('squiggleVisibleMs')} ms (range ${range('squiggleVisibleMs')})`,
  );
  console.log(`  caches at the window's start: ${tally('cachesAtStart')}`);
  console.log(
    `  server bundle compiled with: ${tally('serverCodeCache')}; server cache on disk ${median('serverCacheWrittenMs') ?? 'never'} ms after open (median)`,
  );
  const vscodePart = median('vscodePartMs');
  console.log(
    `  VS Code's part: ${vscodePart} ms = until our bundle starts evaluating ${median('vscodeBeforeOurCodeMs')} ms + between loading it and calling activate() ${median('vscodeBetweenLoadAndActivateMs')} ms`,
  );
  console.log(
    `  ours:           ${median('oursPartMs')} ms = evaluating our bundle ${median('evaluatingOurModulesMs')} ms + activate() ${median('insideActivateMs')} ms + activate() returned → diagnostic shown ${median('afterActivateMs')} ms`,
  );
  console.log('  timeline (median ms after the open call; extension host | server process):');
  const steps = [
    ['ourBundleEvaluates', 'host: our bundle starts evaluating'],
    ['activateStarts', 'host: activate() called'],
    ['serverForked', 'host: server process forked (as our bundle evaluates)'],
    ['activateEnds', 'host: activate() returns'],
    ['serverProcessStarts', 'server: process clock starts'],
    ['serverBundleEvaluates', 'server: bundle starts evaluating (Node bootstrap, compile)'],
    ['clientLibraryLoaded', 'host: language client library loaded'],
    ['serverModulesEvaluated', 'server: bundle evaluated (TypeScript, engine, LSP library)'],
    ['serverGetsInitialize', 'server: initialize request arrives'],
    ['initializeAnswered', 'host: initialize answered'],
    ['firstAnalysisStarts', 'server: first analysis starts'],
    ['firstAnalysisEnds', 'server: first analysis ends'],
    ['serverGetsWorkspacePull', 'server: workspace diagnostics request arrives'],
    ['openFileInWorkspaceReport', 'server: the opened file sent in a workspace report'],
    ['diagnosticShown', 'host: diagnostic in the Problems model'],
  ];
  for (const [key, label] of steps) {
    const values = runs.map((run) => run.timeline?.[key]).filter((value) => typeof value === 'number');
    if (values.length === 0) continue;
    const sorted = values.sort((a, b) => a - b);
    console.log(`    ${String(sorted[Math.floor(sorted.length / 2)]).padStart(6)}  ${label}`);
  }
  return { total, ours: median('oursPartMs'), squiggle: median('squiggleVisibleMs') };
}

if (args['first-diagnostic']) await firstDiagnostic();
else await main();
