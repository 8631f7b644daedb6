// Reading dependencies in node_modules (src/analysis/dependencies/): findings at the application's
// call, the on-disk cache per name@version, bounds, cycles, native addons. The packages are small
// hand-written ones (test/fixtures/deps/packages) installed into a real node_modules folder of a
// temporary project, read from disk by the real engine.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../src/analysis/analyzer.js';
import { defaultOptions, optionsFromConfig } from '../src/analysis/config.js';
import { DependencyIndex, type DependencyOptions } from '../src/analysis/dependencies/index.js';
import { ProjectIndex } from '../src/analysis/project.js';
import type { AnalysisOptions, Finding } from '../src/analysis/types.js';
import { MAX_MESSAGE_LENGTH } from './helpers/analyze.js';
import { tempProject } from './helpers/temp-project.js';

const PACKAGES = path.join(__dirname, 'fixtures/deps/packages');

const SERVER = `const http = require('http');
const store = require('sync-store');
const { digestSync, digest } = require('esm-digest');
const settings = require('uses-store');
const native = require('fake-native');
const cyclic = require('cyclic');

const config = store.load('config'); // start-up: not reported

http.createServer((req, res) => {
  const user = store.load(req.url);
  store.loadAsync(req.url).then(() => {});
  store.validate(user);
  store.keys(user);
  digestSync(req.url);
  digest(req.url);
  settings.settings.read('x');
  native.run();
  cyclic.ping(3);
  cyclic.touch(1);
  res.end(JSON.stringify(config));
}).listen(3000);
`;

/** A project with the fixture packages installed in node_modules, and its server file. */
function project(extra: Record<string, string> = {}): { dir: string; server: string } {
  const dir = tempProject({
    'package.json': JSON.stringify({ name: 'app', version: '1.0.0', main: 'server.js' }),
    'server.js': SERVER,
    ...extra,
  });
  for (const name of readdirSync(PACKAGES))
    cpSync(path.join(PACKAGES, name), path.join(dir, 'node_modules', name), { recursive: true });
  return { dir, server: path.join(dir, 'server.js') };
}

function scan(
  dir: string,
  files: string[],
  dependencies: DependencyOptions = {},
  options: AnalysisOptions = defaultOptions(),
  roots = [dir],
): { findings: Finding[]; index: ProjectIndex } {
  const index = new ProjectIndex(undefined, roots, { dependencies });
  const analyses = files.map((file) =>
    analyzeFile({ fileName: file, text: readFileSync(file, 'utf8'), options, root: dir }),
  );
  for (const analysis of analyses) if (analysis.summary) index.update(analysis.summary);
  const findings = analyses.flatMap((analysis) => index.finalize(analysis, options));
  for (const finding of findings) assert.ok(finding.message.length <= MAX_MESSAGE_LENGTH, finding.message);
  return { findings: findings.filter((f) => f.messageId === 'dependency'), index };
}

const lineOf = (finding: Finding): number => finding.range.start.line;

