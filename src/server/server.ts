// The Concurrency Lens language server: its own Node process, started by the extension (IPC) or by
// other editors through `concurrency-lens lsp --stdio`. It owns the engine and all results; the
// extension host only converts and shows them.
//   - open documents: pull diagnostics (on open, on change after a quiet period, on save)
//   - other files: workspace diagnostics (a long poll answered when scan results change)
//   - clients that do not pull (Neovim, Helix, …): the same diagnostics pushed (push-diagnostics.ts)
//   - code actions: rule fixes, ignore line, ignore file, show docs
// biome-ignore-all assist/source/organizeImports: the start-up clock must be evaluated before the other modules

// The start-up clock stays the first import: it marks when this bundle started evaluating.
import { startupClock } from './startup-clock.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CancellationToken,
  CodeActionKind,
  createConnection,
  type Diagnostic,
  DidChangeConfigurationNotification,
  type DocumentDiagnosticReport,
  FileChangeType,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type WorkspaceDocumentDiagnosticReport,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileAnalysis } from '../analysis/analyzer.js';
import { allRules as rules } from '../analysis/index.js';
import { isSourceFile, listSourceFiles } from '../analysis/list-files.js';
import { readSourceFileAsync } from '../analysis/read-source.js';
import type { Fix } from '../analysis/types.js';
import { dependencyEdit } from '../fixes/dependencies.js';
import {
  commands,
  type MoveToWorkerPoolArgs,
  moveToWorkerPoolServerCommand,
  type ScanProgressParams,
  type ScanWorkspaceParams,
  type ScanWorkspaceResult,
  type ServerInfoResult,
  type StatusParams,
  scanProgressMethod,
  scanWorkspaceMethod,
  serverInfoMethod,
  statusMethod,
} from '../shared/protocol.js';
import { firstAnswerSentEvent } from '../shared/code-cache-events.js';
import { configurationSection } from '../shared/settings.js';
import { AnalysisHost, type AnalysisOutcome, describeError, type FileState } from './analysis-host.js';
import { codeActionsFor, fixAllAction, fixAllKind } from './code-actions.js';
import { toDiagnostic } from './diagnostics.js';
import { disableRuleEdit } from './disable-rule.js';
import { registerFunctionRanges } from './function-ranges.js';
import { hoverFor } from './hover.js';
import { moveToWorkerPoolActions, runMoveToWorkerPool } from './move-to-worker-pool.js';
import { type FolderContext, OptionsProvider } from './options.js';
import { clientPullsDiagnostics, PushDiagnostics, withoutClientCommands } from './push-diagnostics.js';
import { ScanProcess } from './scan-process.js';
import { SourceFileCache } from './source-files.js';
import { delay, Signal, throttle, yieldToEventLoop } from './timing.js';
import { documentFileName, pathToUri, uriToPath } from './uri.js';

startupClock.modulesEvaluatedAt = performance.now();
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const log = {
  info: (message: string) => connection.console.info(message),
  warn: (message: string) => connection.console.warn(message),
  error: (message: string) => connection.console.error(message),
};
const host = new AnalysisHost(log);
const shownMessages = new Set<string>();
const options = new OptionsProvider({
  readSettings: async (folder, file) => {
    if (!clientSupportsConfiguration) return undefined;
    return connection.workspace.getConfiguration({
      scopeUri: pathToUri(folder ?? file),
      section: configurationSection,
    });
  },
  reportConfigErrors: (configFile, errors) => {
    const text = `Concurrency Lens: ${configFile ? path.basename(configFile) : 'configuration'}: ${errors.join('; ')}`;
    log.warn(text);
    if (!shownMessages.has(text)) {
      shownMessages.add(text);
      void connection.window.showWarningMessage(text);
    }
  },
});

let clientSupportsConfiguration = false;
let clientSupportsConfigurationRegistration = false;
/** document URI → when it was last edited (not opened); drives the quiet period before re-analysis */
const lastEdit = new Map<string, number>();
const justOpened = new Set<string>();
const sourceFiles = new SourceFileCache();
/** files that left the project; the next workspace report clears their diagnostics */
const removedFiles = new Set<string>();
const workspaceChanged = new Signal();
/** files read from disk that need analysing again (settings changed, changed on disk, closed) */
const diskQueue = new Set<string>();
const slowFiles = new Set<string>();
let lastAnalysed: FileState | undefined;
let lastAnalysedAt = 0;

