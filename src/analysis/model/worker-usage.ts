// How a file uses the workers it spawns: which receivers get 'error'/'exit' listeners, which
// functions are called or passed as callbacks from where, and whether a condition tests the
// thread (isMainThread, parentPort, workerData, Piscina.isWorkerThread). Shared by the
// worker-lifecycle rules. Built lazily, once per file, and only for files that spawn workers
// (ThreadModel.spawns is non-empty), so files without workers pay nothing.
import ts from 'typescript';
import {
  calleeName,
  type FunctionLike,
  isFunctionLike,
  isLoop,
  nameOf,
  parentSkippingWrappers,
  skipOuterExpressions,
  stringValue,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { numericValue } from './bounds.js';
import { constInitializer } from './declarations.js';
import { LISTENER_METHODS } from './node-api.js';

/** `x.on('error', …)`, `once(x, 'exit')`, `x.onerror = …`, `x.onmessage = …` */
export interface ListenerRegistration {
  receiver: ts.Expression;
  /** event name; undefined when not a literal (`x.on(type, …)`) */
  event: string | undefined;
  node: ts.Node;
  /** the listener, when given inline or by name */
  listener?: ts.Expression;
}

export interface WorkerUsageIndex {
  listeners: ListenerRegistration[];
  /** calls and `new` by callee name (`f()`, `obj.f()`, `new F()`) */
  callsByName: Map<string, (ts.CallExpression | ts.NewExpression)[]>;
  /** calls that receive a function by name as an argument: `setTimeout(spawn)`, `w.on('exit', respawn)` */
  passedByName: Map<string, ts.CallExpression[]>;
}

const cache = new WeakMap<ts.SourceFile, WorkerUsageIndex>();

export function workerUsage(context: RuleContext): WorkerUsageIndex {
  const cached = cache.get(context.sourceFile);
  if (cached) return cached;
  const index: WorkerUsageIndex = { listeners: [], callsByName: new Map(), passedByName: new Map() };
  for (const node of context.nodes) {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) collectCall(node, index);
    else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      // worker.onerror = …, worker.onexit = …, worker.onmessage = …
      const left = skipOuterExpressions(node.left);
      if (
        ts.isPropertyAccessExpression(left) &&
        (left.name.text === 'onerror' || left.name.text === 'onexit' || left.name.text === 'onmessage')
      ) {
        index.listeners.push({
          receiver: left.expression,
          event: left.name.text.slice(2),
          node,
          listener: node.right,
        });
      }
    }
  }
  cache.set(context.sourceFile, index);
  return index;
}

function collectCall(node: ts.CallExpression | ts.NewExpression, index: WorkerUsageIndex): void {
  const name = calleeName(node);
  if (name !== undefined) push(index.callsByName, name, node);
  if (!ts.isCallExpression(node)) return;
  const args = node.arguments;
  const callee = skipOuterExpressions(node.expression);
  if (args.length >= 2 && stringValue(args[1]) !== undefined && stringValue(args[0]) === undefined) {
    // events.once(worker, 'exit'), on(worker, 'error'), pEvent(worker, 'exit')
    index.listeners.push({ receiver: args[0]!, event: stringValue(args[1]), node, listener: args[2] });
  } else if (
    name !== undefined &&
    LISTENER_METHODS.has(name) &&
    ts.isPropertyAccessExpression(callee) &&
    args.length >= 1
  ) {
    index.listeners.push({
      receiver: callee.expression,
      event: stringValue(args[0]),
      node,
      listener: args[1],
    });
  }
  for (const argument of args) {
    const arg = skipOuterExpressions(argument);
    let passed: string | undefined;
    if (ts.isIdentifier(arg)) passed = arg.text;
    else if (ts.isPropertyAccessExpression(arg) && arg.expression.kind === ts.SyntaxKind.ThisKeyword)
      passed = arg.name.text;
    else if (
      ts.isCallExpression(arg) &&
      ts.isPropertyAccessExpression(arg.expression) &&
      arg.expression.name.text === 'bind'
    ) {
      const target = skipOuterExpressions(arg.expression.expression);
      passed = nameOf(target);
    }
    if (passed !== undefined) push(index.passedByName, passed, node);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The name a function is called by in this file: declaration, variable, property or method name, class for constructors. */
export function callableName(fn: FunctionLike): string | undefined {
  if (ts.isConstructorDeclaration(fn)) return fn.parent.name?.text;
  if (
    fn.name &&
    (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name) || ts.isPrivateIdentifier(fn.name))
  ) {
    return fn.name.text;
  }
  const parent = parentSkippingWrappers(fn);
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const left = skipOuterExpressions(parent.left);
    if (ts.isIdentifier(left)) return left.text;
    if (ts.isPropertyAccessExpression(left)) return left.name.text;
  }
  return undefined;
}

