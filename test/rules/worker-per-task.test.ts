import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'worker-per-task';

describe('worker-per-task', () => {
  describe('invalid', () => {
    it('flags a Worker started in an express handler', () => {
      const code = [
        "import express from 'express';",
        "import { Worker } from 'node:worker_threads';",
        'const app = express();',
        "app.post('/resize', (req, res) => {",
        "  const worker = new Worker('./resize.js', { workerData: req.body });",
        "  worker.once('message', (img) => res.send(img));",
        "  worker.once('error', (err) => res.status(500).send(err.message));",
        '});',
      ].join('\n');
      const findings = findingsOf(RULE, code);
      assert.deepEqual(positions(findings), ['5:18']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /POST \/resize/);
      assert.match(explained(findings[0]!), /pool/);
    });

    it('flags a Worker per item of a data loop', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        'const files = process.argv.slice(2);',
        'for (const file of files) {',
        "  const w = new Worker('./lint-file.js', { workerData: file });",
        "  w.on('error', console.error);",
        '}',
        'for (let i = 0; i < files.length; i++) {',
        "  new Worker('./hash-file.js', { workerData: files[i] }).on('error', console.error);",
        '}',
        'while (files.length > 0) {',
        "  new Worker('./zip.js', { workerData: files.pop() }).on('error', console.error);",
        '}',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/lint-all.js');
      assert.deepEqual(positions(findings), ['4:13', '8:3', '11:3']);
      assert.match(explained(findings[0]!), /loop over `files`/);
    });

    it('flags a promise-per-task helper called from a map over the input', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        'function runInWorker(file: string): Promise<number> {',
        '  return new Promise((resolve, reject) => {',
        "    const worker = new Worker('./count-lines.js', { workerData: file });",
        "    worker.on('message', resolve);",
        "    worker.on('error', reject);",
        '  });',
        '}',
        'export async function countAll(files: string[]) {',
        '  return Promise.all(files.map((f) => runInWorker(f)));',
        '}',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/count.ts');
      assert.deepEqual(positions(findings), ['4:20']);
      assert.match(explained(findings[0]!), /each element of `files`/);
    });

    it('flags an exported helper that starts a worker for each call and waits for it', () => {
      const code = [
        "import { once } from 'node:events';",
        "import { Worker } from 'node:worker_threads';",
        'export async function renderPdf(html: string): Promise<Buffer> {',
        "  const worker = new Worker(new URL('./pdf-worker.js', import.meta.url), { workerData: { html } });",
        "  const [pdf] = await once(worker, 'message');",
        '  return pdf;',
        '}',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/pdf.ts')), ['4:18']);
    });

    it('flags the Node docs parseJSAsync pattern and helpers that post the task to a fresh worker', () => {
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
        'exports.runTask = function runTask(task) {',
        '  return new Promise((resolve, reject) => {',
        "    const worker = new Worker('./task.js');",
        '    worker.postMessage(task);',
        "    worker.once('message', (r) => { resolve(r); worker.terminate(); });",
        "    worker.once('error', reject);",
        '  });',
        '};',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/parse.js')), ['5:22', '15:20']);
    });

    it('flags a piscina pool and a workerpool pool created per request', () => {
      const code = [
        "import Fastify from 'fastify';",
        "import Piscina from 'piscina';",
        "import workerpool from 'workerpool';",
        'const fastify = Fastify();',
        "fastify.post('/hash', async (request, reply) => {",
        "  const pool = new Piscina({ filename: new URL('./hash.js', import.meta.url).href });",
        '  const result = await pool.run(request.body);',
        '  await pool.destroy();',
        '  return result;',
        '});',
        "fastify.get('/fib', async (request) => {",
        "  const pool = workerpool.pool('./fib.js');",
        "  try { return await pool.exec('fib', [request.query.n]); } finally { await pool.terminate(); }",
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/server.mjs')), ['6:16', '12:16']);
    });

    it('flags an exported helper that builds a pool for each call', () => {
      const code = [
        "import Piscina from 'piscina';",
        'export async function hashPassword(password: string) {',
        "  const pool = new Piscina({ filename: new URL('./hash.js', import.meta.url).href });",
        '  return pool.run(password);',
        '}',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/hash.ts')), ['3:16']);
    });

    it('flags workers started per message, per interval tick and per queue job', () => {
      const code = [
        "const { Worker } = require('node:worker_threads');",
        "queue.on('job', (job) => {",
        "  new Worker('./job.js', { workerData: job }).on('error', console.error);",
        '});',
        'setInterval(() => {',
        "  new Worker('./cleanup.js').on('error', console.error);",
        '}, 60_000);',
        'queue.process(async (job) => {',
        "  const w = new Worker('./transcode.js', { workerData: job.data });",
        "  w.on('error', console.error);",
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/consumer.js')), ['3:3', '6:3', '9:13']);
    });

    it('flags a worker per message of a kafka consumer (handler in an options object)', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        'await consumer.run({',
        '  eachMessage: async ({ message }) => {',
        "    const w = new Worker('./score.js', { workerData: message.value });",
        "    w.on('error', console.error);",
        '  },',
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/kafka.mjs')), ['4:15']);
    });

    it('flags a class that owns a pool when it is constructed per request', () => {
      const code = [
        "import Piscina from 'piscina';",
        'class ImageService {',
        '  pool: Piscina;',
        '  constructor() {',
        "    this.pool = new Piscina({ filename: './resize.js' });",
        '  }',
        '}',
        "router.get('/thumb/:id', async (ctx, next) => {",
        '  const service = new ImageService();',
        '  ctx.body = await service.pool.run(ctx.params.id);',
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/images.ts')), ['5:17']);
    });

    it('flags a Worker started in a decorated NestJS handler', () => {
      const code = [
        "import { Body, Controller, Post } from '@nestjs/common';",
        "import { Worker } from 'node:worker_threads';",
        "@Controller('images')",
        'export class ImagesController {',
        "  @Post('resize')",
        '  resize(@Body() body: { url: string }) {',
        "    const worker = new Worker('./resize.js');",
        '    worker.postMessage(body);',
        "    worker.on('error', console.error);",
        '  }',
        '}',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/images.controller.ts');
      assert.deepEqual(positions(findings), ['7:20']);
      assert.match(explained(findings[0]!), /@Post/);
    });

    it('flags a loop of workers run per request even when the loop is bounded', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "app.post('/batch', (req, res) => {",
        '  for (let i = 0; i < 4; i++) {',
        "    new Worker('./part.js', { workerData: { part: i, body: req.body } }).on('error', console.error);",
        '  }',
        '  res.sendStatus(202);',
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code)), ['4:5']);
    });
  });

  describe('valid', () => {
    it('accepts a pool created once at start-up and used per request', () => {
      const code = [
        "import Piscina from 'piscina';",
        "import express from 'express';",
        "const pool = new Piscina({ filename: new URL('./resize.js', import.meta.url).href });",
        'const app = express();',
        "app.post('/resize', async (req, res) => res.send(await pool.run(req.body)));",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/app.mjs'), []);
    });

    it('accepts lazy singletons', () => {
      const code = [
        "import Piscina from 'piscina';",
        "import { Worker } from 'node:worker_threads';",
        'let pool: Piscina | undefined;',
        'let worker: Worker | undefined;',
        'let cached: Piscina | undefined;',
        "app.post('/a', async (req, res) => {",
        "  pool ??= new Piscina({ filename: './a.js' });",
        '  res.send(await pool.run(req.body));',
        '});',
        'function getWorker() {',
        "  if (!worker) worker = new Worker('./b.js');",
        '  return worker;',
        '}',
        'async function getPool() {',
        '  if (cached) return cached;',
        "  cached = new Piscina({ filename: './c.js' });",
        '  return cached;',
        '}',
        "app.post('/b', async (req, res) => { getWorker().postMessage(req.body); res.send(await (await getPool()).run(1)); });",
        'class Service {',
        '  private pool?: Piscina;',
        "  run(task: unknown) { return (this.pool ||= new Piscina({ filename: './d.js' })).run(task); }",
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/lazy.ts'), []);
    });

    it('accepts a respawn in the exit handler of the worker it replaces', () => {
      const code = [
        "const os = require('node:os');",
        "const { Worker } = require('node:worker_threads');",
        'function spawn(id, attempt = 0) {',
        "  const worker = new Worker('./worker.js', { workerData: { id } });",
        "  worker.on('error', (err) => console.error(err));",
        "  worker.on('exit', (code) => {",
        '    if (code !== 0) setTimeout(() => spawn(id, attempt + 1), Math.min(30_000, 100 * 2 ** attempt));',
        '  });',
        '}',
        'for (let i = 0; i < os.availableParallelism(); i++) spawn(i);',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/supervisor.js'), []);
    });

    it('accepts fixed pools built at start-up from the core count', () => {
      const code = [
        "import os from 'node:os';",
        "import { Worker } from 'node:worker_threads';",
        'const size = os.availableParallelism();',
        "const a = Array.from({ length: size }, () => new Worker('./a.js'));",
        "const b = os.cpus().map(() => new Worker('./b.js'));",
        "const c = [...Array(size)].map(() => new Worker('./c.js'));",
        'const d: Worker[] = [];',
        "while (d.length < size) d.push(new Worker('./d.js'));",
        "for (const name of ['resize', 'encode']) new Worker('./' + name + '.js');",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/fixed.ts'), []);
    });

    it('accepts a hand-written pool class: start-up loop, respawn on exit, bounded growth', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        'export class WorkerPool {',
        '  private workers: Worker[] = [];',
        '  private idle: Worker[] = [];',
        '  constructor(private file: string, private size: number) {',
        '    for (let i = 0; i < size; i++) this.addWorker();',
        '  }',
        '  private addWorker() {',
        '    const worker = new Worker(this.file);',
        "    worker.on('exit', () => {",
        '      this.workers = this.workers.filter((w) => w !== worker);',
        '      this.addWorker();',
        '    });',
        '    this.workers.push(worker);',
        '    this.idle.push(worker);',
        '  }',
        '  run(task: unknown) {',
        '    if (this.idle.length === 0 && this.workers.length < this.size * 2) {',
        '      const extra = new Worker(this.file);',
        '      this.workers.push(extra);',
        '    }',
        '  }',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/pool.ts'), []);
    });

    it('accepts okie-style lazy growth capped by a maximum', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        'class Pool {',
        '  constructor(max) { this.max = max; this._pool = []; this._idle = []; }',
        '  async run(args) {',
        '    const worker = await this._getAvailableWorker();',
        '    return worker.run(args);',
        '  }',
        '  async _getAvailableWorker() {',
        '    if (this._idle.length) return this._idle.shift();',
        '    if (this._pool.length < this.max) {',
        "      const worker = new Worker('./okie-worker.js');",
        '      this._pool.push(worker);',
        '      return worker;',
        '    }',
        '    return new Promise((resolve) => this._queue.push(resolve));',
        '  }',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/okie.js'), []);
    });

    it('accepts workers started from start-up callbacks: listen, once, then, plugin registration', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "import Piscina from 'piscina';",
        'function startWorkers() {',
        "  return [new Worker('./a.js'), new Worker('./b.js')];",
        '}',
        'server.listen(3000, () => startWorkers());',
        "app.once('ready', () => new Worker('./c.js'));",
        "init().then(() => new Worker('./d.js'));",
        'fastify.register(async (instance) => {',
        "  instance.decorate('pool', new Piscina({ filename: './e.js' }));",
        '});',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/boot.mjs'), []);
    });

    it('accepts factories and start methods nobody in the file calls per task', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "import Piscina from 'piscina';",
        'export function createWorker(options: { id: number }) {',
        "  return new Worker('./w.js', { workerData: options });",
        '}',
        'export class Server {',
        '  pool?: Piscina;',
        '  async start() {',
        "    this.pool = new Piscina({ filename: './task.js' });",
        '  }',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/factory.ts'), []);
    });

    it('does not take calls of a same-named method on another object for calls of the spawning method', () => {
      const code = [
        "import PQueue from 'p-queue';",
        "import { Worker } from 'node:worker_threads';",
        'class Renderer {',
        '  private worker?: Worker;',
        '  run() {',
        "    this.worker = new Worker('./render.js');",
        "    this.worker.on('error', console.error);",
        '  }',
        '}',
        'const queue = new PQueue({ concurrency: 2 });',
        "app.post('/render', (req, res) => queue.add(() => queue.run(req.body)));",
        'export const renderer = new Renderer();',
        'renderer.run();',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/renderer.ts'), []);
    });

    it('stays quiet in test files', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "import { test } from 'node:test';",
        "test('worker answers', async () => {",
        "  const w = new Worker('./echo.js');",
        '  await w.terminate();',
        '});',
        "for (const f of ['a', 'b']) test(f, () => { new Worker(f); });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'test/echo.test.ts'), []);
    });

    it('ignores lookalike Worker classes (bullmq, local)', () => {
      const code = [
        "import { Worker } from 'bullmq';",
        "app.post('/q', (req, res) => { new Worker('emails', async (job) => send(job)); });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });
  });
});
