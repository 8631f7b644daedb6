// Fixes and suggestions that change run-time behaviour, checked by running the code: each case
// takes a program, lets the engine find the finding and its fix (as the editor would offer it),
// applies the fix, runs the program before and after in a child `node` on a real input, and
// compares what they print. Same output where the fix keeps behaviour; where it is meant to change
// something (a worker failure now rejects, a loop now waits for 'drain'), that is asserted too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeFiles } from '../helpers/analyze.js';
import { applyEdits } from '../helpers/rule-tester.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-fix-runtime-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The code after applying the one fix of `ruleId` titled `title` (fails when it is not offered). */
function fixed(ruleId: string, code: string, filename: string, title: string | RegExp): string {
  const findings = analyzeFiles({ [filename]: code }).filter((f) => f.ruleId === ruleId);
  const fixes = findings.flatMap((f) => f.fixes ?? []);
  const fix = fixes.find((f) => (typeof title === 'string' ? f.title === title : title.test(f.title)));
  assert.ok(
    fix,
    `no fix "${title}" among ${JSON.stringify(fixes.map((f) => f.title))} (${findings.length} findings)`,
  );
  const after = applyEdits(code, fix.edits);
  assert.equal(
    analyzeFiles({ [filename]: after }).filter((f) => f.ruleId === ruleId).length,
    findings.length - 1,
    'the finding is gone after the fix',
  );
  return after;
}

