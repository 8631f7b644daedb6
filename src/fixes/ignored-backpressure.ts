// Suggestion for ignored-backpressure: in an async function, a `stream.write(chunk)` statement in a
// loop becomes `if (!stream.write(chunk)) await once(stream, 'drain');` (`once` from
// `node:events`, reused or imported). The same bytes are written in the same order; the loop now
// waits while the stream's buffer is full. Never safe: the pacing changes, a stream that fails
// makes `once` reject (the loop throws instead of writing on), and one destroyed without an
// error would leave the loop waiting. Only where `await` works: the loop is a statement of the
// async function itself (not a `.forEach` callback), and the stream is named by a plain name or
// property chain (it is evaluated twice).
import ts from 'typescript';
import { enclosingFunction, isAsyncFunction, isLoop } from '../analysis/ast.js';
import type { Fix } from '../analysis/types.js';
import { builtinExport } from './statements.js';

function isPlainChain(expression: ts.Expression): boolean {
  if (ts.isIdentifier(expression) || expression.kind === ts.SyntaxKind.ThisKeyword) return true;
  return ts.isPropertyAccessExpression(expression) && isPlainChain(expression.expression);
}

export function drainSuggestion(
  sourceFile: ts.SourceFile,
  call: ts.CallExpression,
  loop: ts.Node,
  file: string,
): Fix | undefined {
  const statement = call.parent;
  if (!ts.isExpressionStatement(statement) || !isLoop(loop)) return undefined;
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !isPlainChain(callee.expression)) return undefined;
  const fn = enclosingFunction(call);
  if (!fn || !isAsyncFunction(fn) || enclosingFunction(loop) !== fn) return undefined;
  const once = builtinExport(sourceFile, file, 'events', 'once');
  if (!once) return undefined;
  const receiver = callee.expression.getText(sourceFile);
  return {
    title: "Wait for 'drain' when write() returns false",
    safe: false,
    edits: [
      ...once.edits,
      {
        file,
        start: statement.getStart(sourceFile),
        end: statement.getEnd(),
        newText: `if (!${call.getText(sourceFile)}) await ${once.text}(${receiver}, 'drain');`,
      },
    ],
  };
}
