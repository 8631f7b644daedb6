// The functions the profiler can call, and the function to profile for a finding, from the AST.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { profilableFunctions, profileTargetAt } from '../../src/analysis/function-ranges.js';

function parse(code: string, fileName = 'routes.ts') {
  const sourceFile = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true);
  return { sourceFile, functions: profilableFunctions(sourceFile) };
}

/** The target for the first occurrence of `marker` in `code`. */
function targetAt(code: string, marker: string, fileName?: string) {
  const { sourceFile, functions } = parse(code, fileName);
  const offset = code.indexOf(marker);
  assert.ok(offset >= 0, marker);
  return profileTargetAt(sourceFile, functions, offset);
}

const express = `import crypto from 'node:crypto';
import { slugify } from './text.js';
import * as images from './images';

export function registerAuthRoutes(app) {
  app.post('/login', async (req, res) => {
    const hash = hashPassword(req.body.password);
    const direct = crypto.pbkdf2Sync(req.body.password, 'salt', 1e5, 64, 'sha512');
    res.json({ hash, slug: slugify(req.body.name), thumb: images.thumbnail(req.body.image) });
  });
}

function hashPassword(password: string): string {
  return crypto.pbkdf2Sync(password, 'salt', 100000, 64, 'sha512').toString('hex');
}
`;

describe('function ranges', () => {
  it('lists top-level functions, const arrows, object members and class methods with their paths', () => {
    const { functions } = parse(`
export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function hidden(text = 'a', ...rest: string[]) { return text; }
export const double = (values: number[]) => values.map((v) => v * 2);
export const helpers = { parse(text: string) { return JSON.parse(text); }, twice: (x: number) => 2 * x };
export class Thumbnailer {
  constructor(readonly size: number) {}
  resize(pixels: Buffer, width: number) { return pixels.length * width; }
  static create(size?: number) { return new Thumbnailer(size ?? 32); }
  scale = (factor: number) => this.size * factor;
  get area() { return 1; }
  #secret() {}
}
export default function (input: string) { return input; }
`);
    assert.deepEqual(
      functions.map((fn) => [fn.path, fn.exported, fn.isMethod, fn.isStatic]),
      [
        ['fib', true, false, false],
        ['hidden', false, false, false],
        ['double', true, false, false],
        ['helpers.parse', true, false, false],
        ['helpers.twice', true, false, false],
        ['Thumbnailer.prototype.resize', true, true, false],
        ['Thumbnailer.create', true, false, true],
        ['Thumbnailer.prototype.scale', true, true, false],
        ['default', true, false, false],
      ],
    );
    const resize = functions.find((fn) => fn.name === 'resize')!;
    assert.deepEqual(resize.parameters, [
      { name: 'pixels', type: 'Buffer', optional: false, rest: false },
      { name: 'width', type: 'number', optional: false, rest: false },
    ]);
    assert.equal(resize.className, 'Thumbnailer');
    const hidden = functions.find((fn) => fn.name === 'hidden')!;
    assert.deepEqual(hidden.parameters, [
      { name: 'text', type: 'string', optional: true, rest: false },
      { name: 'rest', type: 'string[]', optional: true, rest: true },
    ]);
  });

  it('reads JSDoc types in JavaScript and CommonJS exports', () => {
    const { functions } = parse(
      `/** @param {Buffer} data @param {number} level */
function compress(data, level) { return data; }
const other = function (n) { return n; };
module.exports = { compress };
`,
      'zip.js',
    );
    assert.deepEqual(
      functions.map((fn) => [fn.path, fn.exported, fn.parameters.map((p) => p.type)]),
      [
        ['compress', true, ['Buffer', 'number']],
        ['other', false, [undefined]],
      ],
    );
  });

  it('work in a named function: that function', () => {
    assert.deepEqual(targetAt(express, 'crypto.pbkdf2Sync(password'), {
      kind: 'local',
      path: 'hashPassword',
      viaCall: false,
    });
  });

  it('work in an inline route handler: the helper the flagged call invokes, never the registration function', () => {
    assert.deepEqual(targetAt(express, 'hashPassword(req.body'), {
      kind: 'local',
      path: 'hashPassword',
      viaCall: true,
    });
    assert.deepEqual(targetAt(express, 'slugify('), {
      kind: 'imported',
      specifier: './text.js',
      exportName: 'slugify',
    });
    assert.deepEqual(targetAt(express, 'images.thumbnail('), {
      kind: 'imported',
      specifier: './images',
      exportName: 'thumbnail',
    });
    // the blocking API called right in the handler: nothing the profiler can call holds it
    assert.equal(targetAt(express, 'crypto.pbkdf2Sync(req'), undefined);
  });

  it('work in a synchronous callback (map, forEach) belongs to the function that calls it', () => {
    const code = `export function checksums(files: string[]) {
  return files.map((file) => heavy(file));
}
function heavy(file: string) { return file.length; }`;
    assert.deepEqual(targetAt(code, 'heavy(file))'), { kind: 'local', path: 'checksums', viaCall: false });
  });

  it('this.method() from a listener inside a class: the method', () => {
    const code = `export class Server {
  start(emitter) {
    emitter.on('job', (job) => this.process(job));
  }
  process(job: { size: number }) { let x = 0; for (let i = 0; i < job.size; i++) x += i; return x; }
}`;
    assert.deepEqual(targetAt(code, 'this.process(job)'), {
      kind: 'local',
      path: 'Server.prototype.process',
      viaCall: true,
    });
  });
});
