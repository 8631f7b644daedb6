import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'unguarded-self-spawn';

describe('unguarded-self-spawn', () => {
  describe('invalid', () => {
    it('flags new Worker(__filename) at the top level of a CommonJS file', () => {
      const code = [
        "const { Worker, parentPort } = require('node:worker_threads');",
        'const worker = new Worker(__filename);',
        "worker.on('message', (n) => console.log(n));",
        "worker.on('error', console.error);",
        'parentPort?.postMessage(fib(30));',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/fib.js');
      assert.deepEqual(positions(findings), ['2:16']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.equal(findings[0]!.severity, 'error');
      assert.match(explained(findings[0]!), /isMainThread/);
    });

    it('flags ESM self-spawns through import.meta.url, fileURLToPath and import.meta.filename', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "import { fileURLToPath } from 'node:url';",
        'new Worker(new URL(import.meta.url));',
        'const self = fileURLToPath(import.meta.url);',
        'new Worker(self);',
        'new Worker(import.meta.filename);',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/self.mjs')), ['3:1', '5:1', '6:1']);
    });

    it('follows a main() function called at start-up, and reports the call as related', () => {
      const code = [
        "import { Worker, parentPort, workerData } from 'node:worker_threads';",
        "import { fileURLToPath } from 'node:url';",
        'async function main() {',
        '  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: 42 });',
        "  worker.on('error', console.error);",
        '}',
        'main().catch(console.error);',
        'parentPort?.postMessage(workerData * 2);',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/main.ts');
      assert.deepEqual(positions(findings), ['4:18']);
      assert.equal(findings[0]!.related?.[0]?.range.start.line, 7);
    });

    it('flags a spawn after a worker branch that does not return', () => {
      const code = [
        "const { Worker, isMainThread, parentPort } = require('worker_threads');",
        'if (!isMainThread) {',
        "  parentPort.on('message', (n) => parentPort.postMessage(n * 2));",
        '}',
        'const w = new Worker(__filename);',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/double.js')), ['5:11']);
    });

    it('flags a piscina pool whose filename is the file itself', () => {
      const code = [
        "const Piscina = require('piscina');",
        'const pool = new Piscina({ filename: __filename });',
        'module.exports = ({ a, b }) => a + b;',
        'pool.run({ a: 1, b: 2 }).then(console.log);',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/add.js')), ['2:14']);
    });

    it('does not take require.main === module as a guard (it is true inside the worker too)', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        'if (require.main === module) {',
        '  new Worker(__filename);',
        '}',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/cli.js')), ['3:3']);
    });

    it('flags spawns in timers and callbacks registered at start-up', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        'setTimeout(() => new Worker(__filename), 100);',
        "app.post('/work', (req, res) => { new Worker(__filename, { workerData: req.body }); });",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/server.js')), ['2:18', '3:35']);
    });

    it('follows a method called at start-up', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        'class Service {',
        '  start() {',
        '    this.worker = new Worker(new URL(import.meta.url));',
        '  }',
        '}',
        'new Service().start();',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/service.mjs')), ['4:19']);
    });
  });

  describe('valid', () => {
    it('accepts the isMainThread branch (Node docs pattern)', () => {
      const code = [
        "const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');",
        'if (isMainThread) {',
        '  module.exports = function parseJSAsync(script) {',
        '    return new Promise((resolve, reject) => {',
        '      const worker = new Worker(__filename, { workerData: script });',
        "      worker.on('message', resolve);",
        "      worker.on('error', reject);",
        '    });',
        '  };',
        '} else {',
        '  parentPort.postMessage(parse(workerData));',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/parse.js'), []);
    });

    it('accepts an early return or process.exit in a worker branch before the spawn', () => {
      const cjs = [
        "const { Worker, isMainThread, parentPort } = require('worker_threads');",
        'if (!isMainThread) {',
        "  parentPort.on('message', (n) => parentPort.postMessage(n * 2));",
        '  return;',
        '}',
        'new Worker(__filename);',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, cjs, 'src/early.js'), []);
      const exit = [
        "import { Worker, isMainThread } from 'node:worker_threads';",
        'if (!isMainThread) {',
        '  await runWorker();',
        '  process.exit(0);',
        '}',
        'new Worker(new URL(import.meta.url));',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, exit, 'src/exit.mjs'), []);
    });

    it('accepts workerData and parentPort tests', () => {
      const code = [
        "import { Worker, workerData, parentPort } from 'node:worker_threads';",
        'if (!workerData) {',
        '  new Worker(new URL(import.meta.url), { workerData: { n: 1 } });',
        '}',
        'if (parentPort === null) {',
        '  new Worker(new URL(import.meta.url), { workerData: { n: 2 } });',
        '} else {',
        '  parentPort.postMessage(workerData.n);',
        '}',
        'if (workerData?.role !== "child") new Worker(new URL(import.meta.url), { workerData: { role: "child" } });',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/data.mjs'), []);
    });

    it('accepts a depth guard computed from workerData (Node docs, nested workers)', () => {
      const code = [
        "import { fileURLToPath } from 'node:url';",
        "import { Worker, workerData } from 'node:worker_threads';",
        'const level = workerData?.level ?? 0;',
        'if (level < 10) {',
        '  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { level: level + 1 } });',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/nested.mjs'), []);
    });

    it('accepts a function only called from the main-thread branch, ternaries and && guards', () => {
      const code = [
        "const { Worker, isMainThread, parentPort } = require('worker_threads');",
        'function startPool(n) {',
        '  for (let i = 0; i < n; i++) new Worker(__filename);',
        '}',
        'function serve() {',
        "  parentPort.on('message', (m) => parentPort.postMessage(m));",
        '}',
        'if (isMainThread) startPool(4);',
        'else serve();',
        'const spawnOne = () => new Worker(__filename);',
        'isMainThread ? spawnOne() : serve();',
        'function spawnTwo() { return new Worker(__filename); }',
        'isMainThread && spawnTwo();',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/pool.js'), []);
    });

    it('accepts an exported helper nobody in the file calls, with the worker code in a branch', () => {
      const code = [
        "import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';",
        "import { fileURLToPath } from 'node:url';",
        'export function hashInWorker(password: string): Promise<string> {',
        '  return new Promise((resolve, reject) => {',
        '    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: password });',
        "    worker.once('message', resolve);",
        "    worker.once('error', reject);",
        '  });',
        '}',
        'if (!isMainThread) parentPort!.postMessage(hash(workerData));',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/hash.ts'), []);
    });

    it('accepts a guard inside the function that spawns', () => {
      const code = [
        "import { Worker, isMainThread } from 'node:worker_threads';",
        'async function main() {',
        '  if (!isMainThread) return;',
        '  const w = new Worker(new URL(import.meta.url));',
        "  w.on('error', console.error);",
        '}',
        'main();',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/guarded.mjs'), []);
    });

    it("accepts piscina's isWorkerThread guard", () => {
      const code = [
        "import Piscina from 'piscina';",
        'if (!Piscina.isWorkerThread) {',
        '  const pool = new Piscina({ filename: new URL(import.meta.url).href });',
        '  console.log(await pool.run({ a: 4, b: 6 }));',
        '}',
        'export default ({ a, b }) => a + b;',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/piscina-self.mjs'), []);
    });

    it('accepts argv/env flags handed to the worker and tested before the spawn', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        "if (process.argv[2] === 'child') {",
        '  runChild();',
        '} else {',
        "  new Worker(__filename, { argv: ['child'] });",
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/flags.js'), []);
    });

    it('ignores workers of other files and pools of other files', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "import Piscina from 'piscina';",
        "new Worker(new URL('./worker.js', import.meta.url));",
        "new Worker(__dirname + '/worker.js');",
        "new Piscina({ filename: new URL('./task.mjs', import.meta.url).href });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/main.mjs'), []);
    });

    it('does not take a same-named method of another object for a call of the spawning method', () => {
      const code = [
        "import http from 'node:http';",
        "import { Worker, isMainThread, parentPort } from 'node:worker_threads';",
        'export class Indexer {',
        '  start() {',
        '    const worker = new Worker(new URL(import.meta.url));',
        "    worker.on('error', console.error);",
        '  }',
        '}',
        'const server = http.createServer();',
        'server.listen(8080);',
        'server.start?.();',
        "if (!isMainThread) parentPort!.on('message', () => {});",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/indexer.ts'), []);
    });

    it('ignores a method nobody in the file calls, in a file with a worker branch', () => {
      const code = [
        "import { Worker, isMainThread, parentPort } from 'node:worker_threads';",
        'export class Compressor {',
        '  compress(data: Uint8Array) {',
        '    const worker = new Worker(new URL(import.meta.url), { workerData: data });',
        "    return new Promise((resolve, reject) => { worker.on('message', resolve); worker.on('error', reject); });",
        '  }',
        '}',
        "if (!isMainThread) parentPort!.on('message', (d) => parentPort!.postMessage(d));",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/compressor.ts'), []);
    });
  });
});
