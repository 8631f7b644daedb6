import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFiles, explained, findingsOf, lines, positions } from '../helpers/analyze.js';

const RULE = 'blocking-call';

describe('blocking-call', () => {
  describe('invalid', () => {
    it('flags pbkdf2Sync inside an express handler', () => {
      const code = [
        "import crypto from 'node:crypto';",
        "import express from 'express';",
        'const app = express();',
        "app.post('/login', (req, res) => {",
        "  const hash = crypto.pbkdf2Sync(req.body.password, 'salt', 100000, 64, 'sha512');",
        '  res.send(hash);',
        '});',
      ].join('\n');
      const findings = findingsOf(RULE, code);
      assert.deepEqual(positions(findings), ['5:16']);
      assert.match(explained(findings[0]!), /crypto\.pbkdf2Sync\(\)/);
      assert.match(explained(findings[0]!), /POST \/login/);
    });

    it('follows a named helper called from a handler and reports at both places', () => {
      const code = [
        "const { pbkdf2Sync } = require('crypto');",
        'function hashPassword(pw) {',
        "  return pbkdf2Sync(pw, 'salt', 1e5, 64, 'sha512');",
        '}',
        "server.on('request', (req, res) => {",
        '  res.end(hashPassword(req.url));',
        '});',
      ].join('\n');
      const findings = findingsOf(RULE, code, 'src/server.js');
      assert.deepEqual(positions(findings), ['3:10', '6:11']);
      assert.match(
        explained(findings.find((f) => f.range.start.line === 3)!),
        /hashPassword\(\), called from the `'request'` event handler/,
      );
    });

    it('resolves aliased, namespace and member requires with node: prefixes', () => {
      const code = [
        "import * as fs from 'node:fs';",
        "import { execSync as run } from 'child_process';",
        "const gzip = require('zlib').gzipSync;",
        'export async function handle(body) {',
        "  fs.readFileSync('/etc/hosts');",
        "  run('ls');",
        '  gzip(body);',
        '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
        '}',
      ].join('\n');
      assert.deepEqual(lines(findingsOf(RULE, code)), [5, 6, 7, 8]);
    });

    it('flags timers, promise callbacks and class methods', () => {
      const code = [
        "import { readFileSync } from 'fs';",
        "setInterval(() => readFileSync('a'), 1000);",
        "app.get('/b', () => fetchThing().then(() => readFileSync('b')));",
        'class Service {',
        "  render() { return readFileSync('c'); }",
        '}',
      ].join('\n');
      assert.deepEqual(lines(findingsOf(RULE, code)), [2, 3, 5]);
    });

    it('follows an exported helper into the file that calls it from a handler', () => {
      const findings = analyzeFiles({
        'src/auth.ts': [
          "import { scryptSync } from 'node:crypto';",
          'export function hash(pw: string) {',
          "  return scryptSync(pw, 'salt', 64);",
          '}',
        ].join('\n'),
        'src/routes.ts': [
          "import { hash } from './auth.js';",
          "app.post('/signup', (req, res) => { res.json(hash(req.body.pw)); });",
        ].join('\n'),
      }).filter((f) => f.ruleId === RULE);
      assert.deepEqual(findings.map((f) => `${f.file}:${f.range.start.line}`).sort(), [
        'src/auth.ts:3',
        'src/routes.ts:2',
      ]);
      // one finding per root cause: the blocking call says where from; the call site is an info
      const root = findings.find((f) => f.file === 'src/auth.ts')!;
      assert.equal(root.severity, 'warning');
      assert.match(root.message, /POST \/signup/);
      assert.match(root.message, /hash\(\)/);
      assert.deepEqual(
        root.related?.map((r) => `${r.file}:${r.range.start.line}`),
        ['/project/src/routes.ts:2'],
      );
      const atCallSite = findings.find((f) => f.file === 'src/routes.ts')!;
      assert.equal(atCallSite.severity, 'info');
      assert.equal(atCallSite.callSiteOf?.range.start.line, 3);
      assert.match(atCallSite.message, /hash\(\)/);
    });
  });

  describe('valid', () => {
    it('ignores start-up code at module top level, top-level IIFEs and start-up functions', () => {
      const code = [
        "import { readFileSync } from 'node:fs';",
        "const config = JSON.parse(readFileSync('config.json', 'utf8'));",
        '(() => {',
        "  readFileSync('x');",
        '})();',
        'function loadTemplates() {',
        "  return ['a', 'b'].map((f) => readFileSync(f));",
        '}',
        'const templates = loadTemplates();',
        'async function main() {',
        "  const key = readFileSync('key.pem');",
        '  app.listen(3000);',
        '}',
        'main();',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('ignores worker files and isMainThread === false branches', () => {
      const worker = [
        "import { parentPort } from 'node:worker_threads';",
        "import { pbkdf2Sync } from 'node:crypto';",
        "parentPort!.on('message', (pw) => parentPort!.postMessage(pbkdf2Sync(pw, 's', 1e5, 64, 'sha512')));",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, worker, 'src/hash.ts'), []);
      const guarded = [
        "const { isMainThread, parentPort, Worker } = require('worker_threads');",
        "const { pbkdf2Sync } = require('crypto');",
        'if (isMainThread) {',
        '  const w = new Worker(__filename);',
        "  w.on('error', console.error);",
        '} else {',
        "  parentPort.on('message', (pw) => parentPort.postMessage(pbkdf2Sync(pw, 's', 1, 64, 'sha512')));",
        '}',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, guarded), []);
    });

    it('ignores files another file runs as a worker', () => {
      const findings = analyzeFiles({
        'src/pool.ts': [
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: new URL('./tasks/resize.js', import.meta.url).href });",
          "app.post('/resize', async (req, res) => res.send(await pool.run(req.body)));",
        ].join('\n'),
        'src/tasks/resize.ts': [
          "import { gzipSync } from 'node:zlib';",
          'export default async function (data) { return gzipSync(data); }',
        ].join('\n'),
      }).filter((f) => f.ruleId === RULE);
      assert.deepEqual(findings, []);
    });

    it('ignores callbacks of unknown functions called at start-up and set-up methods', () => {
      const code = [
        "import { readFileSync } from 'node:fs';",
        "withRetry(() => readFileSync('a'));",
        'class Config {',
        "  load() { return readFileSync('config.json'); }",
        '}',
        'const config = new Config();',
        'config.load();',
        'const sys = { readFile(p) { return readFileSync(p); } };',
        "const raw = sys.readFile('x');",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('ignores shadowed names and lookalike APIs', () => {
      const code = [
        "import { readFileSync } from 'node:fs';",
        "app.get('/a', (req, res) => {",
        '  const readFileSync = (x) => x;',
        "  readFileSync('shadowed');",
        '});',
        "app.get('/b', (req, res, fs) => { fs.readFileSync('param'); });",
        "app.get('/c', async (req, res) => { await fs.promises.readFile('x'); });",
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
    });

    it('stays quiet in tests and one-shot scripts by default', () => {
      const code =
        "import { execSync } from 'child_process';\nasync function run() { execSync('git status'); }\nrun().catch(() => {});\nexport async function other() { execSync('ls'); }";
      assert.deepEqual(findingsOf(RULE, code, 'test/app.test.ts'), []);
      assert.deepEqual(findingsOf(RULE, `#!/usr/bin/env node\n${code}`, 'scripts/release.js'), []);
      assert.equal(
        findingsOf(RULE, code, 'test/app.test.ts', { config: { mainThreadRulesInTests: true } }).length,
        1,
      );
    });

    it('honours ignore-next-line and ignore-file comments', () => {
      const code = [
        "import { readFileSync } from 'node:fs';",
        "app.get('/a', (req, res) => {",
        '  // concurrency-lens-ignore-next-line blocking-call -- tiny file, cached by the OS',
        "  readFileSync('x');",
        '});',
      ].join('\n');
      assert.deepEqual(findingsOf(RULE, code), []);
      const suppressed = findingsOf(RULE, code, 'src/app.ts', { includeSuppressed: true });
      assert.equal(suppressed[0]?.suppressed?.kind, 'next-line');
      assert.equal(suppressed[0]?.suppressed?.justification, 'tiny file, cached by the OS');
    });
  });
});