/**
 * Calls of `fn` in this file by `name`. A plain function matches direct calls (`spawn()`) and
 * method calls; a class method does not match calls on receivers that are clearly something else
 * (`server.start()` where `server = http.createServer()`, an imported module's `start()`).
 */
export function callSitesOf(
  fn: FunctionLike,
  name: string,
  index: WorkerUsageIndex,
  context: RuleContext,
): (ts.CallExpression | ts.NewExpression)[] {
  const sites = index.callsByName.get(name) ?? [];
  const className =
    (ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn) || ts.isSetAccessor(fn)) && ts.isClassLike(fn.parent)
      ? (fn.parent.name?.text ?? '')
      : undefined;
  return sites.filter((site) => {
    if (site.pos >= fn.pos && site.end <= fn.end) return false; // recursion
    const callee = skipOuterExpressions(site.expression);
    if (className === undefined) {
      // a local function is called by its bare name; `obj.spawn()` is some other `spawn`
      return ts.isIdentifier(callee) || !isFunctionDeclarationLike(fn);
    }
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const receiver = skipOuterExpressions(callee.expression);
    if (receiver.kind === ts.SyntaxKind.ThisKeyword) return true;
    if (ts.isNewExpression(receiver)) return calleeName(receiver) === className;
    if (ts.isIdentifier(receiver)) {
      const reference = context.resolve(receiver);
      if (reference && reference.module !== '<global>') return false; // an imported module's method
      const initializer = constInitializer(receiver);
      if (!initializer) return true;
      const init = skipOuterExpressions(initializer);
      const created = ts.isAwaitExpression(init) ? skipOuterExpressions(init.expression) : init;
      if (ts.isNewExpression(created)) return calleeName(created) === className;
      if (ts.isCallExpression(created)) {
        // MyService.create(), createServer(), express()
        const creator = skipOuterExpressions(created.expression);
        return (
          ts.isPropertyAccessExpression(creator) &&
          ts.isIdentifier(creator.expression) &&
          creator.expression.text === className
        );
      }
      return true;
    }
    return true;
  });
}

/** `function f() {}` and `const f = () => {}`: functions called by their bare name. */
function isFunctionDeclarationLike(fn: FunctionLike): boolean {
  if (ts.isFunctionDeclaration(fn)) return true;
  const parent = parentSkippingWrappers(fn);
  return ts.isVariableDeclaration(parent);
}

/** The call a function expression is an argument of (`setTimeout(() => …)`), or the `new` it is passed to. */
export function registrationOf(fn: FunctionLike): ts.CallExpression | ts.NewExpression | undefined {
  const parent = parentSkippingWrappers(fn);
  if (
    (ts.isCallExpression(parent) || ts.isNewExpression(parent)) &&
    parent.arguments?.includes(fn as ts.Expression)
  ) {
    return parent;
  }
  return undefined;
}

/** `(function () { … })()` / `(() => …)()` */
export function iifeCall(fn: FunctionLike): ts.CallExpression | undefined {
  const parent = parentSkippingWrappers(fn);
  if (ts.isCallExpression(parent) && skipOuterExpressions(parent.expression) === fn) return parent;
  // (async () => { … })().catch(…) — the call is still the IIFE
  return undefined;
}

const THREAD_MODULES = new Set(['worker_threads', 'piscina', 'tinypool', 'workerpool']);
const THREAD_API = new Set([
  'isMainThread',
  'parentPort',
  'workerData',
  'threadId',
  'isWorkerThread',
  'isWorker',
  'workerId',
]);

