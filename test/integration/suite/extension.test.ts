// The extension in a real VS Code extension host, against a copy of test/fixtures/workspace.
// Tests run in order and share the editor; each leaves the files it edits saved or reverted.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConcurrencyLensApi } from '../../../src/client/api.js';
import {
  activateExtension,
  apply,
  codeActions,
  extensionId,
  fixture,
  nextEvent,
  open,
  ours,
  setSetting,
  waitForDiagnostics,
} from './helpers.js';

const hasBlockingCall = (diagnostics: vscode.Diagnostic[]) =>
  diagnostics.some((d) => codeOf(d) === 'blocking-call');

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'object' && code !== null) return String(code.value);
  return code === undefined ? undefined : String(code);
}

describe('Concurrency Lens in VS Code', () => {
  let api: ConcurrencyLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('activates on TypeScript and JavaScript and contributes its commands', async () => {
    const extension = vscode.extensions.getExtension(extensionId)!;
    assert.ok(extension.isActive);
    console.log(`[test] extension under test: ${extension.extensionPath} (${extension.packageJSON.version})`);
    const all = await vscode.commands.getCommands(true);
    for (const command of ['scanWorkspace', 'showOutput', 'restartServer', 'openRuleDocs']) {
      assert.ok(all.includes(`concurrencyLens.${command}`), `concurrencyLens.${command} is registered`);
    }
    const manifest = extension.packageJSON as { activationEvents: string[] };
    assert.deepEqual(manifest.activationEvents.filter((event) => event.startsWith('onLanguage:')).sort(), [
      'onLanguage:javascript',
      'onLanguage:javascriptreact',
      'onLanguage:typescript',
      'onLanguage:typescriptreact',
    ]);
  });

  it('shows diagnostics for an opened file, with the rule id, a docs link and the severity', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    const diagnostics = await waitForDiagnostics(uri, hasBlockingCall, 'a blocking-call diagnostic');
    assert.equal(diagnostics.length, 1);
    const [diagnostic] = diagnostics;
    assert.equal(diagnostic!.source, 'concurrency-lens');
    assert.equal(diagnostic!.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diagnostic!.range.start.line, 6); // line 7, 1-based: the pbkdf2Sync call
    assert.match(diagnostic!.message, /pbkdf2Sync/);
    const code = diagnostic!.code as { value: string; target: vscode.Uri };
    assert.equal(code.value, 'blocking-call');
    assert.match(code.target.toString(), /docs\/rules\/blocking-call\.md$/);
    // the page bundled with the extension (offline, the installed version), not the web
    assert.notEqual(code.target.scheme, 'https');
    await vscode.workspace.fs.stat(code.target);
  });

  it('explains a finding on hover: the short message, why it matters, what to do, the docs link', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    const [diagnostic] = await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    assert.ok(diagnostic!.message.length <= 160, diagnostic!.message);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      diagnostic!.range.start.translate(0, 1),
    );
    const text = hovers
      .flatMap((hover) => hover.contents)
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n');
    assert.match(text, /`crypto\.pbkdf2Sync\(\)` blocks the event loop/);
    assert.match(text, /no other request, timer or I\/O callback runs/);
    assert.match(text, /Use `crypto\.pbkdf2\(\)`/);
    assert.match(text, /docs\/rules\/blocking-call\.md/);
  });

  it('adds related information for a call chain across files', async () => {
    const uri = fixture('src/routes.ts');
    await open(uri);
    const [diagnostic] = await waitForDiagnostics(uri, hasBlockingCall, 'the cross-file blocking-call');
    assert.match(diagnostic!.message, /hashPassword/);
    const related = diagnostic!.relatedInformation ?? [];
    assert.ok(
      related.some((info) => info.location.uri.path.endsWith('/src/hash.ts')),
      `related information points into hash.ts: ${JSON.stringify(related.map((r) => r.location.uri.path))}`,
    );
  });

  it('updates the diagnostics after an edit', async () => {
    const uri = fixture('src/login.ts');
    const editor = await open(uri);
    await waitForDiagnostics(uri, (d) => d.length === 1, 'the initial diagnostic');
    await editor.edit((edit) =>
      edit.insert(
        new vscode.Position(7, 0),
        "  const again = crypto.pbkdf2Sync('x', 'salt', 1, 64, 'sha512');\n",
      ),
    );
    const after = await waitForDiagnostics(uri, (d) => d.length === 2, 'a second diagnostic after the edit');
    assert.deepEqual(after.map((d) => d.range.start.line).sort(), [6, 7]);
    await editor.edit((edit) => edit.delete(new vscode.Range(7, 0, 8, 0)));
    await waitForDiagnostics(uri, (d) => d.length === 1, 'one diagnostic after undoing the edit');
  });

  it('offers code actions in a fixed order: fixes, ignore line, ignore file, documentation', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    const [diagnostic] = await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    const titles = (await codeActions(uri, diagnostic!.range, 'blocking-call')).map((action) => action.title);
    assert.deepEqual(titles.slice(-4), [
      'Ignore blocking-call for this line',
      'Ignore blocking-call in this file',
      'Disable blocking-call in .concurrency-lens.json',
      'Show documentation for blocking-call',
    ]);
  });

  it('"Ignore this line" inserts a directive above with the same indentation, and the diagnostic goes away', async () => {
    const uri = fixture('src/login.ts');
    const editor = await open(uri);
    const [diagnostic] = await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    const action = (await codeActions(uri, diagnostic!.range, 'blocking-call')).find(
      (a) => a.title === 'Ignore blocking-call for this line',
    );
    assert.ok(action, 'the ignore-line action is offered');
    await apply(action);
    assert.equal(
      editor.document.lineAt(6).text,
      '  // concurrency-lens-ignore-next-line blocking-call -- reason',
    );
    assert.equal(editor.document.getText(editor.selection), 'reason', 'the reason placeholder is selected');
    await waitForDiagnostics(uri, (d) => d.length === 0, 'no diagnostics after the ignore comment');
  });

  it('"Ignore this file" puts the directive after the shebang, and the diagnostics go away', async () => {
    const uri = fixture('src/serve.js');
    const editor = await open(uri);
    const [diagnostic] = await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic in serve.js');
    const action = (await codeActions(uri, diagnostic!.range, 'blocking-call')).find(
      (a) => a.title === 'Ignore blocking-call in this file',
    );
    assert.ok(action, 'the ignore-file action is offered');
    await apply(action);
    assert.equal(editor.document.lineAt(0).text, '#!/usr/bin/env node');
    assert.equal(editor.document.lineAt(1).text, '// concurrency-lens-ignore-file blocking-call -- reason');
    await waitForDiagnostics(uri, (d) => d.length === 0, 'no diagnostics after the ignore-file comment');
  });

  it('"Show documentation" opens the bundled rule page in the Markdown preview', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    const [diagnostic] = await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    const action = (await codeActions(uri, diagnostic!.range, 'blocking-call')).find((a) =>
      a.title.startsWith('Show documentation'),
    );
    assert.ok(action?.command, 'the documentation action is offered');
    const isPreview = (tab: vscode.Tab) =>
      tab.input instanceof vscode.TabInputWebview &&
      /markdown\.preview/.test(tab.input.viewType) &&
      /blocking-call/.test(tab.label);
    const opened = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the Markdown preview tab', (event) =>
      [...event.opened, ...event.changed].some(isPreview),
    );
    await apply(action);
    await opened;
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('applies a severity from the settings, and "off" removes the rule', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    try {
      await setSetting('rules', { 'blocking-call': 'error' });
      await waitForDiagnostics(
        uri,
        (d) => d.length === 1 && d[0]!.severity === vscode.DiagnosticSeverity.Error,
        'the diagnostic as an error',
      );
      await setSetting('rules', { 'blocking-call': 'off' });
      await waitForDiagnostics(uri, (d) => d.length === 0, 'no diagnostics with the rule off');
    } finally {
      await setSetting('rules', undefined);
    }
    await waitForDiagnostics(
      uri,
      (d) => d.length === 1 && d[0]!.severity === vscode.DiagnosticSeverity.Warning,
      'the warning back',
    );
  });

  it('applies .concurrency-lens.json changes without a restart', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    const config = fixture('.concurrency-lens.json');
    await vscode.workspace.fs.writeFile(
      config,
      Buffer.from(JSON.stringify({ rules: { 'blocking-call': 'error' } })),
    );
    try {
      await waitForDiagnostics(
        uri,
        (d) => d.length === 1 && d[0]!.severity === vscode.DiagnosticSeverity.Error,
        'the severity from the new config file',
      );
    } finally {
      await vscode.workspace.fs.delete(config);
    }
    await waitForDiagnostics(
      uri,
      (d) => d.length === 1 && d[0]!.severity === vscode.DiagnosticSeverity.Warning,
      'the default severity after deleting the config file',
    );
  });

  it('"enable": false silences open and scanned files, and turning it back on restores them', async () => {
    const uri = fixture('src/login.ts');
    const scannedOnly = fixture('src/templates.js');
    await open(uri);
    await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    await waitForDiagnostics(scannedOnly, (d) => d.length === 2, 'the start-up scan results');
    try {
      await setSetting('enable', false);
      await waitForDiagnostics(uri, (d) => d.length === 0, 'no diagnostics in the open file');
      await waitForDiagnostics(scannedOnly, (d) => d.length === 0, 'no diagnostics in the scanned file');
    } finally {
      await setSetting('enable', undefined);
    }
    await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic back');
    await waitForDiagnostics(scannedOnly, (d) => d.length === 2, 'the scanned file back');
  });

  it('reports an analysis over the time budget to the status item', async () => {
    const uri = fixture('src/login.ts');
    const editor = await open(uri);
    await waitForDiagnostics(uri, hasBlockingCall, 'the diagnostic');
    try {
      await setSetting('timeBudgetMs', 0.001);
      const slow = nextEvent(api.onDidUpdateStatus, 'a status naming the slow file', (status) =>
        (status.slow?.uri ?? '').endsWith('/src/login.ts'),
      );
      await editor.edit((edit) => edit.insert(new vscode.Position(11, 0), '// touched\n'));
      const status = await slow;
      assert.equal(status.slow!.budgetMs, 0.001);
      assert.ok(status.lastAnalysis && status.lastAnalysis.durationMs > 0);
    } finally {
      await setSetting('timeBudgetMs', undefined);
    }
  });

  it('scans the workspace: files that are not open appear in Problems, ignored files do not', async () => {
    const scanned = nextEvent(api.onDidScan, 'a scan result');
    const result = await vscode.commands.executeCommand<{ filesScanned: number; cancelled: boolean }>(
      'concurrencyLens.scanWorkspace',
    );
    assert.ok(result && !result.cancelled, 'the scan completed');
    await scanned;
    const templates = fixture('src/templates.js');
    const diagnostics = await waitForDiagnostics(
      templates,
      (d) => d.length === 2,
      'both findings of templates.js',
    );
    assert.ok(diagnostics.every((d) => codeOf(d) === 'blocking-call'));
    assert.ok(!vscode.workspace.textDocuments.some((doc) => doc.uri.toString() === templates.toString()));
    assert.deepEqual(ours(fixture('ignored/blocking.js')), [], '.gitignore-d files are not analysed');
    assert.deepEqual(ours(fixture('src/clean.ts')), []);
  });

  it('restarts the server on command, and diagnostics come back', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    const before = await api.serverInfo();
    const restarted = nextEvent(api.onDidStartServer, 'the restarted server');
    await vscode.commands.executeCommand('concurrencyLens.restartServer');
    const pid = await restarted;
    assert.notEqual(pid, before.pid, 'a new server process');
    await waitForDiagnostics(uri, hasBlockingCall, 'diagnostics from the new server');
  });

  it('restarts the server by itself when it dies', async () => {
    const uri = fixture('src/login.ts');
    await open(uri);
    const before = await api.serverInfo();
    const recovered = nextEvent(api.onDidStartServer, 'the recovered server');
    process.kill(before.pid, 'SIGKILL');
    const pid = await recovered;
    assert.notEqual(pid, before.pid);
    await waitForDiagnostics(uri, hasBlockingCall, 'diagnostics after recovery');
  });
});
