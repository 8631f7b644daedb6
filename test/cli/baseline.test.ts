// `scan --write-baseline` / `scan --baseline`: the round trip a team adopting the scanner goes
// through, on the built binary: old findings stay quiet after lines move, a new one is reported.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../helpers/cli.js';

const OLD = [
  "const fs = require('fs');",
  "const app = require('express')();",
  "app.get('/a', (req, res) => res.send(fs.readFileSync('a.json')));",
  "app.get('/b', (req, res) => res.send(fs.readFileSync('b.json')));",
  '',
].join('\n');

describe('scan --baseline', () => {
  it('after lines shift, reports only the finding added since the baseline', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-baseline-'));
    const file = path.join(dir, 'server.js');
    writeFileSync(file, OLD);
    const before = JSON.parse(cli(['scan', '.', '--format', 'json'], dir).stdout) as { findings: unknown[] };
    assert.equal(before.findings.length, 2);

    const written = cli(['scan', '.', '--write-baseline', 'baseline.sarif'], dir);
    assert.equal(written.code, 0, written.stderr);
    const baseline = JSON.parse(readFileSync(path.join(dir, 'baseline.sarif'), 'utf8'));
    assert.equal(baseline.runs[0].results.length, 2);
    assert.match(baseline.runs[0].results[0].partialFingerprints['concurrencyLens/v1'], /^[0-9a-f]{32}:1$/);

    // Unchanged code: nothing new, exit 0.
    const same = cli(['scan', '.', '--baseline', 'baseline.sarif'], dir);
    assert.equal(same.code, 0, same.stdout);
    assert.match(same.stderr, /2 findings in the baseline not shown/);

    // Three lines above the old findings, and a new handler that blocks.
    const lines = OLD.split('\n');
    lines.splice(2, 0, '// routes', "const path = require('path');", '');
    lines.splice(
      lines.length - 1,
      0,
      "app.get('/c', (req, res) => res.send(fs.readFileSync(path.join('c', 'c.json'))));",
    );
    writeFileSync(file, lines.join('\n'));

    const json = cli(['scan', '.', '--baseline', 'baseline.sarif', '--format', 'json'], dir);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as {
      findings: { ruleId: string; range: { start: { line: number } } }[];
    };
    assert.deepEqual(
      report.findings.map((finding) => [finding.ruleId, finding.range.start.line]),
      [['blocking-call', 8]],
    );

    const sarif = JSON.parse(
      cli(['scan', '.', '--baseline', 'baseline.sarif', '--format', 'sarif'], dir).stdout,
    );
    const results = sarif.runs[0].results;
    assert.equal(results.length, 1);
    assert.equal(results[0].baselineState, 'new');
    assert.equal(results[0].locations[0].physicalLocation.region.startLine, 8);
  });

  it('a duplicated line is a new finding; a file that is not a baseline is a usage error', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-baseline-'));
    writeFileSync(path.join(dir, 'server.js'), OLD);
    assert.equal(cli(['scan', '.', '--write-baseline', 'b.sarif'], dir).code, 0);
    const lines = OLD.split('\n');
    lines.splice(3, 0, lines[2]!);
    writeFileSync(path.join(dir, 'server.js'), lines.join('\n'));
    const report = JSON.parse(cli(['scan', '.', '--baseline', 'b.sarif', '--format', 'json'], dir).stdout);
    assert.equal(report.findings.length, 1);

    writeFileSync(path.join(dir, 'not-sarif.json'), '{"hello": 1}');
    const bad = cli(['scan', '.', '--baseline', 'not-sarif.json'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a SARIF log/);
    const missing = cli(['scan', '.', '--baseline', 'missing.sarif'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the baseline/);
  });
});
