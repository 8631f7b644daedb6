// worker-per-task: a Worker or a worker pool created per request, event, or loop iteration
// instead of once at start-up.
import ts from 'typescript';
import { hoistPoolSuggestion } from '../../fixes/worker-per-task.js';
import {
  calleeName,
  containsCall,
  type FunctionLike,
  firstStringArgument,
  isFunctionLike,
  isLoop,
  mentionsAny,
  nameOf,
  parentSkippingWrappers,
  propertyChain,
  skipOuterExpressions,
  snippet,
  stringValue,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { numericValue } from '../model/bounds.js';
import { constInitializer } from '../model/declarations.js';
import {
  ARRAY_LOOP_METHODS,
  LISTENER_METHODS,
  looksLikeRequestHandler,
  ONCE_LISTENER_METHODS,
  ONE_SHOT_TIMERS,
  POOL_TASK_METHODS,
  POOL_TEARDOWN_METHODS,
  PROMISE_METHODS,
  routeLabel,
  SUBSCRIBE_METHODS,
} from '../model/node-api.js';
import { isThreadSpawn, propertyValue, type WorkerSpawn } from '../model/threads.js';
import {
  callableName,
  callSitesOf,
  endsAbruptly,
  iifeCall,
  isCoresExpression,
  isCountedCollection,
  precedingStatements,
  readsCollectionSize,
  registrationOf,
  upperBoundsOf,
  type WorkerUsageIndex,
  workerUsage,
} from '../model/worker-usage.js';
import { WORKER_CREATION_TRIGGER } from '../text-triggers.js';
import type { Rule } from '../types.js';

const MAX_DEPTH = 6;

/** A worker that dies is replaced here: crash recovery, the fix for unhandled-worker-error. */
const RECOVERY_EVENTS = new Set(['exit', 'error', 'close', 'disconnect', 'messageerror']);
/** Events that fire once in a process's life. */
const ONE_SHOT_EVENTS = new Set([
  'ready',
  'listening',
  'online',
  'open',
  'start',
  'started',
  'init',
  'load',
  'DOMContentLoaded',
]);
const TEST_FUNCTIONS = new Set([
  'describe',
  'it',
  'test',
  'before',
  'beforeEach',
  'after',
  'afterEach',
  'beforeAll',
  'afterAll',
  'bench',
]);
/** First parameter names of callbacks that run once per unit of work. */
const PER_TASK_PARAMETER =
  /^(req|request|ctx|context|job|task|msg|message|event|evt|payload|item|file|chunk|record|line|input|conn|connection|socket|ws|client|body|data|args)$/i;

interface PerTask {
  /** how the spawn is reached, e.g. "in the `POST /resize` handler" */
  where: string;
  /** the functions between that place and the spawn, outermost first */
  via?: string[];
  /** the loop, handler registration or call that makes it per task */
  node: ts.Node;
}

interface Walk {
  context: RuleContext;
  index: WorkerUsageIndex;
  spawn: WorkerSpawn;
  visited: Set<ts.Node>;
  /** parameters of the functions crossed so far (for "a worker per call" helpers nobody in the file calls) */
  parameters: Set<string>;
  /** crossed a `new Promise` executor since the spawn */
  inPromise: boolean;
}

/** Is `expression` state that outlives a call: rooted at `this` or at a module-level variable? */
function isState(expression: ts.Expression, context: RuleContext): boolean {
  const chain = propertyChain(expression);
  const root = chain?.[0];
  if (root === undefined) return false;
  if (root === 'this') return true;
  return context.sourceFile.statements.some(
    (statement) =>
      ts.isVariableStatement(statement) &&
      statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === root),
  );
}

/**
 * Does a condition test pool state: whether the target already exists (`!this.pool`), a pool's
 * size (`this.workers.length < this.max`), a cache (`!workers.has(id)`)?
 */
