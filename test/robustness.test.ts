// Hostile input for the engine: very deep trees, failing rules, odd encodings and line endings,
// special files. Each case must end in a clear result (analysed, or skipped with a note), never
// a thrown error, a hang or a silent loss. The CLI's side of the same cases: test/cli/robustness.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { analyzePaths } from '../src/analysis/analyze-paths.js';
import { analyzeFile } from '../src/analysis/analyzer.js';
import { defaultOptions } from '../src/analysis/config.js';
import { listSourceFiles } from '../src/analysis/list-files.js';
import { readSourceFile } from '../src/analysis/read-source.js';
import { allRules } from '../src/analysis/rules/index.js';
import { parseSuppressions } from '../src/analysis/suppressions.js';
import type { Rule } from '../src/analysis/types.js';
import { BLOCKING_HANDLER, DEEP_FILES } from './helpers/deep-files.js';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'cl-robust-'));
}

describe('deep syntax trees', () => {
  for (const [name, text] of Object.entries(DEEP_FILES)) {
    it(`${name}: analysed, or skipped as too deep with a retry flag; never an internal error`, () => {
      const result = analyzeFile({ fileName: `/p/${name}`, text, options: defaultOptions(), root: '/p' });
      if (result.skipped) {
        // The parser of this thread ran out of stack: a front end retries on a larger stack.
        assert.equal(result.skipped.reason, 'too-deep');
        assert.equal(result.stackExhausted, true);
      } else {
        assert.deepEqual(
          result.findings.map((f) => f.ruleId),
          ['blocking-call'],
        );
      }
    });
  }

  it('walks a 20,000-term concatenation with the pre-pass (no recursion)', () => {
    const text = `const s =\n${Array.from({ length: 20_000 }, (_, i) => `  't${i}'`).join(' +\n')};\n${BLOCKING_HANDLER}`;
    const result = analyzeFile({ fileName: '/p/c.js', text, options: defaultOptions(), root: '/p' });
    assert.equal(result.skipped, undefined);
    assert.deepEqual(
      result.findings.map((f) => f.ruleId),
      ['blocking-call'],
    );
  });

  it("keeps the other rules' findings and notes a rule that overflows the stack", () => {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    const overflowing: Rule = {
      meta: { ...allRules[0]!.meta, id: 'overflowing-rule', textTrigger: undefined },
      create: () => ({ [ts.SyntaxKind.CallExpression]: () => recurse(0) }),
    } as unknown as Rule;
    const result = analyzeFile({
      fileName: '/p/app.js',
      text: BLOCKING_HANDLER,
      options: defaultOptions(),
      root: '/p',
      rules: [...allRules, overflowing],
    });
    assert.deepEqual(
      result.findings.map((f) => f.ruleId),
      ['blocking-call'],
    );
    assert.equal(result.skipped?.partial, true);
    assert.match(
      result.skipped?.detail ?? '',
      /rule overflowing-rule failed \(Maximum call stack size exceeded\)/,
    );
    assert.equal(result.stackExhausted, true);
  });
});

describe('reading source files', () => {
  it('decodes UTF-16 with a byte-order mark, little- and big-endian', () => {
    const dir = tempDir();
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BLOCKING_HANDLER, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    writeFileSync(path.join(dir, 'le.js'), le);
    writeFileSync(path.join(dir, 'be.js'), be);
    const analyses = analyzePaths([path.join(dir, 'le.js'), path.join(dir, 'be.js')], defaultOptions(), dir);
    for (const analysis of analyses) {
      assert.equal(analysis.skipped, undefined, analysis.file);
      assert.deepEqual(
        analysis.findings.map((f) => [f.ruleId, f.range.start.line]),
        [['blocking-call', 1]],
      );
    }
  });

  it('does not take CR-only line endings for minified code', () => {
    const text = `${"const a = require('fs');\r".repeat(200)}${BLOCKING_HANDLER.replace('\n', '\r')}`;
    const result = analyzeFile({ fileName: '/p/mac.js', text, options: defaultOptions(), root: '/p' });
    assert.equal(result.skipped, undefined);
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.range.start.line]),
      [['blocking-call', 201]],
    );
  });

  it('refuses FIFOs and devices without opening them for a blocking read, and large files before reading', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe.js');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(readSourceFile(fifo, 1 << 20), {
      skipped: { reason: 'not-a-file', detail: 'a named pipe (FIFO), not a regular file' },
    });
    assert.deepEqual(readSourceFile('/dev/zero', 1 << 20), {
      skipped: { reason: 'not-a-file', detail: 'a character device, not a regular file' },
    });
    const big = path.join(dir, 'big.js');
    writeFileSync(big, Buffer.alloc(3 << 20, 0x20));
    assert.match(
      (readSourceFile(big, 1 << 20) as { skipped: { detail: string } }).skipped.detail,
      /3\.0 MB is over the 1 MB limit/,
    );
  });
});