/** Does a condition test which thread runs the code (isMainThread, parentPort, workerData, Piscina.isWorkerThread…)? */
export function mentionsThreadApi(condition: ts.Expression, context: RuleContext, depth = 0): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) {
      const reference = context.resolve(node);
      if (
        reference &&
        THREAD_MODULES.has(reference.module) &&
        reference.path.some((p) => THREAD_API.has(p))
      ) {
        found = true;
        return;
      }
      // const level = workerData?.level ?? 0; if (level < 10) …
      if (ts.isIdentifier(node) && depth < 2 && (!reference || reference.module === '<global>')) {
        const initializer = constInitializer(node);
        if (initializer && mentionsThreadApi(initializer, context, depth + 1)) {
          found = true;
          return;
        }
      }
    }
    if (isFunctionLike(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(condition);
  return found;
}

/** Does a statement always leave the enclosing function or program (return, throw, process.exit())? */
export function endsAbruptly(statement: ts.Statement | undefined): boolean {
  if (!statement) return false;
  if (ts.isReturnStatement(statement) || ts.isThrowStatement(statement)) return true;
  if (ts.isBlock(statement)) return endsAbruptly(statement.statements[statement.statements.length - 1]);
  if (ts.isExpressionStatement(statement)) {
    const expr = skipOuterExpressions(statement.expression);
    if (ts.isCallExpression(expr)) {
      const callee = skipOuterExpressions(expr.expression);
      return (
        ts.isPropertyAccessExpression(callee) &&
        (callee.name.text === 'exit' || callee.name.text === 'abort') &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'process'
      );
    }
  }
  if (ts.isIfStatement(statement))
    return endsAbruptly(statement.thenStatement) && endsAbruptly(statement.elseStatement);
  return false;
}

/** Statements that precede `child` in the block (or source file, case clause) that directly contains it. */
export function precedingStatements(child: ts.Node): readonly ts.Statement[] {
  const parent = child.parent;
  if (!parent) return [];
  const statements =
    ts.isBlock(parent) ||
    ts.isSourceFile(parent) ||
    ts.isModuleBlock(parent) ||
    ts.isCaseClause(parent) ||
    ts.isDefaultClause(parent)
      ? parent.statements
      : undefined;
  if (!statements) return [];
  const index = statements.indexOf(child as ts.Statement);
  return index > 0 ? statements.slice(0, index) : [];
}

/** `os.cpus`, `cpus`, and compiled `os_1.default.cpus` (tsc/Babel interop). */
function refersToOs(expression: ts.Expression, name: string, context: RuleContext): boolean {
  return context.refersTo(expression, 'os', name) || context.refersTo(expression, 'os', 'default', name);
}

/** A cores count: `os.cpus().length`, `os.availableParallelism()`, `navigator.hardwareConcurrency`, `workerpool.cpus`. */
export function isCoresExpression(expression: ts.Expression, context: RuleContext): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isCallExpression(expr)) {
    return refersToOs(expr.expression, 'availableParallelism', context);
  }
  if (ts.isPropertyAccessExpression(expr)) {
    if (expr.name.text === 'length') {
      const inner = skipOuterExpressions(expr.expression);
      return ts.isCallExpression(inner) && refersToOs(inner.expression, 'cpus', context);
    }
    if (expr.name.text === 'hardwareConcurrency') return true;
    if (expr.name.text === 'cpus') return context.refersTo(expr, 'workerpool', 'cpus');
  }
  return false;
}

/** A collection whose size is the number of cores or a count the code chose: `os.cpus()`, `Array.from({ length: n })`, `Array(n).fill()`, `[...Array(n)]`. */
export function isCountedCollection(expression: ts.Expression, context: RuleContext): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isCallExpression(expr)) {
    if (refersToOs(expr.expression, 'cpus', context)) return true;
    const name = calleeName(expr);
    const callee = skipOuterExpressions(expr.expression);
    const receiver = ts.isPropertyAccessExpression(callee)
      ? skipOuterExpressions(callee.expression)
      : undefined;
    if (name === 'from' && receiver && ts.isIdentifier(receiver) && receiver.text === 'Array') {
      const first = expr.arguments[0] && skipOuterExpressions(expr.arguments[0]);
      return !!first && ts.isObjectLiteralExpression(first);
    }
    if ((name === 'fill' || name === 'keys' || name === 'map') && receiver)
      return isCountedCollection(receiver, context);
    if (name === 'Array' && expr.arguments.length === 1) return true;
    return false;
  }
  if (ts.isNewExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    return ts.isIdentifier(callee) && callee.text === 'Array' && expr.arguments?.length === 1;
  }
  if (ts.isArrayLiteralExpression(expr) && expr.elements.length === 1) {
    const only = expr.elements[0]!;
    return ts.isSpreadElement(only) && isCountedCollection(only.expression, context);
  }
  return false;
}

/** Does an expression read the size of some collection (`x.length`, `x.size`)? */
export function readsCollectionSize(expression: ts.Expression): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(node) && (node.name.text === 'length' || node.name.text === 'size')) {
      found = true;
      return;
    }
    if (isFunctionLike(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

/**
 * For `i < n` style loop conditions: the bound side of each comparison joined by `&&`
 * (`workers.size < queue.size && workers.size < max` → [queue.size, max]); empty for other shapes.
 */
export function upperBoundsOf(condition: ts.Expression): ts.Expression[] {
  const expr = skipOuterExpressions(condition);
  if (!ts.isBinaryExpression(expr)) return [];
  switch (expr.operatorToken.kind) {
    case ts.SyntaxKind.LessThanToken:
    case ts.SyntaxKind.LessThanEqualsToken:
      return [expr.right];
    case ts.SyntaxKind.GreaterThanToken:
    case ts.SyntaxKind.GreaterThanEqualsToken:
      return [expr.left];
    case ts.SyntaxKind.AmpersandAmpersandToken:
      return [...upperBoundsOf(expr.left), ...upperBoundsOf(expr.right)];
    default:
      return [];
  }
}

export { isLoop, numericValue };