function testsPoolState(condition: ts.Expression, target: string | undefined, context: RuleContext): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || isFunctionLike(node)) return;
    if (ts.isPropertyAccessExpression(node) || ts.isIdentifier(node) || ts.isElementAccessExpression(node)) {
      const text = node.getText(context.sourceFile);
      if (
        target !== undefined &&
        (text === target || target.startsWith(`${text}[`) || target.startsWith(`${text}.`))
      ) {
        if (isState(node as ts.Expression, context)) {
          found = true;
          return;
        }
      }
    }
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (
        ts.isPropertyAccessExpression(callee) &&
        (callee.name.text === 'has' || callee.name.text === 'get')
      ) {
        if (isState(callee.expression, context)) {
          found = true;
          return;
        }
      }
    }
    if (ts.isBinaryExpression(node)) {
      // workers.length < max, this.active <= this.limit, max > this.workers.size — not queue.length > 0
      const op = node.operatorToken.kind;
      const less = op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.LessThanEqualsToken;
      const greater = op === ts.SyntaxKind.GreaterThanToken || op === ts.SyntaxKind.GreaterThanEqualsToken;
      if (less || greater) {
        const low = less ? node.left : node.right;
        const high = less ? node.right : node.left;
        if (isStateOperand(low, context) && numericValue(high) !== 0) {
          found = true;
          return;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(condition);
  return found;
}

/** `this.active`, `workers.length`, `pool.size` where the base is state that outlives a call */
function isStateOperand(expression: ts.Expression, context: RuleContext): boolean {
  let expr = skipOuterExpressions(expression);
  if (ts.isPropertyAccessExpression(expr) && (expr.name.text === 'length' || expr.name.text === 'size')) {
    expr = skipOuterExpressions(expr.expression);
  }
  return (ts.isIdentifier(expr) || ts.isPropertyAccessExpression(expr)) && isState(expr, context);
}

/**
 * Lazy singletons and bounded pool growth: `pool ??= new Piscina()`, `if (!this.worker) this.worker = …`,
 * `if (this.pool) return this.pool`, `if (workers.length < MAX) workers.push(new Worker())`.
 */
function isLazyOrBounded(spawn: ts.Node, context: RuleContext): boolean {
  let current: ts.Node = spawn;
  let target: string | undefined;
  // follow the value to where it is kept
  for (;;) {
    const parent = parentSkippingWrappers(current);
    if (ts.isAwaitExpression(parent) || ts.isConditionalExpression(parent)) {
      current = parent;
      continue;
    }
    if (ts.isBinaryExpression(parent) && skipOuterExpressions(parent.right) === current) {
      const op = parent.operatorToken.kind;
      if (op === ts.SyntaxKind.QuestionQuestionEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken)
        return true;
      // cache.get(key) ?? new Worker(…), this.pool || new Piscina()
      if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return true;
      if (op === ts.SyntaxKind.EqualsToken) {
        target = skipOuterExpressions(parent.left).getText(context.sourceFile);
        const outer = parentSkippingWrappers(parent);
        // pool ?? (pool = new Piscina())
        if (
          ts.isBinaryExpression(outer) &&
          (outer.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
            outer.operatorToken.kind === ts.SyntaxKind.BarBarToken)
        ) {
          return true;
        }
      }
    } else if (ts.isCallExpression(parent) && parent.arguments.includes(current as ts.Expression)) {
      // workers.set(id, new Worker(…)), workers.push(new Worker(…))
      const callee = skipOuterExpressions(parent.expression);
      if (ts.isPropertyAccessExpression(callee)) target = `${callee.expression.getText(context.sourceFile)}.`;
    } else if (ts.isPropertyDeclaration(parent)) {
      return false;
    }
    break;
  }
  return guardedByPoolState(spawn, target, context);
}

/**
 * Is `start` (a spawn, or a call that leads to one) inside a condition on pool state, or after an
 * early return on pool state, within its function? `target` is where the spawn is kept, if known.
 */
function guardedByPoolState(start: ts.Node, target: string | undefined, context: RuleContext): boolean {
  let child: ts.Node = start;
  let node: ts.Node | undefined = start.parent;
  while (node && !ts.isSourceFile(node) && !isFunctionLike(node)) {
    if (
      ts.isIfStatement(node) &&
      child !== node.expression &&
      testsPoolState(node.expression, target, context)
    )
      return true;
    if (
      ts.isConditionalExpression(node) &&
      child !== node.condition &&
      testsPoolState(node.condition, target, context)
    ) {
      return true;
    }
    if (
      (ts.isWhileStatement(node) || ts.isDoStatement(node)) &&
      testsPoolState(node.expression, target, context)
    )
      return true;
    for (const statement of precedingStatements(child)) {
      if (
        ts.isIfStatement(statement) &&
        endsAbruptly(statement.thenStatement) &&
        testsPoolState(statement.expression, target, context)
      ) {
        return true;
      }
    }
    child = node;
    node = node.parent;
  }
  return false;
}

function containsCores(expression: ts.Expression, context: RuleContext): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isExpression(node) && isCoresExpression(node, context)) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

/** Does a loop bound count workers (`i < n`, `i < os.cpus().length`) rather than data (`i < files.length`)? */
function isPoolBound(bound: ts.Expression, context: RuleContext): boolean {
  return !readsCollectionSize(bound) || containsCores(bound, context);
}

/** A loop around the spawn that runs once per data item, or undefined for a counted pool loop. */
function loopPerTask(loop: ts.IterationStatement, context: RuleContext): PerTask | undefined {
  if (ts.isForStatement(loop)) {
    const bounds = loop.condition ? upperBoundsOf(loop.condition) : [];
    if (bounds.some((bound) => isPoolBound(bound, context))) return undefined;
    return {
      where: `in a loop${loop.condition ? ` while \`${snippet(loop.condition, 40, context.sourceFile)}\`` : ''}`,
      node: loop,
    };
  }
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    if (isCountedCollection(loop.expression, context) || context.isBounded(loop.expression)) return undefined;
    return { where: `in a loop over \`${snippet(loop.expression, 40, context.sourceFile)}\``, node: loop };
  }
  if (ts.isWhileStatement(loop) || ts.isDoStatement(loop)) {
    if (upperBoundsOf(loop.expression).some((bound) => isPoolBound(bound, context))) return undefined;
    return { where: `in a loop while \`${snippet(loop.expression, 40, context.sourceFile)}\``, node: loop };
  }
  return undefined;
}

