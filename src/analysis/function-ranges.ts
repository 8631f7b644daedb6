// Which functions of a file the profiler can call, and which one to profile for a finding. The
// Profile lens and "Profile Function at Cursor" ask the server, which answers from this module
// with the TypeScript AST (the client used to run its own tokenizer).
//
// Profilable: top-level functions and `const f = () => …` (exported or not), members of top-level
// object literals (`helpers.parse`), and methods of top-level classes (`Matrix.prototype.multiply`,
// static `Matrix.create`, and instance arrow properties). A method needs an instance: the args
// module's `this` builds it.
//
// The function for a finding: the nearest profilable function that holds the flagged work, through
// callbacks that run synchronously in their caller (`items.map(x => …)`). Never the function that
// only registers a callback (`registerRoutes(app)` around `app.post('/', (req, res) => …)`): for
// work inside such a callback the target is the named function the flagged call invokes (the
// helper doing the work, in this file or imported), or nothing.
import ts from 'typescript';
import { type FunctionLike, hasModifier, isFunctionLike, skipOuterExpressions } from './ast.js';
import { isInlineCallback } from './model/phase.js';

export interface FunctionParameter {
  /** the binding name, or the pattern's text (`{ a, b }`) for a destructured parameter */
  name: string;
  /** the declared type's text (annotation or JSDoc `@param {T}`), or one inferred from a default value */
  type?: string;
  /** `x?: T`, `x = 1` or `...rest`: may be left out */
  optional: boolean;
  rest: boolean;
}

export interface ProfilableFunction {
  /** what the profiler accepts: `fib`, `default`, `helpers.parse`, `Matrix.prototype.multiply`, `Matrix.create` */
  path: string;
  name: string;
  /** offsets of the whole declaration, modifiers included */
  start: number;
  end: number;
  /** offset of the name (where a lens goes) */
  nameStart: number;
  /** offsets of the function node itself (the arrow or function expression of a `const`) */
  functionStart: number;
  functionEnd: number;
  parameters: FunctionParameter[];
  /** a class member: needs `this` (an instance from the args module) unless static */
  isMethod: boolean;
  isStatic: boolean;
  className?: string;
  /** reachable from outside the file (export, `export default`, `module.exports`) */
  exported: boolean;
  async: boolean;
}

/** The function to profile for a position: in this file, or a named export of an imported file. */
export type ProfileTarget =
  | { kind: 'local'; path: string; viaCall: boolean }
  | { kind: 'imported'; specifier: string; exportName: string };

export function profilableFunctions(sourceFile: ts.SourceFile): ProfilableFunction[] {
  const found: ProfilableFunction[] = [];
  const exportedNames = moduleExportNames(sourceFile);
  const add = (
    fn: FunctionLike,
    path: string,
    name: string,
    declaration: ts.Node,
    nameNode: ts.Node,
    extra: Partial<ProfilableFunction> = {},
  ) => {
    found.push({
      path,
      name,
      start: declaration.getStart(sourceFile),
      end: declaration.end,
      nameStart: nameNode.getStart(sourceFile),
      functionStart: fn.getStart(sourceFile),
      functionEnd: fn.end,
      parameters: fn.parameters.map((parameter) => describeParameter(parameter, sourceFile)),
      isMethod: false,
      isStatic: false,
      exported: exportedNames.has(name),
      async: hasModifier(fn, ts.SyntaxKind.AsyncKeyword),
      ...extra,
    });
  };
  for (const statement of sourceFile.statements) {
    const exported = hasModifier(statement, ts.SyntaxKind.ExportKeyword);
    const isDefault = hasModifier(statement, ts.SyntaxKind.DefaultKeyword);
    if (ts.isFunctionDeclaration(statement) && statement.body) {
      const name = statement.name?.text;
      add(statement, name ?? 'default', name ?? 'default', statement, statement.name ?? statement, {
        exported: exported || (name !== undefined && exportedNames.has(name)),
      });
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
        const name = declaration.name.text;
        const value = skipOuterExpressions(declaration.initializer);
        const isExported = exported || exportedNames.has(name);
        if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) {
          add(
            value,
            name,
            name,
            statement.declarationList.declarations.length === 1 ? statement : declaration,
            declaration.name,
            {
              exported: isExported,
            },
          );
        } else if (ts.isObjectLiteralExpression(value)) {
          for (const member of objectMembers(value)) {
            add(member.fn, `${name}.${member.name}`, member.name, member.declaration, member.nameNode, {
              exported: isExported,
            });
          }
        }
      }
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      const className = statement.name.text;
      const isExported = exported || exportedNames.has(className);
      for (const member of statement.members) {
        const memberName = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
        if (!memberName) continue; // computed and #private names cannot be reached by a path
        const isStatic = hasModifier(member, ts.SyntaxKind.StaticKeyword);
        const path = isStatic ? `${className}.${memberName}` : `${className}.prototype.${memberName}`;
        let fn: FunctionLike | undefined;
        if (ts.isMethodDeclaration(member) && member.body) fn = member;
        else if (ts.isPropertyDeclaration(member) && member.initializer) {
          const value = skipOuterExpressions(member.initializer);
          if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) fn = value;
        }
        if (!fn) continue;
        add(fn, path, memberName, member, member.name!, {
          isMethod: !isStatic,
          isStatic,
          className,
          exported: isExported || isDefault,
        });
      }
    } else if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      const value = skipOuterExpressions(statement.expression);
      if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) {
        add(value, 'default', 'default', statement, statement, { exported: true });
      }
    }
  }
  return found;
}

