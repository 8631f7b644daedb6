// Loops and their trip counts: how many times a loop runs, judged from its header. A loop over a
// literal array, a slice, a chunk or a small literal count is bounded; a loop over a parameter,
// a query result or a request body is data-sized; a `while` on a clock is a spin. Shared by the
// rules that care whether work grows with the input (cpu-heavy-loop, unbounded-fan-out).
import ts from 'typescript';
import {
  calleeName,
  containsCall,
  type FunctionLike,
  functionName,
  isFunctionLike,
  isInequalityOperator,
  isRelationalOperator,
  nameOf,
  skipOuterExpressions,
} from '../ast.js';
import { isBatchName, isBoundedCollection, numericValue } from './bounds.js';
import { constInitializer } from './declarations.js';
import { ARRAY_LOOP_METHODS } from './node-api.js';

export type TripKind = 'literal' | 'bounded' | 'data' | 'spin' | 'unknown';

export interface LoopTrip {
  kind: TripKind;
  /** literal trip count, when the header states one */
  count?: number;
  /**
   * what the trip count grows with, for 'data': the collection iterated, or the numeric bound.
   * 'data' from `loopTrip` is the cheap syntactic verdict; `isDataSized` confirms it (slower:
   * looks up initializers and length checks), so callers confirm only when it matters.
   */
  source?: ts.Expression;
  sourceKind?: 'collection' | 'bound';
  /** the numeric index of a counting `for`: `i` in `for (let i = 0; i < n; i++)` */
  index?: string;
}

export type LoopLike = ts.IterationStatement | ts.CallExpression;

/** lodash / underscore iteration: `_.each(collection, fn)`, the collection first. */
const LODASH_LOOP_METHODS: ReadonlySet<string> = new Set([
  ...ARRAY_LOOP_METHODS,
  'each',
  'forOwn',
  'forIn',
  'mapValues',
  'groupBy',
  'keyBy',
  'sortBy',
  'countBy',
  'partition',
  'reject',
  'uniqBy',
]);
const LODASH_NAME = /^(_|lodash|underscore)$/;

/** `_.each(items, fn)`: a lodash/underscore loop, whose collection is the first argument. */
function isLodashLoop(callee: ts.PropertyAccessExpression): boolean {
  const base = skipOuterExpressions(callee.expression);
  return ts.isIdentifier(base) && LODASH_NAME.test(base.text) && LODASH_LOOP_METHODS.has(callee.name.text);
}

/** The per-element callback of `items.forEach(fn)` / `items.map(fn)` / `_.each(items, fn)`, when written inline. */
export function arrayLoopCallback(call: ts.CallExpression): FunctionLike | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const lodash = isLodashLoop(callee);
  if (!lodash && !ARRAY_LOOP_METHODS.has(callee.name.text)) return undefined;
  const first = call.arguments[lodash ? 1 : 0];
  if (!first) return undefined;
  const fn = skipOuterExpressions(first);
  return ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) ? fn : undefined;
}

/** The collection an array-method call iterates: `items` in `items.map(fn)` and `_.map(items, fn)`. */
export function arrayLoopReceiver(call: ts.CallExpression): ts.Expression | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  return isLodashLoop(callee) ? call.arguments[0] : callee.expression;
}

const SCHEDULERS = /^(setImmediate|setTimeout|nextTick|queueMicrotask|delay|defer|requestIdleCallback)$/;

/**
 * A time-sliced loop: after the loop, its function hands the rest of the work to a later turn of
 * the event loop by scheduling itself again (`setImmediate(next)`, `process.nextTick(next)`,
 * `setImmediate(() => work(state))`, `utils.delay(this._tick, [], this)`). Only then does stopping
 * on a clock free the event loop; a loop that watches a clock and simply returns has no later turn.
 */
export function reschedulesItself(loop: ts.Node): boolean {
  let fn: ts.Node | undefined = loop.parent;
  while (fn && !isFunctionLike(fn)) fn = fn.parent;
  if (!fn || !isFunctionLike(fn) || !fn.body) return false;
  const names = new Set<string>();
  const own = functionName(fn);
  if (own !== undefined) names.add(own);
  if (names.size === 0) return false;
  const refersToSelf = (argument: ts.Expression): boolean => {
    const arg = skipOuterExpressions(argument);
    const name = nameOf(arg);
    if (name !== undefined && names.has(name)) return true;
    // setImmediate(() => work(state)), next.bind(this)
    return containsCall(arg, (call) => {
      const called = calleeName(call);
      return called !== undefined && names.has(called);
    });
  };
  return containsCall(
    fn.body,
    (call) => {
      const name = calleeName(call);
      return name !== undefined && SCHEDULERS.test(name) && (call.arguments ?? []).some(refersToSelf);
    },
    { enterFunctions: false },
  );
}

