// Regression tests for engine and rule fixes found by the labelled evaluation (test/eval.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsOf, lines } from './helpers/analyze.js';

describe('evaluation regressions', () => {
  it('blocking-call: resolves compiled `__importDefault(require("fs"))` through `.default`', () => {
    const code = [
      '"use strict";',
      'const express_1 = __importDefault(require("express"));',
      'const fs_1 = __importDefault(require("fs"));',
      'const app = (0, express_1.default)();',
      "app.get('/d/:id', (req, res) => {",
      '  res.send(fs_1.default.readFileSync(`/data/${req.params.id}`));',
      '});',
      'app.listen(3000);',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/server.js')), [6]);
  });

  it("blocking-call: a process 'exit' listener is not run time (it runs once, as the process ends)", () => {
    const code = [
      "import { writeFileSync } from 'node:fs';",
      "process.on('exit', () => writeFileSync('/run/app.pid', ''));",
      "process.on('SIGUSR2', () => writeFileSync('/run/dump', ''));",
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code)), [3]);
  });
});
