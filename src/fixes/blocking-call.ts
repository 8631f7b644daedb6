// Fix for blocking-call: `fs.xSync(…)` → `await fs.promises.x(…)` inside an async function.
// Offered only where the rewrite keeps what the code does with the value: the call is a whole
// statement, a variable's initializer, the right side of an assignment statement, or returned;
// `await` then yields the same value (or throws the same error at the same place in the function).
// The promise API must exist under the same name with the same parameters (asked of Node's own
// `fs.promises`, minus the ones whose options differ). Safe only when the first argument is
// clearly a path (a string, a template, a `path.*()` call, a URL): `fs.promises` takes a
// FileHandle, not a numeric fd, so with anything else it is offered as a suggestion.
// Pure: a transform over the rule's tree (no `vscode`, no file system).
import { promises as fsPromises } from 'node:fs';
import ts from 'typescript';
import { enclosingFunction, hasModifier, skipOuterExpressions } from '../analysis/ast.js';
import type { ModuleReference } from '../analysis/model/modules.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { addNamedImport, importedName, isEsModule } from './imports.js';

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
  const enclosing = enclosingFunction(call);
  if (!enclosing || !hasModifier(enclosing, ts.SyntaxKind.AsyncKeyword) || !valueKept(call)) return undefined;
  const twin = `${callee.expression.text}.${callee.name.text.slice(0, -4)}`;
  const replace = (promisify: string): TextEdit => ({
    file,
    start: callee.getStart(sourceFile),
    end: callee.getEnd(),
    newText: `await ${promisify}(${twin})`,
  });
  const title = `Use await promisify(${twin})()`;
  const existing = importedName(sourceFile, 'util', 'promisify');
  if (existing) return { title, safe: true, edits: [replace(existing)] };
  if (isEsModule(sourceFile, file)) {
    const insert = addNamedImport(sourceFile, file, 'promisify', 'node:util');
    return insert ? { title, safe: true, edits: [insert, replace('promisify')] } : undefined;
  }
  return { title, safe: true, edits: [replace("require('node:util').promisify")] };
}

/** Is the call's value used in a way `await` keeps unchanged? */
function valueKept(call: ts.CallExpression): boolean {
  const parent = call.parent;
  if (ts.isExpressionStatement(parent) || ts.isReturnStatement(parent)) return true;
  if (ts.isVariableDeclaration(parent)) return parent.initializer === call;
  return (
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    parent.right === call &&
    ts.isExpressionStatement(parent.parent)
  );
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
  if (!name) return promisifyFix(sourceFile, call, reference, file);
  const callee = call.expression;
  const enclosing = enclosingFunction(call);
  if (!enclosing || !hasModifier(enclosing, ts.SyntaxKind.AsyncKeyword) || !valueKept(call)) return undefined;
  const safe = looksLikePath(call.arguments[0]);
  const replaceCallee = (newText: string): TextEdit => ({
    file,
    start: callee.getStart(sourceFile),
    end: callee.getEnd(),
    newText,
  });
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    // fs.readFileSync(…) → await fs.promises.readFile(…)
    const binding = callee.expression.text;
    return {
      title: `Use await ${binding}.promises.${name}()`,
      safe,
      edits: [replaceCallee(`await ${binding}.promises.${name}`)],
    };
  }
  if (!ts.isIdentifier(callee)) return undefined;
  // readFileSync(…) imported by name → the fs/promises export, imported when missing
  const title = `Use await ${name}() from fs/promises`;
  const existing = importedName(sourceFile, 'fs/promises', name);
  if (existing) return { title, safe, edits: [replaceCallee(`await ${existing}`)] };
  if (isEsModule(sourceFile, file)) {
    const insert = addNamedImport(sourceFile, file, name, 'node:fs/promises');
    return insert ? { title, safe, edits: [insert, replaceCallee(`await ${name}`)] } : undefined;
  }
  return { title, safe, edits: [replaceCallee(`await require('node:fs').promises.${name}`)] };
}
