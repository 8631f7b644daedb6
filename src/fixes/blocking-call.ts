// Fix for blocking-call: `fs.xSync(…)` → `await fs.promises.x(…)` inside an async function.
// Offered wherever `await` can stand in front of the call in that function (a statement, an
// initializer, an argument, inside an expression — parenthesised where needed:
// `(await fs.promises.readFile(p)).toString()`); `await` then yields the same value at the same
// point of the evaluation (or throws the same error there). The promise API must exist under the
// same name with the same parameters (asked of Node's own `fs.promises`, minus the ones whose
// options differ). Safe only when the first argument is clearly a path (a string, a template, a
// `path.*()` call, a URL): `fs.promises` takes a FileHandle, not a numeric fd, so with anything
// else it is offered as a suggestion.
// child_process `execSync`/`execFileSync` → `(await promisify(exec)(…, { encoding: 'buffer' })).stdout`:
// always a suggestion (see childProcessFix).
// Pure: a transform over the rule's tree (no `vscode`, no file system).
import { promises as fsPromises } from 'node:fs';
import ts from 'typescript';
import { enclosingFunction, hasModifier, skipOuterExpressions } from '../analysis/ast.js';
import type { ModuleReference } from '../analysis/model/modules.js';
import { propertyValue } from '../analysis/model/threads.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { addNamedImport, importedName, isEsModule } from './imports.js';
import { addPropertyEdit, builtinExport } from './statements.js';

/** Sync APIs whose promise twin differs: `statSync(p, { throwIfNoEntry })`, `existsSync` (none). */
const EXCLUDED = new Set(['exists', 'stat', 'lstat', 'fstat', 'read', 'write', 'close', 'open', 'opendir']);

function promiseName(reference: ModuleReference | undefined): string | undefined {
  if (reference?.module !== 'fs' || reference.path.length !== 1) return undefined;
  const name = reference.path[0]!;
  if (!name.endsWith('Sync')) return undefined;
  const base = name.slice(0, -4);
  if (EXCLUDED.has(base)) return undefined;
  return typeof (fsPromises as unknown as Record<string, unknown>)[base] === 'function' ? base : undefined;
}

/**
 * crypto and zlib calls whose callback twin (same name without `Sync`, same parameters, one
 * result) `util.promisify` turns into the same value: `await promisify(crypto.pbkdf2)(…)`.
 */
const PROMISIFIABLE: Record<string, RegExp> = {
  crypto: /^(pbkdf2|scrypt)Sync$/,
  zlib: /^(gzip|gunzip|deflate|inflate|deflateRaw|inflateRaw|unzip|brotliCompress|brotliDecompress)Sync$/,
};

function promisifyFix(
  sourceFile: ts.SourceFile,
  call: ts.CallExpression,
  reference: ModuleReference | undefined,
  file: string,
): Fix | undefined {
  const pattern = reference && reference.path.length === 1 ? PROMISIFIABLE[reference.module] : undefined;
  if (!pattern?.test(reference!.path[0]!)) return undefined;
  const callee = call.expression;
  // only `crypto.pbkdf2Sync(…)`: the namespace names the callback twin too
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return undefined;
  if (!asyncHome(call)) return undefined;
  const twin = `${callee.expression.text}.${callee.name.text.slice(0, -4)}`;
  const promisify = builtinExport(sourceFile, file, 'util', 'promisify');
  if (!promisify) return undefined;
  return {
    title: `Use await promisify(${twin})()`,
    safe: true,
    edits: [...promisify.edits, ...awaitEdits(sourceFile, call, `${promisify.text}(${twin})`, file)],
  };
}

/**
 * Can `await` go in front of the call? It must run in the async function itself, not in a
 * parameter default, a computed name or a class field (no `await` there). Anywhere else in an
 * expression, `await` yields the same value at the same point of the evaluation.
 */
function awaitable(call: ts.CallExpression, enclosing: ts.Node): boolean {
  for (let node: ts.Node = call.parent; node !== enclosing; node = node.parent) {
    if (ts.isParameter(node) || ts.isComputedPropertyName(node) || ts.isPropertyDeclaration(node))
      return false;
    if (ts.isDecorator(node)) return false;
  }
  return true;
}

/** Does the awaited call need parentheses where it stands (`(await read(p)).toString()`)? */
function needsParentheses(call: ts.CallExpression): boolean {
  const parent = call.parent;
  return (
    ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) &&
      parent.expression === call) ||
    ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression === call) ||
    (ts.isTaggedTemplateExpression(parent) && parent.tag === call)
  );
}

/**
 * The edits turning `callee(args)` into `await twin(args)`, parenthesised when the place needs it
 * or when `suffix` (`.stdout`) is read from the awaited value.
 */
function awaitEdits(
  sourceFile: ts.SourceFile,
  call: ts.CallExpression,
  twin: string,
  file: string,
  suffix = '',
): TextEdit[] {
  const callee = call.expression;
  const wrap = suffix !== '' || needsParentheses(call);
  const edits: TextEdit[] = [
    {
      file,
      start: callee.getStart(sourceFile),
      end: callee.getEnd(),
      newText: `${wrap ? '(' : ''}await ${twin}`,
    },
  ];
  if (wrap) edits.push({ file, start: call.getEnd(), end: call.getEnd(), newText: `)${suffix}` });
  return edits;
}

