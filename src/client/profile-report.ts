// The profile report webview: a live view of the latest run. It follows the results: a new run
// (of this function or another) redraws it in place, clearing the results closes it. It loads only
// media/ (localResourceRoots), runs one script with a nonce under a strict CSP, and draws its chart
// itself (media/profile-report.js): nothing from a CDN. Its links (hot lines, "Open CPU profile",
// "Measure in a worker pool") come back as messages.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ProfileResults, StoredProfile } from './profile-results.js';

const viewType = 'concurrencyLens.profileReport';

export interface ReportActions {
  openCpuProfile(key: string): Thenable<unknown>;
  measureInPool(key: string): Thenable<unknown>;
}

type ReportMessage =
  | { type: 'openLine'; file: string; line: number }
  | { type: 'openCpuProfile' }
  | { type: 'measureInPool' };

export class ProfileReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: { key: string; at: number; renders: number } | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    results: ProfileResults,
    private readonly actions: ReportActions,
  ) {
    this.subscription = results.onDidChange((stored) => {
      if (!this.panel) return;
      if (stored) this.render(stored);
      else this.panel.dispose(); // cleared: nothing left to show
    });
  }

  /** Opens (or reuses) the report tab for `profile`. */
  show(profile: StoredProfile): vscode.WebviewPanel {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        viewType,
        title(profile),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true },
      );
      this.panel = panel;
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.shown = undefined;
      });
      panel.webview.onDidReceiveMessage((message: ReportMessage) => this.onMessage(message));
      panel.webview.html = reportHtml(panel.webview, media, reportData(profile));
      this.shown = { key: profile.key, at: profile.at, renders: 1 };
      return panel;
    }
    this.render(profile);
    return this.panel;
  }

  /** what the open report shows (for the tests) */
  state(): { key: string; at: number; renders: number } | undefined {
    return this.shown && { ...this.shown };
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }

  private render(profile: StoredProfile): void {
    if (!this.panel) return;
    this.panel.title = title(profile);
    void this.panel.webview.postMessage({ type: 'update', data: reportData(profile) });
    this.shown = { key: profile.key, at: profile.at, renders: (this.shown?.renders ?? 0) + 1 };
  }

  private onMessage(message: ReportMessage): void {
    const key = this.shown?.key;
    if (message.type === 'openLine') {
      const position = new vscode.Position(Math.max(0, message.line - 1), 0);
      void vscode.window.showTextDocument(vscode.Uri.file(message.file), {
        selection: new vscode.Range(position, position),
        viewColumn: vscode.ViewColumn.One,
      });
    } else if (message.type === 'openCpuProfile' && key) void this.actions.openCpuProfile(key);
    else if (message.type === 'measureInPool' && key) void this.actions.measureInPool(key);
  }
}

function title(profile: StoredProfile): string {
  return `Profile: ${profile.functionPath}`;
}

function reportData(profile: StoredProfile) {
  const relative = (file: string) => vscode.workspace.asRelativePath(vscode.Uri.file(file));
  const result = profile.result;
  return {
    file: vscode.workspace.asRelativePath(profile.uri),
    functionPath: profile.functionPath,
    at: new Date(profile.at).toLocaleString(),
    argsText: profile.argsText,
    result,
    hotLines: result.ok ? (result.hotLines ?? []).map((hot) => ({ ...hot, label: relative(hot.file) })) : [],
    previous: profile.previous && {
      at: new Date(profile.previous.at).toLocaleString(),
      result: profile.previous.result,
    },
  };
}

function reportHtml(webview: vscode.Webview, media: vscode.Uri, data: ReturnType<typeof reportData>): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'profile-report.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'profile-report.css'));
  // In a JSON <script> block only `<` can end the element early; \u003c is the same string in JSON.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Profile: ${escapeHtml(data.functionPath)}</title>
</head>
<body>
<main id="report" aria-live="polite"></main>
<script type="application/json" id="profile-data">${json}</script>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
