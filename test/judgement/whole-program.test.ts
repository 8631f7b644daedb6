// Whole-program phase and package role, on fixture projects with a package.json
// (test/fixtures/roles): an application's start-up code stays quiet, what its handlers reach is
// reported once, at the root cause; a library's public API is run time, `info` unless it looks
// asynchronous; one-shot commands are quiet.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultOptions, optionsFromConfig } from '../../src/analysis/config.js';
import { listSourceFiles } from '../../src/analysis/list-files.js';
import type { AnalysisOptions, Finding } from '../../src/analysis/types.js';
import { scan } from '../../src/cli/scan.js';
import { analyzeFiles } from '../helpers/analyze.js';

const fixtures = path.resolve(__dirname, '../fixtures/roles');

async function scanFixture(name: string, options: AnalysisOptions = defaultOptions()): Promise<Finding[]> {
  const root = path.join(fixtures, name);
  const { files } = await listSourceFiles([root], { baseDir: root });
  const result = await scan({ files, options, root, jobs: 1 });
  return result.findings.map((f) => ({ ...f, file: path.relative(root, f.file) }));
}

const where = (findings: Finding[]): string[] =>
  findings.map((f) => `${f.file}:${f.range.start.line} ${f.severity}`).sort();

describe('whole-program phase in an application', () => {
  it('reports what handlers reach, once per root cause; start-up and unreached code stay quiet', async () => {
    const findings = await scanFixture('app-server');
    assert.deepEqual(where(findings), ['src/auth.js:4 warning', 'src/db.js:14 warning']);
  });

  it('says why the code is run time and lists the run-time call sites', async () => {
    const findings = await scanFixture('app-server');
    const hash = findings.find((f) => f.file === 'src/auth.js')!;
    assert.match(hash.message, /POST \/login/);
    assert.match(hash.message, /index\.js/);
    assert.match(String(hash.data.where), /POST \/login/, 'the data the hover explains from says the same');
    const callSites = (hash.related ?? []).filter((r) => r.file.endsWith('index.js'));
    assert.deepEqual(
      callSites.map((r) => r.range.start.line),
      [13, 16],
    );
  });

  it('leaves call sites to the editor as informations (the CLI counts root causes)', () => {
    const findings = analyzeFiles(
      {
        'src/auth.js':
          "const crypto = require('crypto');\nexports.hash = (pw) => crypto.pbkdf2Sync(pw, 's', 1e5, 64, 'sha512');",
        'src/routes.js': [
          "const { hash } = require('./auth');",
          "app.post('/a', (req, res) => res.json(hash(req.body)));",
          "app.post('/b', (req, res) => res.json(hash(req.body)));",
        ].join('\n'),
      },
      { config: { mode: 'application' } },
    );
    assert.deepEqual(
      findings
        .map((f) => `${f.file}:${f.range.start.line} ${f.severity}${f.callSiteOf ? ' call site' : ''}`)
        .sort(),
      ['src/auth.js:2 warning', 'src/routes.js:2 info call site', 'src/routes.js:3 info call site'],
    );
  });

  it('keeps one-shot command code quiet', async () => {
    const options = optionsFromConfig({ mainThreadRulesInScripts: true });
    assert.deepEqual(await scanFixture('app-cli', options), []);
  });

  it('follows methods registered as values: `server.expose({ save: God.save })`', () => {
    const files = {
      'src/god.js': [
        "const fs = require('fs');",
        'const God = {};',
        "God.save = function () { fs.writeFileSync('dump.json', '{}'); };",
        "God.unused = function () { fs.writeFileSync('other.json', '{}'); };",
        'module.exports = God;',
      ].join('\n'),
      'src/daemon.js': ["const God = require('./god');", 'server.expose({ save: God.save });'].join('\n'),
    };
    const findings = analyzeFiles(files, { config: { mode: 'application' } });
    assert.deepEqual(where(findings), ['src/god.js:3 warning']);
  });

  it('treats a top-level `.then()` chain as start-up and the same chain in a handler as run time', () => {
    const code = [
      "const fs = require('fs');",
      "start().then(() => fs.readFileSync('config.json'));",
      "app.get('/x', (req, res) => load().then(() => res.send(fs.readFileSync('page.html'))));",
    ].join('\n');
    const findings = analyzeFiles({ 'src/app.js': code }, { config: { mode: 'application' } });
    assert.deepEqual(where(findings), ['src/app.js:3 warning']);
  });
});

describe('package role', () => {
  it('judges a package that starts a server an application, and one that starts nothing a library', async () => {
    // the same class, seen as a library: its methods are public API (info), its constructor set-up
    const asLibrary = await scanFixture('app-server', optionsFromConfig({ mode: 'library' }));
    assert.ok(
      asLibrary.some((f) => f.file === 'src/db.js' && f.range.start.line === 18),
      'compact() is public API in a library',
    );
    assert.ok(!asLibrary.some((f) => f.file === 'src/db.js' && f.range.start.line === 6), 'constructor');
  });

  it('reports a library API that blocks: warning when it looks asynchronous, info otherwise', async () => {
    const findings = await scanFixture('lib-fs');
    assert.deepEqual(where(findings), ['index.js:10 info', 'index.js:5 warning']);
    const sizeOf = findings.find((f) => f.range.start.line === 10)!;
    assert.match(sizeOf.message, /public API `sizeOf\(\)`/);
  });

  it('treats exports as callable at run time where callers cannot be seen (no package.json)', () => {
    const code = [
      "const fs = require('fs');",
      'export async function load(file) { return fs.readFileSync(file); }',
      'export class Cache {',
      '  get(key) { return fs.readFileSync(key); }',
      '}',
    ].join('\n');
    assert.deepEqual(where(analyzeFiles({ 'src/lib.js': code })), [
      'src/lib.js:2 warning',
      'src/lib.js:4 warning',
    ]);
    // the same file in an application where nothing calls it: quiet
    assert.deepEqual(analyzeFiles({ 'src/lib.js': code }, { config: { mode: 'application' } }), []);
  });
});

describe('programs of one package: a one-shot client and the daemon it forks (the shape of pm2)', () => {
  it('reports the daemon method its handler reaches, and nothing the one-shot commands reach', async () => {
    const findings = await scanFixture('app-daemon-cli');
    // reached from the daemon's 'data' handler through a mixin method (`God.dumpProcessList = function`)
    assert.deepEqual(where(findings), ['lib/god/actions.js:6 warning']);
    const dump = findings[0]!;
    assert.match(
      dump.message,
      /called from the `'data'` event handler in daemon\.js:10$/,
      'says which handler makes it run time',
    );
    assert.ok(dump.related?.some((r) => r.file.endsWith('daemon.js') && r.range.start.line === 10));
  });

  it('a command that starts a server leaves the other commands one-shot (the shape of thelounge)', async () => {
    const findings = await scanFixture('app-cli-commands');
    // the request handler `tool start` sets up is run time; the 'data' handler only `tool prune`
    // reaches (lib/store.js, required inside its action) runs in a process that exits after it
    assert.deepEqual(where(findings), ['lib/server.js:6 warning']);
  });

  it('the same with yargs commands (`.command({ handler })`, `.command(name, desc, builder, handler)`)', async () => {
    const findings = await scanFixture('app-yargs-commands');
    assert.deepEqual(where(findings), ['lib/server.js:6 warning']);
  });

  it('a listener set up by a method another file calls once at start-up still runs at run time', async () => {
    const findings = await scanFixture('app-started-class');
    assert.deepEqual(where(findings), ['server.js:8 warning']);
  });
});
