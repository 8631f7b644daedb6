// The RuleTester fails when a case is wrong: a finding off by one column, a missing or extra
// finding, the wrong message id or severity, a valid case that fires, and fixes whose output
// differs (the output/suggestion checks run on findings with hand-made fixes).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/analysis/types.js';
import { ROOT } from './analyze.js';
import { applyEdits, checkFixes, checkInvalid, checkValid, type InvalidCase, lines } from './rule-tester.js';

const CODE = lines(
  "import { readFileSync } from 'node:fs';",
  "app.get('/a', (req, res) => res.send(readFileSync('x')));",
);
const RIGHT: InvalidCase = {
  code: CODE,
  errors: [{ messageId: 'blocking', line: 2, column: 38, endLine: 2, endColumn: 55 }],
};

describe('RuleTester', () => {
  it('passes a right case', () => {
    checkInvalid('blocking-call', RIGHT);
    checkValid('blocking-call', { code: "import { readFileSync } from 'node:fs';\nreadFileSync('boot');" });
  });

  it('fails on a wrong column, message id, severity, data or count', () => {
    const error = RIGHT.errors[0]!;
    assert.throws(
      () => checkInvalid('blocking-call', { ...RIGHT, errors: [{ ...error, column: 39 }] }),
      /range/,
    );
    assert.throws(
      () => checkInvalid('blocking-call', { ...RIGHT, errors: [{ ...error, endColumn: 54 }] }),
      /range/,
    );
    assert.throws(
      () => checkInvalid('blocking-call', { ...RIGHT, errors: [{ ...error, messageId: 'other' }] }),
      /messageId/,
    );
    assert.throws(
      () => checkInvalid('blocking-call', { ...RIGHT, errors: [{ ...error, severity: 'error' }] }),
      /severity/,
    );
    assert.throws(
      () =>
        checkInvalid('blocking-call', { ...RIGHT, errors: [{ ...error, data: { api: 'fs.readSync()' } }] }),
      /data\.api/,
    );
    assert.throws(
      () => checkInvalid('blocking-call', { ...RIGHT, errors: [error, error] }),
      /expected 2 findings/,
    );
    assert.throws(() => checkValid('blocking-call', { code: CODE }), /expected no findings/);
  });

  it('checks output (safe fixes applied) and suggestions (each unsafe fix alone)', () => {
    const file = 'src/app.ts';
    const code = 'const a = 1;\nconst b = 2;\n';
    const at = (start: number, end: number, newText: string) => ({
      file: path.join(ROOT, file),
      start,
      end,
      newText,
    });
    const finding = {
      fixes: [
        { title: 'rename a', safe: true, edits: [at(6, 7, 'x')] },
        { title: 'rename b', safe: true, edits: [at(19, 20, 'y')] },
        { title: 'drop b', safe: false, edits: [at(13, 26, '')] },
      ],
    } as unknown as Finding;
    const testCase: InvalidCase = {
      code,
      errors: [],
      output: 'const x = 1;\nconst y = 2;\n',
      suggestions: [{ title: 'drop b', output: 'const a = 1;\n' }],
    };
    checkFixes([finding], testCase, file);
    assert.throws(
      () => checkFixes([finding], { ...testCase, output: code }, file),
      /output after the safe fixes/,
    );
    assert.throws(
      () => checkFixes([finding], { ...testCase, output: undefined }, file),
      /give the expected output/,
    );
    assert.throws(() => checkFixes([finding], { ...testCase, suggestions: [] }, file), /suggestions/);
    assert.equal(applyEdits('abc', [at(0, 1, 'X'), at(2, 3, 'Z')]), 'XbZ');
  });
});
