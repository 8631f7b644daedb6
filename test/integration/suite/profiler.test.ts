// The profiler in a real VS Code: the command on a fixture function (a ~100 ms CPU loop), the
// result CodeLens, stale marking, the report webview, clearing, the Profile lens over flagged
// functions and the setting that turns profiling off. (Restricted Mode is not covered here: the
// harness runs code-server with --disable-workspace-trust; see test/integration/README.md.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProfileResult } from '../../../src/profiler/model.js';
import { activateExtension, fixture, nextEvent, open, setSetting, waitForDiagnostics } from './helpers.js';

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
    'vscode.executeCodeLensProvider',
    uri,
    100,
  );
  return (lenses ?? []).map((lens) => lens.command?.title ?? '').filter(Boolean);
}

/**
 * The titles once `predicate` holds. `vscode.executeCodeLensProvider` asks the provider directly, so
 * after a command, an edit or a setting update has resolved the lenses are already current: no
 * waiting, only a readable failure.
 */
async function expectLenses(uri: vscode.Uri, predicate: (titles: string[]) => boolean, what: string) {
  const titles = await lensTitles(uri);
  assert.ok(predicate(titles), `${what}; lenses: ${JSON.stringify(titles)}`);
  return titles;
}

describe('Profiler in VS Code', () => {
  before(async () => {
    await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  after(async () => {
    await vscode.commands.executeCommand('concurrencyLens.clearProfileResults');
  });

  it('profiles the function at the cursor and shows the result as a CodeLens', async () => {
    const uri = fixture('src/report.ts');
    const editor = await open(uri);
    const inside = editor.document.positionAt(editor.document.getText().indexOf('checksum = ('));
    editor.selection = new vscode.Selection(inside, inside);
    const started = Date.now();
    const result = await vscode.commands.executeCommand<ProfileResult>('concurrencyLens.profileFunction', {
      args: '[3]',
    });
    const elapsed = Date.now() - started;
    assert.ok(result, 'the command returns the result');
    assert.ok(result.ok, `profiled: ${JSON.stringify(!result.ok && result.error)}`);
    assert.equal(result.function, 'buildReport');
    assert.equal(result.classification, 'cpu-bound');
    console.log(
      `[test] profiled buildReport: ${result.runs.length} runs of ${result.wallMs.toFixed(0)} ms, cpuRatio ${result.cpuRatio.toFixed(2)}, command to result ${elapsed} ms (profiler total ${result.timing.totalMs.toFixed(0)} ms)`,
    );
    const titles = await expectLenses(
      uri,
      (t) => t.some((title) => title.includes('CPU-bound')),
      'the result lens',
    );
    const lens = titles.find((title) => title.includes('CPU-bound'))!;
    assert.match(lens, /^CPU \d\.\d\d · CPU-bound · [\d.]+ ms\/call · clone .* · Move to worker pool$/);
  });

  it('marks the result stale when the function changes, and opens the report from the lens', async () => {
    const uri = fixture('src/report.ts');
    const editor = await open(uri);
    await expectLenses(uri, (t) => t.some((title) => title.startsWith('CPU ')), 'the result lens');
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((text) => text.includes('let checksum'));
    await editor.edit((edit) => edit.insert(new vscode.Position(line + 1, 0), '  // tuned\n'));
    await expectLenses(uri, (t) => t.some((title) => title.startsWith('(stale) CPU ')), 'the stale lens');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await expectLenses(
      uri,
      (t) => t.some((title) => title.startsWith('CPU ')),
      'the fresh lens after revert',
    );

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      uri,
    );
    const resultLens = lenses.find((l) => l.command?.title.startsWith('CPU '))!;
    assert.equal(resultLens.command!.command, 'concurrencyLens.showProfileReport');
    assert.match(resultLens.command!.tooltip ?? '', /Move to worker pool: CPU is/);
    const isReport = (tab: vscode.Tab) =>
      tab.input instanceof vscode.TabInputWebview &&
      tab.input.viewType.includes('concurrencyLens.profileReport');
    const opened = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the report tab', (event) =>
      event.opened.some(isReport),
    );
    const shown = await vscode.commands.executeCommand<boolean>(
      resultLens.command!.command,
      ...(resultLens.command!.arguments ?? []),
    );
    assert.equal(shown, true);
    const [tab] = (await opened).opened.filter(isReport);
    assert.equal(tab!.label, 'Profile: buildReport');
    await vscode.window.tabGroups.close(tab!);
  });

  it('reports a function that throws as a failed profile, on the lens and in the result', async () => {
    const uri = fixture('src/report.ts');
    await open(uri);
    const result = await vscode.commands.executeCommand<ProfileResult>('concurrencyLens.profileFunction', {
      uri: uri.toString(),
      functionPath: 'parseSettings',
      args: '["{ not json"]',
    });
    assert.ok(result && !result.ok);
    assert.equal(result.error.kind, 'threw');
    await expectLenses(
      uri,
      (t) => t.some((title) => title.startsWith('Profile failed (threw)')),
      'the failure lens',
    );
  });

  it('"Clear Profile Results" removes the result lenses', async () => {
    const uri = fixture('src/report.ts');
    await open(uri);
    await expectLenses(uri, (t) => t.some((title) => title.startsWith('CPU ')), 'the result lens');
    await vscode.commands.executeCommand('concurrencyLens.clearProfileResults');
    await expectLenses(uri, (t) => t.length === 0, 'no lenses after clearing');
  });

  it('offers "Profile" over a function a rule flagged, and not when profiling is turned off', async () => {
    const uri = fixture('src/hash.ts');
    await open(uri);
    await waitForDiagnostics(uri, (d) => d.length === 1, 'the blocking-call in hashPassword');
    await expectLenses(uri, (t) => t.includes('Profile'), 'the Profile lens');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      uri,
    );
    const profile = lenses.find((lens) => lens.command?.title === 'Profile')!;
    assert.equal(profile.range.start.line, 2, 'over hashPassword');
    assert.deepEqual(profile.command!.arguments, [{ uri: uri.toString(), functionPath: 'hashPassword' }]);
    try {
      await setSetting('profiler.enable', false);
      await expectLenses(uri, (t) => !t.includes('Profile'), 'no Profile lens with profiling off');
      const result = await vscode.commands.executeCommand('concurrencyLens.profileFunction', {
        uri: uri.toString(),
        functionPath: 'hashPassword',
        args: '["pw"]',
      });
      assert.equal(result, undefined, 'the command does not run');
    } finally {
      await setSetting('profiler.enable', undefined);
    }
    await expectLenses(uri, (t) => t.includes('Profile'), 'the Profile lens back');
  });
});
