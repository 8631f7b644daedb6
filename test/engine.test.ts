// Engine behaviour that is not specific to one rule: input checks, model facts, the project index.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../src/analysis/analyzer.js';
import { defaultOptions } from '../src/analysis/config.js';
import { ProjectIndex } from '../src/analysis/project.js';
import { analyzeFiles } from './helpers/analyze.js';

const options = defaultOptions();

describe('engine', () => {
  it('never throws on malformed, truncated or binary input', () => {
    const inputs = [
      'function (((',
      'app.get("/x", (req, res) => { readFileSync(',
      '\u0000\u0001\u0002garbage',
      '<<<<<<< HEAD\nconst a = 1;\n=======\nconst a = 2;\n>>>>>>> branch\n',
      '`unterminated template ${',
      '/'.repeat(5000),
      '',
    ];
    for (const text of inputs) {
      const result = analyzeFile({ fileName: '/p/src/x.ts', text, options });
      assert.ok(Array.isArray(result.findings));
    }
  });

  it('analyses a large generated-but-readable file within the size limit', () => {
    const body = Array.from(
      { length: 20000 },
      (_, i) => `export function f${i}(a) { return a + ${i}; }`,
    ).join('\n');
    const result = analyzeFile({ fileName: '/p/src/big.js', text: body, options });
    assert.equal(result.skipped, undefined);
    assert.equal(result.summary?.file, '/p/src/big.js');
  });

  it('records worker targets resolved from path expressions', () => {
    const forms = [
      "new Worker(path.join(__dirname, 'workers', 'w.js'))",
      "new Worker(new URL('./workers/w.js', import.meta.url))",
      'new Worker(`${__dirname}/workers/w.js`)',
      "new Worker(__dirname + '/workers/w.js')",
      "new Worker('./src/workers/w.js')",
    ];
    for (const form of forms) {
      const text = `import path from 'node:path';\nimport { Worker } from 'node:worker_threads';\nconst w = ${form};`;
      const result = analyzeFile({ fileName: '/p/src/main.ts', text, options });
      const expected = form.includes("'./src/") ? '/p/src/src/workers/w' : '/p/src/workers/w';
      assert.deepEqual(result.summary?.workerTargets, [expected], form);
    }
  });

  it('resolves worker paths and module aliases through constants declared further down', () => {
    // The pre-pass links parents on its way down; spawn paths are evaluated after it, so a
    // constant declared below the spawn (and its own constants) still resolves.
    const text = [
      "const path = require('path');",
      "const { Worker } = require('worker_threads');",
      'function start() {',
      '  return new Worker(workerFile);',
      '}',
      "const dir = path.join(__dirname, 'workers');",
      "const workerFile = path.join(dir, 'w.js');",
    ].join('\n');
    const result = analyzeFile({ fileName: '/p/src/main.js', text, options });
    assert.deepEqual(result.summary?.workerTargets, ['/p/src/workers/w']);

    // `const f = (fs)` is an alias of the module: resolved at its declaration during the pre-pass
    const alias = [
      "const fs = require('fs');",
      'const f = (fs);',
      'const fsp = f.promises;',
      "app.get('/a', async (req, res) => { res.send(f.readFileSync('a')); });",
      "app.get('/b', async (req, res) => { res.send(await fsp.readFile('b')); });",
    ].join('\n');
    const aliased = analyzeFile({ fileName: '/p/src/server.js', text: alias, options });
    assert.deepEqual(
      aliased.findings.map((f) => [f.ruleId, f.range.start.line]),
      [['blocking-call', 4]],
    );
  });

  it('treats a file spawned by another file as a worker even without worker_threads imports', () => {
    const findings = analyzeFiles({
      'src/main.js':
        "const { Worker } = require('worker_threads');\nconst w = new Worker(require('path').join(__dirname, 'task.js'));\nw.on('error', () => {});\nw.on('exit', () => {});",
      'src/task.js':
        "const fs = require('fs');\nmodule.exports = async function (req, res) { return fs.readFileSync('x'); };",
    });
    assert.deepEqual(
      findings.filter((f) => f.file === 'src/task.js'),
      [],
    );
  });

  it('lists the files whose findings depend on a file: importers, spawners, spawned files', () => {
    const files: Record<string, string> = {
      '/p/src/auth.ts':
        "import { scryptSync } from 'node:crypto';\nexport function hash(pw) { return scryptSync(pw, 's', 64); }",
      '/p/src/routes.ts':
        "import { hash } from './auth.js';\napp.post('/x', (req, res) => res.json(hash(req.body)));",
      '/p/src/pool.ts':
        "import { Worker } from 'node:worker_threads';\nconst w = new Worker(new URL('./task.js', import.meta.url));\nw.on('error', () => {});",
      '/p/src/task.ts':
        "import { parentPort } from 'node:worker_threads';\nparentPort?.on('message', () => {});",
      '/p/src/other.ts': 'export const x = 1;',
    };
    const index = new ProjectIndex();
    for (const [fileName, text] of Object.entries(files)) {
      const summary = analyzeFile({ fileName, text, options, root: '/p' }).summary;
      if (summary) index.update(summary);
    }
    assert.deepEqual(index.dependentsOf('/p/src/auth.ts'), ['/p/src/routes.ts']);
    assert.deepEqual(index.dependentsOf('/p/src/routes.ts'), ['/p/src/auth.ts']);
    assert.deepEqual(index.dependentsOf('/p/src/task.ts'), ['/p/src/pool.ts']);
    assert.deepEqual(index.dependentsOf('/p/src/pool.ts'), ['/p/src/task.ts']);
    assert.deepEqual(index.dependentsOf('/p/src/other.ts'), []);
    index.remove('/p/src/routes.ts');
    assert.deepEqual(index.dependentsOf('/p/src/auth.ts'), []);
  });
});
