// The workspace scan's child process (dist/server-scan-child.js, built before the unit tests):
// it must give the same analyses as analysing in the server, run niced, and fail cleanly.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzePaths } from '../../src/analysis/analyze-paths.js';
import { defaultOptions } from '../../src/analysis/config.js';
import { ScanProcess } from '../../src/server/scan-process.js';
import { BLOCKING_HANDLER } from '../helpers/deep-files.js';

const bundle = path.resolve(__dirname, '../../dist/server-scan-child.js');

function workspace(): { dir: string; files: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-scan-process-'));
  const files = [
    [
      'server.js',
      "const fs = require('fs');\napp.get('/x', (req, res) => res.send(fs.readFileSync('x')));\n",
    ],
    ['clean.js', 'module.exports = (a, b) => a + b;\n'],
  ].map(([name, text]) => {
    const file = path.join(dir, name!);
    writeFileSync(file, text!);
    return file;
  });
  return { dir, files: [...files, path.join(dir, 'missing.js')] };
}

describe('scan process', () => {
  it('analyses a file too deep for its main thread on a large-stack worker, in full', async () => {
    const scan = ScanProcess.create(bundle);
    assert.ok(scan, `run the build first: ${bundle} is missing`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-scan-process-'));
    const file = path.join(dir, 'deep.js');
    // 1,000 nested callbacks: more than the parser can descend on a main thread's stack
    writeFileSync(file, `${'f(() => {\n'.repeat(1000)}g();\n${'});\n'.repeat(1000)}${BLOCKING_HANDLER}`);
    try {
      const [analysis] = await scan.analyze([file], defaultOptions(), dir);
      assert.equal(analysis!.skipped, undefined);
      assert.deepEqual(
        analysis!.findings.map((f) => f.ruleId),
        ['blocking-call'],
      );
    } finally {
      scan.stop();
    }
  });

  it('analyses files like the server would, at a lower priority', async () => {
    const scan = ScanProcess.create(bundle);
    assert.ok(scan, `run the build first: ${bundle} is missing`);
    const { dir, files } = workspace();
    try {
      const options = defaultOptions();
      const pending = scan.analyze(files, options, dir);
      // niced from its first moment, while it still loads its bundle, not only once it runs
      const niceNow = process.platform === 'linux' ? niceOf(scan.pid!) : undefined;
      const analyses = await pending;
      const strip = (list: typeof analyses) => list.map(({ durationMs: _d, ...rest }) => rest);
      assert.deepEqual(strip(analyses), strip(analyzePaths(files, options, dir)));
      assert.equal(analyses[0]!.findings[0]?.ruleId, 'blocking-call');
      assert.equal(analyses[2]!.skipped?.reason, 'read-error');
      if (process.platform === 'linux') {
        for (const nice of [niceNow!, niceOf(scan.pid!)]) {
          assert.ok(nice >= os.getPriority(), `scan process nice ${nice}`);
          assert.ok(nice > 0 || os.getPriority() >= 10, `scan process runs niced (nice ${nice})`);
        }
      }
    } finally {
      scan.stop();
    }
  });

  it('rejects pending work when the process dies, and starts a new one for the next batch', async () => {
    const scan = ScanProcess.create(bundle)!;
    const { dir, files } = workspace();
    try {
      const options = defaultOptions();
      await scan.analyze(files, options, dir);
      const pending = scan.analyze(files, options, dir);
      process.kill(scan.pid!, 'SIGKILL');
      await assert.rejects(pending, /scan process exited/);
      const again = await scan.analyze(files.slice(0, 1), options, dir);
      assert.equal(again[0]!.findings[0]?.ruleId, 'blocking-call');
    } finally {
      scan.stop();
    }
  });
});

/** A process's nice value, from /proc/<pid>/stat (field 19). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
