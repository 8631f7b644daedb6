// Bounded input: collections whose size the code itself limits. Literal arrays and tuples,
// `.slice(a, b)`, `Object.keys({…})` of literals, chunked batches, and collections whose length is
// checked against a limit before use are bounded; so are collections whose size the program's
// surroundings fix (configuration, the machine's network interfaces, a recursion's ancestor stack).
// Everything else (request bodies, query results, parameters, literals the code keeps growing) is
// treated as data-sized.
import ts from 'typescript';
import {
  calleeName,
  containsCall,
  enclosingFunction,
  type FunctionLike,
  functionName,
  isRelationalOperator,
  propertyChain,
  skipOuterExpressions,
  stringValue,
} from '../ast.js';
import { constInitializer, findDeclaration } from './declarations.js';

const BATCH_NAME = /^(chunk|batch|page|group|window|slice)(es|s)?$|(Chunk|Batch|Page)$/;
/** Collections whose elements are batches: `batches[i]`, `pages[0]`. */
const BATCHY_NAME = /chunk|batch|page|group/i;
/** Calls that cut a collection into fixed-size pieces: their elements are bounded batches. */
const CHUNKING_CALL = /chunk|batch|splitEvery|partition|paginat|inGroupsOf/i;

/** A name that says "one batch of the data": `chunk`, `batch`, `pages`, `currentPage`. */
export function isBatchName(name: string): boolean {
  return BATCH_NAME.test(name);
}
const MAX_LITERAL_ELEMENTS = 10_000;

/**
 * The one answer to "is this input bounded by the code?": a literal, a slice, a batch, a
 * length-checked name, or an element of a chunked collection (`for (const batch of chunk(items, 50))`).
 */
export function isBoundedCollection(expression: ts.Expression, depth = 0): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isArrayLiteralExpression(expr)) {
    return expr.elements.length < MAX_LITERAL_ELEMENTS && !expr.elements.some(ts.isSpreadElement);
  }
  if (ts.isObjectLiteralExpression(expr)) return true;
  if (stringValue(expr) !== undefined) return true;
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    const receiver = ts.isPropertyAccessExpression(skipOuterExpressions(expr.expression))
      ? (skipOuterExpressions(expr.expression) as ts.PropertyAccessExpression).expression
      : undefined;
    if ((name === 'slice' || name === 'splice' || name === 'subarray') && expr.arguments.length >= 2)
      return true;
    if (name === 'slice' && expr.arguments.length === 1 && receiver) {
      // slice(-n) keeps the last n: bounded when n is a literal
      const first = skipOuterExpressions(expr.arguments[0]!);
      if (ts.isPrefixUnaryExpression(first) && ts.isNumericLiteral(first.operand)) return true;
    }
    if ((name === 'keys' || name === 'values' || name === 'entries') && receiver && expr.arguments[0]) {
      return isBoundedCollection(expr.arguments[0], depth + 1);
    }
    if (name === 'from' && expr.arguments[0]) {
      const first = skipOuterExpressions(expr.arguments[0]);
      if (ts.isObjectLiteralExpression(first)) return true; // Array.from({ length: n }): n is chosen by the code
      return isBoundedCollection(first, depth + 1);
    }
    if (
      (name === 'map' ||
        name === 'filter' ||
        name === 'flat' ||
        name === 'reverse' ||
        name === 'toSorted' ||
        name === 'sort') &&
      receiver
    ) {
      return isBoundedCollection(receiver, depth + 1);
    }
    if (name === 'chunk' || name === 'chunks') return false;
    return isSmallByOrigin(expr, depth);
  }
  if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.name) && BATCH_NAME.test(expr.name.text))
    return true;
  if (ts.isIdentifier(expr)) {
    if (BATCH_NAME.test(expr.text)) return true;
    if (depth < 3) {
      const initializer = constInitializer(expr);
      // `const seen = []` that the code keeps pushing to grows with the data
      if (initializer && isBoundedCollection(initializer, depth + 1) && !isGrownLiteral(expr, initializer))
        return true;
    }
    return hasLengthCheck(expr) || isChunkElement(expr) || isRecursionStack(expr);
  }
  if (ts.isElementAccessExpression(expr)) {
    const base = skipOuterExpressions(expr.expression);
    if (ts.isIdentifier(base) && BATCHY_NAME.test(base.text)) return true;
    // ifaces[name] of `const ifaces = os.networkInterfaces()`
    if (depth < 3 && isSmallByOrigin(base, depth + 1)) return true;
  }
  return isSmallByOrigin(expr, depth);
}

/** Methods of `os` that list the machine's own few things: network interfaces, CPUs. */
const OS_LISTS = new Set(['networkInterfaces', 'cpus', 'loadavg', 'userInfo']);
/** A property chain through one of these reads configuration, not data: `this.config.relay.tasks`. */
const CONFIG_SEGMENT =
  /^(config|conf|cfg|configuration|settings|options|opts|defaults|template|templates|credentials|creds|env|argv|schema|manifest|definition|definitions|def|defs)$/i;
