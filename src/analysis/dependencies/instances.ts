// Instances of package classes in application code: `const store = new Store()` (also
// `this.store = new Store()`, `store = new Store()`), so that `store.save()` is asked of the
// package as `Store.prototype.save`. Same file only, by name (shadowing is not tracked: an
// instance name re-used for something else would be asked of the package too).
import ts from 'typescript';
import { skipOuterExpressions } from '../ast.js';
import type { RuleContext } from '../context.js';
import type { ModuleReference } from '../model/modules.js';
import { isPackageSpecifier } from './locate.js';

/** `name` or `this.name` → the package class it holds an instance of. */
export type PackageInstances = Map<string, ModuleReference>;

export function packageInstances(context: RuleContext): PackageInstances {
  const instances: PackageInstances = new Map();
  for (const node of context.nodes) {
    if (!ts.isNewExpression(node)) continue;
    const parent = node.parent;
    let key: string | undefined;
    if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name))
      key = parent.name.text;
    else if (
      ts.isBinaryExpression(parent) &&
      parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      parent.right === node
    )
      key = instanceKey(parent.left);
    if (key === undefined) continue;
    const reference = context.resolve(node.expression);
    if (!reference || !isPackageSpecifier(reference.module)) continue;
    instances.set(key, reference);
  }
  return instances;
}

/** `store.save` → `Store.prototype.save` of the package, when `store` holds an instance of `Store`. */
export function instanceMethod(
  callee: ts.Expression,
  instances: PackageInstances,
): ModuleReference | undefined {
  if (instances.size === 0 || !ts.isPropertyAccessExpression(callee)) return undefined;
  const key = instanceKey(callee.expression);
  const reference = key === undefined ? undefined : instances.get(key);
  return reference && { module: reference.module, path: [...reference.path, 'prototype', callee.name.text] };
}

function instanceKey(expression: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr) && expr.expression.kind === ts.SyntaxKind.ThisKeyword)
    return `this.${expr.name.text}`;
  return undefined;
}
