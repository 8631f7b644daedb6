// unbounded-queue-option: valid and invalid cases.
// One case per snippet (RuleTester: test/helpers/rule-tester.ts); no shared snippets.
import { lines, ruleTester } from '../helpers/rule-tester.js';

ruleTester('unbounded-queue-option', {
  valid: [
    {
      name: 'ignores p-queue with a concurrency or an interval cap',
      code: lines(
        "import PQueue from 'p-queue';",
        'const email = new PQueue({ concurrency: 4 });',
        'const api = new PQueue({ intervalCap: 10, interval: 1000 });',
        'const configured = new PQueue(options);',
        'const spread = new PQueue({ ...defaults, autoStart: false });',
        "app.post('/a', (req, res) => { email.add(send); api.add(call); configured.add(x); spread.add(y); res.end(); });",
      ),
    },
    {
      name: 'ignores async.queue and fastq with a finite concurrency whose backlog the code watches',
      code: lines(
        "const async = require('async');",
        "const fastq = require('fastq');",
        'const q = async.queue(worker, 4);',
        'const f = fastq(this, worker, 2);',
        'const p = fastq.promise(asyncWorker, 8);',
        'q.saturated = () => socket.pause();',
        'q.unsaturated = () => socket.resume();',
        "socket.on('data', (d) => {",
        '  q.push(d);',
        '  if (f.length() < 1000) f.push(d);',
        "  if (p.length() > 1000) throw new Error('busy');",
        '  p.push(d);',
        '});',
      ),
    },
    {
      name: 'ignores async.queue with a concurrency fed only at start-up',
      code: lines(
        "const async = require('async');",
        'const q = async.queue(migrate, 1);',
        'for (const m of migrations) q.push(m);',
      ),
    },
    {
      name: 'ignores pools with a bounded queue',
      code: lines(
        "import Piscina from 'piscina';",
        "import workerpool from 'workerpool';",
        "const auto = new Piscina({ filename: './a.js', maxQueue: 'auto' });",
        "const fixed = new Piscina({ filename: './b.js', maxQueue: 100 });",
        "const wp = workerpool.pool('./w.js', { maxWorkers: 4, maxQueueSize: 50 });",
        "const opts = workerpool.pool('./w.js', poolOptions);",
        "app.get('/x', async (req, res) => res.json([await auto.run(1), await fixed.run(2), await wp.exec('f'), await opts.exec('g')]));",
      ),
    },
    {
      name: 'ignores default pools used only at start-up',
      code: lines(
        "import Piscina from 'piscina';",
        "const pool = new Piscina({ filename: './hash.js' });",
        "const files = ['a.txt', 'b.txt'];",
        'await Promise.all(files.map((f) => pool.run(f)));',
        'for (const f of files) await pool.run(f);',
      ),
      filename: 'src/prime-cache.mjs',
    },
    {
      name: 'ignores an exported pool at the library default (its callers decide)',
      code: lines(
        "import Piscina from 'piscina';",
        "export const pool = new Piscina({ filename: './resize.js' });",
      ),
    },
    {
      name: 'ignores one-shot scripts and tests',
      code: lines(
        '#!/usr/bin/env node',
        "import PQueue from 'p-queue';",
        'const queue = new PQueue();',
        'async function main() { for (const url of urls) queue.add(() => fetch(url)); }',
        'main();',
      ),
      filename: 'scripts/crawl.mjs',
    },
    {
      name: 'runs',
      code: lines(
        "import PQueue from 'p-queue';",
        'const q = new PQueue();',
        "it('runs', async () => { await q.add(() => 1); });",
      ),
      filename: 'test/queue.test.ts',
    },
    {
      name: 'ignores local classes that share a library name',
      code: lines(
        'class PQueue { add(fn) { return fn(); } }',
        'const q = new PQueue();',
        "app.post('/x', (req, res) => { q.add(() => res.end()); });",
        'const Piscina = function () {};',
        'const pool = new Piscina();',
        "app.get('/y', (req, res) => pool.run(req.body));",
      ),
    },
    {
      name: 'ignores finite highWaterMark values and non-stream options',
      code: lines(
        "import { Readable, Writable } from 'node:stream';",
        'const r = new Readable({ highWaterMark: 64 * 1024, read() {} });',
        'const w = new Writable({ objectMode: true, highWaterMark: 16, write(c, e, cb) { cb(); } });',
        'const cache = new Map();',
        'const settings = { highWaterMark: Infinity };',
      ),
    },
    {
      name: 'ignores a pool whose worker file is elsewhere and whose queue is never fed here',
      code: 'export default (x: number) => x * 2;',
      filename: 'src/w.ts',
      files: {
        'src/pool.ts': lines(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: './w.js' });",
          'export default pool;',
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'flags new PQueue() without concurrency fed from a route handler',
      code: lines(
        "import PQueue from 'p-queue';",
        'const webhooks = new PQueue();',
        "app.post('/hooks/:id', (req, res) => {",
        '  void webhooks.add(() => deliver(req.params.id, req.body));',
        '  res.status(202).end();',
        '});',
      ),
      suggestions: [
        {
          title: 'Limit concurrency to 10 (tune it to the work)',
          output: lines(
            "import PQueue from 'p-queue';",
            'const webhooks = new PQueue({ concurrency: 10 });',
            "app.post('/hooks/:id', (req, res) => {",
            '  void webhooks.add(() => deliver(req.params.id, req.body));',
            '  res.status(202).end();',
            '});',
          ),
        },
      ],
      errors: [
        {
          messageId: 'pQueue',
          line: 2,
          column: 18,
          endLine: 2,
          endColumn: 30,
          data: { api: '`new PQueue()`', detail: 'without `concurrency`' },
        },
      ],
    },
    {
      name: 'flags concurrency: Infinity on a class field fed by a method',
      code: lines(
        "import PQueue from 'p-queue';",
        'export class Indexer {',
        '  private queue = new PQueue({ concurrency: Number.POSITIVE_INFINITY });',
        '  index(doc: Doc) {',
        '    return this.queue.add(() => search.put(doc));',
        '  }',
        '}',
      ),
      suggestions: [
        {
          title: 'Limit concurrency to 10 (tune it to the work)',
          output: lines(
            "import PQueue from 'p-queue';",
            'export class Indexer {',
            '  private queue = new PQueue({ concurrency: 10 });',
            '  index(doc: Doc) {',
            '    return this.queue.add(() => search.put(doc));',
            '  }',
            '}',
          ),
        },
      ],
      errors: [
        {
          messageId: 'pQueue',
          line: 3,
          column: 19,
          endLine: 3,
          endColumn: 72,
          data: { api: '`new PQueue()`', detail: 'with `concurrency: Infinity`' },
        },
      ],
    },
    {
      name: 'flags CommonJS p-queue imports',
      code: lines(
        "const { default: PQueue } = require('p-queue');",
        'const q = new PQueue({ autoStart: true });',
        "bus.on('event', (e) => q.add(() => handle(e)));",
      ),
      filename: 'src/bus.js',
      suggestions: [
        {
          title: 'Limit concurrency to 10 (tune it to the work)',
          output: lines(
            "const { default: PQueue } = require('p-queue');",
            'const q = new PQueue({ autoStart: true, concurrency: 10 });',
            "bus.on('event', (e) => q.add(() => handle(e)));",
          ),
        },
      ],
      errors: [
        {
          messageId: 'pQueue',
          line: 2,
          column: 11,
          endLine: 2,
          endColumn: 42,
          data: { api: '`new PQueue()`', detail: 'without `concurrency`' },
        },
      ],
    },
    {
      name: 'flags async.queue() without a concurrency fed from a message handler',
      code: lines(
        "const async = require('async');",
        'const q = async.queue((task, done) => process(task).then(() => done(), done));',
        "consumer.on('message', (msg) => q.push(msg));",
      ),
      filename: 'src/consumer.js',
      errors: [
        {
          messageId: 'asyncQueue',
          line: 2,
          column: 11,
          endLine: 2,
          endColumn: 78,
          data: {
            api: '`async.queue()`',
            detail: 'without a concurrency (so one task at a time)',
          },
        },
      ],
    },
    {
      name: 'flags async.queue(fn, 1) fed by every received email: the concurrency bounds the running tasks, not the waiting ones',
      code: lines(
        "const async = require('async');",
        'let emailQueue;',
        'function setup() { emailQueue = async.queue(relayWorker, 1); }',
        'setup();',
        "mailServer.on('new', (email) => { emailQueue.push({ email }); });",
      ),
      filename: 'lib/outgoing.js',
      errors: [
        {
          messageId: 'asyncBacklog',
          line: 3,
          column: 33,
          endLine: 3,
          endColumn: 60,
          data: { api: '`async.queue()`', where: "in the `'new'` event handler" },
        },
      ],
    },
    {
      name: 'flags a fastq queue with a concurrency from settings, fed from its own callbacks',
      code: lines(
        "const fastq = require('fastq');",
        'class Reader {',
        '  constructor(settings) { this._queue = fastq(this._worker.bind(this), settings.concurrency); }',
        '  read(dir) { this._queue.push(dir); }',
        '  _worker(dir, done) {',
        '    fs.readdir(dir, (err, entries) => { for (const e of entries) this._queue.push(e); done(); });',
        '  }',
        '}',
        'module.exports = Reader;',
      ),
      filename: 'lib/reader.js',
      errors: [
        {
          messageId: 'asyncBacklog',
          line: 3,
          column: 41,
          endLine: 3,
          endColumn: 93,
          data: { api: '`fastq()`' },
        },
      ],
    },
    {
      name: 'flags named async imports with Infinity',
      code: lines(
        "import { queue } from 'async';",
        'const uploads = queue(upload, Infinity);',
        "router.post('/upload', (req, res) => { uploads.push(req.file); res.end(); });",
      ),
      errors: [
        {
          messageId: 'asyncQueue',
          line: 2,
          column: 17,
          endLine: 2,
          endColumn: 40,
          data: { api: '`async.queue()`', detail: 'with an unlimited concurrency' },
        },
      ],
    },
    {
      name: 'flags fastq without a concurrency and fastq.promise with Infinity',
      code: lines(
        "import fastq from 'fastq';",
        'const q1 = fastq(worker);',
        'const q2 = fastq.promise(asyncWorker, Infinity);',
        "server.on('request', (req, res) => { q1.push(req.url, () => res.end()); q2.push(req.url); });",
      ),
      errors: [
        {
          messageId: 'fastqMissing',
          line: 2,
          column: 12,
          endLine: 2,
          endColumn: 25,
          data: { api: '`fastq()`' },
        },
        {
          messageId: 'asyncQueue',
          line: 3,
          column: 12,
          endLine: 3,
          endColumn: 48,
          data: { api: '`fastq()`', detail: 'with an unlimited concurrency' },
        },
      ],
    },
    {
      name: 'flags a piscina pool left at the default maxQueue and fed from a handler',
      code: lines(
        "import Piscina from 'piscina';",
        "const pool = new Piscina({ filename: new URL('./resize.js', import.meta.url).href });",
        "app.post('/resize', async (req, res) => {",
        '  res.send(await pool.run(req.body));',
        '});',
      ),
      suggestions: [
        {
          title: "Bound the queue with maxQueue: 'auto' (run() rejects when it is full)",
          output: lines(
            "import Piscina from 'piscina';",
            "const pool = new Piscina({ filename: new URL('./resize.js', import.meta.url).href, maxQueue: 'auto' });",
            "app.post('/resize', async (req, res) => {",
            '  res.send(await pool.run(req.body));',
            '});',
          ),
        },
      ],
      errors: [
        {
          messageId: 'pool',
          line: 2,
          column: 14,
          endLine: 2,
          endColumn: 85,
          data: {
            api: '`new Piscina()`',
            detail: 'without `maxQueue`',
            option: 'maxQueue',
            suggestion: "`'auto'` = maxThreads², or a number",
          },
        },
      ],
    },
    {
      name: 'flags an exported pool with maxQueue: Infinity',
      code: lines(
        "import { Piscina } from 'piscina';",
        "export const exportPool = new Piscina({ filename: './report.js', maxQueue: Infinity });",
      ),
      filename: 'src/pools.ts',
      suggestions: [
        {
          title: "Bound the queue with maxQueue: 'auto' (run() rejects when it is full)",
          output: lines(
            "import { Piscina } from 'piscina';",
            "export const exportPool = new Piscina({ filename: './report.js', maxQueue: 'auto' });",
          ),
        },
      ],
      errors: [
        {
          messageId: 'pool',
          line: 2,
          column: 27,
          endLine: 2,
          endColumn: 87,
          data: {
            api: '`new Piscina()`',
            detail: 'with `maxQueue: Infinity`',
            option: 'maxQueue',
            suggestion: "`'auto'` = maxThreads², or a number",
          },
        },
      ],
    },
    {
      name: 'suggests maxQueue on its own line in multi-line options with a trailing comma',
      code: lines(
        "import { Piscina } from 'piscina';",
        'export const pool = new Piscina({',
        "  filename: './report.js',",
        '  maxThreads: 2,',
        '});',
        "app.get('/report', async (req, res) => res.send(await pool.run(req.query)));",
      ),
      filename: 'src/report.ts',
      suggestions: [
        {
          title: "Bound the queue with maxQueue: 'auto' (run() rejects when it is full)",
          output: lines(
            "import { Piscina } from 'piscina';",
            'export const pool = new Piscina({',
            "  filename: './report.js',",
            '  maxThreads: 2,',
            "  maxQueue: 'auto',",
            '});',
            "app.get('/report', async (req, res) => res.send(await pool.run(req.query)));",
          ),
        },
      ],
      errors: [{ messageId: 'pool', line: 2, column: 21, endLine: 5, endColumn: 3 }],
    },
    {
      name: 'flags tinypool and workerpool fed from run-time code',
      code: lines(
        "import Tinypool from 'tinypool';",
        "import workerpool from 'workerpool';",
        "const tiny = new Tinypool({ filename: './task.mjs' });",
        "const pool = workerpool.pool(__dirname + '/worker.js');",
        'export async function handle(job) {',
        '  await tiny.run(job);',
        "  return pool.exec('fib', [job.n]);",
        '}',
      ),
      errors: [
        {
          messageId: 'pool',
          line: 3,
          column: 14,
          endLine: 3,
          endColumn: 54,
          data: {
            api: '`new Tinypool()`',
            detail: 'without `maxQueue`',
            option: 'maxQueue',
            suggestion: 'a number',
          },
        },
        {
          messageId: 'pool',
          line: 4,
          column: 14,
          endLine: 4,
          endColumn: 55,
          data: {
            api: '`workerpool.pool()`',
            detail: 'without `maxQueueSize`',
            option: 'maxQueueSize',
            suggestion: 'a number',
          },
        },
      ],
    },
    {
      name: 'flags a pool stored on this and fed from a method',
      code: lines(
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
      ),
      filename: 'lib/thumbnailer.js',
      suggestions: [
        {
          title: "Bound the queue with maxQueue: 'auto' (run() rejects when it is full)",
          output: lines(
            "const Piscina = require('piscina');",
            'class Thumbnailer {',
            '  constructor() {',
            "    this.pool = new Piscina({ filename: require.resolve('./thumb'), maxThreads: 4, maxQueue: 'auto' });",
            '  }',
            '  thumbnail(image) {',
            '    return this.pool.run(image);',
            '  }',
            '}',
            'module.exports = Thumbnailer;',
          ),
        },
      ],
      errors: [
        {
          messageId: 'pool',
          line: 4,
          column: 17,
          endLine: 4,
          endColumn: 85,
          data: {
            api: '`new Piscina()`',
            detail: 'without `maxQueue`',
            option: 'maxQueue',
            suggestion: "`'auto'` = maxThreads², or a number",
          },
        },
      ],
    },
    {
      name: 'flags highWaterMark: Infinity on stream constructors and stream subclasses',
      code: lines(
        "import { PassThrough, Transform } from 'node:stream';",
        'export const events = new PassThrough({ objectMode: true, highWaterMark: Infinity });',
        'export class Parser extends Transform {',
        '  constructor() {',
        '    super({ readableObjectMode: true, readableHighWaterMark: Infinity });',
        '  }',
        '}',
      ),
      errors: [
        {
          messageId: 'stream',
          line: 2,
          column: 59,
          endLine: 2,
          endColumn: 82,
          data: { option: 'highWaterMark' },
        },
        {
          messageId: 'stream',
          line: 5,
          column: 39,
          endLine: 5,
          endColumn: 70,
          data: { option: 'readableHighWaterMark' },
        },
      ],
    },
  ],
});