/** Numeric bounds named like configuration (retry counts, limits) rather than data. */
const CONFIG_BOUND_NAME =
  /^(max|min)|Max|MAX|retr|Retr|RETR|attempt|Attempt|ATTEMPT|limit|Limit|LIMIT|concurrency|Concurrency|CONCURRENCY/;
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/** How many times the loop runs, judged from its header. */
export function loopTrip(loop: LoopLike, threshold: number): LoopTrip {
  if (ts.isCallExpression(loop)) {
    const receiver = arrayLoopReceiver(loop);
    if (!receiver) return { kind: 'unknown' };
    return collectionTrip(receiver);
  }
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    const collection = loop.expression;
    const fromLength = arrayFromLength(collection, threshold);
    if (fromLength) return fromLength;
    return collectionTrip(collection);
  }
  if (ts.isForStatement(loop)) return forStatementTrip(loop, threshold);
  // while / do-while
  const condition = skipOuterExpressions((loop as ts.WhileStatement | ts.DoStatement).expression);
  if (readsClock(condition)) return { kind: 'spin' };
  if (ts.isBinaryExpression(condition) && isLoopComparison(condition.operatorToken.kind)) {
    const literal = literalNumber(condition.right) ?? literalNumber(condition.left);
    if (literal !== undefined)
      return literal >= threshold ? { kind: 'literal', count: literal } : { kind: 'bounded', count: literal };
  }
  return { kind: 'unknown' };
}

/** `Array.from({ length: 1e6 })` / `Array(1e6).keys()` style headers. */
function arrayFromLength(collection: ts.Expression, threshold: number): LoopTrip | undefined {
  const expr = skipOuterExpressions(collection);
  if (!ts.isCallExpression(expr) || calleeName(expr) !== 'from') return undefined;
  const first = expr.arguments[0] && skipOuterExpressions(expr.arguments[0]);
  if (!first || !ts.isObjectLiteralExpression(first)) return undefined;
  for (const property of first.properties) {
    if (
      ts.isPropertyAssignment(property) &&
      ts.isIdentifier(property.name) &&
      property.name.text === 'length'
    ) {
      const count = literalNumber(property.initializer);
      if (count !== undefined)
        return count >= threshold ? { kind: 'literal', count } : { kind: 'bounded', count };
      return boundTrip(property.initializer, threshold, false);
    }
  }
  return undefined;
}

function forStatementTrip(loop: ts.ForStatement, threshold: number): LoopTrip {
  const index = indexVariable(loop);
  const condition = loop.condition && skipOuterExpressions(loop.condition);
  if (!condition) return { kind: 'unknown', index };
  if (readsClock(condition)) return { kind: 'spin', index };
  if (!ts.isBinaryExpression(condition) || !isLoopComparison(condition.operatorToken.kind)) {
    // for (let node = head; node; node = node.next): a walk of a data structure
    return { kind: 'unknown', index };
  }
  const left = skipOuterExpressions(condition.left);
  const right = skipOuterExpressions(condition.right);
  let bound: ts.Expression =
    ts.isIdentifier(left) && left.text === index
      ? right
      : ts.isIdentifier(right) && right.text === index
        ? left
        : right;
  const start = startValue(loop);
  // Counting down: for (let i = arr.length - 1; i >= 0; i--): the start is the bound.
  if (isDecrement(loop.incrementor, index) && start.expression) bound = start.expression;
  const literal = literalNumber(bound);
  // for (let flag = 1; flag <= 1 << 24; flag <<= 1): a walk over bits, logarithmic
  if (isGeometric(loop.incrementor))
    return {
      kind: 'bounded',
      count: literal !== undefined ? Math.ceil(Math.log2(Math.max(2, literal))) : undefined,
      index,
    };
  if (literal !== undefined) {
    const from = isDecrement(loop.incrementor, index) ? 0 : (start.value ?? 0);
    const count = Math.abs(literal - from) / stepOf(loop.incrementor);
    return count >= threshold ? { kind: 'literal', count, index } : { kind: 'bounded', count, index };
  }
  return { ...boundTrip(bound, threshold, false), index };
}

