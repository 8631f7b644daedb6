// A library's asynchronous API that blocks through a synchronous helper of the same package
// (issue 13, libraries; adm-zip's shapes): `writeFileToAsync(…, callback)` calling
// `self.makeDir()`, `addLocalFolderAsync()` calling `filetools.findFiles()` in another file, whose
// body reaches `readdirSync()` through a local function. The finding is at the call in the
// asynchronous API; the helper's own synchronous callers are not reported for it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../helpers/cli.js';
import { tempProject } from '../helpers/temp-project.js';

const UTILS = [
  "const fsystem = require('fs');",
  'function Utils() {',
  '  this.fs = fsystem;',
  '}',
  'module.exports = Utils;',
  'Utils.prototype.makeDir = function (folder) {',
  '  const self = this;',
  '  function mkdirSync(p) {',
  '    try { self.fs.statSync(p); } catch (e) { self.fs.mkdirSync(p); }',
  '  }',
  '  mkdirSync(folder);',
  '};',
  'function findSync(dir) {',
  '  return fsystem.readdirSync(dir);',
  '}',
  'Utils.prototype.findFiles = function (dir) {',
  '  return findSync(dir);',
  '};',
  'Utils.prototype.writeFileToAsync = function (file, content, callback) {',
  '  const self = this;',
  '  self.fs.exists(file, function (exists) {',
  "    if (!exists) self.makeDir(require('path').dirname(file));",
  '    self.fs.writeFile(file, content, callback);',
  '  });',
  '};',
  'Utils.prototype.writeFileTo = function (file, content) {',
  "  this.makeDir(require('path').dirname(file));",
  '  this.fs.writeFileSync(file, content);',
  '};',
  '',
].join('\n');

const ZIP = [
  "const Utils = require('./utils');",
  'module.exports = function (input) {',
  '  const filetools = new Utils();',
  '  return {',
  '    addLocalFolderAsync: function (dir, callback) {',
  "    filetools.fs.open(dir, 'r', function (err) {",
  '        if (err) return callback(err);',
  '        callback(null, filetools.findFiles(dir));',
  '      });',
  '    },',
  '    addLocalFolder: function (dir) {',
  '      return filetools.findFiles(dir);',
  '    },',
  '    compress: function (async, callback) {',
  '      if (!async) return filetools.findFiles(input);',
  '      filetools.fs.readdir(input, callback);',
  '    },',
  '    start: async function () {',
  '      filetools.makeDir(input);',
  '    },',
  '  };',
  '};',
  '',
].join('\n');

interface JsonFinding {
  ruleId: string;
  file: string;
  severity: string;
  message: string;
  range: { start: { line: number } };
}

function scan(files: Record<string, string>): JsonFinding[] {
  const dir = tempProject(files);
  const result = cli(['scan', '.', '--format', 'json'], dir);
  return (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings.map((f) => ({
    ...f,
    file: path.relative(dir, path.resolve(dir, f.file)),
  }));
}

const LIBRARY = JSON.stringify({ name: 'zip-lib', version: '1.0.0', main: 'zip.js' });

describe('async APIs that block through a sync helper', () => {
  it('reports the helper call in the async API, same file and across files, with the blocking call inside', () => {
    const findings = scan({ 'package.json': LIBRARY, 'zip.js': ZIP, 'utils.js': UTILS });
    const helperCalls = findings
      .filter((f) => f.message.includes('async API'))
      .map((f) => `${f.file}:${f.range.start.line} ${f.severity} ${f.message}`)
      .sort();
    assert.deepEqual(helperCalls, [
      'utils.js:22 warning `self.makeDir()` blocks the event loop in the async API `writeFileToAsync()`: it calls `fs.statSync()`',
      'zip.js:8 warning `filetools.findFiles()` blocks the event loop in the async API `addLocalFolderAsync()`: it calls `fs.readdirSync()`',
    ]);
  });

  it('leaves out the sync path chosen by a missing callback, start-up APIs, and applications', () => {
    const findings = scan({ 'package.json': LIBRARY, 'zip.js': ZIP, 'utils.js': UTILS });
    // compress(async=false) and start() call helpers too, but are not reported
    assert.ok(!findings.some((f) => f.file === 'zip.js' && [15, 19].includes(f.range.start.line)));
    const app = scan({
      'package.json': JSON.stringify({ name: 'zip-app', private: true, main: 'zip.js' }),
      'zip.js': ZIP,
      'utils.js': UTILS,
    });
    assert.ok(!app.some((f) => f.message.includes('async API')));
  });

  it('a method name defined twice in the helper file is not linked (which one is called is unknown)', () => {
    const findings = scan({
      'package.json': LIBRARY,
      'host.js': [
        "const fs = require('fs');",
        'exports.host = { getSourceFile: function (name) { return fs.readFileSync(name); } };',
        'exports.cache = { getSourceFile: function (name) { return this.files[name]; } };',
        'exports.visit = function (program, callback) {',
        '  program.getSourceFile(program.root);',
        '  callback();',
        '};',
        '',
      ].join('\n'),
    });
    assert.ok(!findings.some((f) => f.message.includes('async API')));
  });

  it('a file system kept on an object the file cannot follow (`filetools.fs.chmodSync()`) is fs', () => {
    const findings = scan({
      'package.json': LIBRARY,
      'utils.js': UTILS,
      'zip.js': [
        "const Utils = require('./utils');",
        'module.exports = function (input) {',
        '  const filetools = new Utils();',
        '  return {',
        '    extractAllToAsync: function (dir, callback) {',
        '      filetools.fs.chmodSync(dir, 0o755);',
        '      callback();',
        '    },',
        '    notFs: function (dir) {',
        '      return filetools.fs.notAnFsFunctionSync(dir);',
        '    },',
        '  };',
        '};',
        '',
      ].join('\n'),
    });
    const inZip = findings.filter((f) => f.file === 'zip.js');
    assert.deepEqual(
      inZip.map((f) => `${f.range.start.line} ${f.severity} ${f.message}`),
      ['6 warning `fs.chmodSync()` blocks the event loop in the public API `extractAllToAsync()`'],
    );
  });
});
