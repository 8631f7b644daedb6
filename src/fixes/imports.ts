// Imports for fix transforms: find the local name a file already has for a module's export, or
// the edit that adds a named import. Pure: works on the tree and its text.
import ts from 'typescript';
import { skipOuterExpressions } from '../analysis/ast.js';
import { normalizeModuleName, requiredModule } from '../analysis/model/modules.js';
import type { TextEdit } from '../analysis/types.js';

/** The local name of `exportName` from `module` ('fs/promises', 'os': normalised, no `node:`), if bound at top level. */
export function importedName(
  sourceFile: ts.SourceFile,
  module: string,
  exportName: string,
): string | undefined {
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly || normalizeModuleName(statement.moduleSpecifier.text) !== module)
        continue;
      const named = clause.namedBindings;
      if (named && ts.isNamedImports(named)) {
        const element = named.elements.find(
          (e) => !e.isTypeOnly && (e.propertyName ?? e.name).text === exportName,
        );
        if (element) return element.name.text;
      }
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!declaration.initializer || !ts.isObjectBindingPattern(declaration.name)) continue;
        if (!isPlainRequire(declaration.initializer, module)) continue;
        const element = declaration.name.elements.find(
          (e) =>
            !e.dotDotDotToken &&
            ts.isIdentifier(e.name) &&
            (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : e.name.text) ===
              exportName,
        );
        if (element && ts.isIdentifier(element.name)) return element.name.text;
      }
    }
  }
  return undefined;
}

/** `require('x')` itself, not through interop wrappers (`__importDefault` holds the module under `.default`). */
export function isPlainRequire(expression: ts.Expression, module: string): boolean {
  const expr = skipOuterExpressions(expression);
  if (!ts.isCallExpression(expr) || !ts.isIdentifier(expr.expression) || expr.expression.text !== 'require')
    return false;
  const required = requiredModule(expr);
  return required !== undefined && normalizeModuleName(required) === module;
}

/** Does the file use ES module syntax (or have an ES module extension)? */
export function isEsModule(sourceFile: ts.SourceFile, file: string): boolean {
  return (
    /\.m[jt]s$/.test(file) ||
    sourceFile.statements.some(
      (s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s),
    )
  );
}

/**
 * The edit adding `import { name } from 'specifier';` (or `import name from …` for a default
 * export) after the last import (or before the first statement); undefined when the name already
 * appears in the file (it could be shadowed or taken).
 */
export function addNamedImport(
  sourceFile: ts.SourceFile,
  file: string,
  name: string,
  specifier: string,
  kind: 'named' | 'default' = 'named',
): TextEdit | undefined {
  if (new RegExp(`\\b${name}\\b`).test(sourceFile.text)) return undefined;
  const importText = `import ${kind === 'named' ? `{ ${name} }` : name} from '${specifier}';`;
  const last = sourceFile.statements.filter(ts.isImportDeclaration).at(-1);
  if (last) return { file, start: last.getEnd(), end: last.getEnd(), newText: `\n${importText}` };
  const first = sourceFile.statements[0];
  const at = first ? first.getStart(sourceFile) : 0;
  return { file, start: at, end: at, newText: `${importText}\n` };
}
