// The server's hover over a finding (message, explanation filled with the finding's data, docs
// link) and the order of its code actions (typed buckets: fixes, suggestions, ignore line,
// ignore file, docs), on findings from the real engine.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CodeActionKind, DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { allRules } from '../../src/analysis/rules/index.js';
import type { Finding } from '../../src/analysis/types.js';
import {
  codeActionsFor,
  fixAllAction,
  ignoreFileAction,
  ignoreLineAction,
} from '../../src/server/code-actions.js';
import { toDiagnostic } from '../../src/server/diagnostics.js';
import { hoverFor } from '../../src/server/hover.js';
import { pathToUri } from '../../src/server/uri.js';
import { analyzeFiles, ROOT } from '../helpers/analyze.js';

const CODE = [
  "import { pbkdf2Sync } from 'node:crypto';",
  "app.post('/login', (req, res) => {",
  "  res.send(pbkdf2Sync(req.body.password, 'salt', 100000, 64, 'sha512'));",
  '});',
  '',
].join('\n');
const rulesById = new Map(allRules.map((rule) => [rule.meta.id, rule]));

function finding(): Finding {
  const found = analyzeFiles({ 'src/app.ts': CODE }).filter((f) => f.ruleId === 'blocking-call');
  assert.equal(found.length, 1);
  return { ...found[0]!, file: path.join(ROOT, found[0]!.file) };
}

describe('hover over a finding', () => {
  it('shows the message, the explanation with this finding’s alternative, and the docs link', () => {
    const f = finding();
    assert.equal(f.messageId, 'blocking');
    assert.equal(f.data.api, 'crypto.pbkdf2Sync()');
    // line 3 (0-based 2), inside `pbkdf2Sync(`
    const hover = hoverFor([f], { line: 2, character: 14 }, rulesById);
    assert.ok(hover);
    const value = (hover.contents as { value: string }).value;
    assert.match(
      value,
      /^\*\*`crypto\.pbkdf2Sync\(\)` blocks the event loop in the `POST \/login` handler\*\*/,
    );
    assert.match(value, /Use `crypto\.pbkdf2\(\)` \(runs on the libuv thread pool\) instead/);
    assert.match(value, /\[Documentation for blocking-call\]\(.*docs\/rules\/blocking-call\.md\)/);
    assert.deepEqual(hover.range?.start, { line: 2, character: f.range.start.column - 1 });
  });

  it('answers nothing outside a finding, and nothing for a suppressed one', () => {
    const f = finding();
    assert.equal(hoverFor([f], { line: 0, character: 0 }, rulesById), undefined);
    const suppressed: Finding = { ...f, suppressed: { kind: 'next-line' } };
    assert.equal(hoverFor([suppressed], { line: 2, character: 14 }, rulesById), undefined);
  });
});

describe('code actions', () => {
  it('come in typed buckets: fix, suggestion, ignore line, ignore file, docs', () => {
    const f = finding();
    const withFixes: Finding = {
      ...f,
      // an unsafe fix listed first must still come after the safe one
      fixes: [
        {
          title: 'Move to a worker pool',
          safe: false,
          edits: [{ file: f.file, start: 0, end: 0, newText: '' }],
        },
        {
          title: 'Use crypto.pbkdf2()',
          safe: true,
          edits: [{ file: f.file, start: 0, end: 0, newText: '' }],
        },
      ],
    };
    const document = TextDocument.create(pathToUri(f.file), 'typescript', 1, CODE);
    const diagnostic = toDiagnostic(withFixes, 0, 'r1', () => 'https://example.test/docs');
    assert.equal(diagnostic.severity, DiagnosticSeverity.Warning);
    assert.deepEqual(
      { messageId: (diagnostic.data as { messageId: string }).messageId },
      { messageId: 'blocking' },
    );
    const actions = codeActionsFor({
      document,
      diagnostics: [diagnostic],
      findings: [withFixes],
      resultId: 'r1',
      fixToEdit: () => ({ changes: {} }),
    });
    assert.deepEqual(
      actions.map((a) => a.title),
      [
        'Use crypto.pbkdf2()',
        'Move to a worker pool',
        'Ignore blocking-call for this line',
        'Ignore blocking-call in this file',
        'Show documentation for blocking-call',
      ],
    );
    assert.equal(actions[0]!.isPreferred, true);
    assert.equal(actions[1]!.isPreferred, undefined);
    assert.ok(actions.every((a) => a.kind === CodeActionKind.QuickFix));
  });
});