// A diagnostic's docs link opens the page bundled with the extension (or the npm package): it works
// offline and matches the installed version. The web page is the fallback (running from source).
const docsUrls = new Map(
  rules.map((rule) => {
    const bundled = path.join(__dirname, '..', 'docs', 'rules', `${rule.meta.id}.md`);
    return [rule.meta.id, existsSync(bundled) ? pathToUri(bundled) : rule.meta.docsUrl];
  }),
);
const docsUri = (ruleId: string) => docsUrls.get(ruleId) || undefined;

const pushed = new PushDiagnostics({
  connection,
  documents,
  analyze: analyzeDocument,
  diagnosticsOf,
  workspaceReports,
  logError: log.error,
});
/** push clients get a workspace scan at start-up unless initializationOptions.workspaceScan is false */
let scanOnStartup = false;

/** Can a workspace edit create `.concurrency-lens.json` (resource operations)? */
let clientCreatesFiles = false;

connection.onInitialize((params) => {
  startupClock.initializeReceivedAt ??= performance.now();
  clientSupportsConfiguration = params.capabilities.workspace?.configuration === true;
  clientCreatesFiles =
    params.capabilities.workspace?.workspaceEdit?.resourceOperations?.includes('create') === true &&
    params.capabilities.workspace?.workspaceEdit?.documentChanges === true;
  clientSupportsConfigurationRegistration =
    params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
  const folders = params.workspaceFolders?.map((folder) => uriToPath(folder.uri)) ?? [];
  if (folders.length === 0 && params.rootUri) folders.push(uriToPath(params.rootUri));
  options.setFolders(folders.filter((folder): folder is string => folder !== undefined));
  host.setRoots(options.workspaceFolders);
  pushed.enabled = !clientPullsDiagnostics(params.capabilities);
  const initializationOptions = params.initializationOptions as
    | { workspaceScan?: unknown; settings?: Record<string, unknown> }
    | undefined;
  scanOnStartup = pushed.enabled && initializationOptions?.workspaceScan !== false;
  if (clientSupportsConfiguration && initializationOptions?.settings) {
    const seeded = new Map<string, unknown>();
    for (const [uri, raw] of Object.entries(initializationOptions.settings)) {
      const folder = uriToPath(uri);
      if (folder && options.workspaceFolders.includes(folder)) seeded.set(folder, raw);
    }
    options.seedSettings(seeded);
  }
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      diagnosticProvider: pushed.enabled
        ? undefined
        : { identifier: 'concurrency-lens', interFileDependencies: true, workspaceDiagnostics: true },
      hoverProvider: true,
      codeActionProvider: {
        codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorMove, fixAllKind],
        resolveProvider: false,
      },
      executeCommandProvider: { commands: [moveToWorkerPoolServerCommand] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'concurrency-lens', version: process.env.CONCURRENCY_LENS_VERSION },
  };
});

connection.onInitialized(() => {
  if (clientSupportsConfigurationRegistration) {
    void connection.client.register(DidChangeConfigurationNotification.type, {
      section: configurationSection,
    });
  }
  connection.workspace.onDidChangeWorkspaceFolders((event) => {
    const removed = new Set(event.removed.map((folder) => uriToPath(folder.uri)));
    const folders = options.workspaceFolders.filter((folder) => !removed.has(folder));
    for (const folder of event.added) {
      const folderPath = uriToPath(folder.uri);
      if (folderPath) folders.push(folderPath);
    }
    options.setFolders(folders);
    host.setRoots(options.workspaceFolders);
    void options.refreshSettings().then(optionsChanged);
  });
  log.info(`server started (pid ${process.pid}, Node ${process.version}, ${rules.length} rules)`);
  if (pushed.enabled) {
    void (async () => {
      for (;;) {
        await workspaceChanged.wait(CancellationToken.None);
        pushed.workspaceChanged();
      }
    })();
  }
  if (scanOnStartup && options.workspaceFolders.length > 0) {
    void scanWorkspace({ maxFiles: 5000 }, () => false, CancellationToken.None).catch((error) =>
      log.error(`workspace scan failed: ${describeError(error, true)}`),
    );
  }
});

// ---- open documents: pull diagnostics -------------------------------------------------------------

