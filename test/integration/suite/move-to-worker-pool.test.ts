// "Move to worker pool" in a real VS Code: from the profile CodeLens's recommendation, through the
// refactor preview (the edit needs confirmation, so nothing changes until it is applied), then the
// worker module, the pool, the awaited call site in another file and the cleared diagnostic; and
// the refactor offered by the lightbulb on a cpu-heavy-loop diagnostic.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProfileResult } from '../../../src/profiler/model.js';
import { activateExtension, fixture, nextEvent, open, ours, waitForDiagnostics } from './helpers.js';

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

async function revertAll(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty) continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
}

describe('Move to worker pool in VS Code', () => {
  const chart = fixture('src/chart.ts');
  const worker = fixture('src/chart.worker.ts');
  const dashboard = fixture('src/dashboard.ts');

  const originals = new Map<string, Uint8Array>();

  before(async () => {
    await activateExtension();
    for (const uri of [chart, dashboard])
      originals.set(uri.toString(), await vscode.workspace.fs.readFile(uri));
  });

  beforeEach(async () => {
    // chart.ts is flagged through its caller in dashboard.ts (a route handler): the server learns
    // that caller when it analyses dashboard.ts
    await open(dashboard);
  });

  afterEach(async () => {
    await revertAll();
    // VS Code saves files a refactoring changed (files.refactoring.autoSave): put them back
    for (const [uri, bytes] of originals) await vscode.workspace.fs.writeFile(vscode.Uri.parse(uri), bytes);
    await vscode.workspace.fs.delete(worker).then(
      () => undefined,
      () => undefined,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('concurrencyLens.clearProfileResults');
  });

  it('offers the move as a refactor on the cpu-heavy-loop diagnostic, never as a quick fix', async () => {
    await open(chart);
    const diagnostics = await waitForDiagnostics(
      chart,
      (d) => d.some((x) => codeOf(x) === 'cpu-heavy-loop'),
      'cpu-heavy-loop on renderChart',
    );
    const loop = diagnostics.find((d) => codeOf(d) === 'cpu-heavy-loop')!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      chart,
      loop.range,
    );
    const move = actions?.find((a) => a.title === 'Move `renderChart` to a worker pool');
    assert.ok(move, `offered; actions: ${actions?.map((a) => a.title).join(' | ')}`);
    assert.equal(move.kind?.value, 'refactor.move');
    assert.equal(move.edit, undefined, 'computed only when chosen');
    const fixAll = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      chart,
      loop.range,
      vscode.CodeActionKind.SourceFixAll.value,
    );
    assert.ok(!(fixAll ?? []).some((a) => a.title.includes('worker pool')), 'not part of fix-all');
  });

  it('applies the profile lens recommendation through the refactor preview', async function () {
    this.timeout(120_000);
    const t0 = Date.now();
    const step = (what: string) => console.log(`[test]   ${what} at ${Date.now() - t0} ms`);
    await open(chart);
    await waitForDiagnostics(
      chart,
      (d) => d.some((x) => codeOf(x) === 'cpu-heavy-loop'),
      'cpu-heavy-loop on renderChart',
    );
    const profile = await vscode.commands.executeCommand<ProfileResult>('concurrencyLens.profileFunction', {
      uri: chart.toString(),
      functionPath: 'renderChart',
      args: '[3]',
    });
    assert.ok(profile?.ok, 'profiled');
    step('profiled');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      chart,
      100,
    );
    const move = lenses?.find((lens) => lens.command?.title === 'Move to worker pool');
    assert.ok(
      move?.command,
      `a Move to worker pool lens; lenses: ${lenses?.map((l) => l.command?.title).join(' | ')}`,
    );
    const original = (await vscode.workspace.openTextDocument(chart)).getText();

    const api = await activateExtension();
    const previewing = nextEvent(
      api.onWillPreviewMoveToWorkerPool,
      'the edit handed to the refactor preview',
    );
    let settled = false;
    const running = Promise.resolve(
      vscode.commands.executeCommand<{
        ok: boolean;
        applied?: boolean;
        reason?: string;
        failureReason?: string;
      }>(move.command.command, ...(move.command.arguments ?? [])),
    ).finally(() => {
      settled = true;
    });
    // The edit waits in the refactor preview: nothing has changed yet.
    assert.equal(await previewing, 'renderChart');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the preview pane renders
    assert.equal(settled, false, 'the command waits for the preview to be applied');
    assert.equal((await vscode.workspace.openTextDocument(chart)).getText(), original);
    step('preview open');
    // As a person would: entries that need confirmation start unchecked; group the preview by
    // change type, tick the one group ("Move `renderChart` to a worker pool"), then Apply.
    const run = (command: string) => Promise.resolve(vscode.commands.executeCommand(command));
    await run('refactorPreview.focus');
    await run('refactorPreview.groupByType');
    await run('list.collapseAll');
    await run('list.focusFirst');
    await run('refactorPreview.toggleCheckedState');
    await run('refactorPreview.apply');
    step('applied in the preview');
    const result = await running;
    step('command returned');
    assert.ok(result?.ok, `moved: ${result?.reason}`);
    assert.equal(result.applied, true, `applied: ${result.failureReason}`);

    const workerText = (await vscode.workspace.openTextDocument(worker)).getText();
    assert.match(workerText, /export function renderChart\(points: number\): number \{/);
    assert.match(workerText, /export default function runRenderChart\(\{ points \}: \{ points: number \}\)/);
    const chartText = (await vscode.workspace.openTextDocument(chart)).getText();
    assert.match(chartText, /const chartPool = new Piscina\(\{/);
    assert.match(chartText, /maxThreads: availableParallelism\(\),/);
    assert.match(chartText, /export async function renderChart\(points: number\): Promise<number> \{/);
    assert.match(chartText, /return chartPool\.run\(\{ points \}\);/);
    const dashboardText = (await vscode.workspace.openTextDocument(dashboard)).getText();
    assert.match(dashboardText, /export async function dashboard\(points: number\): Promise<string> \{/);
    assert.match(dashboardText, /\(await renderChart\(points\)\)\.toFixed\(1\)/);
    // The loop left the main thread: the diagnostic on chart.ts clears.
    await waitForDiagnostics(
      chart,
      (d) => !d.some((x) => codeOf(x) === 'cpu-heavy-loop'),
      'cpu-heavy-loop cleared',
    );
    console.log(`[test] after the move, chart.ts diagnostics: ${JSON.stringify(ours(chart).map(codeOf))}`);
  });
});
