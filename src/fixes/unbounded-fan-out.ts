// Suggestion for unbounded-fan-out: run the per-element work through `p-limit`, so at most
// LIMIT elements are in flight: `Promise.all(items.map(async (item) => load(item)))` →
// `const limit = pLimit(10);` before the statement and
// `Promise.all(items.map((item) => limit(async () => load(item))))`; a named mapper
// (`items.map(loadUser)`) becomes `(...args) => limit(() => loadUser(...args))` (same arguments).
// The results keep their order and the combinator is unchanged. `p-limit` is imported and
// added to the package's dependencies when missing (`dependency`, applied by the editor). Never
// safe: the work now runs LIMIT at a time (slower for small inputs; the title says to tune it).
// ES modules only (p-limit is ESM-only). Not offered for mappers that use `this`/`arguments`,
// method references (`this.load` would lose its `this`), `flatMap`, arrays filled by `push` in a
// loop, or when `limit`/`pLimit` are taken.
import ts from 'typescript';
import { calleeName, skipOuterExpressions } from '../analysis/ast.js';
import type { Fix } from '../analysis/types.js';
import { addNamedImport, isEsModule } from './imports.js';
import { enclosingStatement, indentOf } from './statements.js';

/** A starting point; the title says to tune it. */
const LIMIT = 10;
export const P_LIMIT_RANGE = '^7.3.3';

function mentionsThisOrArguments(node: ts.Node): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found) return;
    if (child.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(child) && child.text === 'arguments')) {
      found = true;
      return;
    }
    // a nested ordinary function has its own `this` and `arguments`
    if (ts.isFunctionDeclaration(child) || ts.isFunctionExpression(child) || ts.isMethodDeclaration(child))
      return;
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  return found;
}

/** The mapper rewritten to go through `limit`, or undefined when it cannot be. */
function limitedMapper(sourceFile: ts.SourceFile, mapper: ts.Expression): string | undefined {
  const callback = skipOuterExpressions(mapper);
  if (ts.isIdentifier(callback)) return `(...args) => limit(() => ${callback.text}(...args))`;
  if (!ts.isArrowFunction(callback) && !ts.isFunctionExpression(callback)) return undefined;
  if (ts.isFunctionExpression(callback) && (callback.asteriskToken || mentionsThisOrArguments(callback.body)))
    return undefined;
  const isAsync = (ts.getModifiers(callback) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  const parameters = callback.parameters;
  const parametersText =
    parameters.length > 0
      ? sourceFile.text.slice(
          parameters[0]!.getStart(sourceFile),
          parameters[parameters.length - 1]!.getEnd(),
        )
      : '';
  const returnType = callback.type ? `: ${callback.type.getText(sourceFile)}` : '';
  const body = callback.body.getText(sourceFile);
  const inner = ts.isArrowFunction(callback)
    ? `${isAsync ? 'async ' : ''}()${returnType} => ${body}`
    : `${isAsync ? 'async ' : ''}function ()${returnType} ${body}`;
  return `(${parametersText}) => limit(${inner})`;
}

/**
 * The suggestion for a fan-out whose per-element work starts at `site` (the `items.map(…)` or
 * `Array.from(items, …)` call).
 */
export function limitConcurrencySuggestion(
  sourceFile: ts.SourceFile,
  site: ts.Node,
  file: string,
): Fix | undefined {
  if (!ts.isCallExpression(site) || !isEsModule(sourceFile, file)) return undefined;
  const name = calleeName(site);
  const mapper = name === 'map' ? site.arguments[0] : name === 'from' ? site.arguments[1] : undefined;
  if (!mapper || (name === 'map' && site.arguments.length !== 1)) return undefined;
  if (/\blimit\b/.test(sourceFile.text)) return undefined;
  const replacement = limitedMapper(sourceFile, mapper);
  // the limiter is declared before the statement that maps (`const jobs = items.map(…)` may come
  // before the `await Promise.all(jobs)`)
  const statement = enclosingStatement(site);
  const importEdit = addNamedImport(sourceFile, file, 'pLimit', 'p-limit', 'default');
  if (!replacement || !statement || !importEdit) return undefined;
  const indent = indentOf(sourceFile, statement);
  const lineStart = statement.getStart(sourceFile) - indent.length;
  return {
    title: `Run at most ${LIMIT} at once with p-limit (tune it)`,
    safe: false,
    edits: [
      importEdit,
      { file, start: lineStart, end: lineStart, newText: `${indent}const limit = pLimit(${LIMIT});\n` },
      { file, start: mapper.getStart(sourceFile), end: mapper.getEnd(), newText: replacement },
    ],
    dependency: { name: 'p-limit', range: P_LIMIT_RANGE },
  };
}
