// Functions that live on objects, in the shapes real JavaScript writes them: ES5 prototype methods
// (`X.prototype.m = function`), function-valued properties (`this.m = function`, `X.m = function`),
// mixin modules (`module.exports = function (Daemon) { Daemon.m = function … }`), and methods of
// object literals, nested or not (`module.exports = { password: { hash() {…} } }`). The phase model
// asks what kind of member a function is and under which path it leaves its file.
import ts from 'typescript';
import {
  type FunctionLike,
  isFunctionLike,
  parentSkippingWrappers,
  propertyChain,
  skipOuterExpressions,
} from '../ast.js';

/**
 * - 'instance': a method of long-lived instances (prototype methods, `this.m = …`, members a mixin
 *   adds to the object it is given), judged like a class method;
 * - 'static': a function stored on a named object or function (`Store.m = …`), judged like an
 *   object-literal method: by its callers.
 */
export type AssignedMemberKind = 'instance' | 'static';

export interface AssignedMember {
  kind: AssignedMemberKind;
  name: string;
  /** the object it is stored on, as written: ['X', 'prototype'], ['this'], ['Daemon'] */
  owner: string[];
}

/**
 * The assignment that stores `fn` on an object: `a.b = fn`, also in a chain `a.b = c.d = fn`.
 * Undefined when `fn` is not assigned to a property (or is assigned to a CommonJS export, which
 * the phase model names as an export instead).
 */
export function assignedMember(fn: FunctionLike): AssignedMember | undefined {
  let target: ts.Node = fn;
  let parent = parentSkippingWrappers(fn);
  let chain: string[] | undefined;
  // `a.b = c.d = fn`: the innermost property target names the function
  while (
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    skipOuterExpressions(parent.right) === target
  ) {
    chain = propertyChain(parent.left);
    if (chain && chain.length >= 2) break;
    target = parent;
    parent = parentSkippingWrappers(parent);
  }
  if (!chain || chain.length < 2) return undefined;
  const name = chain[chain.length - 1]!;
  const owner = chain.slice(0, -1);
  const root = owner[0]!;
  if (root === 'exports' || (root === 'module' && chain[1] === 'exports')) return undefined;
  if (owner[owner.length - 1] === 'prototype' || root === 'this') return { kind: 'instance', name, owner };
  if (owner.length === 1 && isParameterOfEnclosingFunction(parent, root)) {
    return { kind: 'instance', name, owner };
  }
  return { kind: 'static', name, owner };
}

/** Is `name` a parameter of a function around `node`? (`function (Daemon) { Daemon.m = … }`) */
function isParameterOfEnclosingFunction(node: ts.Node, name: string): boolean {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (!isFunctionLike(current)) continue;
    if (current.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name)) return true;
  }
  return false;
}

export interface ObjectMemberPlace {
  /** property names from the outermost object literal down to the function: ['password', 'hash'] */
  path: string[];
  /** what holds the outermost object literal: a variable declaration, an assignment, an export… */
  holder: ts.Node;
}

/** Where a function sits in (possibly nested) object literals: `{ password: { hash() {} } }`. */
export function objectMemberPlace(fn: FunctionLike): ObjectMemberPlace | undefined {
  const path: string[] = [];
  let member: ts.Node = isAccessorOrMethod(fn) ? fn : parentSkippingWrappers(fn);
  for (;;) {
    if (!(isAccessorOrMethod(member) || ts.isPropertyAssignment(member))) return undefined;
    if (!ts.isObjectLiteralExpression(member.parent)) return undefined;
    const key = propertyKey(member.name);
    if (key === undefined) return undefined;
    path.unshift(key);
    const literal = member.parent;
    const holder = parentSkippingWrappers(literal);
    if (ts.isPropertyAssignment(holder) && ts.isObjectLiteralExpression(holder.parent)) {
      member = holder;
      continue;
    }
    return { path, holder };
  }
}

function isAccessorOrMethod(
  node: ts.Node,
): node is ts.MethodDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration {
  return ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node);
}

function propertyKey(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}
