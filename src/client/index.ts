// Extension-side wiring: output channel, status item, commands, and the server manager.
// Activation only registers things; the language client starts when the bundle loads
// (startClientEarly), or right after activate() at the latest.
import { readdir } from 'node:fs/promises';
import * as vscode from 'vscode';
import {
  commands,
  type ScanWorkspaceParams,
  type ScanWorkspaceResult,
  scanWorkspaceMethod,
} from '../shared/protocol.js';
import { configurationSection } from '../shared/settings.js';
import type { ConcurrencyLensApi } from './api.js';
import { registerMoveToWorkerPool } from './move-to-worker-pool.js';
import { registerProfiler } from './profiler.js';
import { ServerManager } from './server-manager.js';
import { plural, StatusItem } from './status.js';

let activeServer: ServerManager | undefined;

/** What the client needs to run: made when the bundle loads (startClientEarly) or in activate(). */
interface ClientParts {
  log: vscode.LogOutputChannel;
  status: StatusItem;
  server: ServerManager;
}
let earlyParts: ClientParts | undefined;

function makeClientParts(): ClientParts {
  const log = vscode.window.createOutputChannel('Concurrency Lens', { log: true });
  const status = new StatusItem();
  return { log, status, server: new ServerManager(log, status) };
}

/**
 * Starts the language client on the extension host's next turn after VS Code loads this bundle,
 * not when it calls activate(): in a cold window VS Code takes 1–2 s between the two (it reads the
 * extension's storage and activates the TypeScript extension meanwhile), and the initialize
 * handshake, the opened file's analysis and its diagnostics fit in that time. activate() takes
 * over what was made here (and makes it itself if this did not run).
 */
export function startClientEarly(): void {
  setTimeout(() => {
    if (earlyParts || activeServer) return;
    try {
      const parts = makeClientParts();
      earlyParts = parts;
      activeServer = parts.server;
      parts.server
        .ensureStarted()
        .catch((error) => parts.log.error(`starting Concurrency Lens failed: ${String(error)}`));
    } catch {
      // activate() makes its own
    }
  }, 0);
}

export function activateClient(context: vscode.ExtensionContext): ConcurrencyLensApi {
  const { log, status, server } = earlyParts ?? makeClientParts();
  earlyParts = undefined;
  activeServer = server;
  const scanned = new vscode.EventEmitter<ScanWorkspaceResult>();
  const willPreviewMove = new vscode.EventEmitter<string>();
  context.subscriptions.push(log, status, server, scanned, willPreviewMove);

  const scan = (
    params: ScanWorkspaceParams,
    location: vscode.ProgressLocation,
  ): Thenable<ScanWorkspaceResult> =>
    vscode.window.withProgress(
      { location, title: 'Concurrency Lens: scanning the workspace', cancellable: true },
      async (progress, token) => {
        const client = await server.ensureStarted();
        let reported = 0;
        const subscription = server.onScanProgress((update) => {
          const percent = update.total === 0 ? 100 : (100 * update.done) / update.total;
          progress.report({
            message: `${update.done}/${update.total}${update.file ? ` ${update.file}` : ''}`,
            increment: percent - reported,
          });
          reported = percent;
          status.setScan(`scanning ${update.done}/${update.total}`);
        });
        try {
          const result = await client.sendRequest<ScanWorkspaceResult>(scanWorkspaceMethod, params, token);
          scanned.fire(result);
          return result;
        } catch (error) {
          // Cancelling from the progress notification is not an error worth a message.
          if (!token.isCancellationRequested) throw error;
          const result: ScanWorkspaceResult = {
            filesScanned: 0,
            filesSkipped: 0,
            findings: 0,
            filesWithFindings: 0,
            durationMs: 0,
            cancelled: true,
            truncated: false,
          };
          return result;
        } finally {
          subscription.dispose();
          status.setScan(undefined);
        }
      },
    );

  context.subscriptions.push(
    vscode.commands.registerCommand(commands.scanWorkspace, async () => {
      const result = await scan({}, vscode.ProgressLocation.Notification);
      void showScanSummary(result);
      return result;
    }),
    vscode.commands.registerCommand(commands.showOutput, () => log.show()),
    vscode.commands.registerCommand(commands.restartServer, () => server.restart()),
    vscode.commands.registerCommand(commands.openRuleDocs, (ruleId?: string) =>
      openRuleDocs(context, ruleId),
    ),
    vscode.commands.registerCommand(commands.selectRange, selectRange),
    registerMoveToWorkerPool(server, willPreviewMove),
  );
  const profiler = registerProfiler(context, log, server);

  // After every server start (first start, restart, crash recovery) the server knows only the open
  // files; the start-up scan gives the Problems panel the rest of the workspace again.
  const startupScan = () => {
    const settings = vscode.workspace.getConfiguration(configurationSection, null);
    const hasFolders = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
    if (
      !hasFolders ||
      !settings.get<boolean>('enable', true) ||
      !settings.get<boolean>('workspaceScan.onStartup', true)
    ) {
      return;
    }
    const maxFiles = settings.get<number>('workspaceScan.maxFiles', 5000);
    scan({ maxFiles }, vscode.ProgressLocation.Window).then(
      (result) => {
        if (result.truncated) {
          log.info(
            `no start-up scan: the workspace has more than ${maxFiles} files (concurrencyLens.workspaceScan.maxFiles); run "Concurrency Lens: Scan Workspace" to scan it`,
          );
        }
      },
      (error) => log.warn(`start-up scan: ${String(error)}`),
    );
  };
  context.subscriptions.push(server.onDidStartServer(startupScan));
  // A server started before activate() (startClientEarly) gets its scan now.
  if (server.startedPid !== undefined) startupScan();

  // Off the activation path (usually started already when the bundle loaded: startClientEarly).
  setTimeout(() => {
    server.ensureStarted().catch((error) => log.error(`starting Concurrency Lens failed: ${String(error)}`));
  }, 0);

  return {
    whenReady: async () => {
      await server.ensureStarted();
    },
    serverInfo: () => server.serverInfo(),
    serverStartClock: server.startClock,
    onDidStartServer: server.onDidStartServer,
    onDidScan: scanned.event,
    profiler,
    onDidUpdateStatus: server.onDidUpdateStatus,
    onWillPreviewMoveToWorkerPool: willPreviewMove.event,
  };
}

