import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'oversized-pool';

describe('oversized-pool', () => {
  describe('invalid', () => {
    it('flags a piscina pool with a large literal maxThreads', () => {
      const code = [
        "import Piscina from 'piscina';",
        'export const pool = new Piscina({',
        "  filename: new URL('./resize.js', import.meta.url).href,",
        '  maxThreads: 64,',
        '});',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/pool.mjs');
      assert.deepEqual(positions(findings), ['4:15']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /up to 64 threads/);
      assert.match(explained(findings[0]!), /availableParallelism/);
    });

    it('flags multiples of the core count and cores plus a constant', () => {
      const code = [
        "const os = require('node:os');",
        "const { availableParallelism } = require('os');",
        "const Piscina = require('piscina');",
        "const a = new Piscina({ filename: './a.js', maxThreads: os.cpus().length * 2 });",
        "const b = new Piscina({ filename: './b.js', minThreads: availableParallelism() + 2 });",
        "const c = new Piscina({ filename: './c.js', maxThreads: 4 * os.availableParallelism() });",
        "const d = new Piscina({ filename: './d.js', maxThreads: Math.max(4, os.cpus().length * 1.5) });",
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/pools.js');
      assert.deepEqual(positions(findings), ['4:57', '5:57', '6:57', '7:57']);
      assert.match(explained(findings[0]!), /2 × the core count/);
      assert.match(explained(findings[1]!), /the core count \+ 2/);
    });

    it('follows consts and shorthand options, tinypool included', () => {
      const code = [
        "import os from 'node:os';",
        "import Tinypool from 'tinypool';",
        'const cores = os.availableParallelism();',
        'const maxThreads = cores * 4;',
        "export const pool = new Tinypool({ filename: './task.js', maxThreads });",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/tiny.ts')), ['5:59']);
    });

    it('flags options kept in a const object', () => {
      const code = [
        "import Piscina from 'piscina';",
        "const options = { filename: './t.js', maxThreads: 100 };",
        'export const pool = new Piscina(options);',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/opts.ts')), ['2:51']);
    });

    it('flags an oversized default behind ?? / ||', () => {
      const code = [
        "import os from 'node:os';",
        "import Piscina from 'piscina';",
        'export function createPool(options: { threads?: number }) {',
        "  return new Piscina({ filename: './t.js', maxThreads: options.threads ?? os.cpus().length * 2 });",
        '}',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/factory.ts')), ['4:56']);
    });

    it('flags workerpool maxWorkers', () => {
      const code = [
        "const workerpool = require('workerpool');",
        "const pool = workerpool.pool(__dirname + '/fib.js', { maxWorkers: 32 });",
        'const pool2 = workerpool.pool({ maxWorkers: workerpool.cpus * 2 });',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/wp.js')), ['2:67', '3:45']);
    });

    it('flags hand-written pools: loop bounds, Array.from lengths, loops calling a spawn function', () => {
      const code = [
        "import os from 'node:os';",
        "import { Worker } from 'node:worker_threads';",
        'const workers: Worker[] = [];',
        'for (let i = 0; i < os.cpus().length * 2; i++) {',
        "  workers.push(new Worker('./a.js'));",
        '}',
        "const more = Array.from({ length: 32 }, () => new Worker('./b.js'));",
        'function spawn() {',
        "  const w = new Worker('./c.js');",
        "  w.on('error', console.error);",
        '  return w;',
        '}',
        'for (let i = 0; i < 2 * os.availableParallelism(); i++) spawn();',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/manual.ts')), ['4:21', '7:35', '13:21']);
    });

    it('flags a CPU pool that sets concurrentTasksPerWorker to the default of 1', () => {
      const code = [
        "import os from 'os';",
        "import Piscina from 'piscina';",
        'const piscina = new Piscina({',
        "  filename: './decrypt-worker.js',",
        '  minThreads: 0,',
        '  maxThreads: os.cpus().length * 4,',
        '  concurrentTasksPerWorker: 1,',
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/decrypt.ts')), ['6:15']);
    });

    it('resolves compiled CommonJS output (tsc __importDefault interop)', () => {
      const code = [
        '"use strict";',
        'const piscina_1 = __importDefault(require("piscina"));',
        'const os_1 = __importDefault(require("os"));',
        'const pool = new piscina_1.default({ filename: __dirname + "/w.js", maxThreads: os_1.default.cpus().length * 2 });',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'dist/pool.js')), ['4:81']);
    });

    it('flags an unlimited pool', () => {
      const code = [
        "import Piscina from 'piscina';",
        "const pool = new Piscina({ filename: './x.js', maxThreads: Infinity });",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code)), ['2:60']);
    });
  });

  describe('valid', () => {
    it('accepts pools sized by the core count, or fewer', () => {
      const code = [
        "import os from 'node:os';",
        "import Piscina from 'piscina';",
        'const cores = os.availableParallelism();',
        "new Piscina({ filename: './a.js', maxThreads: os.availableParallelism() });",
        "new Piscina({ filename: './b.js', maxThreads: os.cpus().length - 1 });",
        "new Piscina({ filename: './c.js', maxThreads: Math.max(1, cores - 1) });",
        "new Piscina({ filename: './d.js', maxThreads: Math.min(32, cores) });",
        "new Piscina({ filename: './e.js', maxThreads: Math.ceil(cores / 2), minThreads: 1 });",
        "new Piscina({ filename: './f.js', maxThreads: 8 });",
        "new Piscina({ filename: './g.js', maxThreads: 16 });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/ok.ts'), []);
    });

    it('accepts sizes that come from configuration', () => {
      const code = [
        "import Piscina from 'piscina';",
        'export function makePool(config: { threads: number }) {',
        "  return new Piscina({ filename: './t.js', maxThreads: config.threads, minThreads: Number(process.env.MIN_THREADS) });",
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/config.ts'), []);
    });

    it('accepts pools documented as I/O pools and async pools with concurrentTasksPerWorker', () => {
      const code = [
        "import Piscina from 'piscina';",
        '// I/O pool: each task waits on the network, threads mostly sleep',
        "export const fetchPool = new Piscina({ filename: './fetch.js', maxThreads: 64 });",
        "export const asyncPool = new Piscina({ filename: './io.js', maxThreads: 32, concurrentTasksPerWorker: 8 });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/io.ts'), []);
    });

    it('accepts hand-written pools sized by the cores', () => {
      const code = [
        "const os = require('os');",
        "const { Worker } = require('worker_threads');",
        'const workers = [];',
        'for (let i = 0; i < os.cpus().length; i++) workers.push(new Worker("./a.js"));',
        'const spare = Array.from({ length: os.availableParallelism() - 1 }, () => new Worker("./b.js"));',
        'for (let i = 0; i < 4; i++) workers.push(new Worker("./c.js"));',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/manual.js'), []);
    });

    it('accepts workerpool defaults and string minWorkers', () => {
      const code = [
        "import workerpool from 'workerpool';",
        "const pool = workerpool.pool('./w.js', { maxWorkers: workerpool.cpus - 1, minWorkers: 'max' });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/wp.ts'), []);
    });

    it('ignores the libuv thread pool and lookalike pool classes', () => {
      const code = [
        "process.env.UV_THREADPOOL_SIZE = '64';",
        'class Pool { constructor(readonly options: { maxThreads: number }) {} }',
        'const pool = new Pool({ maxThreads: 64 });',
        "import { Pool as PgPool } from 'pg';",
        'const db = new PgPool({ max: 100 });',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/db.ts'), []);
    });

    it('respects the maxThreads option', () => {
      const code = [
        "import Piscina from 'piscina';",
        "new Piscina({ filename: './a.js', maxThreads: 48 });",
      ].join('\n');
      assert.deepEqual(
        findingsOf(RULE, code, 'src/big.ts', {
          config: { rules: { 'oversized-pool': { options: { maxThreads: 64 } } } },
        }),
        [],
      );
    });
  });
});
