// The editor benchmark's extension-host side (driven by bench/editor.mjs), measured in the real
// extension host:
//   1. activation: require + activate() of the extension, and the time until the server answers;
//   2. edit → updated diagnostics for a 3,000-line file, end to end and the server's analysis time;
//   3. the longest extension-host event-loop stall while a workspace scan of the corpus runs.
// Results go to CONCURRENCY_LENS_BENCH_RESULTS as JSON.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { ConcurrencyLensApi } from '../../../src/client/api.js';
import { codeCacheDir } from '../../../src/shared/code-cache.js';
import type { ScanWorkspaceResult, StatusParams } from '../../../src/shared/protocol.js';

const extensionId = 'concurrency-lens.concurrency-lens';
const edits = Number(process.env.CONCURRENCY_LENS_BENCH_EDITS || 40);

export async function run(): Promise<void> {
  const results: Record<string, unknown> = { vscodeVersion: vscode.version, node: process.version };
  const write = () =>
    writeFileSync(process.env.CONCURRENCY_LENS_BENCH_RESULTS!, JSON.stringify(results, null, 2));
  if (process.env.CONCURRENCY_LENS_BENCH_MODE === 'first-diagnostic') {
    try {
      results.firstDiagnostic = await measureFirstDiagnostic();
    } catch (error) {
      results.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    }
    write();
    return;
  }
  try {
    const extension = vscode.extensions.getExtension<ConcurrencyLensApi>(extensionId);
    if (!extension) throw new Error(`${extensionId} is not installed`);
    results.activeBeforeBench = extension.isActive;
    // Baselines: no-op extensions activated before ours (absorbs one-time costs) and after it.
    results.noopFirstActivationMs = await activateNoop('concurrency-lens.noop-before');
    const activationStart = performance.now();
    const api = await extension.activate();
    const activationEnd = performance.now();
    results.activationMs = round(activationEnd - activationStart);
    const clock = api.activationClock;
    if (clock) {
      results.activationParts = {
        beforeOurCodeRuns: round(clock.moduleEvaluationStartedAt - activationStart),
        evaluatingOurModules: round(clock.modulesEvaluatedAt - clock.moduleEvaluationStartedAt),
        betweenLoadAndActivate: round(clock.activateStartedAt - clock.modulesEvaluatedAt),
        insideActivate: round(clock.activateEndedAt - clock.activateStartedAt),
        afterActivateReturns: round(activationEnd - clock.activateEndedAt),
      };
    }
    results.insideActivateMs = round(api.activateMs ?? Number.NaN);
    const readyStart = performance.now();
    await api.whenReady();
    results.serverReadyMs = round(performance.now() - readyStart);
    results.noopActivationMs = await activateNoop('concurrency-lens.noop-after');
    const info = await api.serverInfo();
    results.server = { node: info.node, execArgv: info.execArgv };
    log(
      `activation ${results.activationMs} ms (inside activate(): ${results.insideActivateMs} ms), server ready after ${results.serverReadyMs} ms more`,
    );
    write();

    results.edit = await measureEdits(api);
    write();
    results.scan = await measureScan(api);
  } catch (error) {
    results.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  write();
}

/**
 * A cold window: the extension is not active yet. Opening a file activates it (onLanguage), which
 * starts the server, which analyses the file. Measured from the call that opens the file to our
 * first diagnostic in it, split at the moment our bundle starts evaluating (before it: VS Code's
 * part, including its own start of the TypeScript extension) and at the server's start.
 */
async function measureFirstDiagnostic() {
  const extension = vscode.extensions.getExtension<ConcurrencyLensApi>(extensionId);
  if (!extension) throw new Error(`${extensionId} is not installed`);
  if (extension.isActive) throw new Error('the extension is already active: the window is not cold');
  const folder = vscode.workspace.workspaceFolders![0]!.uri;
  const uri = vscode.Uri.joinPath(folder, 'src/images.ts');
  let serverStartedAt: number | undefined;
  const opened = performance.now();
  const diagnosed = diagnosticsWhere(uri, (count) => count > 0);
  const activated = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (!extension.isActive) return;
      clearInterval(poll);
      extension.exports.onDidStartServer(() => {
        serverStartedAt ??= performance.now();
      });
      resolve();
    }, 1);
  });
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const shownAt = performance.now();
  await diagnosed;
  const diagnosedAt = performance.now();
  await activated;
  const clock = extension.exports.activationClock!;
  const start = extension.exports.serverStartClock ?? {};
  // The server's marks (its own performance.now(), from its timeOrigin) on this host's clock.
  const info = await extension.exports.serverInfo();
  const server = (mark: string) => {
    const value = info.startup?.[mark];
    return value === undefined || info.startup === undefined
      ? undefined
      : info.startup.timeOrigin + value - performance.timeOrigin;
  };
  const since = (at: number | undefined) => (at === undefined ? undefined : round(at - opened));
  const result = {
    file: 'src/images.ts',
    openToFirstDiagnosticMs: round(diagnosedAt - opened),
    editorShownMs: round(shownAt - opened),
    vscodeBeforeOurCodeMs: round(clock.moduleEvaluationStartedAt - opened),
    oursMs: round(diagnosedAt - clock.moduleEvaluationStartedAt),
    ourActivationMs: round(clock.activateEndedAt - clock.moduleEvaluationStartedAt),
    evaluatingOurModulesMs: round(clock.modulesEvaluatedAt - clock.moduleEvaluationStartedAt),
    vscodeBetweenLoadAndActivateMs: round(clock.activateStartedAt - clock.modulesEvaluatedAt),
    insideActivateMs: round(clock.activateEndedAt - clock.activateStartedAt),
    activateToServerStartedMs:
      serverStartedAt === undefined ? undefined : round(serverStartedAt - clock.activateEndedAt),
    serverStartedToDiagnosticMs:
      serverStartedAt === undefined ? undefined : round(diagnosedAt - serverStartedAt),
    // Timeline, ms after the open call: the extension host's steps and the server process's.
    timeline: {
      ourBundleEvaluates: since(clock.moduleEvaluationStartedAt),
      activateStarts: since(clock.activateStartedAt),
      serverForked: since(start.forkedAt),
      activateEnds: since(clock.activateEndedAt),
      serverProcessStarts: since(info.startup ? info.startup.timeOrigin - performance.timeOrigin : undefined),
      serverBundleEvaluates: since(server('bundleEvaluationStartedAt')),
      serverModulesEvaluated: since(server('modulesEvaluatedAt')),
      clientLibraryLoaded: since(start.clientLibraryLoadedAt),
      serverGetsInitialize: since(server('initializeReceivedAt')),
      initializeAnswered: since(start.initializeAnsweredAt),
      firstAnalysisStarts: since(server('firstAnalysisStartedAt')),
      firstAnalysisEnds: since(server('firstAnalysisEndedAt')),
      serverGetsWorkspacePull: since(server('workspacePullReceivedAt')),
      openFileInWorkspaceReport: since(server('openDocumentReportedAt')),
      serverStartedEvent: since(serverStartedAt),
      diagnosticShown: since(diagnosedAt),
    },
    diagnostics: ours(uri).length,
    // How the server bundle was compiled (src/shared/code-cache.ts): 'cache accepted' in a warm window.
    serverCodeCache: info.codeCache?.['server.js'] ?? 'n/a (a build without the code-cache loader)',
    // When the server's code cache existed (ms after the open call; waited for below).
    serverCacheWrittenMs: undefined as number | undefined,
  };
  // The window stays open until the server's cache is on disk (a helper process writes it after the
  // first answer; builds before it wrote it 5 s into the server): a warm window then really starts
  // with one, and no helper of this window runs on into the next.
  const written = await waitForCodeCache('server.js', 30_000);
  result.serverCacheWrittenMs = written === undefined ? undefined : round(written - opened);
  // The client library's cache is written by the extension host at exit or 5 s after loading it
  // (src/shared/code-cache.ts); a window closed earlier left none for the next.
  await waitForCodeCache('language-client.js', 15_000);
  log(
    `first diagnostic ${result.openToFirstDiagnosticMs} ms after opening (VS Code before our code ${result.vscodeBeforeOurCodeMs} ms, ours ${result.oursMs} ms)`,
  );
  return result;
}

