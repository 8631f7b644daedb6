// Fix for oversized-pool: size the pool with `os.availableParallelism()`.
// A pure transform over the rule's tree (no `vscode`, no file system): it returns the edits, or
// nothing when the file's module format is unclear (a `.js` file with neither `import` nor
// `require`) or the name `availableParallelism` is taken by something else. Safe: what the pool
// computes is unchanged, only how many threads run it at once.
import ts from 'typescript';
import { normalizeModuleName } from '../analysis/model/modules.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { addNamedImport, importedName, isEsModule, isPlainRequire } from './imports.js';

const API = 'availableParallelism';

/** How the file can already reach `availableParallelism`: a call expression text, or undefined. */
function existingCoresCall(sourceFile: ts.SourceFile): string | undefined {
  const named = importedName(sourceFile, 'os', API);
  if (named) return `${named}()`;
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly || normalizeModuleName(statement.moduleSpecifier.text) !== 'os')
        continue;
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) return `${named.name.text}.${API}()`;
      if (clause.name) return `${clause.name.text}.${API}()`;
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (
          declaration.initializer &&
          ts.isIdentifier(declaration.name) &&
          isPlainRequire(declaration.initializer, 'os')
        )
          return `${declaration.name.text}.${API}()`;
      }
    }
  }
  return undefined;
}

function usesRequire(sourceFile: ts.SourceFile): boolean {
  return /\brequire\s*\(/.test(sourceFile.text);
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
  if (isEsModule(sourceFile, file)) {
    const insert = addNamedImport(sourceFile, file, API, 'node:os');
    return insert ? { title, safe: true, edits: [insert, replace(`${API}()`)] } : undefined;
  }
  if (usesRequire(sourceFile) || extension === '.cjs' || extension === '.cts')
    return { title, safe: true, edits: [replace(`require('node:os').${API}()`)] };
  return undefined;
}
