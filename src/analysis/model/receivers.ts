// The class of a method call's receiver, where the file says it plainly: `const s = new Session();
// s.run()` and `this.trans = new TransServer(); this.trans.run()`. Methods are linked across files
// by name (see ProjectIndex), and a common name (`run`, `close`, `removeUser`) joins unrelated
// classes: a per-connection `session.run()` would make a server's start-up `run()` run time. With
// the receiver's class known, the call reaches only that class's method (and its ancestors'); an
// unknown receiver still reaches every method of that name.
import ts from 'typescript';
import { skipOuterExpressions } from '../ast.js';
import { declaringScope } from './modules.js';

/** `run@TransServer`: a method name qualified by its class (see ProjectIndex.holds). */
export function qualifiedMethod(name: string, className: string | undefined): string {
  return className === undefined ? name : `${name}@${className}`;
}

/** The method name of a possibly qualified one: `run@TransServer` → `run`. */
export function bareMethod(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** The class a `new` constructs, when named plainly: `new Session()`, `new net.Server()` → Server. */
function constructedClass(expression: ts.Expression): string | undefined {
  const value = skipOuterExpressions(expression);
  if (!ts.isNewExpression(value)) return undefined;
  const callee = skipOuterExpressions(value.expression);
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

const SELF = /^(this|self|that|_this|me)$/;

function isSelf(node: ts.Expression): boolean {
  const value = skipOuterExpressions(node);
  return value.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(value) && SELF.test(value.text));
}

/** Receiver classes of one file, from its recorded `new` expressions and assignments. */
export class ReceiverClasses {
  /** `this.x = new C()` in the file: x → C (null when two classes are assigned) */
  private readonly members = new Map<string, string | null>();
  /** the scope declaring a variable, then its name → the class of its `new` initializer */
  private readonly variables = new Map<ts.Node, Map<string, string | null>>();
  private readonly scopeCache = new Map<ts.Node, Map<string, ts.Node>>();

  constructor(nodes: readonly ts.Node[]) {
    for (const node of nodes) {
      if (ts.isNewExpression(node)) {
        const parent = node.parent;
        if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name)) {
          const name = parent.name.text;
          const scope = declaringScope(parent.name, name, this.scopeCache);
          let names = this.variables.get(scope);
          if (!names) {
            names = new Map();
            this.variables.set(scope, names);
          }
          note(names, name, constructedClass(node));
        }
      } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const left = skipOuterExpressions(node.left);
        if (ts.isPropertyAccessExpression(left) && isSelf(left.expression)) {
          const className = constructedClass(node.right);
          // any other value assigned to the member makes its class unknown
          note(this.members, left.name.text, className ?? null);
        }
      }
    }
  }

  /** The class of `receiver` in `receiver.m()`, when the file constructs it plainly. */
  classOf(receiver: ts.Expression): string | undefined {
    const value = skipOuterExpressions(receiver);
    if (ts.isIdentifier(value)) {
      if (this.variables.size === 0) return undefined;
      const scope = declaringScope(value, value.text, this.scopeCache);
      return this.variables.get(scope)?.get(value.text) ?? undefined;
    }
    if (ts.isPropertyAccessExpression(value) && isSelf(value.expression))
      return this.members.get(value.name.text) ?? undefined;
    return undefined;
  }
}

function note(map: Map<string, string | null>, name: string, className: string | null | undefined): void {
  const known = map.get(name);
  if (className === undefined || className === null) map.set(name, null);
  else if (known === undefined) map.set(name, className);
  else if (known !== className) map.set(name, null);
}

/**
 * Classes of a file with their parent: `class A extends B`, `class A extends ns.B`,
 * `util.inherits(A, B)`. Read only when the text mentions either.
 */
export function superclassesOf(source: ts.SourceFile, text: string): [string, string][] {
  if (!/\bextends\b|\binherits\(/.test(text)) return [];
  const pairs: [string, string][] = [];
  const nameOf = (expression: ts.Expression): string | undefined => {
    const value = skipOuterExpressions(expression);
    if (ts.isIdentifier(value)) return value.text;
    if (ts.isPropertyAccessExpression(value)) return value.name.text;
    return undefined;
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isClassDeclaration(node) || ts.isClassExpression(node)) && node.heritageClauses) {
      let name = node.name?.text;
      if (name === undefined && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name))
        name = node.parent.name.text;
      for (const clause of node.heritageClauses) {
        if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
        const parent = clause.types[0] && nameOf(clause.types[0].expression);
        if (name !== undefined && parent !== undefined) pairs.push([name, parent]);
      }
    } else if (ts.isCallExpression(node) && node.arguments.length === 2) {
      const callee = skipOuterExpressions(node.expression);
      const called = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : '';
      if (called === 'inherits') {
        const child = nameOf(node.arguments[0]!);
        const parent = nameOf(node.arguments[1]!);
        if (child !== undefined && parent !== undefined) pairs.push([child, parent]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return pairs;
}