/** camelCase names ending in one of those: `subflowDef`, `serverConfig`, `routeOptions` */
const CONFIG_SUFFIX =
  /[a-z0-9](Config|Conf|Configuration|Settings|Options|Opts|Defaults|Template|Schema|Def|Defs|Definition|Definitions)$/;

/** A name or property that reads configuration: `config`, `opts`, `serverConfig`, `appConf`. */
export function isConfigName(part: string): boolean {
  return CONFIG_SEGMENT.test(part) || CONFIG_SUFFIX.test(part);
}

/**
 * Collections whose size the program's own surroundings fix, whatever the requests: the machine's
 * network interfaces and CPUs, configuration (`this.config.servers`, `node.credentials`,
 * `opts.template`), `process.argv`/`process.env`, the files shipped next to the code
 * (`fs.readdirSync(__dirname)`).
 */
function isSmallByOrigin(expression: ts.Expression, depth: number): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    if (name !== undefined && OS_LISTS.has(name)) {
      const callee = skipOuterExpressions(expr.expression);
      const base = ts.isPropertyAccessExpression(callee)
        ? skipOuterExpressions(callee.expression)
        : undefined;
      return !base || (ts.isIdentifier(base) && base.text === 'os');
    }
    if ((name === 'readdirSync' || name === 'readdir') && expr.arguments[0]) {
      return mentionsName(expr.arguments[0], '__dirname');
    }
    // require('./defaults'), require('../config.json'): a module shipped with the code, as large
    // as its author wrote it
    if (name === 'require' && ts.isIdentifier(skipOuterExpressions(expr.expression))) {
      const specifier = expr.arguments[0] && stringValue(expr.arguments[0]);
      return specifier !== undefined && /^\.\.?\//.test(specifier);
    }
    return false;
  }
  const chain = propertyChain(expr);
  if (chain?.some(isConfigName)) return true;
  if (ts.isIdentifier(expr) && depth < 3) {
    const initializer = constInitializer(expr);
    return initializer !== undefined && isSmallByOrigin(initializer, depth + 1);
  }
  return false;
}

function mentionsName(node: ts.Node, name: string): boolean {
  if (ts.isIdentifier(node)) return node.text === name;
  return !!ts.forEachChild(node, (child) => (mentionsName(child, name) ? true : undefined));
}

const GROWING_METHODS = new Set(['push', 'unshift', 'splice', 'add', 'set', 'concat']);

/** Is a name initialised with a literal (`[]`, `{}`) then grown: `seen.push(x)`, `seen[k] = v`? */
/** per declaration: is its literal grown (asked for every use of the name, answered once) */
const grownLiterals = new WeakMap<ts.VariableDeclaration, boolean>();

function isGrownLiteral(identifier: ts.Identifier, initializer: ts.Expression): boolean {
  const init = skipOuterExpressions(initializer);
  if (!ts.isArrayLiteralExpression(init) && !ts.isObjectLiteralExpression(init)) return false;
  const declaration = findDeclaration(identifier);
  if (declaration?.kind !== 'variable') return false;
  const known = grownLiterals.get(declaration.node);
  if (known !== undefined) return known;
  const grown = literalIsGrown(identifier.text, declaration.node);
  grownLiterals.set(declaration.node, grown);
  return grown;
}

function literalIsGrown(name: string, declaration: ts.VariableDeclaration): boolean {
  const scope = declaration.parent.parent.parent;
  if (!scope) return false;
  const isName = (node: ts.Expression): boolean => {
    const e = skipOuterExpressions(node);
    return ts.isIdentifier(e) && e.text === name;
  };
  let grown = false;
  let popped = false;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (ts.isPropertyAccessExpression(callee) && isName(callee.expression)) {
        if (GROWING_METHODS.has(callee.name.text)) grown = true;
        if (callee.name.text === 'pop') popped = true;
      }
    } else if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isElementAccessExpression(node.left) &&
      isName(node.left.expression)
    ) {
      grown = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  // pushed and popped: a stack, as deep as the recursion or nesting that drives it (rfdc's `refs`)
  return grown && !popped;
}

/**
 * A parameter that a recursive function passes on to itself (`clone(value, stack)`,
 * `walk(child, [...ancestors, node])`): it holds the chain of ancestors, as long as the nesting
 * is deep, not as long as the data.
 */
const recursionStacks = new WeakMap<ts.ParameterDeclaration, boolean>();

function isRecursionStack(identifier: ts.Identifier): boolean {
  const declaration = findDeclaration(identifier);
  if (declaration?.kind !== 'parameter') return false;
  const known = recursionStacks.get(declaration.node);
  if (known !== undefined) return known;
  const answer = passedToItself(identifier.text, declaration.node, declaration.fn);
  recursionStacks.set(declaration.node, answer);
  return answer;
}