/** When a bundle's code cache is in the user's cache folder (polled; undefined: not within `timeoutMs`). */
async function waitForCodeCache(bundle: string, timeoutMs: number): Promise<number | undefined> {
  const folder = codeCacheDir();
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (
      existsSync(folder) &&
      readdirSync(folder).some((f) => f.startsWith(`${bundle}-`) && f.endsWith('.bin'))
    )
      return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

async function measureEdits(api: ConcurrencyLensApi) {
  const folder = vscode.workspace.workspaceFolders![0]!.uri;
  const uri = vscode.Uri.joinPath(folder, 'big.ts');
  const openStart = performance.now();
  const firstAnalysis = nextStatus(api, (status) => status.lastAnalysis?.uri.endsWith('/big.ts') === true);
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  await diagnosticsWhere(uri, (count) => count > 0);
  const openToDiagnosticsMs = round(performance.now() - openStart);
  const firstAnalysisMs = (await firstAnalysis).lastAnalysis!.durationMs;
  const lines = editor.document.lineCount;
  log(`${lines}-line file: first diagnostics ${openToDiagnosticsMs} ms after opening`);
  const endToEnd: number[] = [];
  const analysis: number[] = [];
  const analysisCpu: number[] = [];
  for (let k = 0; k < edits; k++) {
    const before = ours(uri).length;
    const anchor = editor.document.getText().indexOf(`app.get('/route${(k * 7 + 3) % 190}'`);
    const line = editor.document.positionAt(anchor).line + 1;
    const editedAt = Date.now();
    const analysed = nextStatus(
      api,
      (status) => status.lastAnalysis?.uri.endsWith('/big.ts') === true && status.lastAnalysis.at >= editedAt,
    );
    const start = performance.now();
    await editor.edit((edit) =>
      edit.insert(new vscode.Position(line, 0), `  const extra${k} = fs.readFileSync('extra${k}.json');\n`),
    );
    await diagnosticsWhere(uri, (count) => count === before + 1);
    endToEnd.push(performance.now() - start);
    const { durationMs, cpuMs } = (await analysed).lastAnalysis!;
    analysis.push(durationMs);
    if (cpuMs !== undefined) analysisCpu.push(cpuMs);
  }
  await vscode.commands.executeCommand('workbench.action.files.revert');
  return {
    lines,
    openToDiagnosticsMs,
    firstAnalysisMs,
    edits,
    endToEndMs: summary(endToEnd),
    analysisMs: summary(analysis),
    analysisCpuMs: analysisCpu.length > 0 ? summary(analysisCpu) : undefined,
  };
}

/**
 * Watches this thread's event loop: the delay histogram (monitorEventLoopDelay) and, directly, the
 * gaps between 1 ms timer ticks with the CPU time this process used in each gap (a gap with little
 * CPU is the OS running other processes, or the VM not running at all, not work on this thread).
 */
function watchEventLoop() {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let longestGap = 0;
  let longestGapCpuMs = 0;
  let gapsOver20Ms = 0;
  /** longest gap in which this process used the CPU for at least half of it: work here, not the OS */
  let longestBusyGap = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const started = last;
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const gap = now - last;
    if (gap > 20) gapsOver20Ms++;
    const gapCpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    if (gapCpuMs >= gap / 2 && gap > longestBusyGap) longestBusyGap = gap;
    if (gap > longestGap) {
      longestGap = gap;
      longestGapCpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    }
    last = now;
    lastCpu = cpu;
  }, 1);
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      clearInterval(ticker);
      return {
        durationMs: round(performance.now() - started),
        maxStallMs: round(histogram.max / 1e6),
        p99Ms: round(histogram.percentile(99) / 1e6),
        meanMs: round(histogram.mean / 1e6),
        longestTimerGapMs: round(longestGap),
        cpuDuringLongestGapMs: round(longestGapCpuMs),
        longestBusyGapMs: round(longestBusyGap),
        gapsOver20Ms,
      };
    },
  };
}

