// The demo project (examples/demo-service) marks every problem line with `// expect: <rule-id>`;
// its correct twins carry no marker. The scan must report exactly the marked lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultOptions } from '../src/analysis/config.js';
import { listSourceFiles } from '../src/analysis/list-files.js';
import { scan } from '../src/cli/scan.js';

const demo = path.resolve(__dirname, '../examples/demo-service');

describe('demo project', () => {
  it('reports exactly the lines marked `// expect: <rule-id>`', async () => {
    const { files } = await listSourceFiles([demo], { baseDir: demo });
    const expected: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const marker = /\/\/ expect: ([\w-]+)/.exec(line);
          if (marker) expected.push(`${path.relative(demo, file)}:${i + 1} ${marker[1]}`);
        });
    }
    const result = await scan({ files, options: defaultOptions(), root: demo, jobs: 1 });
    const actual = [
      ...new Set(
        result.findings
          .filter((f) => !f.suppressed)
          .map((f) => `${path.relative(demo, f.file)}:${f.range.start.line} ${f.ruleId}`),
      ),
    ];
    assert.ok(expected.length >= 13, 'the demo marks at least one problem per rule');
    assert.deepEqual(actual.sort(), expected.sort());
  });
});
