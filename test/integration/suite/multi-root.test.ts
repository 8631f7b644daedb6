// Multi-root workspaces (run by `run.mjs --multi-root`): two copies of the fixture workspace, the
// second with a .concurrency-lens.json that makes blocking-call an error (a warning by default).
// Each folder is analysed with its own configuration, in the editor and by the workspace scan.
// The assertions wait for diagnostics of each severity, never for the absence of something.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConcurrencyLensApi } from '../../../src/client/api.js';
import { activateExtension, nextEvent, open, ours, waitForDiagnostics } from './helpers.js';

function folderNamed(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.name === name);
  if (!folder) throw new Error(`no workspace folder named ${name}`);
  return folder.uri;
}

const isBlockingCall = (d: vscode.Diagnostic): boolean =>
  (typeof d.code === 'object' ? d.code.value : d.code) === 'blocking-call';
const blockingCalls = (diagnostics: vscode.Diagnostic[], severity: vscode.DiagnosticSeverity): number =>
  diagnostics.filter((d) => isBlockingCall(d) && d.severity === severity).length;
const { Warning, Error: ErrorSeverity } = vscode.DiagnosticSeverity;

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
    await waitForDiagnostics(first, (d) => blockingCalls(d, Warning) === 1, 'a warning in the first folder');

    const second = vscode.Uri.joinPath(folderNamed('second'), 'src/login.ts');
    await open(second);
    const diagnostics = await waitForDiagnostics(
      second,
      (d) => blockingCalls(d, ErrorSeverity) === 1,
      'an error in the second folder (its .concurrency-lens.json)',
    );
    assert.equal(blockingCalls(diagnostics, Warning), 0);
    assert.equal(blockingCalls(ours(first), ErrorSeverity), 0, 'the first folder keeps its own severity');
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
      (d) => blockingCalls(d, Warning) === 2,
      'two warnings in templates.js (first)',
    );
    const second = vscode.Uri.joinPath(folderNamed('second'), 'src/templates.js');
    await waitForDiagnostics(
      second,
      (d) => blockingCalls(d, ErrorSeverity) === 2,
      'two errors in templates.js (second)',
    );
    assert.equal(blockingCalls(ours(first), ErrorSeverity) + blockingCalls(ours(second), Warning), 0);
    for (const name of ['first', 'second']) {
      assert.deepEqual(
        ours(vscode.Uri.joinPath(folderNamed(name), 'ignored/blocking.js')),
        [],
        `.gitignore-d files of ${name} are not analysed`,
      );
    }
  });
});
