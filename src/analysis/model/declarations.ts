// Declarations of local names: which declaration an identifier refers to, what it is initialised
// with, and whether it keeps that value. Syntactic (no type checker): scopes are walked outwards,
// and reassignments come from the assignments the analyzer's pre-pass records.
import ts from 'typescript';
import { boundNames, type FunctionLike, isFunctionLike } from '../ast.js';

export type Declaration =
  | {
      kind: 'variable';
      node: ts.VariableDeclaration;
      /** when the name comes from a destructuring pattern */
      element?: ts.BindingElement;
    }
  | { kind: 'parameter'; node: ts.ParameterDeclaration; fn: FunctionLike; element?: ts.BindingElement }
  | { kind: 'function'; node: ts.FunctionDeclaration | ts.FunctionExpression }
  | { kind: 'class'; node: ts.ClassDeclaration }
  | { kind: 'other'; node: ts.Node };

/** The declaration a local identifier refers to, found by walking its enclosing scopes. */
export function findDeclaration(identifier: ts.Identifier): Declaration | undefined {
  const name = identifier.text;
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    if (isFunctionLike(scope)) {
      for (const parameter of scope.parameters) {
        const element = findInBinding(parameter.name, name);
        if (element)
          return {
            kind: 'parameter',
            node: parameter,
            fn: scope,
            element: ts.isBindingElement(element) ? element : undefined,
          };
      }
      if (ts.isFunctionExpression(scope) && scope.name?.text === name)
        return { kind: 'function', node: scope };
    } else if (
      ts.isBlock(scope) ||
      ts.isSourceFile(scope) ||
      ts.isModuleBlock(scope) ||
      ts.isCaseClause(scope) ||
      ts.isDefaultClause(scope)
    ) {
      for (const statement of scope.statements) {
        if (ts.isVariableStatement(statement)) {
          for (const declaration of statement.declarationList.declarations) {
            const element = findInBinding(declaration.name, name);
            if (element)
              return {
                kind: 'variable',
                node: declaration,
                element: ts.isBindingElement(element) ? element : undefined,
              };
          }
        } else if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) {
          return { kind: 'function', node: statement };
        } else if (ts.isClassDeclaration(statement) && statement.name?.text === name) {
          return { kind: 'class', node: statement };
        } else if (
          ts.isImportDeclaration(statement) &&
          statement.importClause &&
          importBinds(statement.importClause, name)
        ) {
          return { kind: 'other', node: statement };
        }
      }
    } else if (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) {
      const init = scope.initializer;
      if (
        init &&
        ts.isVariableDeclarationList(init) &&
        init.declarations.some((d) => boundNames(d.name).includes(name))
      ) {
        return { kind: 'other', node: init };
      }
    } else if (
      ts.isCatchClause(scope) &&
      scope.variableDeclaration &&
      boundNames(scope.variableDeclaration.name).includes(name)
    ) {
      return { kind: 'other', node: scope.variableDeclaration };
    }
  }
  return undefined;
}

function importBinds(clause: ts.ImportClause, name: string): boolean {
  if (clause.name?.text === name) return true;
  const named = clause.namedBindings;
  if (!named) return false;
  if (ts.isNamespaceImport(named)) return named.name.text === name;
  return named.elements.some((e) => e.name.text === name);
}

function findInBinding(binding: ts.BindingName, name: string): ts.Identifier | ts.BindingElement | undefined {
  if (ts.isIdentifier(binding)) return binding.text === name ? binding : undefined;
  for (const element of binding.elements) {
    if (!ts.isBindingElement(element)) continue;
    if (ts.isIdentifier(element.name)) {
      if (element.name.text === name) return element;
    } else {
      const inner = findInBinding(element.name, name);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The initializer a declaration gives its name (for destructuring: the whole right-hand side). */
export function initializerOf(declaration: Declaration | undefined): ts.Expression | undefined {
  if (!declaration) return undefined;
  if (declaration.kind === 'variable') return declaration.node.initializer;
  return undefined;
}

/** The property a destructured name is read from: `const { data: pixels } = x` → 'data'. */
export function destructuredKey(element: ts.BindingElement): string | undefined {
  const key = element.propertyName ?? element.name;
  if (ts.isIdentifier(key) || ts.isStringLiteral(key)) return key.text;
  return undefined;
}

/** Initializer of the const/let declaration an identifier refers to, looked up in enclosing blocks. */
export function constInitializer(identifier: ts.Identifier): ts.Expression | undefined {
  let scope: ts.Node | undefined = identifier.parent;
  while (scope) {
    if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope)) {
      const declared = declarationsOf(scope);
      if (declared.has(identifier.text)) return declared.get(identifier.text) ?? undefined;
    }
    scope = scope.parent;
  }
  return undefined;
}

/** First variable declaration of each name in a block (null: declared without initializer), indexed once per block. */
const declarationIndex = new WeakMap<ts.Node, Map<string, ts.Expression | null>>();

function declarationsOf(block: ts.Block | ts.SourceFile | ts.ModuleBlock): Map<string, ts.Expression | null> {
  let index = declarationIndex.get(block);
  if (index) return index;
  index = new Map();
  for (const statement of block.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && !index.has(declaration.name.text)) {
        index.set(declaration.name.text, declaration.initializer ?? null);
      }
    }
  }
  declarationIndex.set(block, index);
  return index;
}

/** Assignments recorded by the pre-pass, by the name they assign; built once per file. */
const assignmentIndex = new WeakMap<readonly ts.Node[], Map<string, ts.BinaryExpression[]>>();

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return (
    kind === ts.SyntaxKind.EqualsToken ||
    (kind >= ts.SyntaxKind.FirstCompoundAssignment && kind <= ts.SyntaxKind.LastCompoundAssignment)
  );
}

function assignmentsByName(nodes: readonly ts.Node[]): Map<string, ts.BinaryExpression[]> {
  let index = assignmentIndex.get(nodes);
  if (index) return index;
  index = new Map();
  for (const node of nodes) {
    if (!ts.isBinaryExpression(node) || !isAssignmentOperator(node.operatorToken.kind)) continue;
    if (!ts.isIdentifier(node.left)) continue;
    const list = index.get(node.left.text);
    if (list) list.push(node);
    else index.set(node.left.text, [node]);
  }
  assignmentIndex.set(nodes, index);
  return index;
}

/**
 * Does the declared name keep its initial value: a `const`, or a `let`/`var` that no assignment
 * in its scope (after the declaration) changes? `nodes` is the file's recorded node list
 * (`RuleContext.nodes`), which holds every binary expression.
 */
export function isConstant(declaration: ts.VariableDeclaration, nodes: readonly ts.Node[]): boolean {
  const list = declaration.parent;
  if (ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0) return true;
  if (!ts.isIdentifier(declaration.name)) return false;
  const scope = declaration.parent.parent.parent;
  if (!scope) return false;
  const assignments = assignmentsByName(nodes).get(declaration.name.text) ?? [];
  return !assignments.some((assignment) => assignment.pos >= declaration.end && assignment.end <= scope.end);
}