/** Is `node` reached once per task? Walks up to the function, then to the places that call it. */
function perTask(node: ts.Node, walk: Walk, depth: number): PerTask | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const { context } = walk;
  // a call that tops the pool up: `while (this.workers.size < this.min) this.addWorker()`
  if (depth > 0 && guardedByPoolState(node, undefined, context)) return undefined;
  let child: ts.Node = node;
  let current: ts.Node | undefined = node.parent;
  while (current && !ts.isSourceFile(current)) {
    if (isLoop(current) && child === current.statement) {
      const verdict = loopPerTask(current, context);
      if (verdict) return verdict;
    }
    if (isFunctionLike(current)) return perTaskFunction(current, walk, depth);
    child = current;
    current = current.parent;
  }
  return undefined; // module top level: start-up
}

/** A callback `fn` passed to `call`: does `call` run it per task? */
function perTaskCallback(
  fn: FunctionLike | undefined,
  call: ts.CallExpression | ts.NewExpression,
  walk: Walk,
  depth: number,
): PerTask | undefined {
  const { context } = walk;
  const name = calleeName(call);
  const callee = skipOuterExpressions(call.expression);
  const receiver = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
  if (ts.isNewExpression(call)) {
    if (ts.isIdentifier(callee) && callee.text === 'Promise') {
      walk.inPromise = true;
      return perTask(call, walk, depth + 1);
    }
    return firstParameterPerTask(fn)
      ? {
          where: name ? `in the callback passed to \`new ${name}()\`` : 'in a constructor callback',
          node: call,
        }
      : perTask(call, walk, depth + 1);
  }
  if (name === undefined) return perTask(call, walk, depth + 1);
  if (TEST_FUNCTIONS.has(name) && !receiver) return undefined;
  // The callback runs once per element, in the caller's context.
  if (ARRAY_LOOP_METHODS.has(name) || name === 'from') {
    const collection = name === 'from' ? call.arguments[0] : receiver;
    if (collection && (isCountedCollection(collection, context) || context.isBounded(collection))) {
      return perTask(call, walk, depth + 1);
    }
    if (collection && (name !== 'from' || call.arguments[1] === fn)) {
      return { where: `for each element of \`${snippet(collection, 40, context.sourceFile)}\``, node: call };
    }
    return perTask(call, walk, depth + 1);
  }
  if (ONE_SHOT_TIMERS.has(name) || PROMISE_METHODS.has(name)) return perTask(call, walk, depth + 1);
  if (name === 'setInterval') return { where: 'in a `setInterval` callback, on every tick', node: call };
  const first = firstStringArgument(call as ts.CallExpression);
  if ((LISTENER_METHODS.has(name) || SUBSCRIBE_METHODS.has(name)) && receiver) {
    if (first !== undefined && RECOVERY_EVENTS.has(first)) return undefined;
    if (ONCE_LISTENER_METHODS.has(name) || (first !== undefined && ONE_SHOT_EVENTS.has(first)))
      return perTask(call, walk, depth + 1);
    return {
      where: first !== undefined ? `in the \`'${first}'\` event handler` : `in a \`.${name}()\` handler`,
      node: call,
    };
  }
  const route = receiver && routeLabel(call as ts.CallExpression);
  if (route) return { where: `in the ${route}`, node: call };
  if (name === 'createServer') return { where: 'in the request handler', node: call };
  if (firstParameterPerTask(fn))
    return { where: `in the callback passed to \`${name}()\`, once per call`, node: call };
  return perTask(call, walk, depth + 1);
}

