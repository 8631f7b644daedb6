// The profiler in a real VS Code: the command on a fixture function (a ~100 ms CPU loop), the
// result CodeLens, stale marking, the report webview, clearing, the Profile lens over flagged
// functions and the setting that turns profiling off. (Restricted Mode is not covered here: the
// harness runs code-server with --disable-workspace-trust; see test/integration/README.md.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConcurrencyLensApi } from '../../../src/client/api.js';
import type { ProfileResult } from '../../../src/profiler/model.js';
import { activateExtension, fixture, nextEvent, open, setSetting, waitForDiagnostics } from './helpers.js';

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
    'vscode.executeCodeLensProvider',
    uri,
    100,
  );
  // Only this extension's lenses: once a test has opened a .cpuprofile, VS Code's built-in profile
  // viewer adds its own "Self Time, Total" / "Clear" lenses to the profiled source file.
  return (lenses ?? [])
    .filter((lens) => lens.command?.command.startsWith('concurrencyLens.'))
    .map((lens) => lens.command?.title ?? '')
    .filter(Boolean);
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

const isReport = (tab: vscode.Tab) =>
  tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('concurrencyLens.profileReport');
const reportTabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter(isReport);

describe('Profiler in VS Code', () => {
  let api: ConcurrencyLensApi;
  before(async () => {
    api = await activateExtension();
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
    const reverted = editor.document.getText().includes('// tuned')
      ? nextEvent(
          vscode.workspace.onDidChangeTextDocument,
          'the revert',
          (event) => !event.document.getText().includes('// tuned'),
        )
      : undefined;
    // revert acts on the active editor: make it report.ts again (a report or result view opened
    // by the previous test may have taken focus, and then the revert never came)
    await vscode.window.showTextDocument(editor.document, { preview: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await reverted;
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

  it('re-profiling updates the open report in place, and its CPU profile opens in the profile viewer', async () => {
    const uri = fixture('src/report.ts');
    await open(uri);
    const first = await vscode.commands.executeCommand<ProfileResult>('concurrencyLens.profileFunction', {
      uri: uri.toString(),
      functionPath: 'buildReport',
      args: '[3]',
    });
    assert.ok(first?.ok);
    assert.ok(first.hotLines && first.hotLines.length > 0, 'hot lines from the CPU profile');
    assert.ok(first.hotLines[0]!.file.endsWith('report.ts'), JSON.stringify(first.hotLines[0]));
    const opened = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the report tab', (event) =>
      event.opened.some(isReport),
    );
    await vscode.commands.executeCommand(
      'concurrencyLens.showProfileReport',
      `${uri.toString()}#buildReport`,
    );
    await opened;
    const before = api.profiler!.report()!;
    assert.equal(before.key, `${uri.toString()}#buildReport`);

    const second = await vscode.commands.executeCommand<ProfileResult>('concurrencyLens.profileFunction', {
      uri: uri.toString(),
      functionPath: 'buildReport',
      args: '[4]',
    });
    assert.ok(second?.ok);
    const after = api.profiler!.report()!;
    assert.equal(reportTabs().length, 1, 'the same report tab, not a second one');
    assert.ok(after.at > before.at, 'the report shows the new run');
    assert.equal(after.renders, before.renders + 1, 'redrawn once, in place');

    const viewer = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the CPU profile viewer', (event) =>
      event.opened.some(
        (tab) =>
          tab.input instanceof vscode.TabInputCustom &&
          tab.input.viewType === 'jsProfileVisualizer.cpuprofile.table',
      ),
    );
    const shown = await vscode.commands.executeCommand<boolean>('concurrencyLens.openCpuProfile');
    assert.equal(shown, true);
    const tab = (await viewer).opened[0]!;
    const input = tab.input as vscode.TabInputCustom;
    assert.equal(input.uri.fsPath, second.cpuProfile, "the run's profile");
    await vscode.window.tabGroups.close(tab);
  });

  it('"Clear Profile Results" removes the result lenses and closes the report', async () => {
    const uri = fixture('src/report.ts');
    await open(uri);
    await expectLenses(uri, (t) => t.some((title) => title.startsWith('CPU ')), 'the result lens');
    if (reportTabs().length === 0)
      await vscode.commands.executeCommand(
        'concurrencyLens.showProfileReport',
        `${uri.toString()}#buildReport`,
      );
    const closed = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the report closing', (event) =>
      event.closed.some(isReport),
    );
    await vscode.commands.executeCommand('concurrencyLens.clearProfileResults');
    await closed;
    assert.equal(api.profiler!.report(), undefined);
    // The result lenses go; buildReport's 7M-iteration loop is flagged (the workspace has no
    // package.json, so its exports count as callable at run time), so the "Profile" offer stays.
    await expectLenses(
      uri,
      (t) => t.length > 0 && t.every((title) => title === 'Profile'),
      'only the Profile offer over the flagged function after clearing',
    );
  });

  it('the Profile lens over an inline-handler diagnostic profiles the helper it calls', async () => {
    // The finding sits in the helper and points at the call in the inline route handler: the
    // handler's line gets "Profile digest", never the function that registers the route.
    const uri = fixture('src/handlers.ts');
    await open(uri);
    const [finding] = await waitForDiagnostics(
      uri,
      (d) => d.some((one) => one.relatedInformation?.some((r) => r.message.includes('digest()'))),
      'the helper finding that points at the request handler',
    );
    const diagnostic = finding!.relatedInformation!.find((r) => r.message.includes('digest()'))!.location;
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      uri,
    );
    const profile = lenses.find((lens) => lens.command?.title === 'Profile digest');
    const registration = (await vscode.workspace.openTextDocument(uri))
      .getText()
      .split('\n')
      .findIndex((line) => line.includes('function registerAuthRoutes'));
    assert.ok(
      !lenses.some(
        (lens) => lens.range.start.line === registration && lens.command?.title.startsWith('Profile'),
      ),
      'no lens on registerAuthRoutes',
    );
    assert.ok(profile, `lenses: ${JSON.stringify(lenses.map((lens) => lens.command?.title))}`);
    assert.equal(
      profile.range.start.line,
      diagnostic!.range.start.line,
      'on the flagged line in the handler',
    );
    const [target] = profile.command!.arguments as [{ uri: string; functionPath: string }];
    assert.equal(target.functionPath, 'digest');
    assert.equal(target.uri, uri.toString());
    const result = await vscode.commands.executeCommand<ProfileResult>(profile.command!.command, {
      ...target,
      args: '["correct horse battery staple"]',
    });
    assert.ok(result?.ok, `profiled: ${JSON.stringify(result && !result.ok && result.error)}`);
    assert.equal(result.function, 'digest');
    assert.equal(result.classification, 'cpu-bound');
    // the helper's result now shows on the handler's line too
    await expectLenses(
      uri,
      (t) => t.some((title) => title.startsWith('CPU ')),
      'the helper result on the handler line',
    );
    await vscode.commands.executeCommand('concurrencyLens.clearProfileResults');
  });

  it('"Create Args Module" writes a typed template, and a class method profiles on the `this` it builds', async () => {
    const uri = fixture('src/thumbnailer.ts');
    await open(uri);
    const created = await vscode.commands.executeCommand<vscode.Uri>('concurrencyLens.createArgsModule', {
      uri: uri.toString(),
      functionPath: 'Thumbnailer.prototype.resize',
    });
    assert.ok(created, 'the module was created');
    assert.ok(created.fsPath.endsWith('thumbnailer.Thumbnailer.resize.profile-args.ts'), created.fsPath);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.fsPath, created.fsPath, 'the template is opened');
    const template = editor.document.getText();
    assert.match(template, /this: \(\) => new Thumbnailer\(/);
    assert.match(template, /args: \(\): Parameters<Thumbnailer\['resize'\]> => \[/);
    // the user fills in the constructor argument and saves
    const todo = template.indexOf('/* TODO: constructor arguments */');
    await editor.edit((edit) =>
      edit.replace(
        new vscode.Range(
          editor.document.positionAt(todo),
          editor.document.positionAt(todo + '/* TODO: constructor arguments */'.length),
        ),
        '16',
      ),
    );
    await editor.document.save();
    const result = await vscode.commands.executeCommand<ProfileResult>('concurrencyLens.profileFunction', {
      uri: uri.toString(),
      functionPath: 'Thumbnailer.prototype.resize',
      args: `module:${vscode.workspace.asRelativePath(created)}`,
    });
    assert.ok(result?.ok, `profiled: ${JSON.stringify(result && !result.ok && result.error)}`);
    assert.equal(result.function, 'Thumbnailer.prototype.resize');
    assert.equal(result.serialization.transferableBytes, 1024 * 1024, "the template's Uint8Array");
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
