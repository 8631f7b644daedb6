// Library code in the shapes real packages write it (issue 13, libraries): a module handle stored
// on `this` through an alias of a required module (`this.fs = fsystem`), and `make*`/`create*`
// API names that make a directory or file on each call rather than build an object.
import { lines, ruleTester } from '../helpers/rule-tester.js';

const library = { mode: 'library' as const };

ruleTester('blocking-call', {
  valid: [
    {
      name: 'a factory named create*/make* that builds an object is set-up, quiet in a library',
      code: lines(
        "const fs = require('fs');",
        'function makeStore(file) {',
        '  return { data: JSON.parse(fs.readFileSync(file, "utf8")) };',
        '}',
        'exports.makeStore = makeStore;',
      ),
      config: library,
    },
  ],
  invalid: [
    {
      name: 'makeDirectory() makes a directory on every call: run time in a library',
      code: lines(
        "const fs = require('fs');",
        "const path = require('path');",
        'function makeDirectory(pathWithFile) {',
        '  fs.mkdirSync(path.dirname(pathWithFile), { recursive: true });',
        '}',
        'exports.makeDirectory = makeDirectory;',
      ),
      config: library,
      errors: [{ messageId: 'blocking', line: 4, column: 3, endLine: 4, endColumn: 64, severity: 'info' }],
    },
    {
      name: 'a module handle stored on `this` through an alias (`this.fs = fsystem`)',
      code: lines(
        "const fsystem = require('fs');",
        'function Utils(opts) {',
        '  this.fs = fsystem;',
        '}',
        'Utils.prototype.findFiles = function (dir) {',
        '  const self = this;',
        '  return self.fs.readdirSync(dir);',
        '};',
        'module.exports = Utils;',
      ),
      config: library,
      errors: [{ messageId: 'blocking', line: 7, column: 10, endLine: 7, endColumn: 34, severity: 'info' }],
    },
  ],
});

ruleTester('blocking-call', {
  valid: [
    {
      name: 'methods of the synchronous twin of an API class (`UnpackSync`) are synchronous on purpose',
      code: lines(
        "const fs = require('fs');",
        'class Unpack {',
        '  [CHECKFS](entry) { fs.lstat(entry.path, (er, st) => this.done(er, st)); }',
        '}',
        'class UnpackSync extends Unpack {',
        '  [CHECKFS](entry) { const st = fs.lstatSync(entry.path); this.done(null, st); }',
        '}',
        'module.exports = { Unpack, UnpackSync };',
      ),
      config: library,
    },
    {
      name: 'an export named `sync` is the synchronous twin (`mkdirp.sync()`)',
      code: lines(
        "const fs = require('fs');",
        'module.exports = (dir, cb) => fs.mkdir(dir, cb);',
        'module.exports.sync = (dir) => fs.mkdirSync(dir);',
      ),
      config: library,
    },
  ],
  invalid: [],
});

ruleTester('blocking-call', {
  valid: [
    {
      name: "a factory's own body is set-up (adm-zip's `new AdmZip(file)` reads the file it is given)",
      code: lines(
        "const fs = require('fs');",
        'module.exports = function (file) {',
        '  const data = fs.readFileSync(file);',
        '  return { get: function () { return data; } };',
        '};',
      ),
      config: library,
    },
    {
      name: 'objects made by a helper the file does not export are not an API (browser directive definitions)',
      code: lines(
        "const fs = require('fs');",
        'function directive() {',
        "  return { link: function () { return fs.readFileSync('x'); } };",
        '}',
        'module.exports = 1;',
      ),
      config: library,
    },
  ],
  invalid: [
    {
      name: 'methods of the object an exported factory returns are its API',
      code: lines(
        "const fs = require('fs');",
        'module.exports = function (file) {',
        '  return {',
        '    list: function () { return fs.readFileSync(file); },',
        '    readAsync: (callback) => callback(null, fs.readFileSync(file)),',
        '  };',
        '};',
      ),
      config: library,
      errors: [
        { messageId: 'blocking', line: 4, column: 32, endLine: 4, endColumn: 53, severity: 'info' },
        { messageId: 'blocking', line: 5, column: 45, endLine: 5, endColumn: 66, severity: 'warning' },
      ],
    },
  ],
});

ruleTester('blocking-call', {
  valid: [
    {
      name: 'a member of a namespace the file does not export is not an API',
      code: lines(
        "var forge = require('./forge');",
        "var _crypto = require('crypto');",
        'module.exports = forge.pki.rsa = forge.rsa = forge.rsa || {};',
        'var pki = forge.pki;',
        "pki.other = function () { return _crypto.generateKeyPairSync('rsa', {}); };",
      ),
      config: library,
    },
  ],
  invalid: [
    {
      name: "a member of a namespace exported in a chain (node-forge's `pki.rsa.generateKeyPair = function`)",
      code: lines(
        "var forge = require('./forge');",
        "var _crypto = forge.util.isNodejs ? require('crypto') : null;",
        'module.exports = forge.pki.rsa = forge.rsa = forge.rsa || {};',
        'var pki = forge.pki;',
        'pki.rsa.generateKeyPair = function (bits, callback) {',
        "  if (!callback) return _crypto.generateKeyPairSync('rsa', { modulusLength: bits });",
        "  _crypto.generateKeyPair('rsa', { modulusLength: bits }, callback);",
        '};',
      ),
      config: library,
      errors: [
        { messageId: 'blocking', line: 6, column: 25, endLine: 6, endColumn: 84, severity: 'warning' },
      ],
    },
  ],
});
