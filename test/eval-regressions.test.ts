// Regression tests for engine and rule fixes found by the labelled evaluation (test/eval.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsOf, lines } from './helpers/analyze.js';

describe('evaluation regressions', () => {
  it('blocking-call: resolves compiled `__importDefault(require("fs"))` through `.default`', () => {
    const code = [
      '"use strict";',
      'const express_1 = __importDefault(require("express"));',
      'const fs_1 = __importDefault(require("fs"));',
      'const app = (0, express_1.default)();',
      "app.get('/d/:id', (req, res) => {",
      '  res.send(fs_1.default.readFileSync(`/data/${req.params.id}`));',
      '});',
      'app.listen(3000);',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/server.js')), [6]);
  });

  it("blocking-call: a process 'exit' listener is not run time (it runs once, as the process ends)", () => {
    const code = [
      "import { writeFileSync } from 'node:fs';",
      "process.on('exit', () => writeFileSync('/run/app.pid', ''));",
      "process.on('SIGUSR2', () => writeFileSync('/run/dump', ''));",
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code)), [3]);
  });

  it('blocking-call: SIGINT/SIGTERM/beforeExit listeners are shutdown, inline or passed by name', () => {
    const code = [
      "import { unlinkSync, writeFileSync } from 'node:fs';",
      "process.on('SIGINT', () => unlinkSync('/run/app.pid'));",
      "process.once('SIGTERM', shutdown);",
      "process.on('beforeExit', () => writeFileSync('/run/state', ''));",
      'function shutdown() {',
      "  unlinkSync('/run/app.sock');",
      '}',
      "process.on('SIGHUP', () => writeFileSync('/run/reloaded', ''));",
    ].join('\n');
    // SIGHUP reloads (configuration, logs) while the process keeps serving: still run time
    assert.deepEqual(lines(findingsOf('blocking-call', code)), [8]);
  });

  it("non-cloneable-message: Koa's one-parameter `(ctx) =>` middleware context is a request handle", () => {
    const code = [
      "import Koa from 'koa';",
      "import Piscina from 'piscina';",
      "const pool = new Piscina({ filename: 'task.js', maxQueue: 'auto' });",
      'const app = new Koa();',
      'app.use(async (ctx) => {',
      '  ctx.body = await pool.run({ ctx });',
      '});',
      'app.use(async (ctx) => {',
      '  ctx.body = await pool.run({ body: ctx.request.body });',
      '});',
      'export function helper(ctx: unknown) {',
      '  return pool.run({ ctx });',
      '}',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('non-cloneable-message', code)), [6]);
  });

  it('use-after-transfer: `view.buffer.detached` is a check, not a use', () => {
    const code = [
      "import { Worker } from 'node:worker_threads';",
      "const worker = new Worker('./w.js');",
      'export function send(frame: Uint8Array) {',
      '  worker.postMessage(frame, [frame.buffer]);',
      "  if (frame.buffer.detached) return 'moved';",
      '  return frame.buffer.byteLength;',
      '}',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('use-after-transfer', code)), [6]);
  });

  it('cpu-heavy-loop: a table of patterns tested against one string is not per-element data work', () => {
    const code = [
      "import express from 'express';",
      'const app = express();',
      'const stack: { regexp: RegExp; handle: Function }[] = [];',
      'const ignore: RegExp[] = [];',
      'app.use((req, res) => {',
      '  for (const layer of stack) {',
      '    if (layer.regexp.test(req.url)) return layer.handle(req, res);',
      '  }',
      '  if (ignore.some((re) => re.test(req.path))) return res.end();',
      '  res.json(req.body.entries.filter((e: { m: string }) => new RegExp(req.query.q as string).test(e.m)));',
      '});',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('cpu-heavy-loop', code)), [10]);
  });

  it('cpu-heavy-loop: reduce into a growing array that is searched per element is quadratic', () => {
    const code = [
      "import express from 'express';",
      'const app = express();',
      "app.post('/group', (req, res) => {",
      '  const rows: { k: string }[] = req.body.rows;',
      '  const groups = rows.reduce<{ k: string; n: number }[]>((acc, row) => {',
      '    const g = acc.find((x) => x.k === row.k);',
      '    if (g) g.n++;',
      '    else acc.push({ k: row.k, n: 1 });',
      '    return acc;',
      '  }, []);',
      '  const total = rows.reduce((sum, row) => sum + row.k.length, 0);',
      '  res.json({ groups, total });',
      '});',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('cpu-heavy-loop', code)), [5]);
  });

  it("unbounded-queue-option: a feed of a same-named pool in another function is not this pool's feed", () => {
    const code = [
      "import Fastify from 'fastify';",
      "import Tinypool from 'tinypool';",
      'const fastify = Fastify();',
      'fastify.register(async (instance) => {',
      "  const pool = new Tinypool({ filename: 'plugin.js' });",
      "  instance.decorate('pool', pool);",
      '});',
      "fastify.post('/x', async (request) => {",
      "  const pool = new Tinypool({ filename: 'x.js' });",
      '  return pool.run(request.body);',
      '});',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('unbounded-queue-option', code)), [9]);
  });
});
