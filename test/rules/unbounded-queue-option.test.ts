import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFiles, explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'unbounded-queue-option';
const code = (...lines: string[]): string => lines.join('\n');

describe('unbounded-queue-option', () => {
  describe('invalid', () => {
    it('flags new PQueue() without concurrency fed from a route handler', () => {
      const source = code(
        "import PQueue from 'p-queue';",
        'const webhooks = new PQueue();',
        "app.post('/hooks/:id', (req, res) => {",
        '  void webhooks.add(() => deliver(req.params.id, req.body));',
        '  res.status(202).end();',
        '});',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['2:18']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /`new PQueue\(\)` is built without `concurrency`/);
      assert.match(explained(findings[0]!), /POST \/hooks\/:id/);
    });

    it('flags concurrency: Infinity on a class field fed by a method', () => {
      const source = code(
        "import PQueue from 'p-queue';",
        'export class Indexer {',
        '  private queue = new PQueue({ concurrency: Number.POSITIVE_INFINITY });',
        '  index(doc: Doc) {',
        '    return this.queue.add(() => search.put(doc));',
        '  }',
        '}',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['3:19']);
      assert.match(explained(findings[0]!), /with `concurrency: Infinity`/);
    });

    it('flags CommonJS p-queue imports', () => {
      const source = code(
        "const { default: PQueue } = require('p-queue');",
        'const q = new PQueue({ autoStart: true });',
        "bus.on('event', (e) => q.add(() => handle(e)));",
      );
      assert.deepEqual(positions(findingsOf(RULE, source, 'src/bus.js')), ['2:11']);
    });

    it('flags async.queue() without a concurrency fed from a message handler', () => {
      const source = code(
        "const async = require('async');",
        'const q = async.queue((task, done) => process(task).then(() => done(), done));',
        "consumer.on('message', (msg) => q.push(msg));",
      );
      const findings = findingsOf(RULE, source, 'src/consumer.js');
      assert.deepEqual(positions(findings), ['2:11']);
      assert.match(explained(findings[0]!), /defaults to 1/);
    });

    it('flags named async imports with Infinity', () => {
      const source = code(
        "import { queue } from 'async';",
        'const uploads = queue(upload, Infinity);',
        "router.post('/upload', (req, res) => { uploads.push(req.file); res.end(); });",
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['2:17']);
    });

    it('flags fastq without a concurrency and fastq.promise with Infinity', () => {
      const source = code(
        "import fastq from 'fastq';",
        'const q1 = fastq(worker);',
        'const q2 = fastq.promise(asyncWorker, Infinity);',
        "server.on('request', (req, res) => { q1.push(req.url, () => res.end()); q2.push(req.url); });",
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['2:12', '3:12']);
      assert.match(explained(findings[0]!), /without a concurrency[\s\S]*Current fastq versions throw/);
    });

    it('flags a piscina pool left at the default maxQueue and fed from a handler', () => {
      const source = code(
        "import Piscina from 'piscina';",
        "const pool = new Piscina({ filename: new URL('./resize.js', import.meta.url).href });",
        "app.post('/resize', async (req, res) => {",
        '  res.send(await pool.run(req.body));',
        '});',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['2:14']);
      assert.match(explained(findings[0]!), /without `maxQueue`/);
      assert.match(explained(findings[0]!), /'auto'/);
    });

    it('flags an exported pool with maxQueue: Infinity', () => {
      const source = code(
        "import { Piscina } from 'piscina';",
        "export const exportPool = new Piscina({ filename: './report.js', maxQueue: Infinity });",
      );
      const findings = findingsOf(RULE, source, 'src/pools.ts');
      assert.deepEqual(positions(findings), ['2:27']);
      assert.match(explained(findings[0]!), /modules that import it/);
    });

    it('flags tinypool and workerpool fed from run-time code', () => {
      const source = code(
        "import Tinypool from 'tinypool';",
        "import workerpool from 'workerpool';",
        "const tiny = new Tinypool({ filename: './task.mjs' });",
        "const pool = workerpool.pool(__dirname + '/worker.js');",
        'export async function handle(job) {',
        '  await tiny.run(job);',
        "  return pool.exec('fib', [job.n]);",
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['3:14', '4:14']);
    });

    it('flags a pool stored on this and fed from a method', () => {
      const source = code(
        "const Piscina = require('piscina');",
        'class Thumbnailer {',
        '  constructor() {',
        "    this.pool = new Piscina({ filename: require.resolve('./thumb'), maxThreads: 4 });",
        '  }',
        '  thumbnail(image) {',
        '    return this.pool.run(image);',
        '  }',
        '}',
        'module.exports = Thumbnailer;',
      );
      assert.deepEqual(positions(findingsOf(RULE, source, 'lib/thumbnailer.js')), ['4:17']);
    });

    it('flags highWaterMark: Infinity on stream constructors and stream subclasses', () => {
      const source = code(
        "import { PassThrough, Transform } from 'node:stream';",
        'export const events = new PassThrough({ objectMode: true, highWaterMark: Infinity });',
        'export class Parser extends Transform {',
        '  constructor() {',
        '    super({ readableObjectMode: true, readableHighWaterMark: Infinity });',
        '  }',
        '}',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['2:59', '5:39']);
      assert.match(explained(findings[0]!), /`highWaterMark: Infinity` turns off backpressure/);
    });
  });

  describe('valid', () => {
    it('ignores p-queue with a concurrency or an interval cap', () => {
      const source = code(
        "import PQueue from 'p-queue';",
        'const email = new PQueue({ concurrency: 4 });',
        'const api = new PQueue({ intervalCap: 10, interval: 1000 });',
        'const configured = new PQueue(options);',
        'const spread = new PQueue({ ...defaults, autoStart: false });',
        "app.post('/a', (req, res) => { email.add(send); api.add(call); configured.add(x); spread.add(y); res.end(); });",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores async.queue and fastq with a finite concurrency', () => {
      const source = code(
        "const async = require('async');",
        "const fastq = require('fastq');",
        'const q = async.queue(worker, 4);',
        'const f = fastq(this, worker, 2);',
        'const p = fastq.promise(asyncWorker, 8);',
        "socket.on('data', (d) => { q.push(d); f.push(d); p.push(d); });",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores pools with a bounded queue', () => {
      const source = code(
        "import Piscina from 'piscina';",
        "import workerpool from 'workerpool';",
        "const auto = new Piscina({ filename: './a.js', maxQueue: 'auto' });",
        "const fixed = new Piscina({ filename: './b.js', maxQueue: 100 });",
        "const wp = workerpool.pool('./w.js', { maxWorkers: 4, maxQueueSize: 50 });",
        "const opts = workerpool.pool('./w.js', poolOptions);",
        "app.get('/x', async (req, res) => res.json([await auto.run(1), await fixed.run(2), await wp.exec('f'), await opts.exec('g')]));",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores default pools used only at start-up', () => {
      const source = code(
        "import Piscina from 'piscina';",
        "const pool = new Piscina({ filename: './hash.js' });",
        "const files = ['a.txt', 'b.txt'];",
        'await Promise.all(files.map((f) => pool.run(f)));',
        'for (const f of files) await pool.run(f);',
      );
      assert.deepEqual(findingsOf(RULE, source, 'src/prime-cache.mjs'), []);
    });

    it('ignores an exported pool at the library default (its callers decide)', () => {
      const source = code(
        "import Piscina from 'piscina';",
        "export const pool = new Piscina({ filename: './resize.js' });",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores one-shot scripts and tests', () => {
      const source = code(
        '#!/usr/bin/env node',
        "import PQueue from 'p-queue';",
        'const queue = new PQueue();',
        'async function main() { for (const url of urls) queue.add(() => fetch(url)); }',
        'main();',
      );
      assert.deepEqual(findingsOf(RULE, source, 'scripts/crawl.mjs'), []);
      const test = code(
        "import PQueue from 'p-queue';",
        'const q = new PQueue();',
        "it('runs', async () => { await q.add(() => 1); });",
      );
      assert.deepEqual(findingsOf(RULE, test, 'test/queue.test.ts'), []);
    });

    it('ignores local classes that share a library name', () => {
      const source = code(
        'class PQueue { add(fn) { return fn(); } }',
        'const q = new PQueue();',
        "app.post('/x', (req, res) => { q.add(() => res.end()); });",
        'const Piscina = function () {};',
        'const pool = new Piscina();',
        "app.get('/y', (req, res) => pool.run(req.body));",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores finite highWaterMark values and non-stream options', () => {
      const source = code(
        "import { Readable, Writable } from 'node:stream';",
        'const r = new Readable({ highWaterMark: 64 * 1024, read() {} });',
        'const w = new Writable({ objectMode: true, highWaterMark: 16, write(c, e, cb) { cb(); } });',
        'const cache = new Map();',
        'const settings = { highWaterMark: Infinity };',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a pool whose worker file is elsewhere and whose queue is never fed here', () => {
      const findings = analyzeFiles({
        'src/pool.ts':
          "import Piscina from 'piscina';\nconst pool = new Piscina({ filename: './w.js' });\nexport default pool;",
        'src/w.ts': 'export default (x: number) => x * 2;',
      }).filter((f) => f.ruleId === RULE);
      assert.deepEqual(findings, []);
    });
  });
});