/** Stops the server cleanly (VS Code waits for the returned promise). */
export function deactivateClient(): Promise<void> | undefined {
  return activeServer?.stop();
}

/** Opens a rule's bundled page in the Markdown preview (works offline). */
async function openRuleDocs(
  context: vscode.ExtensionContext,
  ruleId?: string,
): Promise<vscode.Uri | undefined> {
  const docsFolder = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules');
  if (!ruleId) {
    const pages = (await readdir(docsFolder.fsPath).catch(() => [] as string[]))
      .filter((name) => name.endsWith('.md'))
      .map((name) => name.slice(0, -3))
      .sort();
    ruleId = await vscode.window.showQuickPick(pages, { title: 'Concurrency Lens: rule documentation' });
    if (!ruleId) return undefined;
  }
  const page = vscode.Uri.joinPath(docsFolder, `${ruleId}.md`);
  try {
    await vscode.workspace.fs.stat(page);
  } catch {
    void vscode.window.showWarningMessage(`Concurrency Lens: no documentation page for rule '${ruleId}'.`);
    return undefined;
  }
  await vscode.commands.executeCommand('markdown.showPreview', page);
  return page;
}

/** After "Scan Workspace": what it found, and the way to the list. */
async function showScanSummary(result: ScanWorkspaceResult): Promise<void> {
  if (result.cancelled) return;
  const showProblems = 'Show Problems';
  const choice = await vscode.window.showInformationMessage(scanSummary(result), showProblems);
  if (choice === showProblems) await vscode.commands.executeCommand('workbench.actions.view.problems');
}

export function scanSummary(result: ScanWorkspaceResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const found =
    result.findings === 0
      ? 'no findings'
      : `${plural(result.findings, 'finding')} in ${plural(result.filesWithFindings, 'file')}`;
  return `Concurrency Lens: ${found} · ${plural(result.filesScanned, 'file')} scanned in ${seconds} s`;
}

/** Selects a range in the editor showing `uri` (used after inserting an ignore comment). */
async function selectRange(
  uri: string,
  start: { line: number; character: number },
  end: { line: number; character: number },
): Promise<void> {
  const editor = vscode.window.visibleTextEditors.find(
    (candidate) => candidate.document.uri.toString() === uri,
  );
  if (!editor) return;
  editor.selection = new vscode.Selection(start.line, start.character, end.line, end.character);
}