let counter = 0;
/** Runs `code` as a file named like `filename` (beside `others`) in a fresh directory; stdout, stderr and exit code. */
function runNode(code: string, filename: string, args: string[] = [], others: Record<string, string> = {}) {
  const folder = path.join(dir, String(counter++));
  fs.mkdirSync(folder);
  for (const [name, text] of Object.entries(others)) fs.writeFileSync(path.join(folder, name), text);
  const file = path.join(folder, path.basename(filename));
  fs.writeFileSync(file, code);
  const result = spawnSync(process.execPath, [file, ...args], {
    cwd: folder,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status, folder };
}

describe('fixes checked by running the code before and after', () => {
  it("ignored-backpressure: the drain wait writes the same bytes and keeps the stream's buffer small", () => {
    // the module the fix changes, and a program that runs it and measures the stream
    const code = [
      "import { createWriteStream } from 'node:fs';",
      "import { finished } from 'node:stream/promises';",
      'export async function exportRows(file, rows) {',
      '  const out = createWriteStream(file);',
      '  for (const row of rows) {',
      '    out.write(`${row.id},${row.text}\\n`);',
      '  }',
      '  out.end();',
      '  await finished(out);',
      '}',
    ].join('\n');
    const main = [
      "import { readFileSync, WriteStream } from 'node:fs';",
      "import { createHash } from 'node:crypto';",
      "import { exportRows } from './export.mjs';",
      '// how much the stream holds in memory at most',
      'let peak = 0;',
      'const write = WriteStream.prototype.write;',
      'WriteStream.prototype.write = function (chunk) {',
      '  const ok = write.call(this, chunk);',
      '  peak = Math.max(peak, this.writableLength);',
      '  return ok;',
      '};',
      "const rows = Array.from({ length: 3000 }, (_, id) => ({ id, text: 'x'.repeat(1000) }));",
      "await exportRows('out.csv', rows);",
      "console.log(createHash('sha256').update(readFileSync('out.csv')).digest('hex'), peak);",
    ].join('\n');
    const after = fixed(
      'ignored-backpressure',
      code,
      'src/export.mjs',
      "Wait for 'drain' when write() returns false",
    );
    assert.match(after, /if \(!out\.write\(.*\)\) await once\(out, 'drain'\);/);
    const before = runNode(main, 'main.mjs', [], { 'export.mjs': code });
    const then = runNode(main, 'main.mjs', [], { 'export.mjs': after });
    assert.equal(before.status, 0, before.stderr);
    assert.equal(then.status, 0, then.stderr);
    const [digestBefore, peakBefore] = before.stdout.trim().split(' ');
    const [digestAfter, peakAfter] = then.stdout.trim().split(' ');
    assert.equal(digestAfter, digestBefore, 'same file contents');
    // without the wait all 3 MB sit in memory; with it, about one highWaterMark (16 KiB) plus a row
    assert.ok(Number(peakBefore) > 2_000_000, `peak before ${peakBefore}`);
    assert.ok(Number(peakAfter) < 64 * 1024, `peak after ${peakAfter}`);
  });

  it('unhandled-worker-error: a failing worker rejects the pending promise instead of crashing or hanging', () => {
    const code = [
      "const { Worker } = require('node:worker_threads');",
      'function runTask(source) {',
      '  return new Promise((resolve) => {',
      '    const worker = new Worker(source, { eval: true });',
      "    worker.on('message', resolve);",
      '  });',
      '}',
      'const source = process.argv[2];',
      'runTask(source).then(',
      "  (value) => console.log('resolved', value),",
      "  (error) => console.log('rejected', error.message),",
      ');',
    ].join('\n');
    const after = fixed(
      'unhandled-worker-error',
      code,
      'src/tasks.js',
      "Reject the pending promise on the worker's 'error' and 'exit'",
    );
    const ok = "require('node:worker_threads').parentPort.postMessage(42)";
    const throws = "throw new Error('boom')";
    const exits = 'process.exit(3)';
    // the work itself is unchanged
    assert.equal(runNode(code, 'tasks.js', [ok]).stdout, 'resolved 42\n');
    assert.equal(runNode(after, 'tasks.js', [ok]).stdout, 'resolved 42\n');
    // a throw in the worker: the process died of the unhandled 'error' event; now the promise rejects
    const crashed = runNode(code, 'tasks.js', [throws]);
    assert.notEqual(crashed.status, 0);
    assert.match(crashed.stderr, /boom/);
    const rejected = runNode(after, 'tasks.js', [throws]);
    assert.equal(rejected.status, 0, rejected.stderr);
    assert.equal(rejected.stdout, 'rejected boom\n');
    // a worker that exits without a message: the promise never settled; now it rejects
    assert.equal(runNode(code, 'tasks.js', [exits]).stdout, '');
    assert.equal(runNode(after, 'tasks.js', [exits]).stdout, 'rejected Worker stopped with exit code 3\n');
  });

  it('unguarded-self-spawn: with the isMainThread guard the file starts exactly one worker', () => {
    const code = [
      "const { Worker, parentPort, threadId } = require('node:worker_threads');",
      'const worker = new Worker(__filename);',
      "worker.on('message', (n) => console.log('answer', n, 'from thread', threadId === 0 ? 'main' : threadId));",
      "worker.on('error', (error) => console.log('error', error.message));",
      'parentPort?.postMessage(21 * 2);',
    ].join('\n');
    const after = fixed(
      'unguarded-self-spawn',
      code,
      'src/answer.js',
      'Start the worker only on the main thread (if (isMainThread))',
    );
    // (the code before is not run: each worker would start another, without end)
    const result = runNode(after, 'answer.js');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'answer 42 from thread main\n');
  });

  it('copy-instead-of-transfer: the worker receives the same numbers, moved instead of copied', () => {
    const code = [
      "import { Worker } from 'node:worker_threads';",
      'const worker = new Worker(',
      "  `const { parentPort } = require('node:worker_threads');",
      "  parentPort.on('message', (a) => {",
      '    let sum = 0;',
      '    for (const x of a) sum += x;',
      '    parentPort.postMessage({ sum, length: a.length, type: a.constructor.name });',
      '  });`,',
      '  { eval: true },',
      ');',
      "worker.on('error', console.error);",
      'export function sendSamples(size) {',
      '  const samples = new Float64Array(size);',
      '  for (let i = 0; i < size; i++) samples[i] = (i * 7) % 13;',
      '  worker.postMessage(samples);',
      '  return worker;',
      '}',
    ].join('\n');
    const main = [
      "import { Worker } from 'node:worker_threads';",
      '// after each post: is the sent array still readable here (copied) or detached (moved)?',
      'const post = Worker.prototype.postMessage;',
      'let detached;',
      'Worker.prototype.postMessage = function (value, transfer) {',
      '  post.call(this, value, transfer);',
      '  detached = value.byteLength === 0;',
      '};',
      "const { sendSamples } = await import('./samples.mjs');",
      'const worker = sendSamples(1_000_000);',
      "worker.once('message', (result) => {",
      '  console.log(JSON.stringify(result), detached);',
      '  worker.terminate();',
      '});',
    ].join('\n');
    const after = fixed(
      'copy-instead-of-transfer',
      code,
      'src/samples.mjs',
      'Transfer samples.buffer instead of copying',
    );
    assert.match(after, /worker\.postMessage\(samples, \[samples\.buffer\]\);/);
    const before = runNode(main, 'main.mjs', [], { 'samples.mjs': code });
    const then = runNode(main, 'main.mjs', [], { 'samples.mjs': after });
    assert.equal(before.status, 0, before.stderr);
    assert.equal(then.status, 0, then.stderr);
    const result = '{"sum":5999994,"length":1000000,"type":"Float64Array"}';
    assert.equal(before.stdout, `${result} false\n`);
    assert.equal(then.stdout, `${result} true\n`);
  });

  it('worker-per-task: the hoisted pool gives the same results from one warm thread', () => {
    const code = [
      "import Piscina from 'piscina';",
      'export async function digest(text) {',
      "  const pool = new Piscina({ filename: new URL('./digest-worker.mjs', import.meta.url).href, maxThreads: 1 });",
      '  const result = await pool.run(text);',
      '  await pool.destroy();',
      '  return result;',
      '}',
    ].join('\n');
    const worker = [
      "import { createHash } from 'node:crypto';",
      "import { threadId } from 'node:worker_threads';",
      "export default (text) => ({ hex: createHash('sha256').update(text).digest('hex'), threadId });",
    ].join('\n');
    const main = [
      "import { digest } from './digest.mjs';",
      'const results = [];',
      "for (const text of ['a', 'b', 'c', 'd']) results.push(await digest(text));",
      'console.log(results.map((r) => r.hex.slice(0, 8)).join(), new Set(results.map((r) => r.threadId)).size);',
      'process.exit(0);',
    ].join('\n');
    const after = fixed(
      'worker-per-task',
      code,
      'src/digest.mjs',
      'Create the pool once at module scope (shared by every task)',
    );
    assert.doesNotMatch(after, /destroy/);
    // piscina from this repository's node_modules
    const modules = path.join(dir, 'node_modules');
    if (!fs.existsSync(modules)) fs.symlinkSync(path.resolve('node_modules'), modules, 'dir');
    const before = runNode(main, 'main.mjs', [], { 'digest.mjs': code, 'digest-worker.mjs': worker });
    const then = runNode(main, 'main.mjs', [], { 'digest.mjs': after, 'digest-worker.mjs': worker });
    assert.equal(before.status, 0, before.stderr);
    assert.equal(then.status, 0, then.stderr);
    const [digestsBefore, threadsBefore] = before.stdout.trim().split(' ');
    const [digestsAfter, threadsAfter] = then.stdout.trim().split(' ');
    assert.equal(digestsAfter, digestsBefore, 'same results');
    assert.equal(threadsBefore, '4', 'a new thread per call before');
    assert.equal(threadsAfter, '1', 'one thread reused after');
  });

  it('unbounded-fan-out: p-limit keeps the results and their order, with at most 10 in flight', () => {
    const code = [
      "import { lookup } from './lookup.mjs';",
      'export async function resolveAll(ids) {',
      '  return Promise.all(ids.map(async (id) => {',
      '    const value = await lookup(id);',
      '    return value + 1;',
      '  }));',
      '}',
    ].join('\n');
    const lookup = [
      'export const stats = { active: 0, peak: 0 };',
      'export async function lookup(id) {',
      '  stats.active++;',
      '  stats.peak = Math.max(stats.peak, stats.active);',
      '  // later ids answer sooner: the order of the results must still follow the input',
      '  await new Promise((resolve) => setTimeout(resolve, 100 - id));',
      '  stats.active--;',
      '  return id * 2;',
      '}',
    ].join('\n');
    const main = [
      "import { stats } from './lookup.mjs';",
      "import { resolveAll } from './resolve.mjs';",
      'const ids = Array.from({ length: 100 }, (_, i) => i);',
      'const values = await resolveAll(ids);',
      'console.log(values.join(), stats.peak);',
    ].join('\n');
    const after = fixed(
      'unbounded-fan-out',
      code,
      'src/resolve.mjs',
      'Run at most 10 at once with p-limit (tune it)',
    );
    const modules = path.join(dir, 'node_modules');
    if (!fs.existsSync(modules)) fs.symlinkSync(path.resolve('node_modules'), modules, 'dir');
    const before = runNode(main, 'main.mjs', [], { 'resolve.mjs': code, 'lookup.mjs': lookup });
    const then = runNode(main, 'main.mjs', [], { 'resolve.mjs': after, 'lookup.mjs': lookup });
    assert.equal(before.status, 0, before.stderr);
    assert.equal(then.status, 0, then.stderr);
    const [valuesBefore, peakBefore] = before.stdout.trim().split(' ');
    const [valuesAfter, peakAfter] = then.stdout.trim().split(' ');
    assert.equal(valuesAfter, valuesBefore, 'same results in the same order');
    assert.equal(valuesBefore, Array.from({ length: 100 }, (_, i) => i * 2 + 1).join());
    assert.equal(peakBefore, '100');
    assert.equal(peakAfter, '10');
  });

  it('unbounded-fan-out (CommonJS): chunks of 10 keep the results and their order, 10 in flight', () => {
    const code = [
      "const { lookup } = require('./lookup.cjs');",
      'async function resolveAll(ids) {',
      '  const values = await Promise.all(ids.map(async (id) => (await lookup(id)) + 1));',
      '  return values;',
      '}',
      'module.exports = { resolveAll };',
    ].join('\n');
    const lookup = [
      'const stats = { active: 0, peak: 0 };',
      'async function lookup(id) {',
      '  stats.active++;',
      '  stats.peak = Math.max(stats.peak, stats.active);',
      '  await new Promise((resolve) => setTimeout(resolve, 30 - (id % 30)));',
      '  stats.active--;',
      '  return id * 2;',
      '}',
      'module.exports = { lookup, stats };',
    ].join('\n');
    const main = [
      "const { stats } = require('./lookup.cjs');",
      "const { resolveAll } = require('./resolve.cjs');",
      'resolveAll(Array.from({ length: 100 }, (_, i) => i)).then((values) => console.log(values.join(), stats.peak));',
    ].join('\n');
    const after = fixed(
      'unbounded-fan-out',
      code,
      'src/resolve.cjs',
      'Process ids in chunks of 10 (tune it)',
    );
    const before = runNode(main, 'main.cjs', [], { 'resolve.cjs': code, 'lookup.cjs': lookup });
    const then = runNode(main, 'main.cjs', [], { 'resolve.cjs': after, 'lookup.cjs': lookup });
    assert.equal(before.status, 0, before.stderr);
    assert.equal(then.status, 0, then.stderr);
    const [valuesBefore, peakBefore] = before.stdout.trim().split(' ');
    const [valuesAfter, peakAfter] = then.stdout.trim().split(' ');
    assert.equal(valuesAfter, valuesBefore, 'same results in the same order');
    assert.equal(valuesBefore, Array.from({ length: 100 }, (_, i) => i * 2 + 1).join());
    assert.equal(peakBefore, '100');
    assert.equal(peakAfter, '10');
  });
});
