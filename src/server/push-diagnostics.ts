// Pushed diagnostics (`textDocument/publishDiagnostics`) for editors whose client does not pull
// them (Neovim, Helix, Zed, Emacs eglot, Sublime): the same analyses as the pull path, sent when a
// document opens or changes, when something it depends on changes, and for files analysed from disk.
import {
  type CancellationToken,
  CancellationTokenSource,
  type CodeAction,
  type Connection,
  type Diagnostic,
  LSPErrorCodes,
  ResponseError,
  type TextDocuments,
  type WorkspaceDocumentDiagnosticReport,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { moveToWorkerPoolServerCommand } from '../shared/protocol.js';
import type { FileState } from './analysis-host.js';
import { uriToPath } from './uri.js';

export interface PushDiagnosticsHost {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  /** the pull path's analysis of an open document: waits for the quiet period, honours the token */
  analyze(document: TextDocument, token: CancellationToken): Promise<FileState | undefined>;
  diagnosticsOf(state: FileState): Diagnostic[];
  /** reports for files not open in the editor that differ from `previous` (file → result id) */
  workspaceReports(previous: Map<string, string>): WorkspaceDocumentDiagnosticReport[];
  logError(message: string): void;
}

/** Whether the client asked for pull diagnostics; without them the server must push. */
export function clientPullsDiagnostics(capabilities: { textDocument?: { diagnostic?: unknown } }): boolean {
  return capabilities.textDocument?.diagnostic !== undefined;
}

export class PushDiagnostics {
  /** false for clients that pull (VS Code): then every method here does nothing */
  enabled = false;
  private readonly running = new Map<string, CancellationTokenSource>();
  /** file path → result id last pushed, for files that are not open */
  private readonly published = new Map<string, string>();

  constructor(private readonly host: PushDiagnosticsHost) {}

  /** Analyses an open document (after its quiet period) and pushes its diagnostics; a newer call wins. */
  documentChanged(uri: string): void {
    if (!this.enabled) return;
    this.running.get(uri)?.cancel();
    const source = new CancellationTokenSource();
    this.running.set(uri, source);
    void this.push(uri, source).finally(() => {
      if (this.running.get(uri) === source) this.running.delete(uri);
      source.dispose();
    });
  }

  /** Something open documents may depend on changed: analyse them all again. */
  openDocumentsChanged(): void {
    if (!this.enabled) return;
    for (const document of this.host.documents.all()) this.documentChanged(document.uri);
  }

  documentClosed(uri: string): void {
    if (!this.enabled) return;
    this.running.get(uri)?.cancel();
    // Cleared now; a project file comes back from its disk analysis through workspaceChanged(),
    // which must not take it for already sent.
    const file = uriToPath(uri);
    if (file) this.published.delete(file);
    void this.host.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Files analysed from disk (workspace scan, changes on disk) or forgotten: push what changed. */
  workspaceChanged(): void {
    if (!this.enabled) return;
    for (const report of this.host.workspaceReports(this.published)) {
      const file = uriToPath(report.uri);
      if (report.kind !== 'full' || !file) continue;
      if (report.items.length === 0) this.published.delete(file);
      else if (report.resultId) this.published.set(file, report.resultId);
      void this.host.connection.sendDiagnostics({ uri: report.uri, diagnostics: report.items });
    }
  }

  private async push(uri: string, source: CancellationTokenSource): Promise<void> {
    const document = this.host.documents.get(uri);
    if (!document) return;
    try {
      const state = await this.host.analyze(document, source.token);
      if (source.token.isCancellationRequested) return;
      await this.host.connection.sendDiagnostics({
        uri,
        version: state?.version ?? document.version,
        diagnostics: state ? this.host.diagnosticsOf(state) : [],
      });
    } catch (error) {
      if (error instanceof ResponseError && error.code === LSPErrorCodes.RequestCancelled) return;
      this.host.logError(
        `${uri}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
}

/**
 * The actions' commands (open the rule's docs, select the reason placeholder) are the VS Code
 * extension's; other editors would send them back to the server. They get the edits only; the docs
 * link rides on each diagnostic's `codeDescription`. "Move to worker pool" is the server's own
 * command (workspace/executeCommand), so every editor keeps it.
 */
export function withoutClientCommands(actions: CodeAction[]): CodeAction[] {
  return actions
    .filter((action) => action.edit || action.command?.command === moveToWorkerPoolServerCommand)
    .map(({ command, ...action }) =>
      command?.command === moveToWorkerPoolServerCommand ? { ...action, command } : action,
    );
}