/** analyses started when a document opened, before its client pulls (see onDidOpen) */
const openingAnalyses = new Map<string, { version: number; state: Promise<FileState | undefined> }>();
/**
 * Open documents the client has pulled. VS Code's client pulls a document only once its editor is
 * visible, which in a cold window is seconds after the file opened (when VS Code gets round to
 * it); until then the finished opening analysis goes out through the workspace long poll, so the
 * diagnostics are in place when the editor appears. The first pull takes over.
 */
const pulledDocuments = new Set<string>();

documents.onDidOpen((event) => {
  justOpened.add(event.document.uri);
  pushed.documentChanged(event.document.uri);
  if (!pushed.enabled) {
    // Start at once: the pull for it comes a moment later, through the client's own queue.
    const { uri, version } = event.document;
    const state = analyzeDocument(event.document, CancellationToken.None).catch(() => undefined);
    openingAnalyses.set(uri, { version, state });
    void state.finally(() => {
      if (openingAnalyses.get(uri)?.state === state) openingAnalyses.delete(uri);
      if (!pulledDocuments.has(uri)) workspaceChanged.fire();
    });
  }
});
documents.onDidChangeContent((event) => {
  if (justOpened.delete(event.document.uri)) return;
  lastEdit.set(event.document.uri, Date.now());
  pushed.documentChanged(event.document.uri);
});
documents.onDidClose((event) => {
  lastEdit.delete(event.document.uri);
  sourceFiles.delete(event.document.uri);
  justOpened.delete(event.document.uri);
  pulledDocuments.delete(event.document.uri);
  pushed.documentClosed(event.document.uri);
  const file = uriToPath(event.document.uri);
  if (!file) {
    forgetFile(documentFileName(event.document.uri, event.document.languageId));
  } else if (options.folderOf(file) && isSourceFile(file) && existsSync(file)) {
    // Part of the project: its diagnostics stay, now from the text on disk (unsaved edits are gone).
    enqueueDiskAnalysis([file]);
  } else {
    forgetFile(file);
  }
});

connection.languages.diagnostics.on(async (params, token): Promise<DocumentDiagnosticReport> => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return { kind: 'full', items: [] };
  pulledDocuments.add(document.uri);
  const opening = openingAnalyses.get(document.uri);
  // the analysis started at open, if it is of this version and did not fail
  const early = opening?.version === document.version ? await opening.state : undefined;
  const state = early ?? (await analyzeDocument(document, token));
  if (!state) return { kind: 'full', items: [] };
  if (params.previousResultId === state.resultId) return { kind: 'unchanged', resultId: state.resultId };
  return { kind: 'full', resultId: state.resultId, items: diagnosticsOf(state) };
});

async function analyzeDocument(
  document: TextDocument,
  token: CancellationToken,
): Promise<FileState | undefined> {
  const file = documentFileName(document.uri, document.languageId);
  const context = await options.forFile(file);
  if (!context.settings.enable) return undefined;
  const editedAt = lastEdit.get(document.uri);
  const quietUntil = editedAt === undefined ? 0 : editedAt + context.settings.debounceMs;
  if (!host.isCurrent(file, document.version) && quietUntil > Date.now()) {
    await delay(quietUntil - Date.now(), token);
  }
  if (token.isCancellationRequested) throw cancelled();
  // The document may have changed while we waited; analyse what is there now.
  const latest = documents.get(document.uri) ?? document;
  if (host.isCurrent(file, latest.version)) return host.get(file);
  const text = latest.getText();
  startupClock.firstAnalysisStartedAt ??= performance.now();
  const outcome = host.analyze(
    file,
    text,
    context.options,
    context.inWorkspace ? context.folder : undefined,
    latest.version,
    () => sourceFiles.get(latest.uri, file, text),
  );
  if (startupClock.firstAnalysisEndedAt === undefined) {
    startupClock.firstAnalysisEndedAt = performance.now();
    // Once its answer is out, the code-cache loader may start writing the server's cache.
    setTimeout(() => process.emit(firstAnswerSentEvent as 'beforeExit', 0), 100).unref();
  }
  removedFiles.delete(file);
  noteDuration(outcome.state, context.settings.timeBudgetMs);
  dependentsChanged(outcome.changedDependents);
  return outcome.state;
}

function diagnosticsOf(state: FileState): Diagnostic[] {
  return state.findings.map((finding, index) => toDiagnostic(finding, index, state.resultId, docsUri));
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
}

