// Entry point. Activation is cheap by design: it registers commands and the status item and
// returns; the language server and the language client library load right after (see client/).
import type * as vscode from 'vscode';
import type { ConcurrencyLensApi } from './client/api.js';
import { activateClient, deactivateClient } from './client/index.js';

export function activate(context: vscode.ExtensionContext): ConcurrencyLensApi {
  const started = performance.now();
  const api = activateClient(context);
  api.activateMs = performance.now() - started;
  return api;
}

export function deactivate(): Promise<void> | undefined {
  return deactivateClient();
}