function firstParameterPerTask(fn: FunctionLike | undefined): boolean {
  const first = fn?.parameters[0];
  if (!first) return false;
  if (ts.isIdentifier(first.name)) return PER_TASK_PARAMETER.test(first.name.text);
  // ({ message }) => …, ({ body }, reply) => …
  return first.name.elements.some(
    (element) =>
      ts.isBindingElement(element) &&
      ts.isIdentifier(element.name) &&
      PER_TASK_PARAMETER.test(element.name.text),
  );
}

function perTaskFunction(fn: FunctionLike, walk: Walk, depth: number): PerTask | undefined {
  if (walk.visited.has(fn)) return undefined;
  walk.visited.add(fn);
  for (const parameter of fn.parameters)
    if (ts.isIdentifier(parameter.name)) walk.parameters.add(parameter.name.text);
  const iife = iifeCall(fn);
  if (iife) return perTask(iife, walk, depth + 1);
  const registration = registrationOf(fn);
  if (registration) return perTaskCallback(fn, registration, walk, depth);
  const name = callableName(fn);
  if (looksLikeRequestHandler(fn))
    return { where: `in the request handler \`${name ?? 'anonymous'}\``, node: fn };
  if (name !== undefined) {
    let sawSite = false;
    for (const site of callSitesOf(fn, name, walk.index, walk.context)) {
      sawSite = true;
      const verdict = perTask(site, walk, depth + 1);
      if (verdict) return { ...verdict, via: [...(verdict.via ?? []), name] };
    }
    for (const site of walk.index.passedByName.get(name) ?? []) {
      if (site.pos >= fn.pos && site.end <= fn.end) continue;
      sawSite = true;
      const verdict = perTaskCallback(fn, site, walk, depth + 1);
      if (verdict) return { ...verdict, via: [...(verdict.via ?? []), name] };
    }
    if (sawSite) return undefined;
  }
  // Nobody in this file calls it: an exported helper, a method, a handler in an options object.
  const parent = parentSkippingWrappers(fn);
  const inObject =
    ts.isPropertyAssignment(parent) ||
    (ts.isMethodDeclaration(fn) && ts.isObjectLiteralExpression(fn.parent));
  if (inObject && firstParameterPerTask(fn))
    return { where: `in the \`${name ?? 'anonymous'}\` callback, once per call`, node: fn };
  const decorator = handlerDecorator(fn);
  if (decorator) return { where: `in the \`@${decorator}\` handler \`${name ?? 'anonymous'}\``, node: fn };
  if (!returnsCachedResult(fn, walk.context) && startsWorkerPerCall(fn, walk))
    return {
      where:
        name !== undefined
          ? `in \`${name}()\`, which starts a worker for each call`
          : 'in a function that starts a worker for each call',
      node: fn,
    };
  return undefined;
}

/** Decorators that make a method a request, message, job or schedule handler (NestJS, TypeGraphQL, …). */
const HANDLER_DECORATOR =
  /^(Get|Post|Put|Delete|Patch|All|Head|Options|Sse|MessagePattern|EventPattern|Process|OnEvent|OnQueue\w*|SubscribeMessage|Cron|Interval|Query|Mutation|Subscription|FieldResolver|ResolveField|Route|Handler|Consumer|RabbitSubscribe|SqsMessageHandler)$/;

function handlerDecorator(fn: FunctionLike): string | undefined {
  if (!ts.isMethodDeclaration(fn)) return undefined;
  for (const decorator of ts.getDecorators(fn) ?? []) {
    const expression = skipOuterExpressions(decorator.expression);
    const callee = ts.isCallExpression(expression) ? skipOuterExpressions(expression.expression) : expression;
    const name = nameOf(callee);
    if (name !== undefined && HANDLER_DECORATOR.test(name)) return name;
  }
  return undefined;
}

