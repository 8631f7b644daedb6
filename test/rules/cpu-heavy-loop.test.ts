import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFiles, explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'cpu-heavy-loop';
const code = (...lines: string[]) => lines.join('\n');

describe('cpu-heavy-loop', () => {
  describe('invalid', () => {
    it('flags nested loops over two request collections in an express handler', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import express from 'express';",
          'const app = express();',
          "app.post('/reconcile', (req, res) => {",
          '  const { payments, invoices } = req.body;',
          '  for (const payment of payments) {',
          '    for (const invoice of invoices) {',
          '      if (invoice.id === payment.invoiceId) invoice.paid = true;',
          '    }',
          '  }',
          '  res.json(invoices);',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['5:3']);
      assert.match(explained(findings[0]!), /`payments` and `invoices`/);
      assert.match(explained(findings[0]!), /POST \/reconcile/);
    });

    it('flags a join written with array methods (map + filter)', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function ordersByUser(db) {',
          "  const users = await db.query('select * from users');",
          "  const orders = await db.query('select * from orders');",
          '  return users.map((u) => ({ ...u, orders: orders.filter((o) => o.userId === u.id) }));',
          '}',
          "app.get('/report', async (req, res) => res.json(await ordersByUser(db)));",
        ),
      );
      assert.deepEqual(positions(findings), ['4:10', '6:55']);
    });

    it('flags a membership scan (ids.includes) inside a filter over data', () => {
      const findings = findingsOf(
        RULE,
        code(
          "router.post('/cart', (req, res) => {",
          '  const ids = req.body.ids;',
          '  const chosen = req.body.products.filter((p) => ids.includes(p.id));',
          '  res.json(chosen);',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['3:18']);
      assert.match(explained(findings[0]!), /ids\.includes\(\)/);
    });

    it('flags a triangular index loop (j < i)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "fastify.post('/dupes', async (request, reply) => {",
          '  const rows = request.body;',
          '  const dupes = [];',
          '  for (let i = 0; i < rows.length; i++) {',
          '    for (let j = 0; j < i; j++) if (rows[i].email === rows[j].email) dupes.push(rows[i]);',
          '  }',
          '  return dupes;',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['4:3']);
    });

    it('flags literal bounds at or above 1e6, and nested literal bounds whose product reaches it', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.get('/warm', (req, res) => {",
          '  let x = 0;',
          '  for (let i = 0; i < 1e7; i++) x += i;',
          '  for (let a = 0; a < 1000; a++) {',
          '    for (let b = 0; b < 1000; b++) x ^= a * b;',
          '  }',
          '  res.send(String(x));',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['3:3', '4:3']);
      assert.match(explained(findings[0]!), /10,000,000 iterations/);
      assert.match(explained(findings[1]!), /1,000,000 iterations/);
    });

    it('flags a literal bound given by a constant', () => {
      const findings = findingsOf(
        RULE,
        code(
          'const ITERATIONS = 5_000_000;',
          "queue.on('job', (job) => {",
          '  let h = 0;',
          '  for (let i = 0; i < ITERATIONS; i++) h = (h * 31 + job.id) | 0;',
          '  job.done(h);',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['4:3']);
    });

    it('flags busy-wait spins: while on a clock, and for (;;) with a clock break', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function handler(event, context) {',
          '  const end = Date.now() + 50;',
          '  while (Date.now() < end) {}',
          '  const t = performance.now() + 5;',
          '  for (;;) {',
          '    if (performance.now() > t) break;',
          '  }',
          '  return { statusCode: 204 };',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['3:3', '5:3']);
      assert.match(explained(findings[0]!), /Busy-wait/);
    });

    it('flags JSON.parse per line of an uploaded body (map callback and map(JSON.parse))', () => {
      const findings = findingsOf(
        RULE,
        code(
          "server.on('request', (req, res) => {",
          "  let body = '';",
          "  req.on('data', (c) => (body += c));",
          "  req.on('end', () => {",
          "    const a = body.split('\\n').map((line) => JSON.parse(line));",
          "    const b = body.split('\\n').map(JSON.parse);",
          '    res.end(String(a.length + b.length));',
          '  });',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['5:15', '6:15']);
      assert.match(explained(findings[0]!), /`JSON\.parse\(\)` runs once per element/);
    });

    it('flags JSON.stringify, sort, regex and hashing once per element of query results', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { createHash } from 'node:crypto';",
          'const EMAIL_RE = /^[^@]+@[^@]+$/;',
          'class ReportService {',
          '  async build(db) {',
          "    const rows = await db.query('select * from events');",
          '    for (const row of rows) row.json = JSON.stringify(row.payload);',
          '    for (const row of rows) row.tags = row.tags.sort();',
          '    const valid = rows.filter((row) => EMAIL_RE.test(row.email));',
          "    for (const row of rows) row.etag = createHash('sha1').update(row.json).digest('hex');",
          '    return valid;',
          '  }',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['6:5', '7:5', '8:19', '9:5']);
    });

    it('follows a helper called from a handler and reports at the call site too', () => {
      const findings = findingsOf(
        RULE,
        code(
          'function dedupe(items) {',
          '  return items.filter((x, i) => items.findIndex((y) => y.key === x.key) === i);',
          '}',
          "app.post('/import', (req, res) => res.json(dedupe(req.body.items)));",
        ),
        'src/routes.js',
      );
      assert.deepEqual(positions(findings), ['2:10', '4:44']);
      assert.match(explained(findings[0]!), /dedupe\(\), called from the `POST \/import` handler/);
    });

    it('flags a data-sized loop in a stream transform and a timer callback', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { Transform } from 'node:stream';",
          'export const toNdjson = new Transform({',
          '  objectMode: true,',
          '  transform(records, _enc, done) {',
          "    done(null, records.map((r) => JSON.stringify(r)).join('\\n'));",
          '  },',
          '});',
          'setInterval(() => {',
          '  for (const key of cache.keys()) snapshot[key] = structuredClone(cache.get(key));',
          '}, 60_000);',
        ),
      );
      assert.deepEqual(positions(findings), ['5:16', '9:3']);
    });
  });

  describe('valid', () => {
    it('ignores loops over literal arrays, slices, chunks that yield, and length-checked input', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { chunk } from 'lodash-es';",
          "app.post('/a', async (req, res) => {",
          '  const items = req.body.items;',
          "  for (const field of ['name', 'email']) items[0][field] = JSON.stringify(items[0][field]);",
          '  for (const x of items.slice(0, 20)) for (const y of items.slice(0, 20)) x.n += y.n;',
          '  for (const batch of chunk(items, 100)) {',
          '    for (const a of batch) for (const b of batch) a.k = JSON.stringify(b);',
          '    await db.insertMany(batch);',
          '  }',
          '  const ids = req.body.ids;',
          '  if (ids.length > 50) return res.status(400).end();',
          '  for (const id of ids) for (const other of ids) if (id === other) count++;',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('still flags a chunked loop that never yields: chunking alone does not free the event loop', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { chunk } from 'lodash-es';",
          "app.post('/a', (req, res) => {",
          '  for (const batch of chunk(req.body.items, 100)) for (const a of batch) a.k = JSON.stringify(a);',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['3:3']);
    });

    it('ignores a loop over each element’s own children (linear) and over schema-sized lists', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.post('/orders', (req, res) => {",
          '  let total = 0;',
          '  for (const order of req.body.orders) {',
          '    for (const item of order.items) total += item.price * item.qty;',
          '  }',
          '  const rows = req.body.rows;',
          '  const columns = Object.keys(rows[0] ?? {});',
          '  for (const row of rows) for (const column of columns) row[column] = String(row[column]).trim();',
          '  for (let i = 0; i < rows.length; i++) for (let j = 0; j < rows[i].cells.length; j++) total++;',
          '  res.json({ total });',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores loops whose body awaits each iteration', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.post('/sync', async (req, res) => {",
          '  for (const user of req.body.users) {',
          '    for (const group of req.body.groups) await db.link(user, group);',
          '  }',
          '  for (const line of req.body.lines) {',
          '    await writer.write(JSON.stringify(line));',
          '  }',
          '  for await (const chunk of req) hash.update(chunk);',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores start-up code: module top level and functions only called from it', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import routes from './routes.json' with { type: 'json' };",
          'const table = [];',
          'for (let i = 0; i < 1e6; i++) table.push(i * i);',
          'function buildIndex(list) {',
          '  for (const a of list) for (const b of list) if (a.path === b.parent) a.children.push(b);',
          '}',
          'buildIndex(routes);',
          'app.listen(3000);',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores worker files and isMainThread === false branches', () => {
      const worker = code(
        "import { parentPort } from 'node:worker_threads';",
        "parentPort!.on('message', ({ a, b }) => {",
        '  let n = 0;',
        '  for (const x of a) for (const y of b) if (x === y) n++;',
        '  parentPort!.postMessage(n);',
        '});',
      );
      assert.deepEqual(findingsOf(RULE, worker, 'src/match.ts'), []);
      const guarded = code(
        "const { isMainThread, parentPort, Worker } = require('worker_threads');",
        'if (!isMainThread) {',
        "  parentPort.on('message', (lines) => parentPort.postMessage(lines.map((l) => JSON.parse(l))));",
        '} else {',
        '  const w = new Worker(__filename);',
        "  w.on('error', console.error);",
        '}',
      );
      assert.deepEqual(findingsOf(RULE, guarded), []);
    });

    it('ignores task files that a piscina pool in another file runs', () => {
      const findings = analyzeFiles({
        'src/pool.ts': code(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: new URL('./tasks/score.js', import.meta.url).href });",
          "app.post('/score', async (req, res) => res.json(await pool.run(req.body)));",
        ),
        'src/tasks/score.ts': code(
          'export default function score({ users, items }) {',
          '  return users.map((u) => items.filter((i) => i.owner === u.id).length);',
          '}',
        ),
      }).filter((f) => f.ruleId === RULE);
      assert.deepEqual(findings, []);
    });

    it('ignores small literal bounds, bit walks and Math.min-capped loops', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.get('/b', (req, res) => {",
          '  for (let i = 0; i < 1000; i++) for (let j = 0; j < 10; j++) grid[i][j] = 0;',
          '  for (let flag = 1; flag <= 1 << 30; flag <<= 1) if (req.query.mask & flag) names.push(flag);',
          '  const n = Math.min(req.body.items.length, 100);',
          '  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pairs.push([i, j]);',
          '  for (let attempt = 0; attempt < maxRetries; attempt++) JSON.parse(req.body.raw);',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores time-budgeted work loops and heavy calls on the way out of a loop', () => {
      const findings = findingsOf(
        RULE,
        code(
          'setImmediate(function drain() {',
          '  const start = performance.now();',
          '  while (performance.now() - start < 10 && queue.length > 0) handle(queue.shift());',
          '  if (queue.length > 0) setImmediate(drain);',
          '});',
          "socket.on('data', (data) => {",
          '  for (const msg of parse(data)) {',
          '    if (!msg.id) {',
          "      log.warn('bad message ' + JSON.stringify(msg));",
          '      return;',
          '    }',
          '    dispatch(msg);',
          '  }',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores loops with cheap bodies and string searches for literals', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.post('/stats', (req, res) => {",
          '  let sum = 0;',
          '  for (const row of req.body.rows) sum += row.amount;',
          "  const comments = req.body.lines.filter((line) => line.startsWith('#') || line.includes('//'));",
          "  const keys = req.body.rows.map((r) => r.key.replace('-', '_'));",
          '  res.json({ sum, comments, keys });',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores look-alikes: local lookalike JSON, regex exec driving a while loop, async per-element callbacks', () => {
      const findings = findingsOf(
        RULE,
        code(
          'const JSON = { parse: (x) => x };',
          "app.post('/c', async (req, res) => {",
          '  for (const line of req.body.lines) JSON.parse(line);',
          '  const re = /\\w+/g;',
          '  let m;',
          '  while ((m = re.exec(req.body.text)) !== null) words.push(m[0]);',
          '  await Promise.all(req.body.ids.map(async (id) => { const row = await db.get(id); return JSON.parse(row.data); }));',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('stays quiet in tests and one-shot scripts by default', () => {
      const loop = code(
        'export async function run(rows) {',
        '  for (const a of rows) for (const b of rows) if (a.id === b.ref) a.n++;',
        '}',
      );
      assert.deepEqual(findingsOf(RULE, loop, 'test/join.test.ts'), []);
      assert.deepEqual(findingsOf(RULE, `#!/usr/bin/env node\n${loop}`, 'scripts/migrate.js'), []);
      assert.equal(
        findingsOf(RULE, loop, 'test/join.test.ts', { config: { mainThreadRulesInTests: true } }).length,
        1,
      );
    });

    it('honours ignore-next-line with a reason', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.post('/x', (req, res) => {",
          '  // concurrency-lens-ignore-next-line cpu-heavy-loop -- both lists are capped at 20 by the schema',
          '  for (const a of req.body.left) for (const b of req.body.right) if (a === b) res.write(a);',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });
  });
});
