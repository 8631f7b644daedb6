import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explained, findingsOf, positions } from '../helpers/analyze.js';

const RULE = 'unbounded-fan-out';
const code = (...lines: string[]) => lines.join('\n');

describe('unbounded-fan-out', () => {
  describe('invalid', () => {
    it('flags Promise.all over req.body.users.map(async …) in an express handler', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import express from 'express';",
          'const app = express();',
          "app.post('/notify', async (req, res) => {",
          '  await Promise.all(req.body.users.map(async (user) => {',
          '    await sendEmail(user.email);',
          '  }));',
          '  res.sendStatus(204);',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['4:9']);
      assert.match(
        explained(findings[0]!),
        /`Promise\.all` starts `sendEmail\(\)` for every element of `req\.body\.users`/,
      );
    });

    it('flags a non-async callback that returns a request (fetch, query, fs)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { readFile } from 'node:fs/promises';",
          'export async function load(urls, ids, paths) {',
          '  const pages = await Promise.all(urls.map((u) => fetch(u).then((r) => r.text())));',
          "  const rows = await Promise.allSettled(ids.map((id) => pool.query('select * from t where id = $1', [id])));",
          "  const files = await Promise.all(paths.map((p) => readFile(p, 'utf8')));",
          '  return { pages, rows, files };',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['3:23', '4:22', '5:23']);
      assert.match(explained(findings[0]!), /`fetch\(\)`/);
    });

    it('flags a function reference as the callback: items.map(loadUser)', () => {
      const findings = findingsOf(
        RULE,
        code('export async function hydrate(userIds) {', '  return Promise.all(userIds.map(loadUser));', '}'),
      );
      assert.deepEqual(positions(findings), ['2:10']);
    });

    it('flags the promises array built with map first and awaited later', () => {
      const findings = findingsOf(
        RULE,
        code(
          "queue.on('message', async (msg) => {",
          '  const uploads = msg.files.map((f) => s3.upload({ Key: f.name, Body: f.data }).promise());',
          '  await Promise.all(uploads);',
          '});',
        ),
      );
      assert.deepEqual(positions(findings), ['3:9']);
    });

    it('flags an array of promises filled by push in a loop over data', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function importOrders(orders) {',
          '  const inserts = [];',
          "  for (const order of orders) inserts.push(db.insert('orders', order));",
          '  await Promise.allSettled(inserts);',
          '  const pings = [];',
          '  orders.forEach((o) => pings.push(notify(o.customer)));',
          '  await Promise.all(pings);',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['4:9', '7:9']);
    });

    it('flags Promise.race / Promise.any and Array.from(items, async …)', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function fastest(mirrors, keys) {',
          '  const first = await Promise.any(mirrors.map((m) => fetch(m.url)));',
          '  const winner = await Promise.race(mirrors.map(async (m) => ping(m)));',
          '  const values = await Promise.all(Array.from(keys, async (k) => redis.get(k)));',
          '  return { first, winner, values };',
          '}',
        ),
      );
      assert.deepEqual(positions(findings), ['2:23', '3:24', '4:24']);
    });

    it('flags fan-out in worker files and start-up code too: the cost is memory and sockets', () => {
      const worker = code(
        "import { parentPort } from 'node:worker_threads';",
        "parentPort!.on('message', async (urls: string[]) => {",
        '  parentPort!.postMessage(await Promise.all(urls.map((u) => fetch(u))));',
        '});',
      );
      assert.deepEqual(positions(findingsOf(RULE, worker, 'src/crawl.worker.ts')), ['3:33']);
      const startup = code(
        "import { readdir, readFile } from 'node:fs/promises';",
        "const files = await readdir('templates');",
        "const templates = await Promise.all(files.map((f) => readFile('templates/' + f, 'utf8')));",
      );
      assert.deepEqual(positions(findingsOf(RULE, startup, 'src/templates.mjs')), ['3:25']);
    });

    it('flags Bluebird.all the same way, and stays after a .filter(Boolean)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import Promise from 'bluebird';",
          'export const saveAll = (docs) => Promise.all(docs.map((d) => d.save()).filter(Boolean));',
        ),
      );
      assert.deepEqual(positions(findings), ['2:34']);
    });
  });

  describe('valid', () => {
    it('ignores callbacks wrapped in p-limit', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import pLimit from 'p-limit';",
          'const limit = pLimit(8);',
          "app.post('/notify', async (req, res) => {",
          '  await Promise.all(req.body.users.map((u) => limit(() => sendEmail(u.email))));',
          '  await Promise.all(req.body.users.map(async (u) => limit(async () => { await sendEmail(u.email); })));',
          '  res.end();',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores p-queue add, Bottleneck schedule/wrap, semaphores and worker pools', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import PQueue from 'p-queue';",
          "import Bottleneck from 'bottleneck';",
          "import { Sema } from 'async-sema';",
          'const queue = new PQueue({ concurrency: 4 });',
          'const limiter = new Bottleneck({ maxConcurrent: 2 });',
          'const limitedFetch = limiter.wrap(fetch);',
          'const sema = new Sema(5);',
          'export async function run(items, pool) {',
          '  await Promise.all(items.map((i) => queue.add(() => process(i))));',
          '  await Promise.all(items.map((i) => limiter.schedule(() => fetch(i.url))));',
          '  await Promise.all(items.map(limitedFetch));',
          '  await Promise.all(items.map(async (i) => {',
          '    await sema.acquire();',
          '    try { await fetch(i.url); } finally { sema.release(); }',
          '  }));',
          '  await Promise.all(items.map((i) => pool.run(i)));',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores p-map with concurrency and async.mapLimit (not a bare Promise.all)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import pMap from 'p-map';",
          "import async from 'async';",
          'export async function run(urls) {',
          '  const a = await pMap(urls, (u) => fetch(u), { concurrency: 10 });',
          '  const b = await async.mapLimit(urls, 5, async (u) => fetch(u));',
          '  return [a, b];',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores bounded collections: literals, slices, chunks, length checks, Array.from({ length })', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import { chunk } from 'lodash-es';",
          "app.get('/dash', async (req, res) => {",
          "  const [a, b] = await Promise.all(['users', 'orders'].map((t) => db.count(t)));",
          '  const top = await Promise.all(req.body.ids.slice(0, 10).map((id) => loadUser(id)));',
          '  for (const batch of chunk(req.body.ids, 25)) await Promise.all(batch.map((id) => loadUser(id)));',
          '  for (let i = 0; i < req.body.ids.length; i += 25) {',
          '    await Promise.all(req.body.ids.slice(i, i + 25).map((id) => loadUser(id)));',
          '  }',
          '  const ids = req.body.ids;',
          '  if (ids.length > 100) return res.status(413).end();',
          '  await Promise.all(ids.map((id) => loadUser(id)));',
          '  const queue = [...req.body.jobs];',
          '  await Promise.all(Array.from({ length: 4 }, async () => { while (queue.length) await run(queue.shift()); }));',
          '  res.json({ a, b, top });',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores a small fixed set of different calls', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function profile(id) {',
          '  const [user, orders, prefs] = await Promise.all([loadUser(id), loadOrders(id), loadPrefs(id)]);',
          '  return { user, orders, prefs };',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores maps that only pass on existing promises or call registered listeners', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export class Emitter {',
          '  async emit(event, payload) {',
          '    await Promise.all(this.listeners(event).map((listener) => listener(payload)));',
          '    await Promise.all(this.handlers.map((h) => h.handle(payload)));',
          '    const settled = await Promise.allSettled(this.pending.map((p) => p.catch(() => undefined)));',
          '    await Promise.all(this.inflight.map((task) => task.promise));',
          '    return settled;',
          '  }',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores shutdown of owned resources (close, terminate, destroy)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "process.once('SIGTERM', async () => {",
          '  await Promise.all(connections.map((c) => c.close()));',
          '  await Promise.all(threads.map(async (t) => { await t.terminate(); }));',
          '  process.exit(0);',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores a loop that awaits each element before pushing the next', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function copy(items) {',
          '  const results = [];',
          '  for (const item of items) {',
          '    const data = await read(item);',
          '    results.push(write(item, data));',
          '  }',
          '  await Promise.all(results);',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores a local Promise look-alike and maps with no async work', () => {
      const findings = findingsOf(
        RULE,
        code(
          'const Promise = { all: (xs) => xs };',
          'export const names = (users) => Promise.all(users.map((u) => u.name));',
          'export const sync = async (users) => globalThis.Promise.all(users.map((u) => u.name));',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores test files', () => {
      const findings = findingsOf(
        RULE,
        code(
          "it('loads users', async () => {",
          "  await Promise.all(fixtures.users.map((u) => request(app).get('/users/' + u.id)));",
          '});',
        ),
        'test/users.test.ts',
      );
      assert.deepEqual(findings, []);
    });

    it('honours ignore-next-line', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export async function warm(shards) {',
          '  // concurrency-lens-ignore-next-line unbounded-fan-out -- at most 4 shards',
          '  await Promise.all(shards.map((s) => s.connect()));',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });
  });
});