async function measureScan(api: ConcurrencyLensApi) {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  // Started before the measures: connecting the inspector blocks this thread for a while.
  const profiler = process.env.CONCURRENCY_LENS_BENCH_PROFILE ? await startProfiler() : undefined;
  let diagnosticEvents = 0;
  const counter = vscode.languages.onDidChangeDiagnostics(() => diagnosticEvents++);
  const watch = watchEventLoop();
  const start = performance.now();
  const result = await vscode.commands.executeCommand<ScanWorkspaceResult>('concurrencyLens.scanWorkspace');
  const scanMs = performance.now() - start;
  // The scan's diagnostics reach the extension host as workspace reports after the scan; measure until
  // they stop arriving (a quiet second) so their conversion counts too.
  await quiet(1000, 60_000);
  const eventLoop = watch.stop();
  counter.dispose();
  if (profiler) await profiler.stop(process.env.CONCURRENCY_LENS_BENCH_PROFILE!);
  // The baseline: the same measure over a window as long, with the server idle — what this
  // machine and the extension host do without us.
  const idle = watchEventLoop();
  await new Promise((resolve) => setTimeout(resolve, eventLoop.durationMs));
  const idleBaseline = idle.stop();
  const files = new Set(
    vscode.languages
      .getDiagnostics()
      .filter(([, diagnostics]) => diagnostics.some((d) => d.source === 'concurrency-lens'))
      .map(([uri]) => uri.toString()),
  ).size;
  void api;
  return {
    ...result,
    wallMs: round(scanMs),
    filesWithDiagnostics: files,
    diagnosticEvents,
    idleBaseline,
    eventLoop,
  };
}