/** The async function the call runs in, when `await` can be put in front of it. */
function asyncHome(call: ts.CallExpression): ts.Node | undefined {
  const enclosing = enclosingFunction(call);
  if (!enclosing || !hasModifier(enclosing, ts.SyntaxKind.AsyncKeyword)) return undefined;
  return awaitable(call, enclosing) ? enclosing : undefined;
}

function looksLikePath(argument: ts.Expression | undefined): boolean {
  if (!argument) return false;
  const expr = skipOuterExpressions(argument);
  if (ts.isStringLiteralLike(expr) || ts.isTemplateExpression(expr)) return true;
  if (ts.isNewExpression(expr)) return ts.isIdentifier(expr.expression) && expr.expression.text === 'URL';
  if (ts.isCallExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    return (
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === 'path'
    );
  }
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken)
    return looksLikePath(expr.left) || looksLikePath(expr.right);
  return false;
}

/**
 * child_process `execSync(cmd, opts)` / `execFileSync(file, args, opts)` → the promisified
 * callback twin. The value is kept: `.stdout` of the result, with `encoding: 'buffer'` added when
 * the call gives none (the sync forms return a Buffer by default, the callback forms a string);
 * where the value is unused the call is just awaited. Always a suggestion: the callback forms
 * capture the child's stderr instead of passing it to ours, and their error carries `code`
 * where the sync one has `status`. Not offered when the options are not an object literal
 * written at the call (their encoding is unknown), use `input`/`stdio` (no such option on the
 * callback forms), nor for `spawnSync` (no promise form returns its result object).
 */
function childProcessFix(
  sourceFile: ts.SourceFile,
  call: ts.CallExpression,
  reference: ModuleReference | undefined,
  file: string,
): Fix | undefined {
  if (reference?.module !== 'child_process' || reference.path.length !== 1) return undefined;
  const syncName = reference.path[0]!;
  if (syncName !== 'execSync' && syncName !== 'execFileSync') return undefined;
  const twinName = syncName.slice(0, -4);
  if (!asyncHome(call)) return undefined;
  const args = call.arguments;
  if (args.length === 0 || args.hasTrailingComma || args.some(ts.isSpreadElement)) return undefined;
  // the options: exec(cmd, opts), execFile(file, opts) or execFile(file, args, opts)
  const last = args.at(-1);
  const optionsArg =
    args.length >= 2 && last && !ts.isArrayLiteralExpression(skipOuterExpressions(last)) ? last : undefined;
  const options = optionsArg ? skipOuterExpressions(optionsArg) : undefined;
  if (options && !ts.isObjectLiteralExpression(options)) return undefined;
  if (options && (propertyValue(options, 'input') || propertyValue(options, 'stdio'))) return undefined;
  const callee = call.expression;
  let twin: { text: string; edits: TextEdit[] } | undefined;
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression))
    twin = { text: `${callee.expression.text}.${twinName}`, edits: [] };
  else if (ts.isIdentifier(callee)) twin = builtinExport(sourceFile, file, 'child_process', twinName);
  const promisify = builtinExport(sourceFile, file, 'util', 'promisify');
  if (!twin || !promisify) return undefined;
  const valueUsed = !ts.isExpressionStatement(call.parent);
  const edits = [...twin.edits, ...promisify.edits];
  if (valueUsed && !(options && propertyValue(options, 'encoding'))) {
    if (options) edits.push(addPropertyEdit(sourceFile, options, 'encoding', "'buffer'", file));
    else
      edits.push({ file, start: last!.getEnd(), end: last!.getEnd(), newText: ", { encoding: 'buffer' }" });
  }
  edits.push(
    ...awaitEdits(sourceFile, call, `${promisify.text}(${twin.text})`, file, valueUsed ? '.stdout' : ''),
  );
  return {
    title: `Use await promisify(${twin.text})() (stderr is captured, not printed)`,
    safe: false,
    edits,
  };
}

/**
 * The fix for a blocking `fs` call (`fs.readFileSync(…)` or an imported `readFileSync(…)`), or undefined when the
 * call is not in an async function, its value would change shape, or no same-named promise API exists.
 */
export function promiseApiFix(
  sourceFile: ts.SourceFile,
  call: ts.CallExpression,
  reference: ModuleReference | undefined,
  file: string,
): Fix | undefined {
  const name = promiseName(reference);
  if (!name)
    return (
      promisifyFix(sourceFile, call, reference, file) ?? childProcessFix(sourceFile, call, reference, file)
    );
  const callee = call.expression;
  if (!asyncHome(call)) return undefined;
  const safe = looksLikePath(call.arguments[0]);
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    // fs.readFileSync(…) → await fs.promises.readFile(…)
    const binding = callee.expression.text;
    return {
      title: `Use await ${binding}.promises.${name}()`,
      safe,
      edits: awaitEdits(sourceFile, call, `${binding}.promises.${name}`, file),
    };
  }
  if (!ts.isIdentifier(callee)) return undefined;
  // readFileSync(…) imported by name → the fs/promises export, imported when missing
  const title = `Use await ${name}() from fs/promises`;
  const existing = importedName(sourceFile, 'fs/promises', name);
  if (existing) return { title, safe, edits: awaitEdits(sourceFile, call, existing, file) };
  if (isEsModule(sourceFile, file)) {
    const insert = addNamedImport(sourceFile, file, name, 'node:fs/promises');
    return insert ? { title, safe, edits: [insert, ...awaitEdits(sourceFile, call, name, file)] } : undefined;
  }
  return { title, safe, edits: awaitEdits(sourceFile, call, `require('node:fs').promises.${name}`, file) };
}
