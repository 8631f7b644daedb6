import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'unbounded-array-queue';
const code = (...lines: string[]): string => lines.join('\n');

describe('unbounded-array-queue', () => {
  describe('invalid', () => {
    it('flags a module-level queue fed by a message handler and drained by a timer', () => {
      const source = code(
        "import { WebSocketServer } from 'ws';",
        'const queue = [];',
        'const wss = new WebSocketServer({ port: 8080 });',
        "wss.on('connection', (ws) => {",
        "  ws.on('message', (data) => {",
        '    queue.push(JSON.parse(data));',
        '  });',
        '});',
        'setInterval(async () => {',
        '  while (queue.length > 0) await save(queue.shift());',
        '}, 100);',
      );
      const findings = findingsOf(RULE, source, 'src/ingest.js');
      assert.deepEqual(positions(findings), ['6:5']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(
        explained(findings[0]!),
        /`queue` is an unbounded FIFO queue fed in the `'message'` event handler/,
      );
      assert.equal(findings[0]!.related?.[0]?.message, '`queue` is drained here');
    });

    it('flags a typed class field fed from socket data and drained by an async method', () => {
      const source = code(
        "import net from 'node:net';",
        'export class LineProcessor {',
        '  private pending: string[] = [];',
        '  constructor(private readonly socket: net.Socket) {',
        "    socket.on('data', (chunk) => {",
        '      this.pending.push(chunk.toString());',
        '      void this.processNext();',
        '    });',
        '  }',
        '  private async processNext(): Promise<void> {',
        '    const line = this.pending.shift();',
        '    if (line) await handle(line);',
        '  }',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['6:7']);
    });

    it('flags a queue fed by an express route handler', () => {
      const source = code(
        "const express = require('express');",
        'const app = express();',
        'const jobs = [];',
        "app.post('/jobs', (req, res) => {",
        '  jobs.push(req.body);',
        '  res.status(202).end();',
        '});',
        'async function worker() {',
        '  for (;;) {',
        '    const job = jobs.shift();',
        '    if (job) await run(job);',
        '    else await sleep(50);',
        '  }',
        '}',
        'worker();',
      );
      const findings = findingsOf(RULE, source, 'src/server.js');
      assert.deepEqual(positions(findings), ['5:3']);
      assert.match(explained(findings[0]!), /POST \/jobs/);
    });

    it('flags an unshift/pop queue fed by a subscription callback', () => {
      const source = code(
        'const inbox = [];',
        "nc.subscribe('orders', (msg) => { inbox.unshift(msg); });",
        'function pump() {',
        '  const msg = inbox.pop();',
        '  if (msg) apply(msg);',
        '  setImmediate(pump);',
        '}',
        'pump();',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['2:35']);
    });

    it('flags a batch drain with splice(0, n)', () => {
      const source = code(
        'const buffered = [];',
        "source.on('data', (row) => buffered.push(row));",
        'setInterval(() => {',
        '  const batch = buffered.splice(0, 500);',
        '  if (batch.length) db.insertMany(batch);',
        '}, 1000);',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['2:28']);
    });

    it('flags a closure queue in a factory, fed by a callback and drained by a pump', () => {
      const source = code(
        'export function createConsumer(socket) {',
        '  const pending = [];',
        "  socket.on('data', (chunk) => pending.push(chunk));",
        '  async function pump() {',
        '    while (pending.length) await handle(pending.shift());',
        '  }',
        '  return { pump };',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['3:32']);
    });

    it('flags a job queue class fed through a method and drained by a consumer loop', () => {
      const source = code(
        'class JobQueue {',
        '  constructor() {',
        '    this.jobs = [];',
        '    this.running = false;',
        '  }',
        '  add(job) {',
        '    this.jobs.push(job);',
        '    if (!this.running) this.drain();',
        '  }',
        '  async drain() {',
        '    this.running = true;',
        '    while (this.jobs.length) {',
        '      const job = this.jobs.shift();',
        '      await job();',
        '    }',
        '    this.running = false;',
        '  }',
        '}',
        'module.exports = JobQueue;',
      );
      const findings = findingsOf(RULE, source, 'lib/job-queue.js');
      assert.deepEqual(positions(findings), ['7:5']);
      assert.match(explained(findings[0]!), /`this\.jobs`/);
    });

    it('flags a queue fed through an exported function and drained asynchronously', () => {
      const source = code(
        'const outbox: Email[] = [];',
        'export function enqueueEmail(email: Email): void {',
        '  outbox.push(email);',
        '}',
        'export async function flushOutbox(): Promise<void> {',
        '  while (outbox.length) await mailer.send(outbox.shift()!);',
        '}',
      );
      const findings = findingsOf(RULE, source, 'src/mail.ts');
      assert.deepEqual(positions(findings), ['3:3']);
      assert.match(explained(findings[0]!), /exported `enqueueEmail`/);
    });

    it('flags a request handler recognised by its (req, res) parameters', () => {
      const source = code(
        'const uploads = [];',
        'export default function handler(req, res) {',
        '  uploads.push(req.body);',
        '  res.statusCode = 202;',
        '  res.end();',
        '}',
        'setInterval(() => { const next = uploads.shift(); if (next) store(next); }, 10);',
      );
      assert.deepEqual(positions(findingsOf(RULE, source, 'api/upload.js')), ['3:3']);
    });

    it('flags a queue in a worker fed by parent messages', () => {
      const source = code(
        "import { parentPort } from 'node:worker_threads';",
        'const tasks = [];',
        "parentPort.on('message', (task) => tasks.push(task));",
        'async function loop() {',
        '  for (;;) {',
        '    const task = tasks.shift();',
        '    if (!task) { await new Promise((r) => setTimeout(r, 5)); continue; }',
        '    parentPort.postMessage(await compute(task));',
        '  }',
        '}',
        'loop();',
      );
      assert.deepEqual(positions(findingsOf(RULE, source, 'src/compute.worker.js')), ['3:36']);
    });

    it('flags a serial async queue pushed and drained in the same async function', () => {
      const source = code(
        'const queue = [];',
        'let busy = false;',
        'export async function schedule(task) {',
        '  queue.push(task);',
        '  if (busy) return;',
        '  busy = true;',
        '  while (queue.length) await queue.shift()();',
        '  busy = false;',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['4:3']);
    });

    it('flags private fields and optional calls', () => {
      const source = code(
        'export class Relay {',
        '  #queue: Buffer[] = [];',
        '  constructor(upstream: NodeJS.ReadableStream) {',
        "    upstream.on('data', (chunk: Buffer) => this.#queue?.push(chunk));",
        '  }',
        '  async flush() {',
        '    for (let c = this.#queue.shift(); c; c = this.#queue.shift()) await send(c);',
        '  }',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['4:44']);
    });
  });

  describe('valid', () => {
    it('ignores a queue whose length is checked against a limit before the push', () => {
      const source = code(
        'const MAX = 1000;',
        'const queue = [];',
        "consumer.on('message', (msg, ack, nack) => {",
        '  if (queue.length >= MAX) return nack();',
        '  queue.push(msg);',
        '  ack();',
        '});',
        'setInterval(() => { while (queue.length) handle(queue.shift()); }, 100);',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a class queue bounded by a high-water mark compared elsewhere in the class', () => {
      const source = code(
        'export class Buffered {',
        '  private items: Item[] = [];',
        '  constructor(private readonly highWaterMark = 100) {}',
        '  get full(): boolean { return this.items.length > this.highWaterMark; }',
        '  onItem = (item: Item) => { if (!this.full) this.items.push(item); };',
        '  async take() { while (this.items.length) await use(this.items.shift()!); }',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a queue whose source is paused (backpressure)', () => {
      const source = code(
        'const lines = [];',
        "input.on('data', (line) => {",
        '  lines.push(line);',
        '  if (lines.length === 1) input.pause();',
        '});',
        'async function consume() {',
        '  while (lines.length) await save(lines.shift());',
        '  input.resume();',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores sliding windows and time-based eviction (drop policies)', () => {
      const source = code(
        'const recent = [];',
        'const hits = [];',
        'app.use((req, res, next) => {',
        '  recent.push(req.url);',
        '  if (recent.length > 50) recent.shift();',
        '  next();',
        '});',
        "app.get('/limited', (req, res) => { hits.push(Date.now()); res.end(); });",
        'setInterval(() => {',
        '  const cutoff = Date.now() - 60_000;',
        '  while (hits.length && hits[0] < cutoff) hits.shift();',
        '}, 1000);',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores local worklists: BFS and a seeded async crawl', () => {
      const source = code(
        'export function bfs(root) {',
        '  const queue = [root];',
        '  while (queue.length) {',
        '    const node = queue.shift();',
        '    for (const child of node.children) queue.push(child);',
        '  }',
        '}',
        'export async function crawl(start) {',
        '  const pending = [start];',
        '  while (pending.length) {',
        '    const url = pending.shift();',
        '    (await fetchLinks(url)).forEach((link) => pending.push(link));',
        '  }',
        '}',
        'export function levels(tree) {',
        '  const queue = [];',
        '  queue.push(tree);',
        '  const out = [];',
        '  while (queue.length) out.push(queue.shift().value);',
        '  return out;',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores arrays that are only collected, or used as stacks', () => {
      const source = code(
        'const received = [];',
        'const undo = [];',
        "stream.on('data', (chunk) => received.push(chunk));",
        "stream.on('end', () => done(Buffer.concat(received)));",
        "editor.on('change', (c) => undo.push(c));",
        "editor.on('undo', () => revert(undo.pop()));",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a queue filled at start-up from a literal', () => {
      const source = code(
        "const migrations = ['001-init', '002-users'];",
        'async function migrate() {',
        '  while (migrations.length) await run(migrations.shift());',
        '}',
        'migrate();',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a buffer pushed and fully drained in the same synchronous handler', () => {
      const source = code(
        'const parts = [];',
        "socket.on('data', (chunk) => {",
        '  parts.push(chunk);',
        '  while (parts.length) handle(parts.shift());',
        '});',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores callback wait lists (ready queues, semaphore waiters)', () => {
      const source = code(
        'class Connection {',
        '  constructor() { this.callbacks = []; this.waiters = []; }',
        '  ready(cb) { this.callbacks.push(cb); }',
        "  onConnect() { socket.on('ready', () => { while (this.callbacks.length) this.callbacks.shift()(); }); }",
        '  acquire() { return new Promise((resolve) => this.waiters.push(resolve)); }',
        '  release() { const next = this.waiters.shift(); if (next) next(); }',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a generic queue data structure with a synchronous dequeue', () => {
      const source = code(
        'export class Queue<T> {',
        '  private items: T[] = [];',
        '  enqueue(item: T) { this.items.push(item); }',
        '  dequeue(): T | undefined { return this.items.shift(); }',
        '  get size() { return this.items.length; }',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores lists whose items leave by identity (active windows) and take-all flushes', () => {
      const source = code(
        "import { arrRemove } from './util';",
        'const windows = [];',
        'const logs = [];',
        'openings.subscribe((v) => { const w = open(v); windows.push(w); w.onClose(() => arrRemove(windows, w)); });',
        'function complete() { while (windows.length) windows.shift().complete(); }',
        "logger.on('log', (line) => logs.push(line));",
        'setInterval(() => ship(logs.splice(0, logs.length)), 1000);',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores queues that are not arrays and shadowed names', () => {
      const source = code(
        "import Denque from 'denque';",
        'const queue = new Denque();',
        "socket.on('data', (d) => queue.push(d));",
        'setInterval(() => handle(queue.shift()), 10);',
        'function local(items) {',
        '  const queue = items;',
        "  emitter.on('x', (v) => queue.push(v));",
        '  setInterval(() => queue.shift(), 10);',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a method-fed array not named like a queue', () => {
      const source = code(
        'class Tokenizer {',
        '  constructor() { this.lookahead = []; }',
        '  peek() { const t = this.lex(); this.lookahead.push(t); return t; }',
        '  async next() { while (this.lookahead.length) await emit(this.lookahead.shift()); }',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('stays quiet in test files', () => {
      const source = code(
        'const messages = [];',
        "ws.on('message', (m) => messages.push(m));",
        "it('receives', async () => { await tick(); assert.equal(messages.shift(), 'hello'); });",
      );
      assert.deepEqual(findingsOf(RULE, source, 'test/ws.test.js'), []);
    });
  });
});