// ---- other files: workspace diagnostics ------------------------------------------------------------

connection.languages.diagnostics.onWorkspace(async (params, token, _workDone, resultProgress) => {
  startupClock.workspacePullReceivedAt ??= performance.now();
  const previous = new Map<string, string>();
  for (const { uri, value } of params.previousResultIds) {
    const file = uriToPath(uri);
    if (file) previous.set(file, value);
  }
  // Long poll: answer as soon as there is something the client does not have yet.
  for (;;) {
    if (token.isCancellationRequested) return { items: [] };
    const reports = workspaceReports(previous);
    if (reports.length > 0) {
      // Stream in chunks so the extension host converts a few hundred diagnostics at a time.
      const chunkSize = 100;
      if (resultProgress && reports.length > chunkSize) {
        for (let start = 0; start < reports.length; start += chunkSize) {
          resultProgress.report({ items: reports.slice(start, start + chunkSize) });
          await yieldToEventLoop();
        }
        return { items: [] };
      }
      return { items: reports };
    }
    await workspaceChanged.wait(token);
  }
});

function workspaceReports(previous: Map<string, string>): WorkspaceDocumentDiagnosticReport[] {
  const open = new Set(documents.all().map((document) => uriToPath(document.uri)));
  // Open documents not pulled yet, analysed at their current version (see pulledDocuments).
  const awaitingPull = new Map<string, TextDocument>();
  if (!pushed.enabled) {
    for (const document of documents.all()) {
      const file = documentFileName(document.uri, document.languageId);
      // (files only: an untitled document has no path to match the client's previous result ids by)
      if (
        !pulledDocuments.has(document.uri) &&
        uriToPath(document.uri) !== undefined &&
        host.isCurrent(file, document.version)
      )
        awaitingPull.set(file, document);
    }
  }
  const reports: WorkspaceDocumentDiagnosticReport[] = [];
  for (const state of host.all()) {
    const awaiting = awaitingPull.get(state.file);
    if ((open.has(state.file) && !awaiting) || previous.get(state.file) === state.resultId) continue;
    if (state.findings.length === 0 && !previous.has(state.file)) continue;
    if (awaiting) startupClock.openDocumentReportedAt ??= performance.now();
    reports.push({
      kind: 'full',
      uri: awaiting?.uri ?? pathToUri(state.file),
      version: awaiting?.version ?? null,
      resultId: state.resultId,
      items: diagnosticsOf(state),
    });
  }
  for (const file of removedFiles) {
    if (host.get(file) || open.has(file)) continue;
    if (previous.has(file))
      reports.push({ kind: 'full', uri: pathToUri(file), version: null, resultId: 'removed', items: [] });
  }
  removedFiles.clear();
  return reports;
}

function forgetFile(file: string): void {
  const changed = host.remove(file);
  removedFiles.add(file);
  dependentsChanged(changed);
  workspaceChanged.fire();
  sendStatus();
}

// ---- change propagation ---------------------------------------------------------------------------

const refreshOpenDocuments = throttle(() => {
  if (pushed.enabled) pushed.openDocumentsChanged();
  else void connection.languages.diagnostics.refresh();
}, 50);

function dependentsChanged(changed: FileState[]): void {
  if (changed.length === 0) return;
  const open = new Set(
    documents.all().map((document) => documentFileName(document.uri, document.languageId)),
  );
  if (changed.some((state) => open.has(state.file))) refreshOpenDocuments();
  workspaceChanged.fire();
}

function optionsChanged(): void {
  options.invalidateConfigFiles();
  host.invalidate();
  refreshOpenDocuments();
  const open = new Set(documents.all().map((document) => uriToPath(document.uri)));
  // Files forgotten while a folder was disabled come back from the last scan's list.
  const files = new Set([...scannedFiles, ...[...host.all()].map((state) => state.file)]);
  enqueueDiskAnalysis([...files].filter((file) => !open.has(file)));
}

connection.onDidChangeConfiguration(async () => {
  if (!(await options.refreshSettings())) return;
  log.info('settings changed; analysing again');
  optionsChanged();
});

