// Small, allocation-free helpers over the TypeScript AST used by the engine and the rules.
import ts from 'typescript';

export type FunctionLike =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

export function isFunctionLike(node: ts.Node): node is FunctionLike {
  switch (node.kind) {
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.Constructor:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
      return true;
    default:
      return false;
  }
}

export function isAsyncFunction(node: FunctionLike): boolean {
  return hasModifier(node, ts.SyntaxKind.AsyncKeyword);
}

export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return !!modifiers?.some((m) => m.kind === kind);
}

/**
 * Strips parentheses, `as`, `!`, `satisfies`, type assertions and the `(0, x)` that compilers
 * (tsc, Babel, SWC) put around an imported function to call it without a `this`.
 */
export function skipOuterExpressions(node: ts.Expression): ts.Expression {
  let current = node;
  for (;;) {
    if (ts.isParenthesizedExpression(current)) current = current.expression;
    else if (
      ts.isBinaryExpression(current) &&
      current.operatorToken.kind === ts.SyntaxKind.CommaToken &&
      ts.isNumericLiteral(current.left)
    ) {
      current = current.right;
    } else if (ts.isAsExpression(current) || ts.isSatisfiesExpression(current)) current = current.expression;
    else if (ts.isNonNullExpression(current)) current = current.expression;
    else if (ts.isTypeAssertionExpression(current)) current = current.expression;
    else return current;
  }
}

/** The parent, skipping parentheses and type-only wrappers. */
export function parentSkippingWrappers(node: ts.Node): ts.Node {
  let parent = node.parent;
  while (
    parent &&
    (ts.isParenthesizedExpression(parent) ||
      ts.isAsExpression(parent) ||
      ts.isNonNullExpression(parent) ||
      ts.isSatisfiesExpression(parent))
  ) {
    parent = parent.parent;
  }
  return parent;
}

/** String value of a string literal or a template literal without substitutions. */
export function stringValue(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** `a.b.c` → ['a','b','c']; `a['b']` counts too. Undefined for anything that is not a plain chain. */
export function propertyChain(node: ts.Expression): string[] | undefined {
  const parts: string[] = [];
  let current: ts.Expression = skipOuterExpressions(node);
  for (;;) {
    if (ts.isPropertyAccessExpression(current)) {
      parts.push(current.name.text);
      current = skipOuterExpressions(current.expression);
    } else if (ts.isElementAccessExpression(current)) {
      const key = stringValue(current.argumentExpression);
      if (key === undefined) return undefined;
      parts.push(key);
      current = skipOuterExpressions(current.expression);
    } else if (ts.isIdentifier(current)) {
      parts.push(current.text);
      return parts.reverse();
    } else if (current.kind === ts.SyntaxKind.ThisKeyword) {
      parts.push('this');
      return parts.reverse();
    } else {
      return undefined;
    }
  }
}

/** The name an expression ends with: `foo` → foo, `a.b.foo` → foo, `a['foo']` → foo. */
export function nameOf(expression: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  if (ts.isElementAccessExpression(expr)) return stringValue(expr.argumentExpression);
  return undefined;
}

/** The name a call is made by: `foo()` → foo, `a.b.foo()` → foo. */
export function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  return nameOf(call.expression);
}

/** A readable name for a function: declaration name, variable it is assigned to, property key. */
export function functionName(fn: FunctionLike): string | undefined {
  if (
    fn.name &&
    (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name) || ts.isPrivateIdentifier(fn.name))
  ) {
    return fn.name.text;
  }
  // symbol-keyed methods: [Symbol.asyncIterator]() {…}
  if (fn.name && ts.isComputedPropertyName(fn.name)) {
    const chain = propertyChain(fn.name.expression);
    if (chain) return `[${chain.join('.')}]`;
  }
  if (ts.isConstructorDeclaration(fn)) {
    const cls = fn.parent;
    return cls.name ? `${cls.name.text} constructor` : 'constructor';
  }
  const parent = parentSkippingWrappers(fn);
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && (ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name))) {
    return parent.name.text;
  }
  if (ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const chain = propertyChain(parent.left);
    if (chain) return chain[chain.length - 1];
  }
  return undefined;
}

