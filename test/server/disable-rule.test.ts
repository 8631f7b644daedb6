// "Disable <rule> in .concurrency-lens.json": the edit on an existing config (options kept,
// indentation kept), a new config file, and no edit for a config with comments.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { validateConfig } from '../../src/analysis/config.js';
import { disableRuleEdit } from '../../src/server/disable-rule.js';
import { pathToUri } from '../../src/server/uri.js';

const folder = path.resolve('/work/project');
const configFile = path.join(folder, '.concurrency-lens.json');

describe('disable a rule in .concurrency-lens.json', () => {
  it('sets the rule off in an existing config, keeping other settings and the rule options', () => {
    const before = `${JSON.stringify(
      { mode: 'application', rules: { 'cpu-heavy-loop': { severity: 'warning', options: { x: 1 } } } },
      null,
      4,
    )}\n`;
    const edit = disableRuleEdit('cpu-heavy-loop', folder, configFile, before);
    const edits = edit?.changes?.[pathToUri(configFile)];
    assert.ok(edits);
    const after = TextDocument.applyEdits(TextDocument.create('u', 'json', 0, before), edits);
    const parsed = JSON.parse(after);
    assert.deepEqual(parsed, {
      mode: 'application',
      rules: { 'cpu-heavy-loop': { severity: 'off', options: { x: 1 } } },
    });
    assert.match(after, /^ {4}"mode"/m, 'indentation kept');
    assert.deepEqual(validateConfig(parsed), []);
  });

  it('creates the config file when the folder has none', () => {
    const edit = disableRuleEdit('blocking-call', folder, undefined, undefined);
    const [create, text] = edit?.documentChanges ?? [];
    assert.deepEqual(create, {
      kind: 'create',
      uri: pathToUri(configFile),
      options: { ignoreIfExists: true },
    });
    const written = (text as { edits: Array<{ newText: string }> }).edits[0]!.newText;
    assert.deepEqual(JSON.parse(written), { rules: { 'blocking-call': 'off' } });
    assert.deepEqual(validateConfig(JSON.parse(written)), []);
  });

  it('offers nothing for a config that is not plain JSON (it would lose the comments)', () => {
    assert.equal(
      disableRuleEdit('blocking-call', folder, configFile, '// ours\n{ "rules": {} }\n'),
      undefined,
    );
  });
});
