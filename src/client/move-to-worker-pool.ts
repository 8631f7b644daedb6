// "Move to worker pool" in VS Code: the palette command (the function at the cursor) and the
// command the profile CodeLens calls with a document and a function name. The server computes
// the move and asks VS Code to apply it as one workspace edit that needs confirmation, so it
// opens in the refactor preview first and one undo reverts it.
import * as vscode from 'vscode';
import type { ProfileResult } from '../profiler/model.js';
import { notUpdatedMessage } from '../shared/offload-messages.js';
import {
  commands,
  type MoveToWorkerPoolArgs,
  type MoveToWorkerPoolCommandResult,
  moveToWorkerPoolServerCommand,
} from '../shared/protocol.js';
import type { ServerManager } from './server-manager.js';

export function registerMoveToWorkerPool(
  server: ServerManager,
  willPreview: vscode.EventEmitter<string>,
): vscode.Disposable {
  return vscode.commands.registerCommand(
    commands.moveToWorkerPool,
    async (first?: unknown, second?: unknown): Promise<MoveToWorkerPoolCommandResult | undefined> => {
      const args = argumentsOf(first, second);
      if (!args) {
        void vscode.window.showErrorMessage(
          'Move to worker pool: open a TypeScript or JavaScript file first.',
        );
        return undefined;
      }
      const client = await server.ensureStarted();
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Concurrency Lens: moving to a worker pool' },
        () =>
          client.sendRequest<MoveToWorkerPoolCommandResult>('workspace/executeCommand', {
            command: moveToWorkerPoolServerCommand,
            arguments: [{ ...args, returnEdit: true }],
          }),
      );
      if (!result.ok || !result.edit) return result; // the server showed why
      const edit = await client.protocol2CodeConverter.asWorkspaceEdit(
        result.edit as Parameters<typeof client.protocol2CodeConverter.asWorkspaceEdit>[0],
      );
      if (!edit) return { ...result, edit: undefined, applied: false };
      // Every entry needs confirmation: VS Code opens the refactor preview; one undo reverts it all.
      willPreview.fire(result.functionName ?? '');
      const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
      if (applied && result.notUpdated && result.notUpdated.length > 0) {
        void vscode.window.showWarningMessage(
          notUpdatedMessage(result.functionName ?? '', result.notUpdated),
        );
      }
      return { ...result, edit: undefined, applied };
    },
  );
}

/** `(uri, functionName)`, `({ uri, functionName })`, or nothing: the active editor's cursor. */
function argumentsOf(first: unknown, second: unknown): MoveToWorkerPoolArgs | undefined {
  if (first && typeof first === 'object' && 'uri' in first) {
    const given = first as { uri: unknown; functionName?: unknown; functionPath?: unknown };
    const name = given.functionName ?? given.functionPath;
    return { uri: String(given.uri), functionName: typeof name === 'string' ? name : undefined };
  }
  if (first instanceof vscode.Uri || typeof first === 'string') {
    return { uri: first.toString(), functionName: typeof second === 'string' ? second : undefined };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const { line, character } = editor.selection.active;
  return { uri: editor.document.uri.toString(), position: { line, character } };
}

/**
 * The profile lens's recommendation as an action: "Move to worker pool" beside the result when the
 * profiler recommends it for a module-level function (not for `Object.method` paths).
 */
export function moveToWorkerPoolLens(
  uri: vscode.Uri,
  functionPath: string,
  result: ProfileResult,
  range: vscode.Range,
): vscode.CodeLens | undefined {
  if (!result.ok || !result.recommendation.text.startsWith('Move to worker pool')) return undefined;
  if (functionPath.includes('.') || functionPath === 'default') return undefined;
  const args: MoveToWorkerPoolArgs = { uri: uri.toString(), functionName: functionPath };
  return new vscode.CodeLens(range, {
    title: 'Move to worker pool',
    tooltip: `Move ${functionPath} into a piscina worker module and run it in a pool (shown in the refactor preview first)`,
    command: commands.moveToWorkerPool,
    arguments: [args],
  });
}