/** Nearest enclosing function of a node (not the node itself). */
export function enclosingFunction(node: ts.Node): FunctionLike | undefined {
  let current = node.parent;
  while (current && !ts.isSourceFile(current)) {
    if (isFunctionLike(current)) return current;
    current = current.parent;
  }
  return undefined;
}

/** Names bound by a binding name (identifier or destructuring pattern). */
export function boundNames(name: ts.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) out.push(name.text);
  else {
    for (const element of name.elements) {
      if (ts.isBindingElement(element)) boundNames(element.name, out);
    }
  }
  return out;
}

export function isLoop(node: ts.Node): node is ts.IterationStatement {
  switch (node.kind) {
    case ts.SyntaxKind.ForStatement:
    case ts.SyntaxKind.ForInStatement:
    case ts.SyntaxKind.ForOfStatement:
    case ts.SyntaxKind.WhileStatement:
    case ts.SyntaxKind.DoStatement:
      return true;
    default:
      return false;
  }
}

/** Is `inner` inside `outer` (or equal)? Uses positions, so it works without walking parents. */
export function contains(outer: ts.Node, inner: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end;
}

/** First argument that is a string literal, e.g. the route in app.get('/login', …) or the event name. */
export function firstStringArgument(call: ts.CallExpression): string | undefined {
  return call.arguments.length > 0 ? stringValue(call.arguments[0]) : undefined;
}

/** `<`, `<=`, `>`, `>=`: a comparison that orders, as in a length check or a loop condition. */
export function isRelationalOperator(kind: ts.SyntaxKind): boolean {
  return (
    kind === ts.SyntaxKind.LessThanToken ||
    kind === ts.SyntaxKind.LessThanEqualsToken ||
    kind === ts.SyntaxKind.GreaterThanToken ||
    kind === ts.SyntaxKind.GreaterThanEqualsToken
  );
}

/** `===`, `==`, `!==`, `!=`. */
export function isEqualityOperator(kind: ts.SyntaxKind): boolean {
  return (
    isInequalityOperator(kind) ||
    kind === ts.SyntaxKind.EqualsEqualsEqualsToken ||
    kind === ts.SyntaxKind.EqualsEqualsToken
  );
}

/** `!==`, `!=`: how a loop condition says "until it equals". */
export function isInequalityOperator(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || kind === ts.SyntaxKind.ExclamationEqualsToken;
}

/** Does `node` (or anything inside it) mention one of `names` as an identifier? */
export function mentionsAny(node: ts.Node, names: ReadonlySet<string> | readonly string[]): boolean {
  const has = (name: string) => ('has' in names ? names.has(name) : names.includes(name));
  const visit = (child: ts.Node): boolean =>
    ts.isIdentifier(child) ? has(child.text) : !!ts.forEachChild(child, (c) => (visit(c) ? true : undefined));
  return visit(node);
}

/**
 * Is there a call inside `node` (or `node` itself) that passes `test`? Without a test: any call.
 * `includeNew` counts `new X()` as a call; `enterFunctions: false` stops at nested functions (their
 * calls do not run when `node` runs).
 */
export function containsCall(
  node: ts.Node | undefined,
  test: (call: ts.CallExpression | ts.NewExpression) => boolean = () => true,
  { includeNew = false, enterFunctions = true }: { includeNew?: boolean; enterFunctions?: boolean } = {},
): boolean {
  if (!node) return false;
  const visit = (child: ts.Node): boolean => {
    if (!enterFunctions && child !== node && isFunctionLike(child)) return false;
    if ((ts.isCallExpression(child) || (includeNew && ts.isNewExpression(child))) && test(child)) return true;
    return !!ts.forEachChild(child, (c) => (visit(c) ? true : undefined));
  };
  return visit(node);
}

/** The source text of a node on one line, cut to `maxLength` characters with an ellipsis, for messages. */
export function snippet(node: ts.Node, maxLength = 48, sourceFile = node.getSourceFile()): string {
  // a chain broken over lines reads `a.slice().filter(…)`, not `a.slice() .filter(…)`
  const text = node
    .getText(sourceFile)
    .replace(/\s*\n\s*(?=\??\.)/g, '')
    .replace(/\s+/g, ' ');
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}…` : text;
}