/** Cheap verdict on a collection: literals, slices and batch names are bounded; the rest waits for `isDataSized`. */
function collectionTrip(collection: ts.Expression): LoopTrip {
  const expr = skipOuterExpressions(collection);
  if (
    ts.isArrayLiteralExpression(expr) ||
    ts.isObjectLiteralExpression(expr) ||
    ts.isStringLiteralLike(expr) ||
    (ts.isIdentifier(expr) && isBatchName(expr.text))
  ) {
    return isBoundedCollection(expr)
      ? { kind: 'bounded' }
      : { kind: 'data', source: collection, sourceKind: 'collection' };
  }
  return { kind: 'data', source: collection, sourceKind: 'collection' };
}

/** Confirms a cheap 'data' verdict: the collection is not bounded by a slice, a chunk, a length check or a literal initializer. */
export function isDataSized(trip: LoopTrip, threshold: number): boolean {
  return confirmTrip(trip, threshold).kind === 'data';
}

/** The trip of a cheap 'data' verdict once initializers and length checks are looked at. */
export function confirmTrip(trip: LoopTrip, threshold: number): LoopTrip {
  if (trip.kind !== 'data' || !trip.source) return trip;
  if (trip.sourceKind === 'collection')
    return isBoundedCollection(trip.source) ? { kind: 'bounded', index: trip.index } : trip;
  const deep = boundTrip(trip.source, threshold, true);
  return deep.kind === 'data' ? trip : { ...deep, index: trip.index };
}

/**
 * Value of a numeric literal expression (1e6, 1_000_000, 2 ** 20, 1000 * 1000). Identifiers are
 * looked up only when named like constants (`MAX_ROWS`) or when `deep`: the lookup walks scopes.
 */
function literalNumber(expression: ts.Expression, deep = false): number | undefined {
  return isLiteralShaped(expression, deep, 0) ? numericValue(expression) : undefined;
}

function isLiteralShaped(expression: ts.Expression, deep: boolean, depth: number): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isNumericLiteral(expr)) return true;
  if (ts.isIdentifier(expr)) return deep || CONSTANT_NAME.test(expr.text);
  if (ts.isBinaryExpression(expr)) {
    return (
      depth < 5 && isLiteralShaped(expr.left, deep, depth + 1) && isLiteralShaped(expr.right, deep, depth + 1)
    );
  }
  return false;
}

/** Trip of a numeric bound expression: `arr.length`, `n`, `Math.min(n, 100)`, `MAX_ITEMS`. */
function boundTrip(bound: ts.Expression, threshold: number, deep: boolean, depth = 0): LoopTrip {
  let expr = skipOuterExpressions(bound);
  // arr.length - 1, n + 1, and `items.length - i - 1` (the inner pass of a bubble sort: what it
  // takes away does not change how the count grows)
  while (
    ts.isBinaryExpression(expr) &&
    (expr.operatorToken.kind === ts.SyntaxKind.MinusToken ||
      (expr.operatorToken.kind === ts.SyntaxKind.PlusToken && literalNumber(expr.right) !== undefined))
  ) {
    expr = skipOuterExpressions(expr.left);
  }
  const literal = literalNumber(expr, deep);
  if (literal !== undefined)
    return literal >= threshold ? { kind: 'literal', count: literal } : { kind: 'bounded', count: literal };
  if (ts.isPropertyAccessExpression(expr) && /^(length|size|byteLength)$/.test(expr.name.text)) {
    const collection = expr.expression;
    if (!deep) return collectionTrip(collection);
    return isBoundedCollection(collection)
      ? { kind: 'bounded' }
      : { kind: 'data', source: collection, sourceKind: 'collection' };
  }
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    if (name === 'min') {
      const literals = expr.arguments
        .map((a) => literalNumber(a, deep))
        .filter((v): v is number => v !== undefined);
      if (literals.length > 0) {
        const count = Math.min(...literals);
        return count >= threshold ? { kind: 'literal', count } : { kind: 'bounded', count };
      }
      if (expr.arguments.some((a) => boundTrip(a, threshold, deep, depth + 1).kind === 'bounded'))
        return { kind: 'bounded' };
    }
    return { kind: 'data', source: expr, sourceKind: 'bound' };
  }
  const name = nameOf(expr);
  if (name !== undefined && (CONFIG_BOUND_NAME.test(name) || CONSTANT_NAME.test(name)))
    return { kind: 'bounded' };
  if (deep && ts.isIdentifier(expr) && depth < 2) {
    const initializer = constInitializer(expr);
    if (initializer) {
      const viaInitializer = boundTrip(initializer, threshold, deep, depth + 1);
      if (viaInitializer.kind !== 'data') return viaInitializer;
      return { kind: 'data', source: expr, sourceKind: 'bound' };
    }
  }
  return { kind: 'data', source: expr, sourceKind: 'bound' };
}