describe('ignore actions add to an existing directive', () => {
  const diagnostic = {
    range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } },
    message: 'm',
    source: 'concurrency-lens',
  };
  const editOf = (action: ReturnType<typeof ignoreLineAction>) =>
    Object.values(action.edit?.changes ?? {})[0]?.[0];

  it('next-line: the rule joins the list before the reason', () => {
    const document = TextDocument.create(
      'file:///a.ts',
      'typescript',
      1,
      '  // concurrency-lens-ignore-next-line cpu-heavy-loop -- small\n  run();\n',
    );
    const edit = editOf(ignoreLineAction(document, diagnostic, 'blocking-call'));
    assert.deepEqual(edit, {
      range: { start: { line: 0, character: 53 }, end: { line: 0, character: 53 } },
      newText: ', blocking-call',
    });
  });

  it('file: a new directive carries a `-- reason` placeholder, selected after the edit', () => {
    const document = TextDocument.create('file:///a.ts', 'typescript', 1, 'run();\n');
    const action = ignoreFileAction(document, diagnostic, 'blocking-call');
    assert.deepEqual(editOf(action), {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      newText: '// concurrency-lens-ignore-file blocking-call -- reason\n',
    });
    assert.deepEqual(action.command?.arguments, [
      'file:///a.ts',
      { line: 0, character: 49 },
      { line: 0, character: 55 },
    ]);
  });

  it('file: the rule joins the file directive', () => {
    const document = TextDocument.create(
      'file:///a.ts',
      'typescript',
      1,
      '// concurrency-lens-ignore-file cpu-heavy-loop\nrun();\n',
    );
    const edit = editOf(ignoreFileAction(document, diagnostic, 'blocking-call'));
    assert.deepEqual(edit, {
      range: { start: { line: 0, character: 46 }, end: { line: 0, character: 46 } },
      newText: ', blocking-call',
    });
  });
});

describe('source.fixAll.concurrency-lens', () => {
  const POOLS = [
    "import Piscina from 'piscina';",
    "export const a = new Piscina({ filename: './a.js', maxThreads: 64 });",
    "export const b = new Piscina({ filename: './b.js', maxThreads: 32, maxQueue: Infinity });",
    "app.post('/b', async (req, res) => res.send(await b.run(req.body)));",
    '',
  ].join('\n');

  function poolFindings(): Finding[] {
    return analyzeFiles({ 'src/pools.ts': POOLS }).map((f) => ({ ...f, file: path.join(ROOT, f.file) }));
  }

  it('applies every safe fix of the document at once, one shared import, no suggestion', () => {
    const findings = poolFindings();
    assert.deepEqual(findings.map((f) => f.ruleId).sort(), [
      'oversized-pool',
      'oversized-pool',
      'unbounded-queue-option',
    ]);
    const document = TextDocument.create(pathToUri(findings[0]!.file), 'typescript', 1, POOLS);
    const action = fixAllAction(findings, (fix) => ({
      changes: {
        [document.uri]: fix.edits.map((e) => ({
          range: { start: document.positionAt(e.start), end: document.positionAt(e.end) },
          newText: e.newText,
        })),
      },
    }));
    assert.ok(action);
    assert.equal(action.kind, 'source.fixAll.concurrency-lens');
    const fixed = TextDocument.applyEdits(document, action.edit!.changes![document.uri]!);
    assert.equal(
      fixed,
      [
        "import Piscina from 'piscina';",
        "import { availableParallelism } from 'node:os';",
        "export const a = new Piscina({ filename: './a.js', maxThreads: availableParallelism() });",
        "export const b = new Piscina({ filename: './b.js', maxThreads: availableParallelism(), maxQueue: Infinity });",
        "app.post('/b', async (req, res) => res.send(await b.run(req.body)));",
        '',
      ].join('\n'),
    );
  });

  it('offers nothing when only suggestions or suppressed findings have fixes', () => {
    const findings = poolFindings().map((f) =>
      f.ruleId === 'oversized-pool' ? { ...f, suppressed: { kind: 'next-line' as const } } : f,
    );
    assert.equal(
      fixAllAction(findings, () => ({ changes: {} })),
      undefined,
    );
  });
});