describe('dependencies: blocking work inside node_modules, reported at the call', () => {
  it('reports run-time calls whose package export blocks, naming the package and the blocking call', () => {
    const { dir, server } = project();
    const { findings } = scan(dir, [server]);
    const byLine = new Map(findings.map((f) => [lineOf(f), f]));
    assert.deepEqual(
      [...byLine.keys()].sort((a, b) => a - b),
      [11, 13, 15, 17, 20],
      findings.map((f) => `${lineOf(f)} ${f.message}`).join('\n'),
    );
    const load = byLine.get(11)!;
    assert.equal(load.severity, 'warning');
    assert.equal(
      load.message,
      '`store.load()` blocks the event loop in the request handler: it calls `fs.readFileSync()` inside sync-store',
    );
    // the related location is the blocking call inside the package, two files away from its entry
    assert.equal(load.related?.[0]?.file, path.join(dir, 'node_modules/sync-store/lib/files.js'));
    assert.equal(load.related?.[0]?.range.start.line, 10);
    assert.match(
      byLine.get(13)!.message,
      /`store\.validate\(\)`.*: it is documented `@blocking` inside sync-store$/,
    );
    assert.match(
      byLine.get(15)!.message,
      /`digestSync\(\)`.*: it is the sync form of `digest\(\)` inside esm-digest$/,
    );
    // the `require` condition of the exports map was read (index.cjs), not the ESM file
    assert.match(byLine.get(15)!.related?.[0]?.file ?? '', /esm-digest[\\/]index\.cjs$/);
    // through a nested exported object, into the package's own dependency
    assert.match(
      byLine.get(17)!.message,
      /`settings\.settings\.read\(\)`.*it calls `fs\.readFileSync\(\)` inside sync-store$/,
    );
    assert.equal(byLine.get(17)!.related?.[0]?.file, path.join(dir, 'node_modules/sync-store/lib/files.js'));
    // a cycle between two files and between functions: `ping` reaches nothing that blocks, `touch` does
    assert.match(byLine.get(20)!.message, /`cyclic\.touch\(\)`.*`fs\.writeFileSync\(\)` inside cyclic$/);
  });

  it('follows methods of package class instances: `new Db()` then `db.put()`, setters included', () => {
    const { dir } = project({
      'app.mjs': `import http from 'node:http';
import Db from 'proto-db';
import ClassStore from 'class-store';

const db = new Db('data.json');
const store = new ClassStore('store.json');

http.createServer((req, res) => {
  db.get(req.url);
  db.put(req.url, 1);
  store.has(req.url);
  store.set(req.url, 1);
  res.end();
}).listen(1);
`,
    });
    const { findings } = scan(dir, [path.join(dir, 'app.mjs')], { cacheDir: false });
    assert.deepEqual(
      findings.map((f) => `${lineOf(f)} ${f.message}`),
      [
        '10 `db.put()` blocks the event loop in the request handler: it calls `fs.writeFileSync()` inside proto-db',
        '12 `store.set()` blocks the event loop in the request handler: it calls `fs.writeFileSync()` inside class-store',
      ],
    );
    assert.equal(findings[1]!.related?.[0]?.range.start.line, 15, 'the write in the `all` setter');
  });

  it('keeps the message to one Problems row when the call is reached through a long chain', () => {
    const { dir } = project({
      'chain.js': `const http = require('http');
const store = require('sync-store');
function readTheConfigurationEntryForThisRequestNow(name) {
  return store.load(name);
}
function loadTheUserRecordAndItsSettingsFromDisk(name) {
  return readTheConfigurationEntryForThisRequestNow(name);
}
http.createServer((req, res) => res.end(loadTheUserRecordAndItsSettingsFromDisk(req.url))).listen(1);
`,
    });
    const { findings } = scan(dir, [path.join(dir, 'chain.js')], { cacheDir: false });
    assert.deepEqual(
      findings.map((f) => f.message),
      [
        '`store.load()` blocks the event loop in the request handler: it calls `fs.readFileSync()` inside sync-store',
      ],
    );
  });

  it('in a library, an API documented `@blocking` calls a blocking dependency on purpose', () => {
    const { dir } = project({
      'package.json': JSON.stringify({ name: 'mylib', version: '1.0.0', main: 'index.js' }),
      'index.js': `const store = require('sync-store');
/**
 * Reads the entry on the calling thread.
 * @blocking
 */
exports.readNow = function readNow(name) {
  return store.load(name);
};
exports.read = function read(name, callback) {
  callback(null, store.load(name));
};
`,
    });
    const { findings } = scan(dir, [path.join(dir, 'index.js')], { cacheDir: false });
    assert.deepEqual(
      findings.map((f) => `${lineOf(f)} ${f.severity} ${f.message}`),
      [
        '10 warning `store.load()` blocks the event loop in the public API `read()`: it calls `fs.readFileSync()` inside sync-store',
      ],
    );
  });

  it('reads nothing again from a warm cache; a new version of the package is read anew', () => {
    const { dir, server } = project();
    const first = scan(dir, [server]);
    const cold = first.index.dependencyIndex!.stats;
    assert.ok(cold.packagesRead >= 4, JSON.stringify(cold));
    assert.equal(cold.cacheReads, 0);
    const cacheDir = path.join(dir, 'node_modules/.cache/concurrency-lens/deps');
    assert.ok(existsSync(cacheDir));

    const second = scan(dir, [server]);
    const warm = second.index.dependencyIndex!.stats;
    assert.equal(warm.packagesRead, 0, JSON.stringify(warm));
    assert.ok(warm.cacheReads >= 4);
    assert.deepEqual(
      second.findings.map((f) => f.message),
      first.findings.map((f) => f.message),
    );

    // sync-store 1.1.0 no longer blocks in load(): its summary must not come from 1.0.0's
    const manifest = path.join(dir, 'node_modules/sync-store/package.json');
    writeFileSync(manifest, JSON.stringify({ name: 'sync-store', version: '1.1.0', main: './lib/index.js' }));
    writeFileSync(
      path.join(dir, 'node_modules/sync-store/lib/files.js'),
      'exports.readEntry = (name) => ({ name });\nexports.readEntryAsync = async (name) => ({ name });\n',
    );
    const third = scan(dir, [server]);
    assert.equal(
      third.index.dependencyIndex!.stats.packagesRead,
      2,
      'sync-store and uses-store (through it)',
    );
    assert.ok(!third.findings.some((f) => lineOf(f) === 11), 'load() of 1.1.0 does not block');

    // another engine does not read this engine's summaries
    const other = scan(dir, [server], { engineKey: 'test-engine' });
    assert.ok(other.index.dependencyIndex!.stats.packagesRead >= 4);
  });

  it('gives up on a package past its bounds with a note, and still reads the others', () => {
    const files: Record<string, string> = {
      'node_modules/huge/package.json': JSON.stringify({ name: 'huge', version: '1.0.0' }),
      'node_modules/huge/index.js': `const fs = require('fs');\nexports.run = () => require('./f0').f();\n`,
    };
    for (let i = 0; i < 30; i++) {
      files[`node_modules/huge/f${i}.js`] =
        i < 29
          ? `exports.f = () => require('./f${i + 1}').f();\n`
          : `exports.f = () => require('fs').readFileSync('x');\n`;
    }
    const { dir } = project({
      ...files,
      'huge-user.js': `const huge = require('huge');\nconst store = require('sync-store');\nrequire('http').createServer(() => { huge.run(); store.load('x'); }).listen(1);\n`,
    });
    // within its bounds the chain of 30 files is followed to its end
    const unbounded = scan(dir, [path.join(dir, 'huge-user.js')], { cacheDir: false });
    assert.deepEqual(unbounded.findings.map(lineOf), [3, 3]);
    const bounded = scan(dir, [path.join(dir, 'huge-user.js')], {
      cacheDir: false,
      limits: { maxFiles: 10 },
    });
    assert.equal(bounded.findings.length, 1, 'only sync-store');
    assert.match(bounded.findings[0]!.message, /store\.load/);
    assert.deepEqual(
      [...bounded.index.dependencyIndex!.notes.values()],
      ['huge@1.0.0 was not read: more than 10 files to read'],
    );
  });

  it('keeps no answer cut short by the time bound, and goes on from the kept ones in the next run', () => {
    const { dir, server } = project();
    const rushed = scan(dir, [server], { limits: { maxMs: 0 } });
    assert.equal(rushed.findings.length, 0);
    assert.match(
      [...rushed.index.dependencyIndex!.notes.values()].join('\n'),
      /reading took longer than 0 ms/,
    );
    const next = scan(dir, [server]);
    assert.equal(next.findings.length, 5, 'read in full in the next run');
    assert.equal(next.index.dependencyIndex!.notes.size, 0);
  });

  it('is off with `dependencies: false`, and costs nothing where no package is imported', () => {
    const { dir, server } = project();
    const off = scan(dir, [server], {}, optionsFromConfig({ dependencies: false }));
    assert.equal(off.findings.length, 0);
    assert.equal(off.index.dependencyIndex, undefined, 'no package was looked up');
    const local = path.join(dir, 'local.js');
    writeFileSync(
      local,
      "const fs = require('fs');\nrequire('http').createServer(() => fs.statSync('x')).listen(1);\n",
    );
    const plain = scan(dir, [local]);
    assert.equal(plain.index.dependencyIndex, undefined);
  });

  it('looks for node_modules up to the scanned folder, not in an outer project above it', () => {
    const { dir } = project({
      'vendored/package.json': JSON.stringify({ name: 'vendored', version: '1.0.0', main: 'server.js' }),
      'vendored/server.js': SERVER,
    });
    const inner = path.join(dir, 'vendored');
    const alone = scan(inner, [path.join(inner, 'server.js')], { cacheDir: false });
    assert.equal(alone.findings.length, 0, "the outer node_modules is not this project's");
    const whole = scan(dir, [path.join(inner, 'server.js')], { cacheDir: false });
    assert.equal(whole.findings.length, 5, 'scanned from the outer folder, Node would load them');
  });

  it('finds every *Sync export of the real fs-extra blocking, and none of its asynchronous ones', () => {
    // fs-extra from npm (this repository's own node_modules) with the packages it loads: the
    // hand-written list's fs-extra entries are what reading the package gives
    const dir = tempProject({ 'package.json': '{"name":"app","version":"1.0.0"}' });
    const repoModules = path.join(__dirname, '..', 'node_modules');
    for (const name of ['fs-extra', 'graceful-fs', 'jsonfile', 'universalify'])
      cpSync(path.join(repoModules, name), path.join(dir, 'node_modules', name), {
        recursive: true,
        dereference: true,
      });
    const fsExtra = require(path.join(dir, 'node_modules/fs-extra')) as Record<string, unknown>;
    const functions = Object.keys(fsExtra).filter((name) => typeof fsExtra[name] === 'function');
    const sync = functions.filter((name) => name.endsWith('Sync'));
    assert.ok(sync.length > 40, `${sync.length} sync exports`);
    const index = new DependencyIndex({ cacheDir: false });
    const from = path.join(dir, 'app.js');
    assert.deepEqual(
      sync.filter((name) => !index.hazardOf(from, 'fs-extra', [name])),
      [],
      'sync exports not found blocking',
    );
    assert.deepEqual(
      functions.filter((name) => !name.endsWith('Sync') && index.hazardOf(from, 'fs-extra', [name])),
      [],
      'asynchronous exports found blocking',
    );
    // readJsonSync is jsonfile's readFileSync, read one level down in fs-extra's own dependency
    const readJson = index.hazardOf(from, 'fs-extra', ['readJsonSync'])!;
    assert.equal(readJson.hazard.inPackage, 'jsonfile');
    assert.equal(readJson.hazard.what, 'fs.readFileSync()');
    assert.match(readJson.file, /node_modules[\\/]jsonfile[\\/]index\.js$/);
  });
});