/** The counting variable of a `for`: from the initializer, else from the incrementor. */
function indexVariable(loop: ts.ForStatement): string | undefined {
  const init = loop.initializer;
  if (init && ts.isVariableDeclarationList(init)) {
    const first = init.declarations[0];
    if (first && ts.isIdentifier(first.name)) return first.name.text;
  }
  if (init && ts.isBinaryExpression(init) && ts.isIdentifier(init.left)) return init.left.text;
  const inc = loop.incrementor && skipOuterExpressions(loop.incrementor);
  if (
    inc &&
    (ts.isPostfixUnaryExpression(inc) || ts.isPrefixUnaryExpression(inc)) &&
    ts.isIdentifier(inc.operand)
  ) {
    return inc.operand.text;
  }
  return undefined;
}

function startValue(loop: ts.ForStatement): { value?: number; expression?: ts.Expression } {
  const init = loop.initializer;
  let expression: ts.Expression | undefined;
  if (init && ts.isVariableDeclarationList(init)) expression = init.declarations[0]?.initializer;
  else if (init && ts.isBinaryExpression(init) && init.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    expression = init.right;
  if (!expression) return {};
  return { value: literalNumber(expression), expression };
}

function isDecrement(incrementor: ts.Expression | undefined, index: string | undefined): boolean {
  if (!incrementor || index === undefined) return false;
  const inc = skipOuterExpressions(incrementor);
  if (
    (ts.isPostfixUnaryExpression(inc) || ts.isPrefixUnaryExpression(inc)) &&
    inc.operator === ts.SyntaxKind.MinusMinusToken
  ) {
    return ts.isIdentifier(inc.operand) && inc.operand.text === index;
  }
  return ts.isBinaryExpression(inc) && inc.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken;
}

function isGeometric(incrementor: ts.Expression | undefined): boolean {
  if (!incrementor) return false;
  const inc = skipOuterExpressions(incrementor);
  if (!ts.isBinaryExpression(inc)) return false;
  switch (inc.operatorToken.kind) {
    case ts.SyntaxKind.LessThanLessThanEqualsToken:
    case ts.SyntaxKind.GreaterThanGreaterThanEqualsToken:
    case ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken:
    case ts.SyntaxKind.AsteriskEqualsToken:
    case ts.SyntaxKind.SlashEqualsToken:
      return true;
    case ts.SyntaxKind.EqualsToken: {
      // i = i * 2, i = i >> 1
      const right = skipOuterExpressions(inc.right);
      return (
        ts.isBinaryExpression(right) &&
        (right.operatorToken.kind === ts.SyntaxKind.AsteriskToken ||
          right.operatorToken.kind === ts.SyntaxKind.SlashToken ||
          right.operatorToken.kind === ts.SyntaxKind.LessThanLessThanToken ||
          right.operatorToken.kind === ts.SyntaxKind.GreaterThanGreaterThanToken ||
          right.operatorToken.kind === ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken)
      );
    }
    default:
      return false;
  }
}

function stepOf(incrementor: ts.Expression | undefined): number {
  if (!incrementor) return 1;
  const inc = skipOuterExpressions(incrementor);
  if (
    ts.isBinaryExpression(inc) &&
    (inc.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken ||
      inc.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken)
  ) {
    const step = literalNumber(inc.right);
    if (step !== undefined && step > 0) return step;
  }
  return 1;
}

/** A loop condition that compares: `i < n`, `i >= 0`, `node !== end`. */
export function isLoopComparison(kind: ts.SyntaxKind): boolean {
  return isRelationalOperator(kind) || isInequalityOperator(kind);
}

/** Does the expression read a clock: `Date.now()`, `performance.now()`, `new Date()`, `process.hrtime()`? */
export function readsClock(expression: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (isClockRead(node)) {
      found = true;
      return;
    }
    if (ts.isFunctionLike(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

export function isClockRead(node: ts.Node): boolean {
  if (ts.isNewExpression(node)) {
    const callee = skipOuterExpressions(node.expression);
    return ts.isIdentifier(callee) && callee.text === 'Date' && (node.arguments?.length ?? 0) === 0;
  }
  if (!ts.isCallExpression(node)) return false;
  const callee = skipOuterExpressions(node.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  const base = skipOuterExpressions(callee.expression);
  if (method === 'now' && ts.isIdentifier(base)) return base.text === 'Date' || base.text === 'performance';
  if (method === 'hrtime' && ts.isIdentifier(base)) return base.text === 'process';
  if (method === 'bigint' && ts.isPropertyAccessExpression(base) && base.name.text === 'hrtime') return true;
  if (method === 'getTime' || method === 'valueOf') {
    return ts.isNewExpression(base) && isClockRead(base);
  }
  return false;
}
