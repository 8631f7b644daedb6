// Calls resolve by scope: same-named locals of different functions are different functions, so
// one function's chain never runs through another's locals, and the report grows linearly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RELATED } from '../../src/analysis/context.js';
import { MAX_CHAIN_LENGTH } from '../../src/analysis/model/phase.js';
import { analyzeFiles } from '../helpers/analyze.js';

/** `count` copies of a handler whose locals call each other (and round in a cycle). */
function copies(count: number): string {
  let text = "const fs = require('fs');\nconst app = require('express')();\n";
  for (let i = 0; i < count; i++) {
    text += [
      `function h${i}(req, res) {`,
      '  function load() { return read(); }',
      "  function read() { return fs.readFileSync('x' + parse()); }",
      '  function parse() { return load(); }',
      '  res.send(load());',
      '}',
      `app.get('/r${i}', h${i});`,
      '',
    ].join('\n');
  }
  return text;
}

describe('calls resolved by scope', () => {
  it('keeps each copy’s chain inside its own copy', () => {
    const findings = analyzeFiles({ 'src/app.js': copies(50) }).filter((f) => f.severity === 'warning');
    assert.equal(findings.length, 50);
    for (const finding of findings) {
      // copy i spans lines 3 + 7i .. 9 + 7i; its chain must stay there
      const copy = Math.floor((finding.range.start.line - 3) / 7);
      assert.match(finding.message, new RegExp(`\`GET /r${copy}\``));
      for (const related of finding.related ?? []) {
        assert.equal(Math.floor((related.range.start.line - 3) / 7), copy, JSON.stringify(related));
      }
    }
  });

  it('gives a report linear in the number of copies', () => {
    const size = (count: number): number =>
      JSON.stringify(analyzeFiles({ 'src/app.js': copies(count) })).length;
    const small = size(200);
    const large = size(800);
    // 4x the copies: 4x the report (a little more for longer line numbers), not 16x
    assert.ok(large / small < 4.4, `${small} -> ${large}`);
  });

  it('does not chain mutually recursive locals of one copy through the others', () => {
    // Before calls were resolved by scope, `a` of copy 0 found its caller `b` in copy 1, whose
    // caller was `a` of copy 1, … : chains as long as the file and a scan of 3,000 copies that
    // ran past 300 s and 5.5 GB. Only the last copy is reached from a handler.
    const count = 300;
    let text = "const fs = require('fs');\n";
    for (let i = 0; i < count; i++) {
      text += [
        `function h${i}() {`,
        "  function a(x) { return x ? b(x - 1) : fs.readFileSync('x'); }",
        '  function b(x) { return a(x); }',
        i === count - 1 ? "  process.on('message', () => a(3));" : '',
        '}',
        '',
      ].join('\n');
    }
    text += `h${count - 1}();\n`;
    const warnings = analyzeFiles({ 'src/app.js': text }).filter((f) => f.severity === 'warning');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.range.start.line, 2 + 5 * (count - 1) + 1);
    assert.ok((warnings[0]!.related?.length ?? 0) <= MAX_CHAIN_LENGTH);
  });

  it('caps chains and related locations', () => {
    const depth = 20;
    const lines = ["const fs = require('fs');"];
    for (let i = 0; i < depth; i++) lines.push(`function f${i}() { return f${i + 1}(); }`);
    lines.push(`function f${depth}() { return fs.readFileSync('x'); }`);
    lines.push("process.on('message', () => f0());");
    const [finding] = analyzeFiles({ 'src/deep.js': lines.join('\n') }).filter(
      (f) => f.severity === 'warning',
    );
    assert.ok(finding);
    assert.ok((finding.related?.length ?? 0) <= Math.min(MAX_CHAIN_LENGTH, MAX_RELATED));
    assert.match(finding.related?.[0]?.message ?? '', /'message'/, 'the chain keeps its origin');
  });

  it('tells a local of one function from a same-named local of another', () => {
    const code = [
      "const fs = require('fs');",
      'function startup() {',
      "  function read() { return fs.readFileSync('config'); }",
      '  return read();',
      '}',
      'startup();',
      "process.on('message', () => {",
      '  function read() { return 1; }',
      '  read();',
      '});',
    ].join('\n');
    assert.deepEqual(analyzeFiles({ 'src/scoped.js': code }), []);
  });
});
