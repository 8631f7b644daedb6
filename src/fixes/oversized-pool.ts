// Fix for oversized-pool: size the pool with `os.availableParallelism()`.
// A pure transform over the rule's tree (no `vscode`, no file system): it returns the edits, or
// nothing when the file's module format is unclear (a `.js` file with neither `import` nor
// `require`) or the name `availableParallelism` is taken by something else. Safe: what the pool
// computes is unchanged, only how many threads run it at once.
import ts from 'typescript';
import { skipOuterExpressions } from '../analysis/ast.js';
import { normalizeModuleName, requiredModule } from '../analysis/model/modules.js';
import type { Fix, TextEdit } from '../analysis/types.js';

const API = 'availableParallelism';

/** How the file can already reach `availableParallelism`: a call expression text, or undefined. */
function existingCoresCall(sourceFile: ts.SourceFile): string | undefined {
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly || normalizeModuleName(statement.moduleSpecifier.text) !== 'os')
        continue;
      const named = clause.namedBindings;
      if (named && ts.isNamedImports(named)) {
        const element = named.elements.find((e) => !e.isTypeOnly && (e.propertyName ?? e.name).text === API);
        if (element) return `${element.name.text}()`;
      }
      if (named && ts.isNamespaceImport(named)) return `${named.name.text}.${API}()`;
      if (clause.name) return `${clause.name.text}.${API}()`;
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!declaration.initializer) continue;
        // only a plain `require('os')`: interop wrappers (`__importDefault`) hold the module under `.default`
        const initializer = skipOuterExpressions(declaration.initializer);
        if (
          !ts.isCallExpression(initializer) ||
          !ts.isIdentifier(initializer.expression) ||
          initializer.expression.text !== 'require'
        )
          continue;
        const module = requiredModule(initializer);
        if (module === undefined || normalizeModuleName(module) !== 'os') continue;
        if (ts.isIdentifier(declaration.name)) return `${declaration.name.text}.${API}()`;
        if (ts.isObjectBindingPattern(declaration.name)) {
          const element = declaration.name.elements.find(
            (e) =>
              !e.dotDotDotToken &&
              ts.isIdentifier(e.name) &&
              (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : e.name.text) === API,
          );
          if (element && ts.isIdentifier(element.name)) return `${element.name.text}()`;
        }
      }
    }
  }
  return undefined;
}

function usesRequire(sourceFile: ts.SourceFile): boolean {
  return /\brequire\s*\(/.test(sourceFile.text);
}

function isEsm(sourceFile: ts.SourceFile): boolean {
  return sourceFile.statements.some(
    (s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s),
  );
}

/**
 * The edits that give `node` (a pool size expression) the value `availableParallelism()`, adding
 * the `node:os` import (ES modules) or an inline `require('node:os')` (CommonJS) when the file
 * has no binding for it yet.
 */
export function availableParallelismFix(
  sourceFile: ts.SourceFile,
  node: ts.Node,
  file: string,
): Fix | undefined {
  const title = 'Size the pool with os.availableParallelism()';
  const replace = (newText: string): TextEdit => ({
    file,
    start: node.getStart(sourceFile),
    end: node.getEnd(),
    newText,
  });
  const existing = existingCoresCall(sourceFile);
  if (existing) return { title, safe: true, edits: [replace(existing)] };
  const extension = file.slice(file.lastIndexOf('.'));
  const nameTaken = new RegExp(`\\b${API}\\b`).test(sourceFile.text);
  if (isEsm(sourceFile) || extension === '.mjs' || extension === '.mts') {
    if (nameTaken) return undefined;
    const imports = sourceFile.statements.filter(ts.isImportDeclaration);
    const last = imports.at(-1);
    const importText = `import { ${API} } from 'node:os';`;
    // after the last import, or before the first statement (below a shebang and leading comments)
    const insert: TextEdit = last
      ? { file, start: last.getEnd(), end: last.getEnd(), newText: `\n${importText}` }
      : sourceFile.statements[0]
        ? {
            file,
            start: sourceFile.statements[0].getStart(sourceFile),
            end: sourceFile.statements[0].getStart(sourceFile),
            newText: `${importText}\n`,
          }
        : { file, start: 0, end: 0, newText: `${importText}\n` };
    return { title, safe: true, edits: [insert, replace(`${API}()`)] };
  }
  if (usesRequire(sourceFile) || extension === '.cjs' || extension === '.cts')
    return { title, safe: true, edits: [replace(`require('node:os').${API}()`)] };
  return undefined;
}
