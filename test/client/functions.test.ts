// The function finder behind "Profile Function at Cursor" and the Profile CodeLens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultArguments, findFunctions, functionAt } from '../../src/client/functions.js';

const paths = (text: string) => findFunctions(text).map((f) => f.path);

describe('findFunctions', () => {
  it('finds declarations, exported const arrows and function expressions, exported or not', () => {
    const text = `import { x } from './x';
export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
async function load(path: string) { return path; }
export const spin = (ms: number): void => { const end = Date.now() + ms; while (Date.now() < end); };
const double = (n) => n * 2;
let parse = async function (text: string) { return JSON.parse(text); };
export default function (items: string[]) { return items.length; }
const value = 3;
function overload(a: string): void;
function overload(a: unknown) {}
`;
    assert.deepEqual(paths(text), ['fib', 'load', 'spin', 'double', 'parse', 'default', 'overload']);
  });

  it('names class methods as profileFunction reaches them: static on the class, others on the prototype', () => {
    const text = `export class Matrix<T> extends Base implements Shape {
  private data: number[] = [];
  static readonly size = 3;
  constructor(private readonly n: number) { super(); }
  static create(n: number): Matrix<number> { return new Matrix(n); }
  async multiply(other: Matrix<T>, scale = 1): Promise<{ ok: boolean }> { return { ok: true }; }
  get rows() { return 1; }
  #secret() {}
  handler = () => { return 1; };
}`;
    assert.deepEqual(paths(text), ['Matrix.create', 'Matrix.prototype.multiply']);
  });

  it('is not fooled by braces in strings, templates, regexes and comments', () => {
    const text = `const a = '{'; const b = \`\${'}'} {\`; const r = /[}{]/g; // }
/* { */ function after(s: string) { return s.replace(/\\}/g, '') + \`\${s}}\`; }`;
    assert.deepEqual(paths(text), ['after']);
  });

  it('returns the innermost function at an offset, and spans the whole declaration', () => {
    const text = `export class A {\n  static run() {\n    return 1;\n  }\n}\nfunction b() {}\n`;
    const functions = findFunctions(text);
    assert.equal(functionAt(functions, text.indexOf('return'))?.path, 'A.run');
    assert.equal(functionAt(functions, text.indexOf('b()'))?.path, 'b');
    assert.equal(functionAt(functions, text.indexOf('class')), undefined);
    const b = functions.find((f) => f.path === 'b')!;
    assert.equal(text.slice(b.start, b.end), 'function b() {}');
  });
});

describe('defaultArguments', () => {
  it('builds placeholders from the parameter types and leaves trailing optional ones out', () => {
    const [f] = findFunctions(
      'function f(n: number, s: string, list: number[], o: { a: 1 }, flag: boolean, x, y?: number, z = 2) {}',
    );
    assert.equal(defaultArguments(f!.parameters), '[0, "", [], {}, false, null]');
    assert.equal(defaultArguments(findFunctions('const g = () => 1;')[0]!.parameters), '[]');
  });
});
