// The per-file index of calls by bare name (src/analysis/model/calls-by-name.ts) that loop-origin
// and unbounded-array-queue ask "what does every call of this function pass?": it must find what
// the walk it replaced found, whether built from a walk of the file or from a rule's recorded nodes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { callsNamed } from '../../src/analysis/model/calls-by-name.js';

const code = [
  'function f(list) { return list; }',
  'f([1]);',
  'o.f([2]);', // a method of another object: not `f`
  '(f)([3]);',
  'g(f([4]));',
  'const inner = () => f([5]);',
  'new f([6]);', // a construction, not a call
].join('\n');

const parse = () => ts.createSourceFile('a.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
const firstArguments = (calls: readonly ts.CallExpression[]) => calls.map((c) => c.arguments[0]!.getText());

function everyNode(sourceFile: ts.SourceFile): ts.Node[] {
  const nodes: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    nodes.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return nodes;
}

describe('calls by bare name', () => {
  it('finds `f(…)` and `(f)(…)` in document order, nested and in inner functions, not `o.f()` or `new f()`', () => {
    assert.deepEqual(firstArguments(callsNamed(parse(), 'f')), ['[1]', '[3]', '[4]', '[5]']);
  });

  it('gives the same calls when built from recorded nodes', () => {
    const sourceFile = parse();
    assert.deepEqual(firstArguments(callsNamed(sourceFile, 'f', everyNode(sourceFile))), [
      '[1]',
      '[3]',
      '[4]',
      '[5]',
    ]);
  });

  it('answers other names from the same index, and nothing for a name never called', () => {
    const sourceFile = parse();
    assert.equal(callsNamed(sourceFile, 'f').length, 4);
    assert.deepEqual(firstArguments(callsNamed(sourceFile, 'g')), ['f([4])']);
    assert.deepEqual(callsNamed(sourceFile, 'missing'), []);
  });
});
