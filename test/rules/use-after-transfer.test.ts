import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'use-after-transfer';

function code(...lines: string[]): string {
  return lines.join('\n');
}

const WORKER = ["import { Worker } from 'node:worker_threads';", "const worker = new Worker('./w.js');"];

describe('use-after-transfer', () => {
  describe('invalid', () => {
    it('flags a read of the buffer after postMessage(msg, [buf.buffer])', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(size: number) {',
          '  const samples = new Float64Array(size);',
          '  worker.postMessage(samples, [samples.buffer]);',
          "  console.log('sent', samples.length, 'samples');",
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:23']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /detached/);
      assert.match(explained(findings[0]!), /line 5/);
    });

    it('flags a write after the { transfer } options form (worker side)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          "parentPort!.on('message', ({ width, height }) => {",
          '  const pixels = new Uint8ClampedArray(width * height * 4);',
          '  parentPort!.postMessage({ pixels }, { transfer: [pixels.buffer] });',
          '  pixels[0] = 255;',
          '});',
        ),
        'src/render-worker.ts',
      );
      assert.deepEqual(positions(findings), ['5:3']);
    });

    it('flags a buffer used after Piscina.move()', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: './hash.js' });",
          'export async function checksum(data: Uint8Array) {',
          '  const digest = await pool.run({ data: Piscina.move(data) });',
          '  return { digest, bytes: data.byteLength };',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['5:27']);
    });

    it('flags a buffer used after a piscina transferList', () => {
      const findings = findingsOf(
        RULE,
        code(
          "const { Piscina } = require('piscina');",
          "const piscina = new Piscina({ filename: require.resolve('./resize') });",
          'async function resize(image, width) {',
          '  const result = await piscina.run({ image, width }, { transferList: [image.buffer] });',
          '  cache.set(width, image);',
          '  return result;',
          '}',
          'module.exports = { resize };',
        ),
        'src/resize.js',
      );
      assert.deepEqual(positions(findings), ['5:20']);
    });

    it('flags the typed array whose ArrayBuffer was transferred through an alias', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(size: number) {',
          '  const bytes = new Uint8Array(size);',
          '  const ab = bytes.buffer;',
          '  worker.postMessage(ab, [ab]);',
          '  bytes.fill(0);',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['7:3']);
    });

    it('flags a use after workerData with a transferList and after structuredClone with transfer', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Worker } from 'node:worker_threads';",
          'export function start(size: number) {',
          '  const table = new Float32Array(size);',
          "  const w = new Worker('./sum.js', { workerData: { table }, transferList: [table.buffer] });",
          '  const moved = new Uint8Array(size);',
          '  const copy = structuredClone(moved, { transfer: [moved.buffer] });',
          '  return [w, table.length, copy, moved[0]];',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['7:14', '7:34']);
    });

    it('flags a MessagePort used after it was transferred', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { MessageChannel, Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'const { port1, port2 } = new MessageChannel();',
          'worker.postMessage({ port: port2 }, [port2]);',
          "port2.on('message', (m) => console.log(m));",
        ),
      );
      assert.deepEqual(positions(findings), ['5:1']);
      assert.match(explained(findings[0]!), /MessagePort/);
    });

    it('flags a buffer created once outside a loop and transferred inside it', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function stream(frames: number[][], size: number) {',
          '  const frame = new Float32Array(size);',
          '  for (const values of frames) {',
          '    frame.set(values);',
          '    worker.postMessage(frame, [frame.buffer]);',
          '  }',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['7:32']);
      assert.match(explained(findings[0]!), /inside a loop/);
    });

    it("flags a module-level buffer transferred in a repeated 'message' handler", () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          'const result = new Float64Array(1024);',
          "parentPort!.on('message', (input: number[]) => {",
          '  for (let i = 0; i < input.length; i++) result[i] = input[i]! * 2;',
          '  parentPort!.postMessage(result, [result.buffer]);',
          '});',
        ),
        'src/double-worker.ts',
      );
      assert.deepEqual(positions(findings), ['5:36']);
      assert.match(explained(findings[0]!), /'message' handler/);
    });

    it('flags a use in a callback registered after the post and after a loop that posts', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function run(size: number, parts: number) {',
          '  const data = new Uint8Array(size);',
          '  worker.postMessage(data, [data.buffer]);',
          "  worker.once('message', () => console.log(data.byteLength));",
          '}',
          'export function first(buf: Uint8Array, ready: boolean[]) {',
          '  for (const ok of ready) {',
          '    if (ok) {',
          '      worker.postMessage(buf, [buf.buffer]);',
          '      break;',
          '    }',
          '  }',
          '  return buf.length;',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:44', '15:10']);
    });

    it('flags a nested property transferred and read afterwards', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(msg: { pixels: Uint8Array; width: number }) {',
          '  worker.postMessage(msg, [msg.pixels.buffer]);',
          '  return msg.pixels.length / msg.width;',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['5:10']);
    });
  });

  describe('valid', () => {
    it('accepts uses before the post', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(size: number) {',
          '  const samples = new Float64Array(size);',
          '  samples.fill(1);',
          '  const count = samples.length;',
          '  worker.postMessage(samples, [samples.buffer]);',
          '  return count;',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a buffer re-assigned before its next use', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'let pending = new Uint8Array(4096);',
          'let used = 0;',
          'export function flush() {',
          '  worker.postMessage(pending.subarray(0, used), [pending.buffer]);',
          '  pending = new Uint8Array(4096);',
          '  used = 0;',
          '  return pending.length;',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a use in the other branch, or after a branch that returns', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(data: Uint8Array, transfer: boolean) {',
          '  if (transfer) {',
          '    worker.postMessage(data, [data.buffer]);',
          '  } else {',
          '    worker.postMessage(data.slice());',
          '  }',
          '}',
          'export function maybe(data: Uint8Array, remote: boolean) {',
          '  if (remote) {',
          '    worker.postMessage(data, [data.buffer]);',
          '    return 0;',
          '  }',
          '  return data.length;',
          '}',
          'export function guarded(data: Uint8Array) {',
          '  try {',
          '    worker.postMessage(data, [data.buffer]);',
          '  } catch {',
          '    console.warn(data.length);',
          '  }',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts transferring a copy and keeping the original', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(original: Uint8Array) {',
          '  const copy = original.slice();',
          '  worker.postMessage(copy, [copy.buffer]);',
          '  const ab = original.buffer.slice(0);',
          '  worker.postMessage(ab, [ab]);',
          '  return original.length;',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a fresh buffer per loop iteration, per message, and a loop that stops after posting', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          'export function stream(frames: number[][], size: number) {',
          '  for (const values of frames) {',
          '    const frame = Float32Array.from(values);',
          '    parentPort!.postMessage(frame, [frame.buffer]);',
          '  }',
          '  const last = new Float32Array(size);',
          '  for (const values of frames) {',
          '    last.set(values);',
          '    if (values.length === 0) {',
          '      parentPort!.postMessage(last, [last.buffer]);',
          '      break;',
          '    }',
          '  }',
          '}',
          "parentPort!.on('message', (n: number) => {",
          '  const out = new Float64Array(n);',
          '  parentPort!.postMessage(out, [out.buffer]);',
          '});',
        ),
        'src/frames-worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a module-level buffer transferred in a once handler, or re-created by the handler', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { parentPort } from 'node:worker_threads';",
          'let state = new Float64Array(256);',
          'const init = new Uint8Array(64);',
          "parentPort!.once('message', () => parentPort!.postMessage(init, [init.buffer]));",
          "parentPort!.on('message', () => {",
          '  parentPort!.postMessage(state, [state.buffer]);',
          '  state = new Float64Array(256);',
          '});',
        ),
        'src/state-worker.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('accepts using the other end of a channel after transferring one port', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { MessageChannel, Worker } from 'node:worker_threads';",
          "const worker = new Worker('./w.js');",
          'const { port1, port2 } = new MessageChannel();',
          'worker.postMessage({ port: port2 }, [port2]);',
          "port1.on('message', (m) => console.log(m));",
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('accepts a shadowing name in a nested function and a conditional post inside a loop', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function run(chunks: Uint8Array[], size: number) {',
          '  const buf = new Uint8Array(size);',
          '  let offset = 0;',
          '  for (const chunk of chunks) {',
          '    buf.set(chunk, offset);',
          '    offset += chunk.length;',
          '    if (offset === size) worker.postMessage(buf, [buf.buffer]);',
          '  }',
          '  const log = (buf: number[]) => console.log(buf.length);',
          '  log([1]);',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores the browser window.postMessage(message, origin, transfer) API', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export function send(size: number) {',
          '  const data = new Uint8Array(size);',
          "  window.parent.postMessage(data, '*', [data.buffer]);",
          '  return data.length;',
          '}',
        ),
        'src/web/embed.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('ignores typeof and .detached checks after the post', () => {
      const findings = findingsOf(
        RULE,
        code(
          ...WORKER,
          'export function send(size: number) {',
          '  const ab = new ArrayBuffer(size);',
          '  worker.postMessage(ab, [ab]);',
          "  return typeof ab === 'object' && ab.detached;",
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });
  });
});
