// Calls to a function by its bare name (`f(…)`, `(f)(…)`) in one file, indexed once per file:
// "what does every call of this function pass?" is asked once per loop or parameter, and a walk
// of the whole file per question is quadratic on a large file (thousands of functions).
import ts from 'typescript';
import { skipOuterExpressions } from '../ast.js';

const callsByCallee = new WeakMap<ts.SourceFile, Map<string, ts.CallExpression[]>>();

/**
 * The calls `name(…)` in `sourceFile`, in document order. `recorded` (a rule context's `nodes`,
 * which hold every call) saves the walk of the file when the caller has it.
 */
export function callsNamed(
  sourceFile: ts.SourceFile,
  name: string,
  recorded?: readonly ts.Node[],
): readonly ts.CallExpression[] {
  let index = callsByCallee.get(sourceFile);
  if (!index) {
    const built = new Map<string, ts.CallExpression[]>();
    const add = (node: ts.Node): void => {
      if (!ts.isCallExpression(node)) return;
      const callee = skipOuterExpressions(node.expression);
      if (!ts.isIdentifier(callee)) return;
      const list = built.get(callee.text);
      if (list) list.push(node);
      else built.set(callee.text, [node]);
    };
    if (recorded) recorded.forEach(add);
    else {
      const visit = (node: ts.Node): void => {
        add(node);
        ts.forEachChild(node, visit);
      };
      visit(sourceFile);
    }
    index = built;
    callsByCallee.set(sourceFile, index);
  }
  return index.get(name) ?? [];
}