/**
 * A helper that starts a worker for one task and waits for it: the worker gets the call's
 * arguments as `workerData` and the helper awaits its answer, or a pool created and destroyed
 * in the same call.
 */
function startsWorkerPerCall(fn: FunctionLike, walk: Walk): boolean {
  const { spawn } = walk;
  if (!fn.body) return false;
  if (!isThreadSpawn(spawn.kind)) {
    const holder = parentSkippingWrappers(spawn.node);
    if (!ts.isVariableDeclaration(holder) || !ts.isIdentifier(holder.name)) return false;
    const poolName = holder.name.text;
    return containsCall(fn.body, (call) => {
      if (!ts.isCallExpression(call)) return false;
      const callee = skipOuterExpressions(call.expression);
      if (!ts.isPropertyAccessExpression(callee)) return false;
      const receiver = skipOuterExpressions(callee.expression);
      if (!ts.isIdentifier(receiver) || receiver.text !== poolName) return false;
      // destroyed after the call, or given this call's task: a pool that lives for one call
      if (POOL_TEARDOWN_METHODS.has(callee.name.text)) return true;
      return (
        POOL_TASK_METHODS.has(callee.name.text) && call.arguments.some((a) => mentionsAny(a, walk.parameters))
      );
    });
  }
  // The spawn may sit in a helper the uncalled API reaches (`deflate()` → `wrkr()` → `wk()`): its
  // own function is the one that shows what the worker is for.
  const owner = spawn.node.pos >= fn.pos && spawn.node.end <= fn.end ? fn : enclosingFunction(spawn.node);
  const body = owner?.body;
  if (!body) return false;
  // the call's arguments go to the worker: as workerData/argv, or posted to it
  const options = spawn.node.arguments?.[1];
  const object = options && skipOuterExpressions(options);
  const data =
    object && ts.isObjectLiteralExpression(object)
      ? (propertyValue(object, 'workerData') ?? propertyValue(object, 'argv'))
      : undefined;
  const takesCallData =
    (data !== undefined && mentionsAny(data, walk.parameters)) ||
    containsCall(
      body,
      (call) =>
        calleeName(call) === 'postMessage' &&
        (call.arguments ?? []).some((a) => mentionsAny(a, walk.parameters)),
    );
  // a worker the function ends as soon as it answers has no other task to run
  const endsAfterAnswer = messageListenerCalls(body, (call) => calleeName(call) === 'terminate');
  if (!takesCallData && !endsAfterAnswer) return false;
  // …and the helper waits for this one answer, or ends the worker after it, or hands the
  // worker's answer to this call's callback
  if (walk.inPromise || endsAfterAnswer) return true;
  return (
    containsCall(body, (call) => {
      const name = calleeName(call);
      return name === 'once' || name === 'terminate';
    }) ||
    // the answer completes the call: `cb(null, result)` (error-first), not a stream of messages
    // handed to an `onMessage` parameter of a generic spawn helper
    messageListenerCalls(body, (call) => {
      const callee = skipOuterExpressions(call.expression);
      const args = call.arguments ?? [];
      const first = args[0] && skipOuterExpressions(args[0]);
      return (
        ts.isIdentifier(callee) &&
        walk.parameters.has(callee.text) &&
        args.length >= 2 &&
        first !== undefined &&
        (first.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(first) && first.text === 'undefined'))
      );
    })
  );
}

/**
 * A memoized API: `if ('cores' in util) return callback(null, util.cores)` at the top, and the
 * function stores `util.cores` later — the workers run for the first call only.
 */
function returnsCachedResult(fn: FunctionLike, context: RuleContext): boolean {
  const body = fn.body;
  if (!body || !ts.isBlock(body)) return false;
  const guards: string[] = [];
  for (const statement of body.statements) {
    if (!ts.isIfStatement(statement) || !endsAbruptly(statement.thenStatement)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InKeyword) {
        const key = stringValue(node.left);
        if (key !== undefined)
          guards.push(`${skipOuterExpressions(node.right).getText(context.sourceFile)}.${key}`);
      } else if (ts.isPropertyAccessExpression(node)) {
        guards.push(node.getText(context.sourceFile));
      }
      ts.forEachChild(node, visit);
    };
    visit(statement.expression);
  }
  if (guards.length === 0) return false;
  let stored = false;
  const visit = (node: ts.Node): void => {
    if (stored) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuterExpressions(node.left);
      if (ts.isPropertyAccessExpression(left) && guards.includes(left.getText(context.sourceFile))) {
        stored = true;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return stored;
}

function enclosingFunction(node: ts.Node): FunctionLike | undefined {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent)
    if (isFunctionLike(current)) return current;
  return undefined;
}

