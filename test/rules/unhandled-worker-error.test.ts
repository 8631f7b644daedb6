import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFiles, explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'unhandled-worker-error';

describe('unhandled-worker-error', () => {
  describe('invalid', () => {
    it('flags a worker that only listens for messages', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "const worker = new Worker('./resize.js');",
        "worker.on('message', (result) => console.log(result));",
        'worker.postMessage({ width: 100 });',
      ].join('\n');
      const findings = findingsOf(RULE, code);
      assert.deepEqual(positions(findings), ['2:16']);
      assert.equal(findings[0]!.ruleId, RULE);
      assert.match(explained(findings[0]!), /crashes the main process/);
      assert.match(explained(findings[0]!), /piscina/);
    });

    it('flags the promise-per-task wrapper that resolves on message and never rejects', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        'function runTask(data) {',
        '  return new Promise((resolve) => {',
        "    const worker = new Worker(__dirname + '/task.js', { workerData: data });",
        "    worker.on('message', resolve);",
        '  });',
        '}',
        "app.post('/jobs', async (req, res) => res.json(await runTask(req.body)));",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/jobs.js')), ['4:20']);
    });

    it('flags chained listeners without error or exit, and discarded workers', () => {
      const code = [
        "import { Worker } from 'worker_threads';",
        "new Worker(new URL('./tick.js', import.meta.url)).on('message', console.log).on('online', () => {});",
        "new Worker('./fire-and-forget.js');",
        "new Worker('./post.js').postMessage('go');",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/app.mjs')), ['2:1', '3:1', '4:1']);
    });

    it('resolves aliased, namespace and member imports', () => {
      const code = [
        "import { Worker as Thread } from 'node:worker_threads';",
        "import * as wt from 'worker_threads';",
        "const Native = require('worker_threads').Worker;",
        "const a = new Thread('./a.js');",
        "const b = new wt.Worker('./b.js');",
        "const c = new Native('./c.js');",
        "const d = new (require('node:worker_threads').Worker)('./d.js');",
        "a.on('message', () => {}); b.on('online', () => {}); c.unref(); d.ref();",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code)), ['4:11', '5:11', '6:11', '7:11']);
    });

    it('checks each worker variable in its own scope', () => {
      const code = [
        "const { Worker } = require('node:worker_threads');",
        'function good() {',
        "  const worker = new Worker('./a.js');",
        "  worker.on('error', (err) => console.error(err));",
        '}',
        'function bad() {',
        "  const worker = new Worker('./b.js');",
        "  worker.on('message', console.log);",
        '}',
        'good(); bad();',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/two.js')), ['7:18']);
    });

    it('flags a worker kept in a field when the file only listens to the process and to streams', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "import { createReadStream } from 'node:fs';",
        'export class Thumbnailer {',
        '  private worker: Worker;',
        '  constructor() {',
        "    this.worker = new Worker(new URL('./thumb.js', import.meta.url));",
        "    this.worker.on('message', (m) => this.done(m));",
        '  }',
        '  done(m: unknown) {}',
        '  feed(path: string) {',
        '    const input = createReadStream(path);',
        "    input.on('error', (err) => console.error(err));",
        '  }',
        '}',
        "process.on('exit', () => console.log('bye'));",
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/thumbnailer.ts')), ['6:19']);
    });

    it('flags workers created in a loop and pushed into an array nobody listens to', () => {
      const code = [
        "import os from 'node:os';",
        "import { Worker } from 'node:worker_threads';",
        'const workers = [];',
        'for (let i = 0; i < os.availableParallelism(); i++) {',
        "  workers.push(new Worker('./hash-worker.js'));",
        '}',
        'export const hash = (pw) => workers[0].postMessage(pw);',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/hash-pool.js')), ['5:16']);
    });

    it('flags a worker started in a request handler with only a message listener', () => {
      const code = [
        "import express from 'express';",
        "import { Worker } from 'node:worker_threads';",
        'const app = express();',
        "app.get('/report', (req, res) => {",
        "  const w = new Worker('./report.js', { workerData: req.query });",
        "  w.once('message', (pdf) => res.send(pdf));",
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code)), ['5:13']);
    });

    it('flags an unhandled worker in a worker file too', () => {
      const code = [
        "const { Worker, parentPort } = require('worker_threads');",
        "parentPort.on('message', (job) => {",
        "  const child = new Worker('./sub-task.js', { workerData: job });",
        "  child.on('message', (r) => parentPort.postMessage(r));",
        '});',
      ].join('\n');
      assert.deepEqual(positions(findingsOf(RULE, code, 'src/worker.js')), ['3:17']);
    });
  });

  describe('valid', () => {
    it('accepts on/once/addListener/addEventListener for error or exit', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "const a = new Worker('./a.js');",
        "a.on('error', (err) => console.error(err));",
        "const b = new Worker('./b.js');",
        "b.once('exit', (code) => console.log(code));",
        "const c = new Worker('./c.js');",
        "c.addListener('error', () => {});",
        "const d = new Worker('./d.js');",
        "d.addEventListener('error', () => {});",
        "const e = new Worker('./e.js');",
        "e.prependListener('exit', () => {});",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('accepts the promise wrapper that rejects on error and exit', () => {
      const code = [
        "const { Worker } = require('node:worker_threads');",
        'module.exports = function runService(workerData) {',
        '  return new Promise((resolve, reject) => {',
        "    const worker = new Worker('./service.js', { workerData });",
        "    worker.on('message', resolve);",
        "    worker.on('error', reject);",
        "    worker.on('exit', (code) => {",
        '      if (code !== 0) reject(new Error("Worker stopped with exit code " + code));',
        '    });',
        '  });',
        '};',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/service.js'), []);
    });

    it('accepts chained error listeners', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "const w = new Worker('./w.js').on('message', console.log).on('error', console.error);",
        "new Worker('./x.js').once('exit', () => process.exit(1));",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('accepts events.once / on(worker, ...) waiting for exit or error', () => {
      const code = [
        "import { once } from 'node:events';",
        "import events from 'node:events';",
        "import { Worker } from 'node:worker_threads';",
        'export async function run(file: string) {',
        '  const worker = new Worker(file);',
        "  const [code] = await once(worker, 'exit');",
        '  return code;',
        '}',
        'export async function run2(file: string) {',
        '  const worker = new Worker(file);',
        "  await Promise.race([events.once(worker, 'message'), events.once(worker, 'error')]);",
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('accepts a worker passed to a function in the file that attaches the listeners', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        'function supervise(worker, onCrash) {',
        "  worker.on('error', onCrash);",
        "  worker.on('exit', (code) => code !== 0 && onCrash(new Error('exit ' + code)));",
        '}',
        'function start() {',
        "  const worker = new Worker(require.resolve('./worker'));",
        '  supervise(worker, () => setTimeout(start, 1000));',
        '  return worker;',
        '}',
        'start();',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/supervisor.js'), []);
    });

    it('accepts a worker kept in a field whose listeners are attached by other methods (piscina style)', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        'export class WorkerInfo {',
        '  worker: Worker;',
        '  constructor(filename: string) {',
        '    this.worker = new Worker(filename);',
        '  }',
        '  onWorkerError(handler: (err: Error) => void): void {',
        "    this.worker.on('error', handler);",
        '  }',
        '  onWorkerExit(handler: (code: number) => void): void {',
        "    this.worker.on('exit', handler);",
        '  }',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/worker-info.ts'), []);
    });

    it('accepts a fixed pool whose workers get listeners in a loop', () => {
      const code = [
        "import os from 'node:os';",
        "import { Worker } from 'node:worker_threads';",
        'const workers: Worker[] = [];',
        'for (let i = 0; i < os.availableParallelism(); i++) {',
        "  workers.push(new Worker('./hash-worker.js'));",
        '}',
        'for (const worker of workers) {',
        "  worker.on('error', (err) => console.error('hash worker failed', err));",
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/hash-pool.ts'), []);
    });

    it('accepts a factory whose caller in the same file attaches the listeners', () => {
      const code = [
        "const { Worker } = require('worker_threads');",
        "const createWorker = () => new Worker(__dirname + '/render.js');",
        'let worker = createWorker();',
        "worker.on('exit', () => { worker = createWorker(); });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/render-host.js'), []);
    });

    it('accepts listeners registered for a computed list of events', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        "const worker = new Worker('./w.js');",
        "for (const event of ['error', 'exit']) worker.on(event, () => restart());",
        'function restart() {}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('ignores lookalike Worker classes: local classes, web workers, bullmq', () => {
      const local = [
        'class Worker { constructor(readonly name: string) {} }',
        "const w = new Worker('local');",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, local), []);
      const web = ["const w = new Worker('/sw.js');", "w.postMessage('hi');"].join('\n');
      assert.deepEqual(findingsOf(RULE, web, 'src/browser.ts'), []);
      const bull = [
        "import { Worker } from 'bullmq';",
        "const worker = new Worker('emails', async (job) => send(job.data), { connection });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, bull), []);
    });

    it('accepts a worker handed back to the caller when the file supervises stored workers', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        'export class Pool {',
        '  private readonly workers = new Set<Worker>();',
        '  add(file: string): Worker {',
        '    const worker = new Worker(file);',
        '    this.track(worker);',
        '    return worker;',
        '  }',
        '  private track(worker: Worker) {',
        '    this.workers.add(worker);',
        "    worker.once('exit', () => this.workers.delete(worker));",
        '  }',
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code, 'src/pool.ts'), []);
    });

    it('honours ignore-next-line', () => {
      const code = [
        "import { Worker } from 'node:worker_threads';",
        '// concurrency-lens-ignore-next-line unhandled-worker-error -- supervised by the process manager',
        "new Worker('./daemon.js');",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
      const all = analyzeFiles({ 'src/app.ts': code }, { includeSuppressed: true }).filter(
        (f) => f.ruleId === RULE,
      );
      assert.equal(all[0]?.suppressed?.kind, 'next-line');
    });
  });
});
