// blocking-call: valid and invalid cases.
// One case per snippet (RuleTester: test/helpers/rule-tester.ts); shared snippets live in
// test/rules/fixtures/blocking-call/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lines, ruleTester } from '../helpers/rule-tester.js';

const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, 'fixtures', 'blocking-call', name), 'utf8');

ruleTester('blocking-call', {
  valid: [
    {
      name: 'ignores start-up code at module top level, top-level IIFEs and start-up functions',
      code: lines(
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
      ),
    },
    {
      name: 'ignores worker files and isMainThread === false branches',
      code: lines(
        "import { parentPort } from 'node:worker_threads';",
        "import { pbkdf2Sync } from 'node:crypto';",
        "parentPort!.on('message', (pw) => parentPort!.postMessage(pbkdf2Sync(pw, 's', 1e5, 64, 'sha512')));",
      ),
      filename: 'src/hash.ts',
    },
    {
      name: 'ignores worker files and isMainThread === false branches (2)',
      code: lines(
        "const { isMainThread, parentPort, Worker } = require('worker_threads');",
        "const { pbkdf2Sync } = require('crypto');",
        'if (isMainThread) {',
        '  const w = new Worker(__filename);',
        "  w.on('error', console.error);",
        '} else {',
        "  parentPort.on('message', (pw) => parentPort.postMessage(pbkdf2Sync(pw, 's', 1, 64, 'sha512')));",
        '}',
      ),
    },
    {
      name: 'ignores files another file runs as a worker',
      code: lines(
        "import { gzipSync } from 'node:zlib';",
        'export default async function (data) { return gzipSync(data); }',
      ),
      filename: 'src/tasks/resize.ts',
      files: {
        'src/pool.ts': lines(
          "import Piscina from 'piscina';",
          "const pool = new Piscina({ filename: new URL('./tasks/resize.js', import.meta.url).href });",
          "app.post('/resize', async (req, res) => res.send(await pool.run(req.body)));",
        ),
      },
    },
    {
      name: 'ignores callbacks of unknown functions called at start-up and set-up methods',
      code: lines(
        "import { readFileSync } from 'node:fs';",
        "withRetry(() => readFileSync('a'));",
        'class Config {',
        "  load() { return readFileSync('config.json'); }",
        '}',
        'const config = new Config();',
        'config.load();',
        'const sys = { readFile(p) { return readFileSync(p); } };',
        "const raw = sys.readFile('x');",
      ),
    },
    {
      name: 'ignores shadowed names and lookalike APIs',
      code: lines(
        "import { readFileSync } from 'node:fs';",
        "app.get('/a', (req, res) => {",
        '  const readFileSync = (x) => x;',
        "  readFileSync('shadowed');",
        '});',
        "app.get('/b', (req, res, fs) => { fs.readFileSync('param'); });",
        "app.get('/c', async (req, res) => { await fs.promises.readFile('x'); });",
      ),
    },
    {
      name: 'stays quiet in tests and one-shot scripts by default',
      code: fixture('01-app.test.ts'),
      filename: 'test/app.test.ts',
    },
    {
      name: 'stays quiet in tests and one-shot scripts by default (2)',
      code: lines(
        '#!/usr/bin/env node',
        "import { execSync } from 'child_process';",
        "async function run() { execSync('git status'); }",
        'run().catch(() => {});',
        "export async function other() { execSync('ls'); }",
      ),
      filename: 'scripts/release.js',
    },
    {
      name: 'honours ignore-next-line and ignore-file comments',
      code: fixture('02-app.ts'),
    },
  ],
  invalid: [
    {
      name: 'flags pbkdf2Sync inside an express handler',
      code: lines(
        "import crypto from 'node:crypto';",
        "import express from 'express';",
        'const app = express();',
        "app.post('/login', (req, res) => {",
        "  const hash = crypto.pbkdf2Sync(req.body.password, 'salt', 100000, 64, 'sha512');",
        '  res.send(hash);',
        '});',
      ),
      errors: [
        {
          messageId: 'blocking',
          line: 5,
          column: 16,
          endLine: 5,
          endColumn: 82,
          data: {
            api: 'crypto.pbkdf2Sync()',
            alternative: '`crypto.pbkdf2()` (runs on the libuv thread pool)',
          },
        },
      ],
    },
    {
      name: 'follows a named helper called from a handler and reports at both places',
      code: lines(
        "const { pbkdf2Sync } = require('crypto');",
        'function hashPassword(pw) {',
        "  return pbkdf2Sync(pw, 'salt', 1e5, 64, 'sha512');",
        '}',
        "server.on('request', (req, res) => {",
        '  res.end(hashPassword(req.url));',
        '});',
      ),
      filename: 'src/server.js',
      errors: [
        {
          messageId: 'blocking',
          line: 3,
          column: 10,
          endLine: 3,
          endColumn: 51,
          data: {
            api: 'crypto.pbkdf2Sync()',
            alternative: '`crypto.pbkdf2()` (runs on the libuv thread pool)',
          },
        },
        {
          messageId: 'callSite',
          line: 6,
          column: 11,
          endLine: 6,
          endColumn: 32,
          data: { call: 'hashPassword()', at: 'line 3' },
          severity: 'info',
        },
      ],
    },
    {
      name: 'resolves aliased, namespace and member requires with node: prefixes',
      code: lines(
        "import * as fs from 'node:fs';",
        "import { execSync as run } from 'child_process';",
        "const gzip = require('zlib').gzipSync;",
        'export async function handle(body) {',
        "  fs.readFileSync('/etc/hosts');",
        "  run('ls');",
        '  gzip(body);',
        '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
        '}',
      ),
      errors: [
        {
          messageId: 'blocking',
          line: 5,
          column: 3,
          endLine: 5,
          endColumn: 32,
          data: { api: 'fs.readFileSync()', alternative: '`fs.promises.readFile()`' },
        },
        {
          messageId: 'blocking',
          line: 6,
          column: 3,
          endLine: 6,
          endColumn: 12,
          data: { api: 'child_process.execSync()', alternative: '`child_process.exec()`' },
        },
        {
          messageId: 'blocking',
          line: 7,
          column: 3,
          endLine: 7,
          endColumn: 13,
          data: { api: 'zlib.gzipSync()', alternative: '`zlib.gzip()` (runs on the libuv thread pool)' },
        },
        {
          messageId: 'blocking',
          line: 8,
          column: 3,
          endLine: 8,
          endColumn: 63,
          data: { api: 'Atomics.wait()', alternative: '`Atomics.waitAsync()`' },
        },
      ],
    },
    {
      name: 'flags timers, promise callbacks and class methods',
      code: lines(
        "import { readFileSync } from 'fs';",
        "setInterval(() => readFileSync('a'), 1000);",
        "app.get('/b', () => fetchThing().then(() => readFileSync('b')));",
        'class Service {',
        "  render() { return readFileSync('c'); }",
        '}',
      ),
      errors: [
        {
          messageId: 'blocking',
          line: 2,
          column: 19,
          endLine: 2,
          endColumn: 36,
          data: { api: 'fs.readFileSync()', alternative: '`fs.promises.readFile()`' },
        },
        {
          messageId: 'blocking',
          line: 3,
          column: 45,
          endLine: 3,
          endColumn: 62,
          data: { api: 'fs.readFileSync()', alternative: '`fs.promises.readFile()`' },
        },
        {
          messageId: 'blocking',
          line: 5,
          column: 21,
          endLine: 5,
          endColumn: 38,
          data: { api: 'fs.readFileSync()', alternative: '`fs.promises.readFile()`' },
        },
      ],
    },
    {
      name: 'follows an exported helper into the file that calls it from a handler',
      code: lines(
        "import { scryptSync } from 'node:crypto';",
        'export function hash(pw: string) {',
        "  return scryptSync(pw, 'salt', 64);",
        '}',
      ),
      filename: 'src/auth.ts',
      files: {
        'src/routes.ts': lines(
          "import { hash } from './auth.js';",
          "app.post('/signup', (req, res) => { res.json(hash(req.body.pw)); });",
        ),
      },
      errors: [
        {
          messageId: 'blocking',
          line: 3,
          column: 10,
          endLine: 3,
          endColumn: 36,
          data: {
            api: 'crypto.scryptSync()',
            alternative: '`crypto.scrypt()` (runs on the libuv thread pool)',
          },
          // one finding per root cause: the blocking call points at the run-time caller
          related: [{ filename: 'src/routes.ts', line: 2 }],
        },
        {
          messageId: 'callSite',
          line: 2,
          column: 46,
          endLine: 2,
          endColumn: 63,
          data: { call: 'hash()', at: 'auth.ts:3' },
          severity: 'info',
          filename: 'src/routes.ts',
        },
      ],
    },
    {
      name: 'stays quiet in tests and one-shot scripts by default (3)',
      code: fixture('01-app.test.ts'),
      filename: 'test/app.test.ts',
      config: { mainThreadRulesInTests: true },
      errors: [
        {
          messageId: 'blocking',
          line: 4,
          column: 33,
          endLine: 4,
          endColumn: 47,
          data: { api: 'child_process.execSync()', alternative: '`child_process.exec()`' },
        },
      ],
    },
  ],
});