connection.onDidChangeWatchedFiles((params) => {
  let configChanged = false;
  const reanalyse: string[] = [];
  for (const change of params.changes) {
    const file = uriToPath(change.uri);
    if (!file) continue;
    if (path.basename(file) === '.concurrency-lens.json') {
      configChanged = true;
    } else if (documents.get(change.uri)) {
      // open documents are analysed from the editor buffer, not from disk
    } else if (change.type === FileChangeType.Deleted) {
      if (host.get(file)) forgetFile(file);
    } else if (isSourceFile(file) && (host.get(file) || (scanHasRun && options.folderOf(file)))) {
      reanalyse.push(file);
    }
  }
  if (configChanged) {
    log.info('.concurrency-lens.json changed; analysing again');
    optionsChanged();
  }
  enqueueDiskAnalysis(reanalyse);
});

// ---- files on disk: background queue and workspace scan -------------------------------------------

let diskWorker: Promise<void> | undefined;
function enqueueDiskAnalysis(files: string[]): void {
  for (const file of files) diskQueue.add(file);
  if (diskQueue.size === 0 || diskWorker) return;
  diskWorker = (async () => {
    try {
      while (diskQueue.size > 0) {
        const [file] = diskQueue;
        diskQueue.delete(file!);
        await analyzeFromDisk(file!);
        await yieldToEventLoop();
      }
      finishBatch();
    } catch (error) {
      log.error(`background analysis stopped: ${describeError(error, true)}`);
    } finally {
      diskWorker = undefined;
    }
  })();
}

async function analyzeFromDisk(file: string): Promise<FileState | undefined> {
  if (documents.get(pathToUri(file))) return host.get(file);
  const context = await options.forFile(file);
  if (!context.settings.enable) {
    if (host.get(file)) forgetFile(file);
    return undefined;
  }
  // Bounded and regular files only: a FIFO or a huge file named like a source must not stall the server.
  const read = await readSourceFileAsync(file, context.options.maxFileBytes);
  if ('skipped' in read) {
    return recordDiskAnalysis(
      file,
      { file, findings: [], durationMs: 0, skipped: { file, ...read.skipped } },
      context,
    );
  }
  return applyDiskOutcome(
    host.analyze(file, read.text, context.options, context.inWorkspace ? context.folder : undefined),
    context,
  );
}

/** A file analysed from disk (here or in the scan process): tell the client what changed. */
function applyDiskOutcome(outcome: AnalysisOutcome, context: FolderContext): FileState {
  removedFiles.delete(outcome.state.file);
  noteDuration(outcome.state, context.settings.timeBudgetMs, false);
  dependentsChanged(outcome.changedDependents);
  workspaceChanged.fire();
  return outcome.state;
}

/** Files per message to the scan process: big enough to amortize messaging, small for smooth progress. */
const SCAN_BATCH_SIZE = 25;
/** Undefined when running from source (unit tests): scans then analyse on this thread. */
const scanProcess = ScanProcess.create();
let toldAboutScanProcessFailure = false;
let scansUsingProcess = 0;

/**
 * Analyses files from disk for the workspace scan: in the scan process, or on this thread (yielding
 * between files) when there is none or it failed. Resolves with each file's state (undefined when
 * the file could not be read or was opened in the editor meanwhile).
 */
async function analyzeBatch(files: string[], context: FolderContext): Promise<(FileState | undefined)[]> {
  const root = context.inWorkspace ? context.folder : undefined;
  let analyses: FileAnalysis[] | undefined;
  if (scanProcess) {
    try {
      analyses = await scanProcess.analyze(files, context.options, root);
    } catch (error) {
      if (!toldAboutScanProcessFailure) {
        toldAboutScanProcessFailure = true;
        log.warn(`the scan process failed; scanning in the server instead. ${describeError(error, true)}`);
      }
    }
  }
  const states: (FileState | undefined)[] = [];
  for (const [i, file] of files.entries()) {
    if (analyses) {
      states.push(recordDiskAnalysis(file, analyses[i]!, context));
    } else {
      // no scan process: the same path as a file changed on disk, yielding between files
      states.push(await analyzeFromDisk(file));
      await yieldToEventLoop();
    }
  }
  return states;
}

function recordDiskAnalysis(
  file: string,
  result: FileAnalysis,
  context: FolderContext,
): FileState | undefined {
  // Opened in the editor while the disk copy was analysed: the buffer's analysis wins.
  if (documents.get(pathToUri(file))) return host.get(file);
  if (result.skipped?.reason === 'read-error') {
    if (host.get(file)) forgetFile(file);
    return undefined;
  }
  return applyDiskOutcome(host.record(file, result, context.options), context);
}

