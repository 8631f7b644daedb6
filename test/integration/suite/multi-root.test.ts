// Multi-root workspaces (run by `run.mjs --multi-root`): two copies of the fixture workspace, the
// second with a .concurrency-lens.json that turns blocking-call off. Each folder is analysed with
// its own configuration, in the editor and by the workspace scan.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConcurrencyLensApi } from '../../../src/client/api.js';
import type { StatusParams } from '../../../src/shared/protocol.js';
import { activateExtension, nextEvent, open, ours, waitForDiagnostics } from './helpers.js';

function folderNamed(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.name === name);
  if (!folder) throw new Error(`no workspace folder named ${name}`);
  return folder.uri;
}

/** Resolves when the server reports an analysis of `uri` (with or without findings). */
function analysed(api: ConcurrencyLensApi, uri: vscode.Uri): Promise<StatusParams> {
  return nextEvent(api.onDidUpdateStatus, `an analysis of ${uri.path}`, (status) =>
    decodeURIComponent(status.lastAnalysis?.uri ?? '').endsWith(uri.path),
  );
}

const isBlockingCall = (d: vscode.Diagnostic): boolean =>
  (typeof d.code === 'object' ? d.code.value : d.code) === 'blocking-call';

describe('Concurrency Lens in a multi-root workspace', () => {
  let api: ConcurrencyLensApi;

  before(async () => {
    api = await activateExtension();
  });

  it('opens both folders', () => {
    assert.deepEqual(
      vscode.workspace.workspaceFolders?.map((f) => f.name),
      ['first', 'second'],
    );
  });

  it("applies each folder's configuration to the files open in the editor", async () => {
    const first = vscode.Uri.joinPath(folderNamed('first'), 'src/login.ts');
    await open(first);
    await waitForDiagnostics(first, (d) => d.some(isBlockingCall), 'blocking-call in the first folder');

    const second = vscode.Uri.joinPath(folderNamed('second'), 'src/login.ts');
    const done = analysed(api, second);
    await open(second);
    await done;
    assert.deepEqual(
      ours(second).filter(isBlockingCall),
      [],
      "the second folder's .concurrency-lens.json turns blocking-call off",
    );
  });

  it('scans every folder, each with its own configuration and ignore files', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const scanned = nextEvent(api.onDidScan, 'a scan result');
    const result = await vscode.commands.executeCommand<{ filesScanned: number; cancelled: boolean }>(
      'concurrencyLens.scanWorkspace',
    );
    assert.ok(result && !result.cancelled, 'the scan completed');
    const files = (await vscode.workspace.findFiles('**/src/*.{ts,js}')).length;
    assert.ok(
      result.filesScanned >= files,
      `scanned ${result.filesScanned} files of ${files} in both folders`,
    );
    await scanned;
    const first = vscode.Uri.joinPath(folderNamed('first'), 'src/templates.js');
    await waitForDiagnostics(
      first,
      (d) => d.filter(isBlockingCall).length === 2,
      'templates.js in the first folder',
    );
    const second = vscode.Uri.joinPath(folderNamed('second'), 'src/templates.js');
    assert.deepEqual(ours(second).filter(isBlockingCall), [], 'blocking-call is off in the second folder');
    for (const name of ['first', 'second']) {
      assert.deepEqual(
        ours(vscode.Uri.joinPath(folderNamed(name), 'ignored/blocking.js')),
        [],
        `.gitignore-d files of ${name} are not analysed`,
      );
    }
  });
});
