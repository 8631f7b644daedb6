// Suggestion for unbounded-fan-out: run the per-element work through `p-limit`, so at most
// LIMIT elements are in flight: `Promise.all(items.map(async (item) => load(item)))` →
// `const limit = pLimit(10);` before the statement and
// `Promise.all(items.map((item) => limit(async () => load(item))))`; a named mapper
// (`items.map(loadUser)`) becomes `(...args) => limit(() => loadUser(...args))` (same arguments).
// The results keep their order and the combinator is unchanged. `p-limit` is imported and
// added to the package's dependencies when missing (`dependency`, applied by the editor). Never
// safe: the work now runs LIMIT at a time (slower for small inputs; the title says to tune it).
// In CommonJS (p-limit is ESM-only) the suggestion processes the collection in chunks instead
// (chunkSuggestion). Not offered for mappers that use `this`/`arguments`,
// method references (`this.load` would lose its `this`), `flatMap`, arrays filled by `push` in a
// loop, or when `limit`/`pLimit` are taken.
import ts from 'typescript';
import { calleeName, skipOuterExpressions } from '../analysis/ast.js';
import type { Fix } from '../analysis/types.js';
import { addNamedImport, isEsModule } from './imports.js';
import { enclosingStatement, indentOf } from './statements.js';

/** A starting point; the title says to tune it. */
const LIMIT = 10;
const P_LIMIT_RANGE = '^7.3.3';

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
  combinator: ts.CallExpression,
  site: ts.Node,
  file: string,
): Fix | undefined {
  if (!ts.isCallExpression(site)) return undefined;
  if (!isEsModule(sourceFile, file)) return chunkSuggestion(sourceFile, combinator, site, file);
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

/** A plain name or property chain (`items`, `req.body.users`): safe to read more than once. */
function isPlainChain(expression: ts.Expression): boolean {
  if (ts.isIdentifier(expression)) return true;
  return ts.isPropertyAccessExpression(expression) && isPlainChain(expression.expression);
}

/**
 * CommonJS (no p-limit there): process the collection in chunks of LIMIT.
 * `const results = await Promise.all(items.map(cb));` →
 * `const results = [];` + `for (let i = 0; i < items.length; i += 10) results.push(...(await Promise.all(items.slice(i, i + 10).map(cb))));`
 * Only for that statement shape (or the bare `await Promise.all(…);`) with `all`/`allSettled`, a
 * mapper written inline that takes one parameter (an index would count within the chunk), and a
 * collection named by a plain chain.
 */
function chunkSuggestion(
  sourceFile: ts.SourceFile,
  combinator: ts.CallExpression,
  site: ts.CallExpression,
  file: string,
): Fix | undefined {
  const callee = combinator.expression;
  if (!ts.isPropertyAccessExpression(callee) || !/^(all|allSettled)$/.test(callee.name.text))
    return undefined;
  if (combinator.arguments[0] !== site || calleeName(site) !== 'map' || site.arguments.length !== 1)
    return undefined;
  const mapper = skipOuterExpressions(site.arguments[0]!);
  if (!(ts.isArrowFunction(mapper) || ts.isFunctionExpression(mapper)) || mapper.parameters.length !== 1)
    return undefined;
  const mapped = site.expression;
  if (!ts.isPropertyAccessExpression(mapped) || !isPlainChain(mapped.expression)) return undefined;
  const awaited = combinator.parent;
  if (!ts.isAwaitExpression(awaited)) return undefined;
  const collection = mapped.expression.getText(sourceFile);
  const index = /\bi\b/.test(site.getText(sourceFile)) ? undefined : 'i';
  if (!index) return undefined;
  const chunk = `await ${callee.getText(sourceFile)}(${collection}.slice(${index}, ${index} + ${LIMIT}).map(${site.arguments[0]!.getText(sourceFile)}))`;
  const loop = (push: string) =>
    `for (let ${index} = 0; ${index} < ${collection}.length; ${index} += ${LIMIT}) ${push}`;
  const statement = awaited.parent;
  const title = `Process ${collection} in chunks of ${LIMIT} (tune it)`;
  if (ts.isExpressionStatement(statement)) {
    return {
      title,
      safe: false,
      edits: [
        {
          file,
          start: statement.getStart(sourceFile),
          end: statement.getEnd(),
          newText: `${loop(`${chunk};`)}`,
        },
      ],
    };
  }
  const declaration = statement;
  if (
    !ts.isVariableDeclaration(declaration) ||
    !ts.isIdentifier(declaration.name) ||
    declaration.type ||
    !ts.isVariableDeclarationList(declaration.parent) ||
    declaration.parent.declarations.length !== 1 ||
    !ts.isVariableStatement(declaration.parent.parent)
  )
    return undefined;
  const variable = declaration.parent.parent;
  const keyword = (declaration.parent.flags & ts.NodeFlags.Const) !== 0 ? 'const' : 'let';
  const results = declaration.name.text;
  const indent = indentOf(sourceFile, variable);
  return {
    title,
    safe: false,
    edits: [
      {
        file,
        start: variable.getStart(sourceFile),
        end: variable.getEnd(),
        newText: `${keyword} ${results} = [];\n${indent}${loop(`${results}.push(...(${chunk}));`)}`,
      },
    ],
  };
}
