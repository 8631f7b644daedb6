// Callbacks that run once per registration (a one-time event such as a child's 'close', `once()`,
// a one-shot timer) run where, and as often as, the code registering them runs: set up at
// start-up or by code nothing runs at run time, they serve nobody; set up per request, they run
// per request. A callback that arms itself again (a polling loop, a restart on 'exit') repeats.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFiles, findingsOf, lines } from '../helpers/analyze.js';

const application = { config: { mode: 'application' as const } };

describe('one-time callbacks take the phase of the code registering them', () => {
  it("a child's 'close' listener and a timer set up at start-up are start-up; per request, run time", () => {
    const code = [
      "import { spawn } from 'node:child_process';",
      "import { readFileSync, writeFileSync } from 'node:fs';",
      "import http from 'node:http';",
      "const child = spawn('npm', ['install']);",
      "child.on('close', () => writeFileSync('/tmp/installed', ''));",
      "setTimeout(() => readFileSync('/etc/hosts'), 10);",
      'http.createServer((req, res) => {',
      "  const job = spawn('convert', [req.url]);",
      "  job.once('exit', () => res.end(readFileSync('/tmp/out.png')));",
      '  setImmediate(() => writeFileSync(`/tmp/${req.url}`, ""));',
      '}).listen(8080);',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/app.js', application)), [9, 10]);
  });

  it('a listener registered by a function only start-up calls is start-up (passed by name too)', () => {
    const code = [
      "const fs = require('fs');",
      "const { spawn } = require('child_process');",
      'function install(name) {',
      "  const npm = spawn('npm', ['install', name]);",
      "  npm.on('close', finalize);",
      '  function finalize() {',
      "    fs.readFileSync(name + '/package.json');",
      '  }',
      '}',
      "install('plugin');",
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/app.js', application)), []);
  });

  it('stays run time when the registering code is run time through another file', () => {
    const findings = analyzeFiles(
      {
        'src/install.js': [
          "const fs = require('fs');",
          "const { spawn } = require('child_process');",
          'exports.install = function (name) {',
          "  spawn('npm', ['install', name]).on('close', () => fs.readFileSync(name));",
          '};',
        ].join('\n'),
        'src/server.js': [
          "const { install } = require('./install');",
          "require('http').createServer((req) => install(req.url)).listen(80);",
          '',
        ].join('\n'),
      },
      application,
    );
    assert.deepEqual(
      findings.filter((f) => f.ruleId === 'blocking-call' && !f.callSiteOf).map((f) => f.file),
      ['src/install.js'],
    );
  });

  it('a polling loop and a restart on exit re-arm themselves: still run time', () => {
    const code = [
      "const fs = require('fs');",
      "const { fork } = require('child_process');",
      'function poll() {',
      '  setTimeout(() => {',
      "    fs.readFileSync('/proc/loadavg');",
      '    poll();',
      '  }, 1000);',
      '}',
      'poll();',
      'const God = {};',
      'God.executeApp = function executeApp(env) {',
      '  const child = fork(env.script);',
      "  child.once('exit', () => God.handleExit(env));",
      '};',
      'God.handleExit = function handleExit(env) {',
      '  fs.unlinkSync(env.pidFile);',
      '  setTimeout(() => God.executeApp(env), 100);',
      '};',
      "God.executeApp({ script: 'app.js' });",
    ].join('\n');
    const roots = findingsOf('blocking-call', code, 'src/app.js', application).filter((f) => !f.callSiteOf);
    assert.deepEqual(lines(roots), [5, 16]);
  });
});

describe('handlers handed to a framework in an options object', () => {
  it('`new SMTPServer({ onData: handleData })` makes the named function a handler', () => {
    const code = [
      "const fs = require('fs');",
      "const { SMTPServer } = require('smtp-server');",
      'function handleData(stream, session, callback) {',
      "  fs.statSync('/var/mail');",
      '  callback();',
      '}',
      'function describe() {',
      "  fs.statSync('/etc/mail');",
      '}',
      'new SMTPServer({ onData: handleData, name: describe }).listen(25);',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/app.js', application)), [4]);
  });
});

describe('calls that cannot be linked by name', () => {
  it('a method named like a built-in one (`push`) counts as called: its callers are unseen', () => {
    const findings = analyzeFiles(
      {
        'src/journal.js': [
          "const fs = require('fs');",
          'module.exports = class Journal {',
          '  push(entry) {',
          "    fs.appendFileSync('/var/journal', JSON.stringify(entry));",
          '  }',
          '};',
        ].join('\n'),
        'src/server.js': [
          "const Journal = require('./journal');",
          'const journal = new Journal();',
          "require('http').createServer((req, res) => { journal.push(req.url); res.end(); }).listen(80);",
        ].join('\n'),
      },
      application,
    );
    assert.deepEqual(
      findings.filter((f) => f.ruleId === 'blocking-call').map((f) => `${f.file}:${f.range.start.line}`),
      ['src/journal.js:4'],
    );
  });

  it("in a library, a one-time listener a factory registers is run time (the factory's async work)", () => {
    const code = [
      "const fs = require('fs');",
      "const net = require('net');",
      'exports.ResponseServer = function (path) {',
      '  return new Promise((resolve) => {',
      '    const server = net.createServer((c) => c.end());',
      "    server.on('close', () => fs.unlinkSync(path));",
      '    server.listen(path, () => resolve(server));',
      '  });',
      '};',
    ].join('\n');
    const library = { config: { mode: 'library' as const } };
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/index.js', library)), [6]);
  });
});

describe('methods linked by the class of their receiver', () => {
  // node-media-server's shape: the server's `run()` starts once; per-connection `session.run()`
  // on another class's instances must not make it run time
  const files = {
    'src/trans-server.js': [
      "const fs = require('fs');",
      "const Session = require('./session');",
      'class TransServer {',
      '  run() {',
      "    fs.accessSync('/usr/bin/ffmpeg');",
      "    this.events.on('publish', this.onPublish.bind(this));",
      '  }',
      '  onPublish(path) {',
      '    const session = new Session(path);',
      '    session.run();',
      '  }',
      '}',
      'module.exports = TransServer;',
    ].join('\n'),
    'src/session.js': [
      "const fs = require('fs');",
      'class Base {',
      '  run() {',
      "    fs.unlinkSync('/tmp/segment');",
      '  }',
      '}',
      'class Session extends Base {}',
      'module.exports = Session;',
    ].join('\n'),
    'src/main.js': [
      "const TransServer = require('./trans-server');",
      'class MediaServer {',
      '  run() {',
      '    this.trans = new TransServer();',
      '    this.trans.run();',
      '  }',
      '}',
      'const server = new MediaServer();',
      'server.run();',
    ].join('\n'),
  };

  it("a call on another class's instance does not reach a method of the same name", () => {
    const findings = analyzeFiles(files, application).filter(
      (f) => f.ruleId === 'blocking-call' && !f.callSiteOf,
    );
    // the session's inherited run() is run time (per publish event); the servers' run() is start-up
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.range.start.line}`),
      ['src/session.js:4'],
    );
  });

  it('an unknown receiver still reaches every method of that name', () => {
    const findings = analyzeFiles(
      {
        ...files,
        'src/admin.js': [
          "require('http').createServer((req, res) => { req.app.server.run(); res.end(); }).listen(81);",
        ].join('\n'),
      },
      application,
    ).filter((f) => f.ruleId === 'blocking-call' && !f.callSiteOf);
    assert.ok(findings.some((f) => f.file === 'src/trans-server.js'));
  });
});

describe('constructors handed to a framework', () => {
  it("an ES5 constructor given to `registerType` sets up an instance; its 'input' listener is run time", () => {
    const code = [
      "const fs = require('fs');",
      'module.exports = function (RED) {',
      '  function TLSConfig(config) {',
      '    RED.nodes.createNode(this, config);',
      '    this.cert = fs.readFileSync(config.certPath);',
      "    this.on('input', (msg) => fs.writeFileSync(config.out, msg.payload));",
      '  }',
      "  RED.nodes.registerType('tls-config', TLSConfig);",
      '};',
    ].join('\n');
    assert.deepEqual(lines(findingsOf('blocking-call', code, 'src/tls.js', application)), [6]);
  });
});