/** After many files: apply cross-file conditions with every summary known, then tell the client. */
function finishBatch(): void {
  dependentsChanged(host.refinalizeAll());
  refreshOpenDocuments();
  workspaceChanged.fire();
  sendStatus.now();
}

let scanHasRun = false;
/** every file the last workspace scan listed */
let scannedFiles = new Set<string>();
let runningScan: { cancel(): void } | undefined;

connection.onRequest(
  scanWorkspaceMethod,
  async (params: ScanWorkspaceParams, token: CancellationToken): Promise<ScanWorkspaceResult> => {
    runningScan?.cancel();
    let cancelledByNewScan = false;
    const scan = {
      cancel: () => {
        cancelledByNewScan = true;
      },
    };
    runningScan = scan;
    try {
      return await scanWorkspace(params, () => token.isCancellationRequested || cancelledByNewScan, token);
    } finally {
      if (runningScan === scan) runningScan = undefined;
    }
  },
);

async function scanWorkspace(
  params: ScanWorkspaceParams,
  isCancelled: () => boolean,
  token: CancellationToken,
): Promise<ScanWorkspaceResult> {
  const started = performance.now();
  // Open files first: their diagnostics are the ones being looked at (and the pull for them then
  // finds them analysed), before the scan's process competes for the CPU.
  for (const document of documents.all()) {
    if (isCancelled()) break;
    await analyzeDocument(document, token).catch(() => undefined);
  }
  const folders = params.folders
    ? params.folders.map(uriToPath).filter((folder): folder is string => folder !== undefined)
    : [...options.workspaceFolders];
  const files: string[] = [];
  let truncated = false;
  for (const folder of folders) {
    const settings = await options.settingsFor(folder, folder);
    if (!settings.enable) continue;
    const filesExclude = clientSupportsConfiguration
      ? await connection.workspace.getConfiguration({ scopeUri: pathToUri(folder), section: 'files.exclude' })
      : undefined;
    const exclude = [
      ...Object.entries((filesExclude ?? {}) as Record<string, unknown>)
        .filter(([, value]) => value === true)
        .map(([pattern]) => pattern),
      ...settings.exclude,
      ...(await options.forFile(path.join(folder, '.concurrency-lens.json'))).exclude,
    ];
    const limit = params.maxFiles === undefined ? Number.POSITIVE_INFINITY : params.maxFiles - files.length;
    const listed = await listSourceFiles([folder], {
      baseDir: folder,
      exclude,
      limit,
      isCancelled: () => token.isCancellationRequested,
    });
    truncated ||= listed.truncated;
    files.push(...listed.files);
    for (const note of listed.notes) log.info(`${note.file}: not scanned (${note.reason}): ${note.detail}`);
  }
  if (truncated) {
    // Over the size limit the start-up scan does not run at all: half a workspace's findings mislead.
    log.info(
      `workspace scan skipped: more than ${params.maxFiles} files (concurrencyLens.workspaceScan.maxFiles)`,
    );
    return {
      filesScanned: 0,
      filesSkipped: 0,
      findings: 0,
      filesWithFindings: 0,
      durationMs: Math.round(performance.now() - started),
      cancelled: false,
      truncated,
    };
  }
  const total = files.length;
  scannedFiles = new Set(files);
  log.info(`workspace scan: ${total} files in ${folders.length} folder(s)`);
  const progress = throttle((update: ScanProgressParams) => {
    void connection.sendNotification(scanProgressMethod, update);
  }, 100);
  let done = 0;
  let skipped = 0;
  // Files go to the scan process in batches (two in flight, so it never waits for this thread);
  // this thread only reads the configuration and records results, between editor requests.
  const inFlight: Promise<void>[] = [];
  scansUsingProcess++;
  let batch: { files: string[]; context: FolderContext; key: string } | undefined;
  const dispatch = async (): Promise<void> => {
    if (!batch) return;
    const { files: batchFiles, context } = batch;
    batch = undefined;
    if (inFlight.length >= 2) await inFlight.shift();
    inFlight.push(
      analyzeBatch(batchFiles, context).then((states) => {
        for (const state of states) {
          if (!state || state.result.skipped) skipped++;
          done++;
        }
        const last = batchFiles[batchFiles.length - 1]!;
        const folder = options.folderOf(last);
        progress({ done, total, file: folder ? path.relative(folder, last) : last });
      }),
    );
  };
  try {
    for (const file of files) {
      if (isCancelled()) break;
      if (documents.get(pathToUri(file))) {
        // open in the editor: analysed from its buffer, not from disk
        done++;
        continue;
      }
      const context = await options.forFile(file);
      if (!context.settings.enable) {
        if (host.get(file)) forgetFile(file);
        skipped++;
        done++;
        continue;
      }
      // one batch, one set of options: files of another folder or configuration start a new one
      const key = `${context.folder}\0${context.inWorkspace}\0${JSON.stringify(context.options)}`;
      if (batch && batch.key !== key) await dispatch();
      batch ??= { files: [], context, key };
      batch.files.push(file);
      if (batch.files.length >= SCAN_BATCH_SIZE) await dispatch();
    }
    if (!isCancelled()) await dispatch();
    await Promise.all(inFlight);
  } finally {
    // The process holds its own copy of the compiler: let it go until the next scan (a scan that
    // replaced this one may still be using it).
    if (--scansUsingProcess === 0) scanProcess?.stop();
  }
  progress.now({ done, total });
  scanHasRun = true;
  // the index now knows every file's callers: open files analysed before it are judged again
  if (done >= total) host.setCallersInView(true);
  finishBatch();
  const findings = [...host.all()].reduce((sum, state) => sum + state.findings.length, 0);
  const result: ScanWorkspaceResult = {
    filesScanned: done,
    filesSkipped: skipped,
    findings,
    filesWithFindings: host.filesWithFindings(),
    durationMs: Math.round(performance.now() - started),
    cancelled: done < total,
    truncated,
  };
  log.info(
    `workspace scan ${result.cancelled ? 'cancelled' : 'done'}: ${done}/${total} files, ${findings} findings, ${result.durationMs} ms`,
  );
  return result;
}

