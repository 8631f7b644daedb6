// Files named one by one (an editor, a pre-commit hook) are analysed without building the whole
// project's typed program: a broken tsconfig.json, which a folder scan reports, is not even read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempProject } from '../helpers/temp-project.js';

const bin = path.resolve(__dirname, '../../bin/concurrency-lens.js');
const scanJson = (args: string[], cwd: string) =>
  JSON.parse(
    spawnSync(process.execPath, [bin, 'scan', ...args, '--format', 'json'], { cwd, encoding: 'utf8' }).stdout,
  ) as {
    findings: { ruleId: string }[];
    skipped: { file: string; detail: string }[];
  };

describe('scan of named files', () => {
  it('builds no typed program for them; a folder scan does', () => {
    const dir = tempProject({
      'a.js': "const fs = require('fs');\napp.get('/a', (req, res) => res.send(fs.readFileSync('a')));\n",
      'b.js': "const fs = require('fs');\napp.get('/b', (req, res) => res.send(fs.readFileSync('b')));\n",
      'tsconfig.json': '{ "compilerOptions": { "allowJs": true }, "include": [ }',
    });
    const folder = scanJson(['.'], dir);
    assert.deepEqual(
      folder.skipped.map((note) => note.file),
      ['tsconfig.json'],
      'the folder scan reads the tsconfig (and reports it broken)',
    );
    for (const named of [['a.js'], ['a.js', 'b.js']]) {
      const report = scanJson(named, dir);
      assert.deepEqual(report.skipped, [], `${named.join(' ')}: the tsconfig was read`);
      assert.equal(report.findings.length, named.length);
    }
  });
});
