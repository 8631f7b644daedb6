// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixtures are source code with template literals
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'ignored-backpressure';
const code = (...lines: string[]): string => lines.join('\n');

describe('ignored-backpressure', () => {
  describe('invalid', () => {
    it('flags writes to a file stream in a loop over query rows', () => {
      const source = code(
        "import { createWriteStream } from 'node:fs';",
        'export async function exportCsv(path: string) {',
        '  const rows = await db.query("SELECT * FROM ledger");',
        '  const out = createWriteStream(path);',
        "  out.write('id,amount\\n');",
        '  for (const row of rows) {',
        '    out.write(`${row.id},${row.amount}\\n`);',
        '  }',
        '  out.end();',
        '}',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['7:5']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /`out\.write\(\)` in a loop/);
      assert.match(explained(findings[0]!), /'drain'/);
    });

    it("flags a 'data' handler relaying into a gzip stream", () => {
      const source = code(
        "const fs = require('fs');",
        "const zlib = require('zlib');",
        'function archive(src, dest) {',
        '  const input = fs.createReadStream(src);',
        '  const gzip = zlib.createGzip();',
        '  gzip.pipe(fs.createWriteStream(dest));',
        "  input.on('data', (chunk) => gzip.write(chunk));",
        "  input.on('end', () => gzip.end());",
        '}',
        'module.exports = { archive };',
      );
      const findings = findingsOf(RULE, source, 'src/archive.js');
      assert.deepEqual(positions(findings), ['7:31']);
      assert.match(explained(findings[0]!), /in the `'data'` handler/);
    });

    it('flags res.write in a loop inside an express handler', () => {
      const source = code(
        "import express from 'express';",
        'const app = express();',
        "app.get('/export', async (req, res) => {",
        '  const users = await db.users.findAll();',
        "  res.setHeader('Content-Type', 'application/x-ndjson');",
        '  for (const user of users) res.write(JSON.stringify(user) + "\\n");',
        '  res.end();',
        '});',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['6:29']);
    });

    it('flags a for await loop writing into a socket', () => {
      const source = code(
        "import net from 'node:net';",
        'export async function forward(source: AsyncIterable<Buffer>) {',
        "  const socket = net.connect(9000, 'backend');",
        '  for await (const chunk of source) {',
        '    socket.write(chunk);',
        '  }',
        '  socket.end();',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['5:5']);
    });

    it('flags a while loop feeding a PassThrough and a forEach into a file', () => {
      const source = code(
        "import { PassThrough } from 'node:stream';",
        "import fs from 'node:fs';",
        'export function produce(cursor, rows) {',
        '  const body = new PassThrough();',
        '  let doc;',
        '  while ((doc = cursor.next())) body.write(JSON.stringify(doc));',
        "  const file = fs.createWriteStream('rows.txt');",
        '  rows.forEach((row) => file.write(row));',
        '  return body;',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['6:33', '8:25']);
    });

    it('flags a setInterval producer streaming events to a response', () => {
      const source = code(
        "import http from 'node:http';",
        'http.createServer((req, res) => {',
        "  res.writeHead(200, { 'Content-Type': 'text/event-stream' });",
        '  const timer = setInterval(() => {',
        '    res.write(`data: ${JSON.stringify(metrics.snapshot())}\\n\\n`);',
        '  }, 100);',
        "  req.on('close', () => clearInterval(timer));",
        '}).listen(8080);',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['5:5']);
      assert.match(explained(findings[0]!), /`setInterval` callback/);
    });

    it('flags writes to a parameter typed as a Writable', () => {
      const source = code(
        "import type { Writable } from 'node:stream';",
        'export function dump(target: Writable, items: Item[]): void {',
        '  for (const item of items) target.write(serialize(item));',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['3:29']);
    });

    it("flags a stream-named member written from a readline 'line' handler", () => {
      const source = code(
        "import readline from 'node:readline';",
        'export class Converter {',
        '  constructor(input, outputStream) {',
        '    this.outputStream = outputStream;',
        '    const rl = readline.createInterface({ input });',
        "    rl.on('line', (line) => { this.outputStream.write(convert(line)); });",
        '  }',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['6:31']);
    });

    it('flags child stdin writes in a loop', () => {
      const source = code(
        "import { spawn } from 'node:child_process';",
        'export function sortLines(lines: string[]) {',
        "  const child = spawn('sort');",
        '  for (const line of lines) child.stdin.write(line + "\\n");',
        '  child.stdin.end();',
        '  return child.stdout;',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['4:29']);
    });

    it('flags a loop over the chunks of a payload (chunks are the data, not a small batch)', () => {
      const source = code(
        "import net from 'node:net';",
        'export function send(socket: net.Socket, payload: Buffer) {',
        '  const chunks = split(payload, 16 * 1024);',
        '  for (const chunk of chunks) socket.write(chunk);',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['4:31']);
    });

    it("flags a custom Readable's _read pushing a whole array", () => {
      const source = code(
        "import { Readable } from 'node:stream';",
        'export class RowStream extends Readable {',
        '  constructor(private rows: Row[]) { super({ objectMode: true }); }',
        '  _read() {',
        '    for (const row of this.rows) this.push(row);',
        '    this.push(null);',
        '  }',
        '}',
      );
      const findings = findingsOf(RULE, source);
      assert.deepEqual(positions(findings), ['5:34']);
      assert.match(explained(findings[0]!), /inside `_read\(\)`/);
    });

    it('flags the read() option of new Readable() pushing in a loop', () => {
      const source = code(
        "const { Readable } = require('stream');",
        'function fromQueue(queue) {',
        '  return new Readable({',
        '    objectMode: true,',
        '    read() {',
        '      while (queue.length) this.push(queue.shift());',
        '    },',
        '  });',
        '}',
      );
      assert.deepEqual(positions(findingsOf(RULE, source)), ['6:28']);
    });
  });

  describe('valid', () => {
    it("ignores loops that wait for 'drain' when write() returns false", () => {
      const source = code(
        "import { once } from 'node:events';",
        "import { createWriteStream } from 'node:fs';",
        'export async function exportCsv(rows, path) {',
        '  const out = createWriteStream(path);',
        '  for (const row of rows) {',
        "    if (!out.write(row)) await once(out, 'drain');",
        '  }',
        '  out.end();',
        '}',
        'export async function copy(rows, out) {',
        "  out.on('drain', resume);",
        '  for (const row of rows) out.write(row);',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores pipeline/pipe and single writes', () => {
      const source = code(
        "import { pipeline } from 'node:stream/promises';",
        "import fs from 'node:fs';",
        "import zlib from 'node:zlib';",
        'export async function gzipFile(src, dest) {',
        '  await pipeline(fs.createReadStream(src), zlib.createGzip(), fs.createWriteStream(dest));',
        '}',
        "app.get('/health', (req, res) => { res.write('ok'); res.end(); });",
        'export function save(path, text) { const out = fs.createWriteStream(path); out.end(text); }',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores loops over small literal lists and object keys', () => {
      const source = code(
        "import http from 'node:http';",
        'http.createServer((req, res) => {',
        "  for (const line of ['<html>', '<body>', 'hello', '</body>', '</html>']) res.write(line);",
        '  for (const [k, v] of Object.entries(meta)) res.write(`${k}: ${v}\\n`);',
        '  for (let i = 0; i < 3; i++) res.write(`${i}\\n`);',
        '  res.end();',
        '}).listen(3000);',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores process.stdout and process.stderr writes (CLI output, child output relays)', () => {
      const source = code(
        "import { spawn } from 'node:child_process';",
        'export function report(results) {',
        '  for (const r of results) process.stdout.write(`${r.file}: ${r.count}\\n`);',
        '}',
        "const child = spawn('npm', ['test']);",
        "child.stdout.on('data', (d) => process.stdout.write(d));",
        "child.stderr.on('data', (d) => process.stderr.write(d));",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it("ignores a 'data' handler that pauses the source when write() returns false", () => {
      const source = code(
        "import net from 'node:net';",
        'net.createServer((client) => {',
        '  const upstream = net.connect(5432);',
        "  client.on('data', (chunk) => {",
        '    if (!upstream.write(chunk)) {',
        '      client.pause();',
        "      upstream.once('drain', () => client.resume());",
        '    }',
        '  });',
        '}).listen(6432);',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores a file that defines its own write() (a text writer, not a stream)', () => {
      const source = code(
        "import fs from 'node:fs';",
        'function createTextWriter() {',
        "  let text = '';",
        '  function write(s) { text += s; }',
        '  return { write, getText: () => text };',
        '}',
        'export function emit(nodes) {',
        '  const writer = createTextWriter();',
        '  for (const node of nodes) writer.write(print(node));',
        "  fs.writeFileSync('out.js', writer.getText());",
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores stream-named receivers in files that import no stream module', () => {
      const source = code(
        'export function render(items, out) {',
        '  for (const item of items) out.write(item.toString());',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores broadcasts: one write to each of many sockets', () => {
      const source = code(
        "import net from 'node:net';",
        'const clients = new Set<net.Socket>();',
        'net.createServer((socket) => {',
        '  clients.add(socket);',
        "  socket.on('data', (msg) => {",
        '    for (const client of clients) if (client !== socket) client.write(msg);',
        '  });',
        '}).listen(7000);',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores _read(size) loops that push only what was asked for, and _transform', () => {
      const source = code(
        "import { Readable, Transform } from 'node:stream';",
        'class Counter extends Readable {',
        '  n = 0;',
        '  _read(size) {',
        '    while (size-- > 0 && this.n < 1e6) this.push(String(this.n++));',
        '  }',
        '}',
        'class Lines extends Transform {',
        '  _transform(chunk, enc, cb) {',
        "    for (const line of chunk.toString().split('\\n')) this.push(line);",
        '    cb();',
        '  }',
        '}',
        'class Paged extends Readable {',
        '  async _read() {',
        '    for (const row of await this.nextPage()) if (!this.push(row)) break;',
        '  }',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores timer heartbeats with a fixed payload', () => {
      const source = code(
        "import net from 'node:net';",
        "const socket = net.connect(4000, 'broker');",
        "setInterval(() => socket.write('PING\\r\\n'), 30_000);",
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('ignores Buffer.write, array pushes and hash updates', () => {
      const source = code(
        "import crypto from 'node:crypto';",
        'export function pack(values) {',
        '  const buf = Buffer.alloc(values.length * 8);',
        '  const parts = [];',
        "  const hash = crypto.createHash('sha256');",
        '  for (const [i, v] of values.entries()) {',
        "    buf.write(String(v), i * 8, 'utf8');",
        '    parts.push(v);',
        '    hash.update(String(v));',
        '  }',
        '  return buf;',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, source), []);
    });

    it('stays quiet in test files', () => {
      const source = code(
        "import { PassThrough } from 'node:stream';",
        'const stream = new PassThrough();',
        'for (const line of fixtureLines) stream.write(line);',
      );
      assert.deepEqual(findingsOf(RULE, source, 'test/parser.test.ts'), []);
    });
  });
});