// ---- hover: why a finding matters and what to do -------------------------------------------------

const rulesById = new Map(rules.map((rule) => [rule.meta.id, rule]));
connection.onHover((params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return undefined;
  const state = host.get(documentFileName(document.uri, document.languageId));
  // Ranges refer to the text analysed; once the buffer moved on they may point elsewhere.
  if (!state || state.version !== document.version) return undefined;
  return hoverFor(state.findings, params.position, rulesById);
});

// ---- code actions -------------------------------------------------------------------------------

connection.onCodeAction(async (params, token) => {
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((asked) => asked === '' || kind.startsWith(asked));
  const document = documents.get(params.textDocument.uri);
  if (!document) return [];
  const file = documentFileName(document.uri, document.languageId);
  const refactors = wants(CodeActionKind.RefactorMove)
    ? moveToWorkerPoolActions(
        document,
        params.context.diagnostics,
        file,
        pushed.enabled ? moveToWorkerPoolServerCommand : commands.moveToWorkerPool,
      )
    : [];
  // Asked for by name only (`editor.codeActionsOnSave`, "Source Action…"), never in the lightbulb.
  const wantsFixAll = only?.some((asked) => asked !== '' && fixAllKind.startsWith(asked)) === true;
  // On save the buffer may be newer than the last analysis: analyse it now, fixes need its offsets.
  if (wantsFixAll && host.get(file)?.version !== document.version) await analyzeDocument(document, token);
  const state = host.get(file);
  const upToDate = state !== undefined && state.version === document.version;
  const fixAll = upToDate && wantsFixAll ? fixAllAction(state.findings, fixToWorkspaceEdit) : undefined;
  if (!wants(CodeActionKind.QuickFix)) return fixAll ? [...refactors, fixAll] : refactors;
  const actions = codeActionsFor({
    document,
    diagnostics: params.context.diagnostics,
    findings: state?.findings ?? [],
    resultId: state?.resultId,
    // Offsets in fixes refer to the text analysed; once the buffer moved on they would land wrong.
    fixToEdit: (fix) => (upToDate ? fixToWorkspaceEdit(fix) : undefined),
    disableRule: await disableRuleFor(file),
  });
  // the fixes first, then "Move to worker pool", then ignore/docs
  const fixes = actions.filter((action) => action.edit && action.isPreferred);
  const rest = actions.filter((action) => !fixes.includes(action));
  const all = [...fixes, ...refactors, ...rest, ...(fixAll ? [fixAll] : [])];
  return pushed.enabled ? withoutClientCommands(all) : all;
});