describe('listing source files', () => {
  it('follows links with loop detection and notes FIFOs, dangling links and loops', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'src/lib'), { recursive: true });
    writeFileSync(path.join(dir, 'src/a.js'), BLOCKING_HANDLER);
    writeFileSync(path.join(dir, 'src/lib/b.ts'), 'export const b = 1;\n');
    symlinkSync(path.join(dir, 'src/lib'), path.join(dir, 'linked-lib')); // a second route to b.ts
    symlinkSync(path.join(dir, 'outside.js'), path.join(dir, 'src/dangling.js'));
    symlinkSync(dir, path.join(dir, 'src/loop'));
    writeFileSync(path.join(dir, 'real.js'), 'export {};\n');
    symlinkSync(path.join(dir, 'real.js'), path.join(dir, 'src/alias.js')); // also a second route
    execFileSync('mkfifo', [path.join(dir, 'src/pipe.js')]);
    const list = await listSourceFiles([dir], { baseDir: dir });
    assert.deepEqual(
      list.files.map((f) => path.relative(dir, f)),
      // b.ts and real.js reached twice (through a link and directly): listed once, by the first route
      ['linked-lib/b.ts', 'real.js', 'src/a.js'],
    );
    assert.deepEqual(
      list.notes.map((n) => [path.relative(dir, n.file), n.reason, n.detail]),
      [
        ['src/dangling.js', 'broken-link', 'symbolic link to nothing (dangling)'],
        ['src/loop', 'broken-link', 'symbolic link loop: links to a folder above it'],
        ['src/pipe.js', 'not-a-file', 'a named pipe (FIFO): not read'],
      ],
    );
  });

  it('applies .gitignore files above the root, excludes, a file limit and cancellation', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, '.gitignore'), 'generated/\n');
    for (const name of [
      'pkg/src/a.js',
      'pkg/src/b.js',
      'pkg/src/c.js',
      'pkg/generated/g.js',
      'pkg/test/t.js',
    ]) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), '');
    }
    const root = path.join(dir, 'pkg');
    const all = await listSourceFiles([root], { baseDir: root, exclude: ['./test/**'] });
    assert.deepEqual(
      all.files.map((f) => path.relative(root, f)),
      ['src/a.js', 'src/b.js', 'src/c.js'],
    );
    const limited = await listSourceFiles([root], { baseDir: root, limit: 2 });
    assert.equal(limited.truncated, true);
    assert.equal(limited.files.length, 2);
    // A folder ignored from above but named to scan: its own files are listed.
    const named = await listSourceFiles([path.join(root, 'generated')], { baseDir: root });
    assert.deepEqual(
      named.files.map((f) => path.relative(root, f)),
      ['generated/g.js'],
    );
    const cancelled = await listSourceFiles([root], { baseDir: root, isCancelled: () => true });
    assert.deepEqual([cancelled.cancelled, cancelled.files], [true, []]);
  });
});

describe('suppressions', () => {
  it('maps each of many directives to the line after it (one pass over the text)', () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      lines.push(i % 2 === 0 ? '// concurrency-lens-ignore-next-line blocking-call -- ok' : 'f();');
    }
    lines.push('/* concurrency-lens-ignore-next-line */ x();', 'y();');
    const { lines: byLine } = parseSuppressions(lines.join('\n'));
    assert.equal(Object.keys(byLine).length, 2501);
    assert.deepEqual(byLine[2], { rules: ['blocking-call'], justification: 'ok' });
    assert.deepEqual(byLine[5000], { rules: ['blocking-call'], justification: 'ok' });
    assert.deepEqual(byLine[5002], { rules: '*', justification: undefined });
  });
});
