// Statement-level helpers for fix transforms: the statement a node sits in, its indentation,
// wrapping a run of statements in a block, inserting a line after a statement, and reaching a
// Node built-in's export (existing binding, added import, or inline require). Pure: tree + text.
import ts from 'typescript';
import { normalizeModuleName } from '../analysis/model/modules.js';
import type { TextEdit } from '../analysis/types.js';
import { addNamedImport, importedName, isEsModule, isPlainRequire } from './imports.js';

/** Statement lists a statement can sit in directly. */
export function statementList(node: ts.Node): readonly ts.Statement[] | undefined {
  if (ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node)) return node.statements;
  if (ts.isCaseClause(node) || ts.isDefaultClause(node)) return node.statements;
  return undefined;
}

/** The statement of a block (or the file) that contains `node`; undefined inside e.g. an arrow's expression body. */
export function enclosingStatement(node: ts.Node): ts.Statement | undefined {
  let current: ts.Node = node;
  while (current.parent) {
    if (statementList(current.parent)) return current as ts.Statement;
    if (ts.isArrowFunction(current.parent) && current.parent.body === current) return undefined;
    current = current.parent;
  }
  return undefined;
}

/** The whitespace that starts the line `node` starts on. */
export function indentOf(sourceFile: ts.SourceFile, node: ts.Node): string {
  const text = sourceFile.text;
  const start = node.getStart(sourceFile);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, start))![0];
}

/** One indentation step, guessed from the file (two spaces unless it indents with tabs or four). */
function indentUnit(sourceFile: ts.SourceFile): string {
  const match = /\n([ \t]+)\S/.exec(sourceFile.text);
  if (!match) return '  ';
  return match[1]!.startsWith('\t')
    ? '\t'
    : match[1]!.length >= 4 && match[1]!.length % 4 === 0
      ? '    '
      : '  ';
}

/**
 * The edit that puts `statements` (consecutive, same list) in `header { … }`, each line one step
 * deeper: `if (isMainThread) {\n  …\n}`.
 */
export function wrapStatements(
  sourceFile: ts.SourceFile,
  statements: readonly ts.Statement[],
  header: string,
  file: string,
): TextEdit {
  const first = statements[0]!;
  const last = statements[statements.length - 1]!;
  const indent = indentOf(sourceFile, first);
  const unit = indentUnit(sourceFile);
  const start = first.getStart(sourceFile);
  const text = sourceFile.text;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', last.getEnd());
  const rest = text.slice(last.getEnd(), lineEnd === -1 ? text.length : lineEnd);
  if (text.slice(lineStart, start).trim() !== '' || (rest.trim() !== '' && !rest.trim().startsWith('//'))) {
    // `(req, res) => { new Worker(f); }`: the statements share a line with other code, stay inline
    return { file, start, end: last.getEnd(), newText: `${header} { ${text.slice(start, last.getEnd())} }` };
  }
  const body = text
    .slice(start, last.getEnd())
    .split('\n')
    .map((line, i) => (i === 0 ? unit + line : line.trim() === '' ? line : unit + line))
    .join('\n');
  return { file, start, end: last.getEnd(), newText: `${header} {\n${indent}${body}\n${indent}}` };
}

/** The edit inserting `lines` (already without indentation) on their own lines after `statement`. */
export function insertAfter(
  sourceFile: ts.SourceFile,
  statement: ts.Statement,
  lines: readonly string[],
  file: string,
): TextEdit {
  const indent = indentOf(sourceFile, statement);
  const at = statement.getEnd();
  return { file, start: at, end: at, newText: lines.map((line) => `\n${indent}${line}`).join('') };
}

/**
 * How code in the file reaches `name` exported by the Node built-in `module` ('events', no
 * `node:`): an existing top-level binding, a named import added (ES modules), or an inline
 * `require('node:module').name` (CommonJS). Undefined when the name is taken in an ES module.
 */
export function builtinExport(
  sourceFile: ts.SourceFile,
  file: string,
  module: string,
  name: string,
): { text: string; edits: TextEdit[] } | undefined {
  const existing = importedName(sourceFile, module, name);
  if (existing) return { text: existing, edits: [] };
  const added = addToExistingImport(sourceFile, file, module, name);
  if (added) return { text: name, edits: [added] };
  if (isEsModule(sourceFile, file)) {
    const insert = addNamedImport(sourceFile, file, name, `node:${module}`);
    return insert ? { text: name, edits: [insert] } : undefined;
  }
  return { text: `require('node:${module}').${name}`, edits: [] };
}

/**
 * Adds `name` to the file's existing `import { … } from 'module'` or `const { … } = require('module')`
 * (when the name is not used anywhere in the file yet).
 */
function addToExistingImport(
  sourceFile: ts.SourceFile,
  file: string,
  module: string,
  name: string,
): TextEdit | undefined {
  if (new RegExp(`\\b${name}\\b`).test(sourceFile.text)) return undefined;
  const append = (elements: ts.NodeArray<ts.Node>): TextEdit | undefined => {
    const last = elements.at(-1);
    return last ? { file, start: last.getEnd(), end: last.getEnd(), newText: `, ${name}` } : undefined;
  };
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly || normalizeModuleName(statement.moduleSpecifier.text) !== module)
        continue;
      if (clause.namedBindings && ts.isNamedImports(clause.namedBindings))
        return append(clause.namedBindings.elements);
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (
          declaration.initializer &&
          ts.isObjectBindingPattern(declaration.name) &&
          !declaration.name.elements.some((e) => e.dotDotDotToken) &&
          isPlainRequire(declaration.initializer, module)
        )
          return append(declaration.name.elements);
      }
    }
  }
  return undefined;
}

/**
 * The edit adding `name: value` to an object literal that has no such property: after the last
 * property, on its own line when the object spans lines (a trailing comma is kept).
 */
export function addPropertyEdit(
  sourceFile: ts.SourceFile,
  object: ts.ObjectLiteralExpression,
  name: string,
  value: string,
  file: string,
): TextEdit {
  const last = object.properties.at(-1);
  if (!last)
    return {
      file,
      start: object.getStart(sourceFile),
      end: object.getEnd(),
      newText: `{ ${name}: ${value} }`,
    };
  const text = sourceFile.text;
  const multiline = text.slice(object.getStart(sourceFile), object.getEnd()).includes('\n');
  if (multiline) {
    const lineStart = text.lastIndexOf('\n', last.getStart(sourceFile)) + 1;
    const indent = text.slice(lineStart, last.getStart(sourceFile));
    const trailingComma = object.properties.hasTrailingComma;
    return {
      file,
      start: last.getEnd(),
      end: trailingComma ? text.indexOf(',', last.getEnd()) + 1 : last.getEnd(),
      newText: `,\n${indent}${name}: ${value}${trailingComma ? ',' : ''}`,
    };
  }
  return { file, start: last.getEnd(), end: last.getEnd(), newText: `, ${name}: ${value}` };
}
