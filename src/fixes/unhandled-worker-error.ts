// Suggestion for unhandled-worker-error: listen to the worker's 'error' (and 'exit') right after
// it is created. When the worker is made inside a `new Promise((resolve, reject) => …)` executor,
// the pending promise is the work that would hang: 'error' rejects it, and so does an 'exit' with
// a non-zero code (a worker that dies without throwing, e.g. `process.exit(1)` or out of memory).
// Otherwise a minimal handler logs the error, so an exception in the worker no longer crashes the
// process. Never safe: both change what happens when the worker fails.
import ts from 'typescript';
import {
  isFunctionLike,
  mentionsAny,
  parentSkippingWrappers,
  skipOuterExpressions,
} from '../analysis/ast.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { insertAfter } from './statements.js';

/** The statement keeping the worker and the expression naming it: `const w = new Worker(…)`, `this.w = new Worker(…)`. */
function keeper(spawn: ts.Node): { statement: ts.Statement; receiver: string } | undefined {
  const parent = parentSkippingWrappers(spawn);
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
    const list = parent.parent;
    const statement = list.parent;
    if (
      ts.isVariableDeclarationList(list) &&
      ts.isVariableStatement(statement) &&
      list.declarations.length === 1
    )
      return { statement, receiver: parent.name.text };
    return undefined;
  }
  if (
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isExpressionStatement(parent.parent)
  ) {
    const left = skipOuterExpressions(parent.left);
    if (ts.isIdentifier(left) || (ts.isPropertyAccessExpression(left) && isSimpleChain(left)))
      return { statement: parent.parent, receiver: left.getText() };
  }
  return undefined;
}

function isSimpleChain(expression: ts.Expression): boolean {
  if (ts.isIdentifier(expression) || expression.kind === ts.SyntaxKind.ThisKeyword) return true;
  return ts.isPropertyAccessExpression(expression) && isSimpleChain(expression.expression);
}

/**
 * The `reject` of the `new Promise((resolve, reject) => …)` executor the spawn runs in, if any,
 * with the edit adding it to an executor that only takes `resolve`.
 */
function pendingReject(spawn: ts.Node, file: string): { name: string; edits: TextEdit[] } | undefined {
  let current: ts.Node | undefined = spawn.parent;
  while (current && !isFunctionLike(current)) current = current.parent;
  if (!current || !(ts.isArrowFunction(current) || ts.isFunctionExpression(current))) return undefined;
  const creation = parentSkippingWrappers(current);
  if (
    !ts.isNewExpression(creation) ||
    !ts.isIdentifier(creation.expression) ||
    creation.expression.text !== 'Promise' ||
    creation.arguments?.[0] === undefined ||
    skipOuterExpressions(creation.arguments[0]) !== current
  )
    return undefined;
  const [resolve, second] = current.parameters;
  if (second) return ts.isIdentifier(second.name) ? { name: second.name.text, edits: [] } : undefined;
  // `new Promise((resolve) => …)`: the executor gets its `reject`
  if (
    !resolve ||
    !ts.isIdentifier(resolve.name) ||
    resolve.dotDotDotToken ||
    mentionsAny(current, ['reject'])
  )
    return undefined;
  const sourceFile = spawn.getSourceFile();
  const parenthesized =
    current.parameters.pos > current.getStart(sourceFile) &&
    sourceFile.text.slice(current.getStart(sourceFile), resolve.getStart(sourceFile)).includes('(');
  const at = resolve.getEnd();
  return {
    name: 'reject',
    edits: parenthesized
      ? [{ file, start: at, end: at, newText: ', reject' }]
      : [{ file, start: resolve.getStart(sourceFile), end: at, newText: `(${resolve.name.text}, reject)` }],
  };
}

export function workerErrorSuggestion(
  sourceFile: ts.SourceFile,
  spawn: ts.Node,
  file: string,
): Fix | undefined {
  const kept = keeper(spawn);
  if (!kept) return undefined;
  const { statement, receiver } = kept;
  const pending = pendingReject(spawn, file);
  if (pending) {
    const reject = pending.name;
    return {
      title: "Reject the pending promise on the worker's 'error' and 'exit'",
      safe: false,
      edits: [
        ...pending.edits,
        insertAfter(
          sourceFile,
          statement,
          [
            `${receiver}.on('error', ${reject});`,
            `${receiver}.on('exit', (code) => {`,
            `  if (code !== 0) ${reject}(new Error(\`Worker stopped with exit code \${code}\`));`,
            '});',
          ],
          file,
        ),
      ],
    };
  }
  return {
    title: "Log the worker's 'error' instead of crashing the process",
    safe: false,
    edits: [
      insertAfter(
        sourceFile,
        statement,
        [`${receiver}.on('error', (error) => {`, '  console.error(error);', '});'],
        file,
      ),
    ],
  };
}
