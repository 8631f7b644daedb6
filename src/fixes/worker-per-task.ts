// Suggestion for worker-per-task: hoist a pool made per task (`const pool = new Piscina({…})` in
// a request handler, `new Tinypool(…)`, `workerpool.pool(…)`) to module scope, so every task
// shares one pool and its threads stay warm. Offered only when the pool's constructor arguments
// are module-level constants (imports, module `const`s declared before the function, globals
// such as `__dirname`/`import.meta`): then the hoisted pool is built from the same values. Never
// safe: tasks now share one pool's threads and queue, and the pool is built at module load.
// The function's statements that tear the pool down (`await pool.destroy();`) are removed with
// it (they would end the shared pool after the first task). Not offered when a teardown's value
// is used, when the arguments read the task's values, when the name is taken at module level, nor
// for a plain `new Worker()` (its message protocol is per task: hoisting it needs a pool).
import ts from 'typescript';
import { isFunctionLike, parentSkippingWrappers, skipOuterExpressions } from '../analysis/ast.js';
import { findDeclaration } from '../analysis/model/declarations.js';
import type { WorkerSpawn } from '../analysis/model/threads.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { indentOf } from './statements.js';

const TEARDOWN = new Set(['destroy', 'close', 'terminate']);

/** The top-level statement of the file that contains `node`. */
function topLevelStatement(node: ts.Node): ts.Statement | undefined {
  let current: ts.Node = node;
  while (current.parent && !ts.isSourceFile(current.parent)) current = current.parent;
  return current.parent ? (current as ts.Statement) : undefined;
}

function insideFunction(node: ts.Node): boolean {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent)
    if (isFunctionLike(current)) return true;
  return false;
}

/** Do the arguments only read module-level constants declared before `before` (or globals)? */
function argumentsAreModuleConstants(args: readonly ts.Expression[], before: ts.Statement): boolean {
  let ok = true;
  const visit = (node: ts.Node): void => {
    if (!ok) return;
    if (isFunctionLike(node)) {
      ok = false; // a callback option may close over the task's locals
      return;
    }
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node);
      if (!isName) {
        const declaration = findDeclaration(node);
        if (declaration) {
          if (declaration.kind === 'parameter' || insideFunction(declaration.node)) ok = false;
          else if (declaration.node.getStart() >= before.getStart()) ok = false;
          else if (
            declaration.kind === 'variable' &&
            (!ts.isVariableDeclarationList(declaration.node.parent) ||
              (declaration.node.parent.flags & ts.NodeFlags.Const) === 0)
          )
            ok = false;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const arg of args) visit(arg);
  return ok;
}

/**
 * The statements of `fn` that tear the pool down (`await pool.destroy();`): they go with the
 * hoist, or the first task would end the shared pool. Undefined when a teardown is not a
 * statement of its own (its value is used).
 */
function teardownStatements(fn: ts.Node, name: string): ts.Statement[] | undefined {
  const found: ts.Statement[] = [];
  let ok = true;
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      TEARDOWN.has(node.expression.name.text)
    ) {
      const receiver = skipOuterExpressions(node.expression.expression);
      if (ts.isIdentifier(receiver) && receiver.text === name) {
        const parent = parentSkippingWrappers(node);
        const statement = ts.isAwaitExpression(parent) ? parentSkippingWrappers(parent) : parent;
        if (ts.isExpressionStatement(statement)) found.push(statement);
        else ok = false;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return ok ? found : undefined;
}

function declaredAtTopLevel(sourceFile: ts.SourceFile, name: string): boolean {
  return new RegExp(
    `^(export\\s+)?(const|let|var|function|class)\\s+${name}\\b|^import\\b.*\\b${name}\\b`,
    'm',
  ).test(sourceFile.text);
}

/** The edit removing a statement with its line (indentation and line break). */
function removeLine(sourceFile: ts.SourceFile, statement: ts.Statement, file: string): TextEdit {
  const text = sourceFile.text;
  const start = statement.getStart(sourceFile);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const onlyOnLine = text.slice(lineStart, start).trim() === '';
  const lineEnd = text.indexOf('\n', statement.getEnd());
  const restEmpty = text.slice(statement.getEnd(), lineEnd === -1 ? text.length : lineEnd).trim() === '';
  if (onlyOnLine && restEmpty)
    return { file, start: lineStart, end: lineEnd === -1 ? text.length : lineEnd + 1, newText: '' };
  // `finally { await pool.terminate(); }` → `finally { }`
  const spaceAround = text[start - 1] === ' ' && text[statement.getEnd()] === ' ';
  return { file, start: spaceAround ? start - 1 : start, end: statement.getEnd(), newText: '' };
}

export function hoistPoolSuggestion(
  sourceFile: ts.SourceFile,
  spawn: WorkerSpawn,
  file: string,
): Fix | undefined {
  if (spawn.kind !== 'piscina' && spawn.kind !== 'tinypool' && spawn.kind !== 'workerpool') return undefined;
  const creation = spawn.node;
  const fn = (() => {
    for (let current = creation.parent; current && !ts.isSourceFile(current); current = current.parent)
      if (isFunctionLike(current)) return current;
    return undefined;
  })();
  const top = topLevelStatement(creation);
  if (!fn || !top) return undefined;
  if (!argumentsAreModuleConstants(creation.arguments ?? [], top)) return undefined;
  const creationText = creation.getText(sourceFile);
  const holder = parentSkippingWrappers(creation);
  const indent = indentOf(sourceFile, top);
  const insertAt = top.getStart(sourceFile) - indent.length;
  const title = 'Create the pool once at module scope (shared by every task)';
  if (
    ts.isVariableDeclaration(holder) &&
    ts.isIdentifier(holder.name) &&
    ts.isVariableDeclarationList(holder.parent) &&
    (holder.parent.flags & ts.NodeFlags.Const) !== 0 &&
    holder.parent.declarations.length === 1 &&
    ts.isVariableStatement(holder.parent.parent)
  ) {
    const name = holder.name.text;
    const teardowns = teardownStatements(fn, name);
    if (declaredAtTopLevel(sourceFile, name) || !teardowns) return undefined;
    const statement = holder.parent.parent;
    const statementIndent = indentOf(sourceFile, statement);
    const text = statement
      .getText(sourceFile)
      .split('\n')
      .map((line, i) =>
        i > 0 && line.startsWith(statementIndent) ? line.slice(statementIndent.length) : line,
      )
      .join('\n');
    return {
      title,
      safe: false,
      edits: [
        { file, start: insertAt, end: insertAt, newText: `${text}\n` },
        removeLine(sourceFile, statement, file),
        ...teardowns.map((teardown) => removeLine(sourceFile, teardown, file)),
      ],
    };
  }
  // `await new Piscina({…}).run(task)`: the pool gets a name
  const name = 'pool';
  if (new RegExp(`\\b${name}\\b`).test(sourceFile.text)) return undefined;
  const used = parentSkippingWrappers(creation);
  if (!ts.isPropertyAccessExpression(used) || TEARDOWN.has(used.name.text)) return undefined;
  return {
    title,
    safe: false,
    edits: [
      { file, start: insertAt, end: insertAt, newText: `const ${name} = ${creationText};\n` },
      { file, start: creation.getStart(sourceFile), end: creation.getEnd(), newText: name },
    ],
  };
}
