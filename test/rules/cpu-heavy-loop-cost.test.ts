// cpu-heavy-loop's cost and bound model (issue 13 item 5): loops whose trip count comes from
// request, event or stored data and whose body does real work; quadratic idioms; and the
// look-alikes real code is full of — configuration, OS lists, recursion stacks, one chunk, one
// cheap regex per element, time-sliced loops that reschedule themselves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsOf, lines } from '../helpers/analyze.js';

const RULE = 'cpu-heavy-loop';
const code = (...text: string[]) => text.join('\n');

describe('cpu-heavy-loop cost and bounds', () => {
  describe('invalid', () => {
    it('flags a bubble sort over a request body (`j < items.length - i - 1`)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.post('/sort', (req, res) => {",
          '  const items = req.body.items;',
          '  for (let i = 0; i < items.length; i++) {',
          '    for (let j = 0; j < items.length - i - 1; j++) {',
          '      if (items[j] > items[j + 1]) [items[j], items[j + 1]] = [items[j + 1], items[j]];',
          '    }',
          '  }',
          '  res.json(items);',
          '});',
        ),
      );
      assert.deepEqual(lines(findings), [3]);
    });

    it('flags a dedupe with `seen = []` and `includes` per search request', () => {
      const findings = findingsOf(
        RULE,
        code(
          "app.get('/search', async (req, res) => {",
          '  const hits = await index.search(req.query.q);',
          '  const seen = [];',
          '  for (const hit of hits) {',
          '    if (!seen.includes(hit.id)) seen.push(hit.id);',
          '  }',
          '  res.json(seen);',
          '});',
        ),
      );
      assert.deepEqual(lines(findings), [4]);
    });

    it('flags `filter` + `indexOf` over another array and the self-dedupe `indexOf(x) === i`', () => {
      const findings = findingsOf(
        RULE,
        code(
          'export function dedupe(results) {',
          '  return results.filter((r, i) => results.indexOf(r) === i);',
          '}',
          'export function common(a, b) {',
          '  return a.filter((x) => b.indexOf(x) !== -1);',
          '}',
          "app.get('/s', (req, res) => res.json(common(dedupe(req.body.a), req.body.b)));",
        ),
      );
      assert.deepEqual(lines(findings), [2, 5, 7]);
    });

    it('flags a loop over query keys that scans every stored record (a name declared in the body is not the element)', () => {
      const findings = findingsOf(
        RULE,
        code(
          "router.get('/:name', (req, res) => {",
          '  Object.keys(req.query).forEach((query) => {',
          '    const arr = db.get(req.params.name).value();',
          '    for (const i in arr) {',
          '      if (has(arr[i], query)) return;',
          '    }',
          '    delete req.query[query];',
          '  });',
          '});',
        ),
      );
      assert.deepEqual(lines(findings), [2]);
    });

    it('flags lodash loops over the database that build a RegExp per key', () => {
      const findings = findingsOf(
        RULE,
        code(
          'function getRemovable(db, opts) {',
          '  const removable = [];',
          '  _.each(db, (coll, collName) => {',
          '    _.each(coll, (doc) => {',
          '      _.each(doc, (value, key) => {',
          '        if (new RegExp(`${opts.foreignKeySuffix}$`).test(key)) removable.push({ collName, id: doc.id });',
          '      });',
          '    });',
          '  });',
          '  return removable;',
          '}',
          "app.delete('/:id', (req, res) => res.json(getRemovable(db.getState(), opts)));",
        ),
      );
      assert.deepEqual(lines(findings), [3, 12]);
    });

    it('flags a work loop that stops on a clock but never reschedules the rest', () => {
      const findings = findingsOf(
        RULE,
        code(
          "socket.on('message', (msg) => {",
          '  const start = Date.now();',
          '  while (Date.now() - start < 5000 && pending.length > 0) out.push(JSON.stringify(pending.shift()));',
          '});',
        ),
      );
      assert.deepEqual(lines(findings), [3]);
    });
  });

  describe('valid', () => {
    it('ignores a regex over the network interfaces', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import os from 'node:os';",
          "server.on('listening', () => {",
          '  const ifaces = os.networkInterfaces();',
          '  Object.keys(ifaces).forEach((dev) => {',
          '    ifaces[dev].forEach((details) => {',
          '      if (/^fe80/.test(details.address) || JSON.stringify(details).length > 0) print(details.address);',
          '    });',
          '  });',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it("ignores loops over configuration: a node's credential fields, configured servers, a template", () => {
      const findings = findingsOf(
        RULE,
        code(
          'function Node(config) {',
          "  this.on('input', (msg) => {",
          '    for (const field of Object.keys(this.credentials)) msg[field] = JSON.stringify(this.credentials[field]);',
          '    for (const server of this.config.servers) server.state = JSON.parse(server.raw);',
          '    for (const col of config.template) msg.payload.sort();',
          '  });',
          '}',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores the ancestor stack of a recursive clone (indexOf over the nesting depth)', () => {
      const findings = findingsOf(
        RULE,
        code(
          'function clone(value, stack) {',
          '  const copy = {};',
          '  for (const key of Object.keys(value)) {',
          '    if (stack.indexOf(value[key]) !== -1) continue;',
          '    copy[key] = clone(value[key], stack.concat([value]));',
          '  }',
          '  return copy;',
          '}',
          "app.post('/copy', (req, res) => res.json(clone(req.body, [])));",
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores the lines of one socket chunk and one regex per element', () => {
      const findings = findingsOf(
        RULE,
        code(
          "socket.on('data', (chunk) => {",
          "  for (const line of chunk.toString().split('\\n')) {",
          '    if (/^PING/.test(line)) socket.write(line.replace(/PING/, "PONG"));',
          '  }',
          '});',
          "app.get('/streams', (req, res) => {",
          '  res.json(sessions.filter((s) => /^live\\//.test(s.path)));',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores the files shipped next to the code', () => {
      const findings = findingsOf(
        RULE,
        code(
          "import fs from 'node:fs';",
          "app.get('/schemas', (req, res) => {",
          '  const all = [];',
          '  for (const file of fs.readdirSync(__dirname + "/schemas")) all.push(JSON.parse(read(file)));',
          '  res.json(all);',
          '});',
        ),
      );
      assert.deepEqual(findings, []);
    });

    it('ignores time-sliced loops that reschedule themselves (setImmediate, nextTick, a scheduler helper)', () => {
      const findings = findingsOf(
        RULE,
        code(
          'function next() {',
          '  const start = Date.now();',
          '  for (; i < rounds; ) {',
          '    i = i + 1;',
          '    digest.push(JSON.stringify(state));',
          '    if (Date.now() - start > MAX_EXECUTION_TIME) break;',
          '  }',
          '  if (i < rounds) nextTick(next);',
          '}',
          'function primeinc(num, maxBlockTime, callback) {',
          '  const start = Date.now();',
          '  do {',
          '    if (num.isProbablePrime(JSON.stringify(num))) return callback(null, num);',
          '  } while (Date.now() - start < maxBlockTime);',
          '  forge.util.setImmediate(() => primeinc(num, maxBlockTime, callback));',
          '}',
          "socket.on('data', (d) => { rounds = d.length; next(); primeinc(d, 10, cb); });",
        ),
      );
      assert.deepEqual(findings, []);
    });
  });
});
