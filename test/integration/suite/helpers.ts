// Shared by the extension-host tests. Everything waits on VS Code events; the timeouts only turn a
// hang into a readable failure.
import * as vscode from 'vscode';
import type { ConcurrencyLensApi } from '../../../src/client/api.js';

export const extensionId = 'concurrency-lens.concurrency-lens';
export const source = 'concurrency-lens';

export function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need a workspace folder (the fixture workspace)');
  return folder.uri;
}

export function fixture(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceFolder(), relative);
}

export async function activateExtension(): Promise<ConcurrencyLensApi> {
  const extension = vscode.extensions.getExtension<ConcurrencyLensApi>(extensionId);
  if (!extension) throw new Error(`${extensionId} is not installed in this extension host`);
  const api = await extension.activate();
  await api.whenReady();
  return api;
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === source);
}

function describe(diagnostics: vscode.Diagnostic[]): string {
  return JSON.stringify(
    diagnostics.map((d) => ({
      line: d.range.start.line,
      severity: d.severity,
      code: d.code,
      message: d.message,
    })),
  );
}

/** Resolves with our diagnostics for `uri` as soon as `predicate` holds (checked now and on every change). */
export function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (diagnostics: vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const diagnostics = ours(uri);
      if (!predicate(diagnostics)) return false;
      cleanup();
      resolve(diagnostics);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((changed) => changed.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what} on ${uri.path}; now: ${describe(ours(uri))}`));
    }, timeoutMs);
    function cleanup() {
      subscription.dispose();
      clearTimeout(timer);
    }
    check();
  });
}

/** Resolves with the first value `event` fires that passes `filter`. */
export function nextEvent<T>(
  event: vscode.Event<T>,
  what: string,
  filter: (value: T) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const subscription = event((value) => {
      if (!filter(value)) return;
      subscription.dispose();
      clearTimeout(timer);
      resolve(value);
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
  });
}

export async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false });
}

/**
 * Quick fixes at `range`. The provider command does not return `CodeAction.diagnostics`, so ours are
 * recognised by the rule id in the title or a command of ours (other extensions may add their own).
 */
export async function codeActions(
  uri: vscode.Uri,
  range: vscode.Range,
  ruleId: string,
): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>(
    'vscode.executeCodeActionProvider',
    uri,
    range,
    vscode.CodeActionKind.QuickFix.value,
  );
  return (actions ?? []).filter(
    (action): action is vscode.CodeAction =>
      'kind' in action &&
      (action.title.includes(ruleId) || (action.command?.command.startsWith('concurrencyLens.') ?? false)),
  );
}

export async function apply(action: vscode.CodeAction): Promise<void> {
  if (action.edit) {
    const applied = await vscode.workspace.applyEdit(action.edit);
    if (!applied) throw new Error(`applying "${action.title}" failed`);
  }
  if (action.command)
    await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace
    .getConfiguration('concurrencyLens')
    .update(key, value, vscode.ConfigurationTarget.Workspace);
}