/** The function to profile for the flagged work at `offset`, if the profiler can call one. */
export function profileTargetAt(
  sourceFile: ts.SourceFile,
  functions: readonly ProfilableFunction[],
  offset: number,
): ProfileTarget | undefined {
  const deepest = nodeAt(sourceFile, offset);
  if (!deepest) return undefined;
  const byNode = new Map(functions.map((fn) => [`${fn.functionStart}:${fn.functionEnd}`, fn]));
  const profilableFor = (fn: FunctionLike) => byNode.get(`${fn.getStart(sourceFile)}:${fn.end}`);
  let fn = innermostFunction(deepest);
  while (fn) {
    const own = profilableFor(fn);
    if (own) return { kind: 'local', path: own.path, viaCall: false };
    if (!isInlineCallback(fn)) break;
    fn = innermostFunction(fn.parent);
  }
  // Work inside a callback the profiler cannot call (a route handler, a listener) or at the top
  // level: profile the named function the flagged call invokes.
  return calleeTarget(sourceFile, deepest, fn, functions);
}

function calleeTarget(
  sourceFile: ts.SourceFile,
  deepest: ts.Node,
  boundary: FunctionLike | undefined,
  functions: readonly ProfilableFunction[],
): ProfileTarget | undefined {
  const imports = importBindings(sourceFile);
  for (let node: ts.Node | undefined = deepest; node && node !== boundary; node = node.parent) {
    if (!ts.isCallExpression(node) && !ts.isNewExpression(node)) continue;
    const callee = skipOuterExpressions(node.expression);
    if (ts.isIdentifier(callee)) {
      const local = functions.find((fn) => fn.path === callee.text);
      if (local) return { kind: 'local', path: local.path, viaCall: true };
      const imported = imports.get(callee.text);
      if (imported && imported.exportName !== '*') return { kind: 'imported', ...imported };
    } else if (ts.isPropertyAccessExpression(callee)) {
      const member = callee.name.text;
      const receiver = skipOuterExpressions(callee.expression);
      if (ts.isIdentifier(receiver)) {
        const local = functions.find((fn) => fn.path === `${receiver.text}.${member}`);
        if (local) return { kind: 'local', path: local.path, viaCall: true };
        const imported = imports.get(receiver.text);
        // import * as crypto from './crypto'; crypto.hash() / const util = require('./util'); util.hash()
        if (imported && (imported.exportName === '*' || imported.exportName === 'default')) {
          return { kind: 'imported', specifier: imported.specifier, exportName: member };
        }
      } else if (receiver.kind === ts.SyntaxKind.ThisKeyword) {
        const cls = enclosingClassName(node);
        const method = cls && functions.find((fn) => fn.className === cls && fn.name === member);
        if (method) return { kind: 'local', path: method.path, viaCall: true };
      }
    }
  }
  return undefined;
}

function innermostFunction(node: ts.Node | undefined): FunctionLike | undefined {
  for (let current = node; current && !ts.isSourceFile(current); current = current.parent) {
    if (isFunctionLike(current)) return current;
  }
  return undefined;
}

function enclosingClassName(node: ts.Node): string | undefined {
  for (let current: ts.Node | undefined = node.parent; current; current = current.parent) {
    if (ts.isClassDeclaration(current) || ts.isClassExpression(current)) return current.name?.text;
  }
  return undefined;
}

/** The deepest node whose span holds `offset` (tokens excluded, iteratively: deep files are fine). */
function nodeAt(sourceFile: ts.SourceFile, offset: number): ts.Node | undefined {
  let current: ts.Node = sourceFile;
  for (;;) {
    let next: ts.Node | undefined;
    current.forEachChild((child) => {
      if (next === undefined && child.getStart(sourceFile) <= offset && offset < child.end) next = child;
    });
    if (!next) return current === sourceFile ? undefined : current;
    current = next;
  }
}

