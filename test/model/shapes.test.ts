// The shapes of real JavaScript the model resolves (issue 13 item 4): compiled and bundled module
// access, deferred and conditional requires, module handles stored on objects, ES5 members,
// mixins and (nested) object-literal exports followed across files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AnalyzeOptions, analyzeFiles, lines } from '../helpers/analyze.js';

/** Multi-file cases that are applications: callers are all in view (the default, no package.json, is unseen). */
const APPLICATION: AnalyzeOptions = { config: { mode: 'application' } };

/** "file:line" of each blocking-call finding, sorted. */
function blocking(files: Record<string, string>, opts: AnalyzeOptions = {}): string[] {
  return analyzeFiles(files, opts)
    .filter((f) => f.ruleId === 'blocking-call')
    .map((f) => `${f.file}:${f.range.start.line}`)
    .sort();
}

describe('module access in compiled and bundled output', () => {
  it('resolves `(0, fs_1.existsSync)(p)` (tsc, Babel, SWC)', () => {
    const code = [
      "const fs_1 = require('fs');",
      "server.on('data', (p) => { (0, fs_1.existsSync)(p); });",
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:2']);
  });

  it('resolves `__toESM(require("fs"))` assigned later, as esbuild writes lazy modules', () => {
    const code = [
      'var fs;',
      'var init_store = __esm({ "src/store.ts"() { fs = __toESM(require("fs")); } });',
      "server.on('data', () => { fs.default.readFileSync('x'); });",
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:3']);
  });

  it('does not take `(a, b)` with a non-literal left side for `b`', () => {
    const code = [
      "const fs = require('fs');",
      "server.on('data', (p) => { (p, fs.promises.readFile)(p); });",
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), []);
  });
});

describe('deferred and conditional requires', () => {
  it('resolves `let fs; try { fs = require("fs") } catch {}`', () => {
    const code = [
      'let fs;',
      "try { fs = require('fs'); } catch (e) { fs = null; }",
      "server.on('data', () => { fs.readFileSync('x'); });",
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:3']);
  });

  it('resolves a name assigned only from require', () => {
    const code = [
      'let fs;',
      "function load() { if (!fs) fs = require('fs'); }",
      "server.on('data', () => { load(); fs.readFileSync('x'); });",
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:3']);
  });

  it('resolves `cond ? require("fs") : null` and `cached || require("fs")`', () => {
    const code = [
      "const fs = typeof window === 'undefined' ? require('fs') : null;",
      "const cp = globalThis.cp || require('child_process');",
      "server.on('data', () => { fs.readFileSync('x'); cp.execSync('ls'); });",
    ].join('\n');
    assert.deepEqual(
      analyzeFiles({ 'src/a.js': code }).filter((f) => f.ruleId === 'blocking-call').length,
      2,
    );
  });

  it('a local assigned something else is not the module', () => {
    const code = [
      'function handler(req) {',
      '  let fs = makeFakeFs();',
      '  fs.readFileSync(req.url);',
      '}',
      "server.on('request', handler);",
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), []);
  });
});

describe('module handles stored on objects', () => {
  it('resolves `this.fs = require("fs")` and reads through `const self = this`', () => {
    const code = [
      'function Store() {',
      "  this.fs = require('fs');",
      '  const self = this;',
      "  server.on('data', () => self.fs.readFileSync('x'));",
      '}',
      'class Cache {',
      "  cp = require('child_process');",
      "  run() { return this.cp.execSync('ls'); }",
      '}',
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:4', 'src/a.js:8']);
  });

  it('a property of `this` that holds something else is not a module', () => {
    const code = [
      'class Cache {',
      '  constructor(fs) { this.fs = fs; }',
      "  run() { return this.fs.readFileSync('x'); }",
      '}',
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), []);
  });
});

describe('ES5 members and mixins', () => {
  it('judges `X.prototype.m = function` like a class method', () => {
    const code = [
      "var fs = require('fs');",
      'function Store() {}',
      "Store.prototype.read = function () { return fs.readFileSync('x'); };",
      "Store.prototype.init = function () { return fs.readFileSync('config'); };",
    ].join('\n');
    // init is named like set-up: judged by its callers, and nobody calls it here
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:3']);
  });

  it('judges methods a mixin module adds to the object it is given', () => {
    const files = {
      'src/daemon/storage.js': [
        "const fs = require('fs');",
        'module.exports = function (Daemon) {',
        "  Daemon.save = function (x) { fs.writeFileSync('/tmp/state', x); };",
        '};',
      ].join('\n'),
    };
    assert.deepEqual(blocking(files), ['src/daemon/storage.js:3']);
  });

  it('links `this.m = function` to its `this.m()` calls', () => {
    const code = [
      "const fs = require('fs');",
      'function Node() {',
      "  this.load = function () { return fs.readFileSync('x'); };",
      '  this.load();',
      '}',
    ].join('\n');
    // called only from the constructor, at start-up
    assert.deepEqual(blocking({ 'src/a.js': code }), []);
  });

  it('judges `Store.m = function` by its callers', () => {
    const code = [
      "const fs = require('fs');",
      'const Store = {};',
      "Store.read = function () { return fs.readFileSync('x'); };",
      "Store.boot = function () { return fs.readFileSync('y'); };",
      "server.on('data', () => Store.read());",
      'Store.boot();',
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:3', 'src/a.js:5']);
  });
});

describe('object-literal exports followed across files', () => {
  it('follows a nested exported object: `Util.password.hash()`', () => {
    const files = {
      'src/util.js': [
        "const bcrypt = require('bcrypt');",
        'module.exports = {',
        '  password: { hash(pw) { return bcrypt.hashSync(pw, 10); } },',
        '  other: { noop() {} },',
        '};',
      ].join('\n'),
      'src/server.js': [
        "const Util = require('./util');",
        "io.on('connection', (socket) => { socket.on('login', (pw) => Util.password.hash(pw)); });",
      ].join('\n'),
    };
    assert.deepEqual(blocking(files), ['src/server.js:2', 'src/util.js:3']);
  });

  it('stays quiet when the nested export is only called at start-up', () => {
    const files = {
      'src/util.js': [
        "const bcrypt = require('bcrypt');",
        'module.exports = { password: { hash(pw) { return bcrypt.hashSync(pw, 10); } } };',
      ].join('\n'),
      'src/server.js': ["const Util = require('./util');", "Util.password.hash('boot');"].join('\n'),
    };
    // an application: the exported function runs at run time only if something calls it then
    assert.deepEqual(blocking(files, APPLICATION), []);
  });

  it('follows `exports.default = { get, remove }` from compiled TypeScript', () => {
    const files = {
      'src/store.js': [
        "const fs_1 = require('fs');",
        'function get(k) { return fs_1.readFileSync(k); }',
        'function remove(k) { fs_1.unlinkSync(k); }',
        'exports.default = { get, remove };',
      ].join('\n'),
      'src/server.js': [
        "const store_1 = __importDefault(require('./store'));",
        "socket.on('get', (k) => { store_1.default.get(k); });",
      ].join('\n'),
    };
    assert.deepEqual(blocking(files, APPLICATION), ['src/server.js:2', 'src/store.js:2']);
  });

  it('follows a named export holding an object: `exports.Util = { get: function () {…} }`', () => {
    const files = {
      'src/util.js': [
        "const fs = require('fs');",
        "exports.Util = { get: function () { return fs.readFileSync('x'); } };",
      ].join('\n'),
      'src/server.ts': [
        "import { Util } from './util';",
        "app.get('/x', (req, res) => res.send(Util.get()));",
      ].join('\n'),
    };
    assert.deepEqual(blocking(files), ['src/server.ts:2', 'src/util.js:2']);
  });

  it('follows a static member of an exported object: `module.exports = exports = Store`', () => {
    const files = {
      'src/store.js': [
        "const fs = require('fs');",
        'function Store() {}',
        "Store.load = function () { return fs.readFileSync('x'); };",
        'module.exports = exports = Store;',
      ].join('\n'),
      'src/server.js': ["const Store = require('./store');", "app.get('/', () => Store.load());"].join('\n'),
    };
    assert.deepEqual(blocking(files), ['src/server.js:2', 'src/store.js:3']);
  });
});

describe('Web Workers', () => {
  const heavy = [
    'function work(items) {',
    '  for (const a of items) for (const b of items) if (JSON.stringify(a) === JSON.stringify(b)) count++;',
    '}',
  ];

  it('a file listening with `self.onmessage` is a worker: main-thread rules stay quiet', () => {
    const code = ['self.onmessage = (e) => { work(e.data.items); };', ...heavy].join('\n');
    assert.deepEqual(
      analyzeFiles({ 'src/compute.js': code }).filter((f) => f.ruleId === 'cpu-heavy-loop'),
      [],
    );
  });

  it("a file listening with `self.addEventListener('message')` or calling importScripts is a worker", () => {
    const listener = ["self.addEventListener('message', (e) => work(e.data.items));", ...heavy].join('\n');
    const scripts = ["importScripts('lib.js');", 'onmessage = (e) => work(e.data.items);', ...heavy].join(
      '\n',
    );
    assert.deepEqual(analyzeFiles({ 'src/a.js': listener, 'src/b.js': scripts }), []);
  });

  it('the same loop in a window message listener is main-thread work', () => {
    const code = ["window.addEventListener('message', (e) => work(e.data.items));", ...heavy].join('\n');
    // the loop, and the handler's call that leads there
    assert.deepEqual(lines(analyzeFiles({ 'src/page.js': code })), [1, 3]);
  });

  it('a local named `self` is not the worker scope', () => {
    const code = [
      'const self = this;',
      "self.addEventListener('message', (e) => work(e.data.items));",
      ...heavy,
    ].join('\n');
    // the loop, and the handler's call that leads there
    assert.deepEqual(lines(analyzeFiles({ 'src/page.js': code })), [2, 4]);
  });

  it('a browser `new Worker(url)` makes its target a worker and is a thread per task when made per event', () => {
    const files = {
      'src/page.js': [
        "button.addEventListener('click', () => {",
        "  const worker = new Worker(new URL('./compute.js', import.meta.url));",
        '  worker.postMessage({ items });',
        '});',
      ].join('\n'),
      'src/compute.js': ["addEventListener('message', (e) => work(e.data.items));", ...heavy].join('\n'),
    };
    const findings = analyzeFiles(files);
    assert.deepEqual(
      findings.map((f) => `${f.ruleId}@${f.file}:${f.range.start.line}`),
      ['worker-per-task@src/page.js:2'],
    );
  });
});

describe('CommonJS exports stay exports', () => {
  it('`module.exports = (opt) => …` is the module, followed from its importer', () => {
    const files = {
      'src/list.js': [
        "const fs = require('fs');",
        'const listSync = (opt) => fs.statSync(opt.file);',
        'module.exports = (opt) => listSync(opt);',
      ].join('\n'),
      'src/server.js': ["const list = require('./list.js');", "app.get('/', (req) => list(req.query));"].join(
        '\n',
      ),
    };
    assert.deepEqual(blocking(files), ['src/list.js:2', 'src/server.js:2']);
  });
});

describe('symbol-keyed methods', () => {
  it('judges `*[Symbol.iterator]()` like any class method', () => {
    const code = [
      "const fs = require('fs');",
      'class Lines {',
      "  *[Symbol.iterator]() { yield fs.readFileSync('x'); }",
      '}',
    ].join('\n');
    assert.deepEqual(blocking({ 'src/a.js': code }), ['src/a.js:3']);
  });
});
