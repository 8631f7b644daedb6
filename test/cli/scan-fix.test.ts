// `scan --fix` / `scan --fix-dry-run` on a copy of the demo service, through the built binary:
// the safe fixes are applied (and only those: suggestions such as maxQueue stay suggestions),
// the fixed findings are gone, every other finding and every other byte stays as it was.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { cli } from '../helpers/cli.js';

const demo = path.resolve(__dirname, '../../examples/demo-service');

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), readFileSync(file, 'utf8'));
  }
  return files;
}

interface JsonFinding {
  ruleId: string;
  file: string;
  message: string;
  range: { start: { line: number } };
}

function findings(dir: string): string[] {
  const out = JSON.parse(cli(['scan', '.', '--format', 'json'], dir).stdout) as { findings: JsonFinding[] };
  return out.findings.map((f) => `${f.file}:${f.range.start.line} ${f.ruleId} ${f.message}`);
}

describe('scan --fix', () => {
  it('--fix-dry-run prints the diff of the safe fixes and writes nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-fix-dry-'));
    cpSync(demo, dir, { recursive: true });
    const before = snapshot(dir);
    const run = cli(['scan', '.', '--fix-dry-run'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^--- a\/src\/pools\.ts\n\+\+\+ b\/src\/pools\.ts/m);
    assert.match(run.stdout, /^\+.*maxThreads: os\.availableParallelism\(\)/m);
    // one line changed: the maxQueue: Infinity pool (a suggestion, not a safe fix) is not touched
    const changedLines = run.stdout.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
    assert.equal(changedLines.length, 4, run.stdout);
    assert.match(run.stdout, /^\+.*const html = await readFile\(new URL/m);
    assert.deepEqual(snapshot(dir), before);
  });

  it('--fix applies the safe fixes, the findings are gone, nothing else changes', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-fix-'));
    cpSync(demo, dir, { recursive: true });
    const before = snapshot(dir);
    const findingsBefore = findings(dir);
    const fixed = cli(['scan', '.', '--fix', '--format', 'json'], dir);
    assert.match(fixed.stderr, /2 findings fixed in 2 files/);
    const after = snapshot(dir);

    const changed = [...after.keys()].filter((file) => after.get(file) !== before.get(file));
    assert.deepEqual(changed.sort(), [path.join('src', 'pools.ts'), path.join('src', 'reports.ts')]);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no file created or removed');
    const pools = after.get(path.join('src', 'pools.ts'))!;
    assert.equal(
      pools,
      before
        .get(path.join('src', 'pools.ts'))!
        .replace('maxThreads: 64,', 'maxThreads: os.availableParallelism(),'),
    );
    const reports = after.get(path.join('src', 'reports.ts'))!;
    assert.equal(
      reports,
      before
        .get(path.join('src', 'reports.ts'))!
        .replace('const html = readFileSync(new URL(', 'const html = await readFile(new URL('),
    );
    for (const [name, text] of [
      ['pools.ts', pools],
      ['reports.ts', reports],
    ]) {
      const transpiled = ts.transpileModule(text!, { reportDiagnostics: true, fileName: name });
      assert.deepEqual(transpiled.diagnostics ?? [], [], `the fixed ${name} parses`);
    }

    // the report printed after --fix is the re-scan: the oversized pool is gone, the rest stays
    const reported = (JSON.parse(fixed.stdout) as { findings: JsonFinding[] }).findings.map(
      (f) => `${f.file}:${f.range.start.line} ${f.ruleId} ${f.message}`,
    );
    const expected = findingsBefore.filter(
      (f) =>
        !f.includes(' oversized-pool ') &&
        !f.startsWith(`${path.join('src', 'reports.ts')}:49 blocking-call`),
    );
    assert.equal(expected.length, findingsBefore.length - 2);
    assert.deepEqual(reported, expected);
    assert.deepEqual(findings(dir), expected);
  });
});