function objectMembers(
  literal: ts.ObjectLiteralExpression,
): { name: string; fn: FunctionLike; declaration: ts.Node; nameNode: ts.Node }[] {
  const members = [];
  for (const property of literal.properties) {
    if (!property.name || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) continue;
    if (ts.isMethodDeclaration(property) && property.body) {
      members.push({
        name: property.name.text,
        fn: property,
        declaration: property,
        nameNode: property.name,
      });
    } else if (ts.isPropertyAssignment(property)) {
      const value = skipOuterExpressions(property.initializer);
      if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) {
        members.push({ name: property.name.text, fn: value, declaration: property, nameNode: property.name });
      }
    }
  }
  return members;
}

/** Names the file exports other than by an `export` modifier: `export { a, b as c }`, `module.exports = { a }`, `exports.a = a`. */
function moduleExportNames(sourceFile: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of sourceFile.statements) {
    if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause) {
      if (ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements)
          names.add((element.propertyName ?? element.name).text);
      }
    } else if (ts.isExportAssignment(statement)) {
      const value = skipOuterExpressions(statement.expression);
      if (ts.isIdentifier(value)) names.add(value.text);
    } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression)) {
      const { left, right } = statement.expression;
      const target = left.getText(sourceFile);
      if (target === 'module.exports' && ts.isObjectLiteralExpression(right)) {
        for (const property of right.properties) {
          if (ts.isShorthandPropertyAssignment(property)) names.add(property.name.text);
          else if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.initializer))
            names.add(property.initializer.text);
        }
      } else if (target === 'module.exports' && ts.isIdentifier(right)) {
        names.add(right.text);
      } else if (/^(module\.)?exports\.\w+$/.test(target) && ts.isIdentifier(right)) {
        names.add(right.text);
      }
    }
  }
  return names;
}

/** Local names bound to relative imports: `import { a as b } from './x'`, `const { a } = require('./x')`, namespaces. */
function importBindings(sourceFile: ts.SourceFile): Map<string, { specifier: string; exportName: string }> {
  const bindings = new Map<string, { specifier: string; exportName: string }>();
  const relative = (specifier: string) => specifier.startsWith('./') || specifier.startsWith('../');
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (!relative(specifier) || !clause) continue;
      if (clause.name) bindings.set(clause.name.text, { specifier, exportName: 'default' });
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) bindings.set(named.name.text, { specifier, exportName: '*' });
      else if (named) {
        for (const element of named.elements) {
          bindings.set(element.name.text, {
            specifier,
            exportName: (element.propertyName ?? element.name).text,
          });
        }
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer && skipOuterExpressions(declaration.initializer);
        if (
          !init ||
          !ts.isCallExpression(init) ||
          !ts.isIdentifier(init.expression) ||
          init.expression.text !== 'require' ||
          !init.arguments[0] ||
          !ts.isStringLiteral(init.arguments[0]) ||
          !relative(init.arguments[0].text)
        )
          continue;
        const specifier = init.arguments[0].text;
        if (ts.isIdentifier(declaration.name))
          bindings.set(declaration.name.text, { specifier, exportName: '*' });
        else if (ts.isObjectBindingPattern(declaration.name)) {
          for (const element of declaration.name.elements) {
            if (!ts.isIdentifier(element.name)) continue;
            const exportName =
              element.propertyName && ts.isIdentifier(element.propertyName)
                ? element.propertyName.text
                : element.name.text;
            bindings.set(element.name.text, { specifier, exportName });
          }
        }
      }
    }
  }
  return bindings;
}

function describeParameter(parameter: ts.ParameterDeclaration, sourceFile: ts.SourceFile): FunctionParameter {
  const typeNode = parameter.type ?? ts.getJSDocType(parameter);
  let type = typeNode?.getText(sourceFile);
  if (!type && parameter.initializer) type = literalType(parameter.initializer);
  return {
    name: ts.isIdentifier(parameter.name) ? parameter.name.text : parameter.name.getText(sourceFile),
    type,
    optional: Boolean(parameter.questionToken || parameter.initializer || parameter.dotDotDotToken),
    rest: Boolean(parameter.dotDotDotToken),
  };
}

function literalType(value: ts.Expression): string | undefined {
  const inner = skipOuterExpressions(value);
  if (ts.isNumericLiteral(inner) || (ts.isPrefixUnaryExpression(inner) && ts.isNumericLiteral(inner.operand)))
    return 'number';
  if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return 'string';
  if (inner.kind === ts.SyntaxKind.TrueKeyword || inner.kind === ts.SyntaxKind.FalseKeyword) return 'boolean';
  if (ts.isArrayLiteralExpression(inner)) return 'unknown[]';
  if (ts.isObjectLiteralExpression(inner)) return 'object';
  return undefined;
}
