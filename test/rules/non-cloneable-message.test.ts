import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFiles, explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'non-cloneable-message';

function code(...lines: string[]): string {
  return lines.join('\n');
}

describe('non-cloneable-message', () => {
  describe('invalid', () => {
    it('flags the express request and response posted to a worker', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import express from 'express';",
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker(new URL('./render.js', import.meta.url));",
          'const app = express();',
          "app.post('/render', (req, res) => {",
          '  worker.postMessage({ req, res });',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['6:24', '6:29']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /DataCloneError/);
      assert.match(explained(findings[0]!), /req\.url/);
    });

    it('flags an inline arrow function and a method in the message (worker side, parentPort)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const { parentPort } = require('worker_threads');",
          "parentPort.on('message', (task) => {",
          '  parentPort.postMessage({',
          '    id: task.id,',
          '    onDone: () => console.log(task.id),',
          '    format(value) { return String(value); },',
          '  });',
          '});',
        ),
        'src/worker.js',
      );
      assert.deepEqual(positions(findings), ['5:13', '6:5']);
      assert.match(explained(findings[0]!), /property `onDone`/);
      assert.match(explained(findings[0]!), /functions cannot be cloned/);
    });

    it('flags a function declared in the file and passed by name', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./resize.js');",
          'function onProgress(percent: number) {',
          '  console.log(percent);',
          '}',
          'export function resize(path: string) {',
          '  worker.postMessage({ path, onProgress });',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['7:30']);
      assert.match(explained(findings[0]!), /The function `onProgress`/);
    });

    it('flags promises: an async call that was not awaited and Promise.all', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          'async function loadUser(id: string) {',
          '  return db.users.find(id);',
          '}',
          "parentPort!.on('message', async ({ id }) => {",
          '  parentPort!.postMessage({ user: loadUser(id) });',
          '  parentPort!.postMessage(Promise.all([loadUser(id)]));',
          '});',
        ),
        'src/lookup-worker.ts',
      );
      assert.deepEqual(positions(findings), ['6:35', '7:27']);
      assert.match(explained(findings[0]!), /Await it and send the settled value/);
    });

    it('flags an instance of a class with methods sent to a piscina pool (prototype lost)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: new URL('./price.js', import.meta.url).href });",
          'class Order {',
          '  constructor(public items: { price: number }[]) {}',
          '  total() { return this.items.reduce((s, i) => s + i.price, 0); }',
          '}',
          'export async function quote(items: { price: number }[]) {',
          '  const order = new Order(items);',
          '  return pool.run(order);',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['9:19']);
      assert.match(explained(findings[0]!), /instance of `Order`/);
      assert.match(explained(findings[0]!), /silently receives a plain object/);
    });

    it('flags a database pool passed as workerData', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const { Worker } = require('node:worker_threads');",
          "const { Pool } = require('pg');",
          'const db = new Pool({ max: 10 });',
          "const worker = new Worker('./report.js', { workerData: { db, reportId: 7 } });",
        ),
        'src/report.js',
      );
      assert.deepEqual(positions(findings), ['4:58']);
      assert.match(explained(findings[0]!), /a database pool/);
    });

    it("flags a socket from a 'connection' listener", () => {
      const findings = findingsOf(
        RULE,
        code(
          "import net from 'node:net';",
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./parse.js');",
          'net',
          '  .createServer()',
          "  .on('connection', (conn) => {",
          '    worker.postMessage({ conn });',
          '  })',
          '  .listen(9000);',
        ),
      );
      assert.deepEqual(positions(findings), ['7:26']);
    });

    it('flags the resolve function of a promise wrapper around a worker call', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./hash.js');",
          'let nextId = 0;',
          'export function hash(password: string): Promise<string> {',
          '  return new Promise((resolve, reject) => {',
          '    worker.postMessage({ id: nextId++, password, resolve, reject });',
          '  });',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:50', '6:59']);
      assert.match(explained(findings[0]!), /promise resolver `resolve`/);
    });

    it('flags symbols and weak collections (MessageChannel port, structuredClone)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { MessageChannel } from 'node:worker_threads';",
          'const { port1 } = new MessageChannel();',
          "const kind = Symbol('resize');",
          'export function send(width: number) {',
          '  port1.postMessage({ kind, width });',
          '  return structuredClone({ cache: new WeakMap() });',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['5:23', '6:35']);
      assert.match(explained(findings[0]!), /symbols cannot be cloned/);
      assert.match(explained(findings[1]!), /WeakMap/);
    });

    it('flags a callback in the arguments of a workerpool exec call', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const workerpool = require('workerpool');",
          "const pool = workerpool.pool(__dirname + '/tasks.js');",
          'async function run(rows, callback) {',
          "  return pool.exec('aggregate', [rows, callback]);",
          '}',
          'module.exports = { run };',
        ),
        'src/aggregate.js',
      );
      assert.deepEqual(positions(findings), ['4:40']);
      assert.match(explained(findings[0]!), /callback `callback`/);
    });

    it('flags a MessagePort sent without a transfer list', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { MessageChannel, Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'const { port1, port2 } = new MessageChannel();',
          'worker.postMessage({ port: port2 });',
          "port1.on('message', (m) => console.log(m));",
        ),
      );
      assert.deepEqual(positions(findings), ['4:28']);
      assert.match(explained(findings[0]!), /transfer list/);
    });

    it('flags the fastify request and reply sent to a pool created in another file', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import type { FastifyInstance } from 'fastify';",
          "import type Piscina from 'piscina';",
          'export default function routes(app: FastifyInstance, pool: Piscina) {',
          "  app.post('/thumb', async (request, reply) => {",
          '    return pool.run({ request });',
          '  });',
          '}',
        ),
        'src/routes.ts',
      );
      // `import type` binds no value: the receiver name and the piscina import are still evidence
      assert.deepEqual(positions(findings), ['5:23']);
    });

    it('flags `this` of a class with methods and a Koa context', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          'class Upload {',
          "  worker = new Worker('./upload.js');",
          '  size = 0;',
          '  start() { this.worker.postMessage(this); }',
          '}',
          'export const middleware = async (ctx, next) => {',
          "  new Worker('./log.js', { workerData: ctx });",
          '  await next();',
          '};',
        ),
      );
      assert.deepEqual(positions(findings), ['5:37', '8:40']);
      assert.match(explained(findings[0]!), /instance of `Upload`/);
    });

    it('follows a message object built before the post and reports at the name sent', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'class Job { run() {} }',
          'export function go(id: string) {',
          '  const message = { id, onDone: () => id };',
          '  worker.postMessage(message);',
          '  const task = { id, job: new Job() };',
          '  worker.postMessage(task);',
          '  const plain = { id, at: new Date() };',
          '  worker.postMessage(plain);',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:22', '8:22']);
      assert.match(explained(findings[0]!), /A function \(property `onDone`\) in `message`/);
      assert.match(explained(findings[1]!), /instance of `Job`/);
    });

    it('flags a class instance sent to a pool imported from another project file', () => {
      const findings = analyzeFiles({
        'src/pools.ts': code(
          "import { Piscina } from 'piscina';",
          "export const reportPool = new Piscina({ filename: new URL('./report.worker.js', import.meta.url).href });",
        ),
        'src/reports.ts': code(
          "import { reportPool } from './pools.js';",
          'export class ReportFilter {',
          '  constructor(readonly from: string, readonly to: string) {}',
          '  matches(date: string) { return date >= this.from && date < this.to; }',
          '}',
          "app.post('/reports/summary', async (req, res) => {",
          '  const filter = new ReportFilter(req.body.from, req.body.to);',
          "  res.json(await reportPool.run({ kind: 'summary', filter }));",
          '});',
        ),
      }).filter((f) => f.ruleId === RULE);
      assert.deepEqual(
        findings.map((f) => `${f.file}:${f.range.start.line}:${f.range.start.column}`),
        ['src/reports.ts:8:52'],
      );
    });

    it('flags handles returned by stream, child_process and fetch APIs', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { createReadStream } from 'node:fs';",
          "import { spawn } from 'node:child_process';",
          "import { parentPort } from 'node:worker_threads';",
          "parentPort?.on('message', async (file: string) => {",
          '  const stream = createReadStream(file);',
          "  const child = spawn('convert', [file]);",
          '  const response = await fetch(new URL(file, CDN));',
          '  parentPort?.postMessage([stream, child, response]);',
          '});',
        ),
        'src/convert-worker.ts',
      );
      assert.deepEqual(positions(findings), ['8:28', '8:36', '8:43']);
    });
  });

  describe('valid', () => {
    it('accepts the plain data of a request', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import express from 'express';",
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./render.js');",
          'const app = express();',
          "app.post('/render', (req, res) => {",
          '  worker.postMessage({ url: req.url, headers: req.headers, body: req.body, id: req.params.id });',
          '  res.sendStatus(202);',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts cloneable built-ins: Error, Map, Set, Date, RegExp, typed arrays, BigInt', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          "parentPort!.on('message', (job) => {",
          '  try {',
          '    parentPort!.postMessage({ ok: true, at: new Date(), seen: new Set([1]), index: new Map(), re: /x/g, n: 10n, data: new Float64Array(4) });',
          '  } catch (error) {',
          "    parentPort!.postMessage({ ok: false, error, cause: new Error('failed', { cause: error }) });",
          '  }',
          '});',
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores browser postMessage on window, self, iframes and web workers', () => {
      const findings = findingsOf(
        RULE,
        code(
          'const frame = document.querySelector("iframe");',
          "frame.contentWindow.postMessage({ type: 'ready', handler: () => 1 }, '*');",
          "window.postMessage({ run() {} }, 'https://example.com');",
          'self.postMessage(() => 1);',
          "const worker = new Worker('worker.js');",
          'worker.postMessage({ onDone: () => 1 });',
        ),
        'src/client/app.js',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores a VS Code webview and other postMessage APIs in files that do not use worker_threads', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import * as vscode from 'vscode';",
          'export function show(panel: vscode.WebviewPanel, refresh: () => void) {',
          "  panel.webview.postMessage({ command: 'refresh', refresh });",
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts instances of data-only classes and Error subclasses', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          'class Point { constructor(public x: number, public y: number) {} }',
          'class ResizeError extends Error {',
          '  get retriable() { return true; }',
          '}',
          'parentPort!.postMessage(new Point(1, 2));',
          "parentPort!.postMessage({ error: new ResizeError('too big') });",
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('accepts awaited values and serialised functions', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'async function loadUser(id: string) { return { id }; }',
          'function transform(x: number) { return x * 2; }',
          'export async function go(id: string) {',
          '  worker.postMessage({ user: await loadUser(id), code: transform.toString(), name: transform.name });',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a MessagePort listed in the transfer list', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { MessageChannel, Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'const { port1, port2 } = new MessageChannel();',
          'worker.postMessage({ port: port2 }, [port2]);',
          'const channel = new MessageChannel();',
          "new Worker('./w.js', { workerData: { port: channel.port1 }, transferList: [channel.port1] });",
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts workerpool exec with a function as the method (it is stringified by design)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const workerpool = require('workerpool');",
          'const pool = workerpool.pool();',
          'function add(a, b) { return a + b; }',
          'pool.exec(add, [3, 4]).then((r) => console.log(r));',
        ),
        'src/math.js',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores run()/exec() on objects that are not worker pools', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { createPool } from 'generic-pool';",
          'const pool = createPool({ create: async () => ({}), destroy: async () => {} });',
          'const re = /x/;',
          'export function go(req, res) {',
          '  pool.run(() => res.end());',
          '  re.exec(req.url);',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores generic resource pools imported from project files', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { pool, dbPool } from './db.js';",
          'export async function handler(req, res) {',
          '  await pool.run(async (conn) => conn.query(req.body.sql));',
          '  await dbPool.run({ sql: req.body.sql, done: () => res.end() });',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts plain-object parameters whose name is not a handle', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'interface Request { id: string; payload: number[] }',
          'export function enqueue(request: Request, options) {',
          '  worker.postMessage({ request, options });',
          '}',
          'export function submit(task) {',
          '  const req = { id: task.id };',
          '  worker.postMessage(req);',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a Piscina.move() wrapper and a plain task object', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: './resize.js' });",
          'export async function resize(image: Uint8Array, width: number) {',
          "  return pool.run({ image: Piscina.move(image), width }, { name: 'resize' });",
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts results named res/req in promise callbacks and project types named like handles', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          "import type { Response } from './protocol.js';",
          'export function run(compute: (n: number) => Promise<number[]>, n: number) {',
          '  compute(n).then((res) => parentPort!.postMessage(res));',
          '}',
          'export function forward(req: { id: number }, response: Response) {',
          '  parentPort!.postMessage({ req, response });',
          '}',
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores a function parameter shadowing a handle name with a plain type', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          'export function reply(res: { id: number; rows: string[] }) {',
          '  parentPort!.postMessage(res);',
          '}',
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('does not report when a value is sent to a custom postMessage wrapper', () => {
      const findings = analyzeFiles({
        'src/bus.ts': code(
          'export class Bus {',
          '  postMessage(message: unknown) { console.log(message); }',
          '}',
          'const bus = new Bus();',
          'bus.postMessage({ handler: () => 1 });',
        ),
      }).filter((f) => f.ruleId === RULE);
      assert.deepEqual(findings, []);
    });
  });
});