connection.onExecuteCommand(async (params) => {
  if (params.command === moveToWorkerPoolServerCommand) {
    return runMoveToWorkerPool(
      connection,
      documents,
      params.arguments?.[0] as MoveToWorkerPoolArgs | undefined,
      (file) => options.folderOf(file),
    );
  }
  return undefined;
});

/** "Disable <rule> in .concurrency-lens.json" for the file's folder (read now: it may have changed). */
async function disableRuleFor(file: string): Promise<(ruleId: string) => WorkspaceEdit | undefined> {
  const context = await options.forFile(file);
  let text: string | undefined;
  try {
    text = context.configFile ? readFileSync(context.configFile, 'utf8') : undefined;
  } catch {
    return () => undefined;
  }
  if (text === undefined && !clientCreatesFiles) return () => undefined;
  return (ruleId) => disableRuleEdit(ruleId, context.folder, context.configFile, text);
}

function fixToWorkspaceEdit(fix: Fix): WorkspaceEdit | undefined {
  const changes: NonNullable<WorkspaceEdit['changes']> = {};
  // a package the fixed code imports goes into the nearest package.json (src/fixes/dependencies.ts)
  const dependency =
    fix.dependency && fix.edits[0]
      ? dependencyEdit(
          fix.edits[0].file,
          fix.dependency.name,
          fix.dependency.range,
          options.folderOf(fix.edits[0].file),
        )
      : undefined;
  for (const edit of dependency ? [...fix.edits, dependency] : fix.edits) {
    const uri = pathToUri(edit.file);
    const document = documents.get(uri) ?? diskDocument(edit.file, uri);
    if (!document) return undefined;
    const edits = changes[document.uri] ?? [];
    edits.push({
      range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) },
      newText: edit.newText,
    });
    changes[document.uri] = edits;
  }
  return { changes };
}

function diskDocument(file: string, uri: string): TextDocument | undefined {
  try {
    // Rare (fixes that touch a second file) and small: a synchronous read keeps the handler simple.
    const text = readFileSync(file, 'utf8');
    return TextDocument.create(uri, 'typescript', 0, text);
  } catch {
    return undefined;
  }
}

// ---- status and server facts --------------------------------------------------------------------

/**
 * Records an analysis for the status item. Only edits in open documents can make the status warn:
 * that is where a slow analysis delays feedback; a slow file in a background scan is only logged.
 */
function noteDuration(state: FileState, budgetMs: number, inEditor = true): void {
  lastAnalysed = state;
  lastAnalysedAt = Date.now();
  if (state.durationMs > budgetMs) {
    if (!slowFiles.has(state.file)) {
      log.warn(
        `${state.file}: analysis took ${Math.round(state.durationMs)} ms (time budget ${budgetMs} ms)`,
      );
    }
    slowFiles.add(state.file);
    if (inEditor)
      slowest = { uri: pathToUri(state.file), durationMs: Math.round(state.durationMs), budgetMs };
  } else if (slowFiles.delete(state.file) && slowest?.uri === pathToUri(state.file)) {
    slowest = undefined;
  }
  sendStatus();
}
let slowest: StatusParams['slow'];

const sendStatus = throttle(() => {
  const status: StatusParams = {
    counts: host.counts(),
    files: host.size,
    filesWithFindings: host.filesWithFindings(),
    lastAnalysis: lastAnalysed && {
      uri: pathToUri(lastAnalysed.file),
      durationMs: Math.round(lastAnalysed.durationMs * 10) / 10,
      cpuMs: lastAnalysed.cpuMs === undefined ? undefined : Math.round(lastAnalysed.cpuMs * 10) / 10,
      at: lastAnalysedAt,
    },
    slow: slowest,
  };
  void connection.sendNotification(statusMethod, status);
}, 150);

connection.onRequest(
  serverInfoMethod,
  (): ServerInfoResult => ({
    pid: process.pid,
    rules: rules.map((rule) => rule.meta.id),
    analyses: host.analyses,
    node: process.version,
    execArgv: process.execArgv,
    startup: { timeOrigin: performance.timeOrigin, ...startupClock },
    codeCache: (globalThis as Record<symbol, unknown>)[Symbol.for('concurrency-lens.code-cache')] as
      | Record<string, string>
      | undefined,
  }),
);

registerFunctionRanges(connection, documents);
documents.listen(connection);
connection.listen();
