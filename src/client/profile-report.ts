// The profile report webview. It loads only media/ (localResourceRoots), runs one script with a
// nonce under a strict CSP, and draws its chart itself (media/profile-report.js): nothing from a CDN.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { StoredProfile } from './profile-results.js';

const viewType = 'concurrencyLens.profileReport';

export class ProfileReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Opens (or reuses) the report tab for `profile`; resolves with the panel. */
  show(profile: StoredProfile): vscode.WebviewPanel {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const title = `Profile: ${profile.functionPath}`;
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      this.panel = vscode.window.createWebviewPanel(
        viewType,
        title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [media] },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
    }
    this.panel.webview.html = reportHtml(this.panel.webview, media, profile);
    return this.panel;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function reportHtml(webview: vscode.Webview, media: vscode.Uri, profile: StoredProfile): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'profile-report.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'profile-report.css'));
  const data = {
    file: vscode.workspace.asRelativePath(profile.uri),
    functionPath: profile.functionPath,
    at: new Date(profile.at).toLocaleString(),
    result: profile.result,
  };
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
<title>Profile: ${escapeHtml(profile.functionPath)}</title>
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