/**
 * Does a `'message'` listener registered in `body` (`w.on('message', fn)`, `w.onmessage = fn`,
 * `w.addEventListener('message', fn)`, given inline or by a name declared in the file) make a call
 * that passes `test` — e.g. hand the answer to the caller's callback, or terminate the worker?
 */
function messageListenerCalls(
  body: ts.Node,
  test: (call: ts.CallExpression | ts.NewExpression) => boolean,
): boolean {
  const callsParameter = (listener: ts.Expression | undefined): boolean => {
    if (!listener) return false;
    let fn: ts.Node | undefined = skipOuterExpressions(listener);
    if (ts.isIdentifier(fn)) {
      const initializer = constInitializer(fn);
      fn = initializer ? skipOuterExpressions(initializer) : functionDeclarationNamed(fn.text, body);
    }
    if (!fn || !isFunctionLike(fn)) return false;
    return containsCall(fn, test);
  };
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      if (
        name !== undefined &&
        LISTENER_METHODS.has(name) &&
        firstStringArgument(node) === 'message' &&
        callsParameter(node.arguments[1])
      ) {
        found = true;
        return;
      }
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuterExpressions(node.left);
      if (
        ts.isPropertyAccessExpression(left) &&
        left.name.text === 'onmessage' &&
        callsParameter(node.right)
      ) {
        found = true;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

/** `function name() {}` declared directly in `scope` or in a block inside it */
function functionDeclarationNamed(name: string, scope: ts.Node): ts.FunctionDeclaration | undefined {
  let found: ts.FunctionDeclaration | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isFunctionDeclaration(node) && node.name?.text === name) {
      found = node;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

function describeWhere(verdict: PerTask): string {
  const via = verdict.via ?? [];
  return via.length === 0
    ? verdict.where
    : `${verdict.where} → ${via.map((name) => `\`${name}()\``).join(' → ')}`;
}

const WHAT: Record<WorkerSpawn['kind'], string> = {
  worker_threads: 'Worker',
  'web-worker': 'Web Worker',
  piscina: 'piscina pool',
  tinypool: 'tinypool pool',
  workerpool: 'workerpool pool',
};

export const workerPerTask: Rule<'perTask'> = {
  meta: {
    id: 'worker-per-task',
    category: 'worker-lifecycle',
    defaultSeverity: 'warning',
    description:
      '`new Worker()` or a worker pool created per request, event or loop iteration instead of once at start-up.',
    docsUrl: docsUrl('worker-per-task'),
    textTrigger: WORKER_CREATION_TRIGGER,
    messages: {
      perTask: 'A new {{what}} is started {{where}}',
    },
    explanations: {
      perTask:
        'Each start costs tens of milliseconds and a fresh V8 heap, so under load tasks wait for thread start-up, memory grows with every task in flight, and nothing bounds how many threads run at once.\n\nCreate one pool at start-up (piscina, or a fixed set of workers) and send each task to it.',
    },
  },
  create(context) {
    return {
      onEnd() {
        if (context.threads.spawns.length === 0) return;
        if (context.fileKind === 'test' && context.ruleOptions.checkTests !== true) return;
        const index = workerUsage(context);
        for (const spawn of context.threads.spawns) {
          if (isLazyOrBounded(spawn.node, context)) continue;
          const walk: Walk = {
            context,
            index,
            spawn,
            visited: new Set(),
            parameters: new Set(),
            inPromise: false,
          };
          const verdict = perTask(spawn.node, walk, 0);
          if (!verdict) continue;
          const hoist = hoistPoolSuggestion(context.sourceFile, spawn, context.fileName);
          context.report({
            node: spawn.node,
            messageId: 'perTask',
            data: { what: WHAT[spawn.kind], where: describeWhere(verdict) },
            related: verdict.node === spawn.node ? [] : [context.related(verdict.node, 'runs once per task')],
            fixes: hoist ? [hoist] : [],
          });
        }
      },
    };
  },
};