function passedToItself(name: string, parameter: ts.ParameterDeclaration, fn: FunctionLike): boolean {
  const own = functionName(fn);
  if (own === undefined || !fn.body) return false;
  const index = fn.parameters.indexOf(parameter);
  return containsCall(fn.body, (call) => {
    if (calleeName(call) !== own) return false;
    const passed = call.arguments?.[index];
    return passed !== undefined && mentionsName(passed, name);
  });
}
/** `batch` in `for (const batch of chunk(items, 50))` / `for (const batch of _.chunk(…))`. */
function isChunkElement(identifier: ts.Identifier): boolean {
  let current: ts.Node | undefined = identifier.parent;
  while (current && !ts.isSourceFile(current)) {
    if (ts.isForOfStatement(current) && ts.isVariableDeclarationList(current.initializer)) {
      const declaration = current.initializer.declarations[0];
      if (declaration && ts.isIdentifier(declaration.name) && declaration.name.text === identifier.text) {
        const iterated = skipOuterExpressions(current.expression);
        if (ts.isCallExpression(iterated)) {
          const name = calleeName(iterated);
          return name !== undefined && CHUNKING_CALL.test(name);
        }
        if (ts.isIdentifier(iterated)) {
          const initializer = constInitializer(iterated);
          if (initializer && ts.isCallExpression(skipOuterExpressions(initializer))) {
            const name = calleeName(skipOuterExpressions(initializer) as ts.CallExpression);
            return name !== undefined && CHUNKING_CALL.test(name);
          }
        }
        return false;
      }
    }
    current = current.parent;
  }
  return false;
}

/**
 * Is `name.length` compared with something in the same function before `identifier`'s use?
 * e.g. `if (items.length > 100) throw …` or `assert(ids.length <= MAX)`.
 */
export function hasLengthCheck(identifier: ts.Identifier): boolean {
  const scope = enclosingFunction(identifier) ?? identifier.getSourceFile();
  const body = ts.isSourceFile(scope) ? scope : scope.body;
  if (!body) return false;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || node.pos >= identifier.pos) return;
    if (
      ts.isBinaryExpression(node) &&
      isRelationalOperator(node.operatorToken.kind) &&
      (isLengthOf(node.left, identifier.text) || isLengthOf(node.right, identifier.text)) &&
      isLimitCheck(node, identifier)
    ) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/**
 * A comparison that caps the length, not one that walks it: `for (…; i < rows.length; …)` and
 * `while (queue.length > 0)` iterate; `items.length > 0` / `< 1` only test for emptiness; and the
 * comparison that contains the use itself checks nothing before it.
 */
function isLimitCheck(comparison: ts.BinaryExpression, use: ts.Identifier): boolean {
  if (comparison.end > use.pos) return false;
  const parent = comparison.parent;
  if (
    (ts.isForStatement(parent) && parent.condition === comparison) ||
    ts.isWhileStatement(parent) ||
    ts.isDoStatement(parent)
  ) {
    return false;
  }
  const other = isLengthOf(comparison.left, use.text) ? comparison.right : comparison.left;
  const literal = numericValue(other);
  return literal === undefined || literal > 1;
}

function isLengthOf(node: ts.Expression, name: string): boolean {
  const expr = skipOuterExpressions(node);
  return (
    ts.isPropertyAccessExpression(expr) &&
    (expr.name.text === 'length' || expr.name.text === 'size') &&
    ts.isIdentifier(skipOuterExpressions(expr.expression)) &&
    (skipOuterExpressions(expr.expression) as ts.Identifier).text === name
  );
}

/** Numeric value of a literal like 1e6, 1_000_000 or 2 ** 20; undefined otherwise. */
export function numericValue(expression: ts.Expression, depth = 0): number | undefined {
  if (depth > 5) return undefined;
  const expr = skipOuterExpressions(expression);
  if (ts.isNumericLiteral(expr)) return Number(expr.text.replace(/_/g, ''));
  if (ts.isBinaryExpression(expr)) {
    const left = numericValue(expr.left, depth + 1);
    const right = numericValue(expr.right, depth + 1);
    if (left === undefined || right === undefined) return undefined;
    switch (expr.operatorToken.kind) {
      case ts.SyntaxKind.AsteriskToken:
        return left * right;
      case ts.SyntaxKind.AsteriskAsteriskToken:
        return left ** right;
      case ts.SyntaxKind.PlusToken:
        return left + right;
      case ts.SyntaxKind.MinusToken:
        return left - right;
      default:
        return undefined;
    }
  }
  if (ts.isIdentifier(expr)) {
    const initializer = constInitializer(expr);
    return initializer ? numericValue(initializer, depth + 1) : undefined;
  }
  return undefined;
}