/**
 * A CPU profile of the extension host (every extension in it, not only ours) while the scan runs:
 * the way to see what a stall was. Written where CONCURRENCY_LENS_BENCH_PROFILE points.
 */
async function startProfiler() {
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function activateNoop(id: string): Promise<number | undefined> {
  const extension = vscode.extensions.getExtension(id);
  if (!extension || extension.isActive) return undefined;
  const start = performance.now();
  await extension.activate();
  return round(performance.now() - start);
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'concurrency-lens');
}

function diagnosticsWhere(
  uri: vscode.Uri,
  predicate: (count: number) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate(ours(uri).length)) return resolve();
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out waiting for diagnostics on ${uri.path} (now ${ours(uri).length})`));
    }, timeoutMs);
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((changed) => changed.toString() === uri.toString())) return;
      if (!predicate(ours(uri).length)) return;
      subscription.dispose();
      clearTimeout(timer);
      resolve();
    });
  });
}

function nextStatus(
  api: ConcurrencyLensApi,
  predicate: (status: StatusParams) => boolean,
): Promise<StatusParams> {
  return new Promise((resolve) => {
    const subscription = api.onDidUpdateStatus((status) => {
      if (!predicate(status)) return;
      subscription.dispose();
      resolve(status);
    });
  });
}

/** Resolves once no diagnostics change for `quietMs` (or after `maxMs`). */
function quiet(quietMs: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    const limit = setTimeout(done, maxMs);
    const subscription = vscode.languages.onDidChangeDiagnostics(() => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    function done() {
      clearTimeout(timer);
      clearTimeout(limit);
      subscription.dispose();
      resolve();
    }
  });
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    median: round(at(0.5)),
    p90: round(at(0.9)),
    max: round(sorted[sorted.length - 1]!),
    min: round(sorted[0]!),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function log(message: string): void {
  console.log(`[bench] ${message}`);
}
