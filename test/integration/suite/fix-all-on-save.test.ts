// Fix-all on save in a real VS Code: with `editor.codeActionsOnSave` asking for
// `source.fixAll.concurrency-lens`, saving applies the safe fixes (oversized pools sized by
// availableParallelism()) and leaves the suggestions (maxQueue) alone. The file is created here
// and removed after, so the shared fixture workspace stays as the other tests expect it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, fixture, ours, waitForDiagnostics } from './helpers.js';

const codeOf = (d: vscode.Diagnostic) =>
  typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code);
const count = (diagnostics: vscode.Diagnostic[], rule: string) =>
  diagnostics.filter((d) => codeOf(d) === rule).length;

const POOLS = [
  "import Piscina from 'piscina';",
  "export const a = new Piscina({ filename: './a.js', maxThreads: 64 });",
  "export const b = new Piscina({ filename: './b.js', maxQueue: Infinity });",
  "app.post('/b', async (req, res) => res.send(await b.run(req.body)));",
  '',
].join('\n');

describe('Fix all on save', () => {
  const uri = fixture('src/fix-all-pools.ts');

  before(async () => {
    await activateExtension();
    await vscode.workspace.fs.writeFile(uri, Buffer.from(POOLS));
    await vscode.workspace
      .getConfiguration('editor')
      .update(
        'codeActionsOnSave',
        { 'source.fixAll.concurrency-lens': 'explicit' },
        vscode.ConfigurationTarget.Workspace,
      );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('editor')
      .update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.fs.delete(uri);
  });

  it('applies the safe fixes on save, and only those', async () => {
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    await waitForDiagnostics(
      uri,
      (d) => count(d, 'oversized-pool') === 1 && count(d, 'unbounded-queue-option') === 1,
      'the oversized pool and the unbounded queue',
    );
    // an edit that adds a second oversized pool, saved at once: the server analyses the new
    // version when asked for fix-all, so a save right after typing fixes what was just typed
    await editor.edit((edit) =>
      edit.insert(
        new vscode.Position(3, 0),
        "export const c = new Piscina({ filename: './c.js', maxThreads: 48, maxQueue: 8 });\n",
      ),
    );
    await vscode.commands.executeCommand('workbench.action.files.save');
    assert.equal(document.isDirty, false, 'saved');
    assert.equal(
      document.getText(),
      [
        "import Piscina from 'piscina';",
        "import { availableParallelism } from 'node:os';",
        "export const a = new Piscina({ filename: './a.js', maxThreads: availableParallelism() });",
        "export const b = new Piscina({ filename: './b.js', maxQueue: Infinity });",
        "export const c = new Piscina({ filename: './c.js', maxThreads: availableParallelism(), maxQueue: 8 });",
        "app.post('/b', async (req, res) => res.send(await b.run(req.body)));",
        '',
      ].join('\n'),
    );
    const after = await waitForDiagnostics(
      uri,
      (d) => count(d, 'oversized-pool') === 0,
      'no oversized pool after the save',
    );
    assert.equal(count(after, 'unbounded-queue-option'), 1, 'the suggestion was not applied');
    assert.ok(ours(uri).length >= 1);
  });
});
