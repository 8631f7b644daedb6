// New fixes through the lightbulb in a real VS Code: a safe fix comes first and is preferred
// (copy-instead-of-transfer's transfer list), and a suggestion that needs a package adds it to
// the nearest package.json when applied (unbounded-fan-out's p-limit). The files live in a folder
// of their own, created here and removed after, so the shared fixture workspace stays as the other
// tests expect it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, apply, fixture, open, ours, waitForDiagnostics } from './helpers.js';

const codeOf = (d: vscode.Diagnostic) =>
  typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code);
const count = (diagnostics: vscode.Diagnostic[], rule: string) =>
  diagnostics.filter((d) => codeOf(d) === rule).length;

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>(
    'vscode.executeCodeActionProvider',
    uri,
    range,
    vscode.CodeActionKind.QuickFix.value,
  );
  return (actions ?? []).filter((action): action is vscode.CodeAction => 'kind' in action);
}

describe('Fixes and suggestions in the lightbulb', () => {
  const folder = fixture('src/lightbulb-fixes');
  const manifest = vscode.Uri.joinPath(folder, 'package.json');

  before(async () => {
    await activateExtension();
    await vscode.workspace.fs.writeFile(
      manifest,
      Buffer.from('{\n  "name": "lightbulb-fixes",\n  "private": true,\n  "type": "module"\n}\n'),
    );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.files.saveAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(folder, { recursive: true });
  });

  it('the safe transfer-list fix is first and preferred; applying it clears the finding', async () => {
    const uri = vscode.Uri.joinPath(folder, 'samples.mjs');
    await vscode.workspace.fs.writeFile(
      uri,
      Buffer.from(
        [
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./sum.js');",
          "worker.on('error', console.error);",
          'export function send(size) {',
          '  const samples = new Float64Array(size);',
          '  worker.postMessage(samples);',
          '}',
          '',
        ].join('\n'),
      ),
    );
    const editor = await open(uri);
    const [diagnostic] = (
      await waitForDiagnostics(uri, (d) => count(d, 'copy-instead-of-transfer') === 1, 'the copied buffer')
    ).filter((d) => codeOf(d) === 'copy-instead-of-transfer');
    const actions = await quickFixes(uri, diagnostic!.range);
    assert.equal(actions[0]?.title, 'Transfer samples.buffer instead of copying');
    assert.equal(actions[0]?.isPreferred, true);
    await apply(actions[0]!);
    assert.match(editor.document.getText(), /^ {2}worker\.postMessage\(samples, \[samples\.buffer\]\);$/m);
    await waitForDiagnostics(uri, (d) => count(d, 'copy-instead-of-transfer') === 0, 'no copied buffer');
  });

  it('the p-limit suggestion bounds the fan-out and adds p-limit to package.json', async () => {
    const uri = vscode.Uri.joinPath(folder, 'notify.mjs');
    await vscode.workspace.fs.writeFile(
      uri,
      Buffer.from(
        [
          "import express from 'express';",
          'const app = express();',
          "app.post('/notify', async (req, res) => {",
          '  await Promise.all(req.body.users.map(async (user) => {',
          '    await sendEmail(user.email);',
          '  }));',
          '  res.sendStatus(204);',
          '});',
          '',
        ].join('\n'),
      ),
    );
    const editor = await open(uri);
    const [diagnostic] = (
      await waitForDiagnostics(uri, (d) => count(d, 'unbounded-fan-out') === 1, 'the unbounded fan-out')
    ).filter((d) => codeOf(d) === 'unbounded-fan-out');
    const actions = await quickFixes(uri, diagnostic!.range);
    const suggestion = actions.find((a) => a.title === 'Run at most 10 at once with p-limit (tune it)');
    assert.ok(suggestion, `offered: ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.notEqual(suggestion.isPreferred, true, 'a suggestion is never the preferred fix');
    await apply(suggestion);
    const text = editor.document.getText();
    assert.match(text, /^import pLimit from 'p-limit';$/m);
    assert.match(
      text,
      /^ {2}const limit = pLimit\(10\);\n {2}await Promise\.all\(req\.body\.users\.map\(\(user\) => limit\(async \(\) => \{$/m,
    );
    const pkg = await vscode.workspace.openTextDocument(manifest);
    assert.deepEqual(JSON.parse(pkg.getText()).dependencies, { 'p-limit': '^7.3.3' });
    await waitForDiagnostics(uri, (d) => count(d, 'unbounded-fan-out') === 0, 'no unbounded fan-out');
    assert.equal(count(ours(uri), 'unbounded-fan-out'), 0);
  });
});
