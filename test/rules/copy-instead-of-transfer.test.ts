import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'copy-instead-of-transfer';

function code(...lines: string[]): string {
  return lines.join('\n');
}

describe('copy-instead-of-transfer', () => {
  describe('invalid', () => {
    it('flags a file read posted to a worker without a transfer list', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { readFile } from 'node:fs/promises';",
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker(new URL('./parse-csv.js', import.meta.url));",
          'export async function importCsv(path: string) {',
          '  const csv = await readFile(path);',
          '  worker.postMessage({ csv, path });',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:24']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /read from a file/);
      assert.match(explained(findings[0]!), /pooled Buffers|shared allocation pool/);
      assert.match(explained(findings[0]!), /worker\.postMessage\(msg, \[buf\.buffer\]\)/);
    });

    it('flags a typed array with a data-sized length sent back from a worker', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          "parentPort!.on('message', ({ width, height }) => {",
          '  const pixels = new Uint8ClampedArray(width * height * 4);',
          '  render(pixels, width, height);',
          '  parentPort!.postMessage(pixels);',
          '});',
        ),
        'src/render-worker.ts',
      );
      assert.deepEqual(positions(findings), ['5:27']);
      assert.match(explained(findings[0]!), /sized by data/);
    });

    it('flags a large literal-size buffer passed as workerData', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const { Worker } = require('worker_threads');",
          'const samples = new Float64Array(1_000_000);',
          "const worker = new Worker('./fft.js', { workerData: { samples } });",
        ),
        'src/fft.js',
      );
      assert.deepEqual(positions(findings), ['3:55']);
    });

    it('flags a Buffer parameter sent to piscina without transferList or Piscina.move', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: new URL('./resize.js', import.meta.url).href });",
          'export function resize(image: Buffer, width: number) {',
          "  return pool.run({ image, width }, { name: 'resize' });",
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['4:21']);
      assert.match(explained(findings[0]!), /transferList|Piscina\.move/);
    });

    it('flags sharp output and fetch bodies posted from an express handler', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import sharp from 'sharp';",
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./classify.js');",
          "app.post('/classify', async (req, res) => {",
          '  const { data, info } = await sharp(req.file.path).raw().toBuffer({ resolveWithObject: true });',
          '  const body = await (await fetch(req.body.url)).arrayBuffer();',
          '  worker.postMessage({ data, info });',
          '  worker.postMessage(body);',
          '  res.sendStatus(202);',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['7:24', '8:22']);
    });

    it('flags Buffer.alloc / Buffer.from / readFileSync and views of them', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const fs = require('node:fs');",
          "const { parentPort } = require('node:worker_threads');",
          "parentPort.on('message', (msg) => {",
          '  const out = Buffer.alloc(msg.size);',
          '  const encoded = Buffer.from(msg.text);',
          '  const raw = fs.readFileSync(msg.path);',
          '  const view = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);',
          '  parentPort.postMessage([out, encoded, view]);',
          '});',
        ),
        'src/worker.js',
      );
      assert.deepEqual(positions(findings), ['8:27', '8:32', '8:41']);
    });

    it('flags an empty transfer list and a message object built before the post', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "import { readFileSync } from 'node:fs';",
          "const worker = new Worker('./w.js');",
          'export function send(path: string) {',
          '  const message = { type: "load", bytes: readFileSync(path) };',
          '  worker.postMessage(message, []);',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:22']);
    });

    it('flags workerpool exec arguments with no transfer option', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import workerpool from 'workerpool';",
          "const pool = workerpool.pool('./hash.js');",
          'export function digest(size: number) {',
          '  const data = new Uint8Array(size);',
          "  return pool.exec('digest', [data]);",
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['5:31']);
    });

    it('flags pixels destructured from a storage call, sent to a pool from another file', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { imagePool } from './pools.js';",
          "import { storage } from './services.js';",
          "app.post('/images/:id/blur', async (req, res) => {",
          '  const { data: pixels, width, height } = await storage.getImage(req.params.id);',
          "  const png = await imagePool.run({ op: 'blur', pixels, width, height });",
          '  res.type("png").send(Buffer.from(png));',
          '});',
        ),
        'src/images.ts',
      );
      assert.deepEqual(positions(findings), ['5:49']);
    });

    it('flags an ArrayBuffer of data-sized length in a MessageChannel port post', () => {
      const findings = findingsOf(
        RULE,
        code(
          'const channel = new MessageChannel();',
          'export function share(bytes: number) {',
          '  const block = new ArrayBuffer(bytes);',
          '  channel.port1.postMessage({ block });',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['4:31']);
    });
  });

  describe('valid', () => {
    it('accepts a transfer list', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          "parentPort!.on('message', ({ width, height }) => {",
          '  const pixels = new Uint8ClampedArray(width * height * 4);',
          '  parentPort!.postMessage(pixels, [pixels.buffer]);',
          '  const out = new Float64Array(width);',
          '  parentPort!.postMessage({ out }, { transfer: [out.buffer] });',
          '});',
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('accepts piscina transferList and Piscina.move()', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: './resize.js' });",
          'export async function resize(size: number) {',
          '  const image = new Uint8Array(size);',
          '  await pool.run({ image }, { transferList: [image.buffer] });',
          '  const other = new Uint8Array(size);',
          '  return pool.run({ other: Piscina.move(other) });',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('never flags SharedArrayBuffer-backed arrays', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          'export function start(n: number) {',
          '  const shared = new SharedArrayBuffer(n * 8);',
          '  const counts = new Float64Array(shared);',
          '  const flags = new Int32Array(new SharedArrayBuffer(4 * n));',
          "  const worker = new Worker('./count.js', { workerData: { shared, counts, flags } });",
          '  worker.postMessage(counts);',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts tiny literal buffers', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'const HEADER = 16;',
          'worker.postMessage({ header: Buffer.alloc(HEADER), id: new Uint8Array(16), magic: Buffer.from("PNG"), tag: new Uint8Array([1, 2, 3]) });',
          'worker.postMessage(new ArrayBuffer(1024));',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts text read from files and other non-buffer payloads', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { readFileSync } from 'node:fs';",
          "import { readFile } from 'node:fs/promises';",
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'export async function go(path: string, rows: number[]) {',
          "  const text = readFileSync(path, 'utf8');",
          "  const json = await readFile(path, { encoding: 'utf8' });",
          '  worker.postMessage({ text, json, rows });',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores structuredClone (copying is the point) and browser window posts', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export function snapshot(size: number) {',
          '  const data = new Float32Array(size);',
          '  const copy = structuredClone(data);',
          "  window.postMessage({ data }, '*');",
          '  return copy;',
          '}',
        ),
        'src/web/snapshot.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores typed arrays built over an unknown buffer parameter (may be shared)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort, workerData } from 'node:worker_threads';",
          'function attach(memory) {',
          '  const view = new Int32Array(memory);',
          '  parentPort!.postMessage({ view });',
          '}',
          'attach(workerData.memory);',
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores views over a buffer received from workerData and small key/id buffers', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort, workerData } from 'node:worker_threads';",
          "import { randomBytes } from 'node:crypto';",
          'const { buffer, keyLength } = workerData;',
          'const state = new Int32Array(buffer);',
          'const key = randomBytes(keyLength);',
          'export function report(id: string, requestId: Buffer) {',
          '  parentPort!.postMessage({ state, key, id: Buffer.from(id), requestId });',
          '}',
        ),
        'src/worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores byte counts and numbers named like buffers', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { imagePool } from './pools.js';",
          'export async function stats(image: { data: Uint8Array }, inputBytes: number) {',
          '  const totalBytes = image.data.byteLength;',
          "  return imagePool.run({ op: 'stats', inputBytes, totalBytes });",
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a transfer list given as a variable', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'export function send(chunks: Uint8Array[], size: number) {',
          '  const merged = new Uint8Array(size);',
          '  const transfer = [merged.buffer];',
          '  worker.postMessage({ merged }, transfer);',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores postMessage on objects that are not worker ports (no worker_threads in the file)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { readFileSync } from 'node:fs';",
          'export function send(panel, path) {',
          '  const data = readFileSync(path);',
          '  panel.webview.postMessage({ data });',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });
  });
});
