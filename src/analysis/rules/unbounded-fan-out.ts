// unbounded-fan-out: `Promise.all` / `allSettled` / `any` / `race` over `items.map(async …)` (or a
// map whose callback starts a request, a query, a file read…) where `items` is not bounded by the
// code. Every element starts its work at once: N sockets, N file handles, N pending results in
// memory. Limiters (p-limit, p-queue, Bottleneck, semaphores), bounded collections and small fixed
// sets of different calls are fine.
import ts from 'typescript';
import { limitConcurrencySuggestion } from '../../fixes/unbounded-fan-out.js';
import {
  boundNames,
  calleeName,
  containsCall,
  type FunctionLike,
  isFunctionLike,
  nameOf,
  parentSkippingWrappers,
  propertyChain,
  skipOuterExpressions,
  snippet,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { constInitializer } from '../model/declarations.js';
import { arrayLoopCallback, isDataSized, type LoopLike, loopTrip } from '../model/loops.js';
import type { Rule } from '../types.js';

const COMBINATORS = new Set(['all', 'allSettled', 'any', 'race']);
const PROMISE_MODULES = new Set(['bluebird']);
const MAP_METHODS = new Set(['map', 'flatMap']);
/** Calls that only reshape an array of promises: `items.map(f).filter(Boolean)`. */
const PASS_THROUGH = new Set(['filter', 'flat', 'concat', 'slice', 'reverse']);

/** Functions and methods that bound concurrency: p-limit's limit(fn), p-queue/Bottleneck, semaphores, pools. */
const LIMITER_FUNCTION =
  /^(limit|limiter|limited|throttle|throttled|schedule|enqueue|withLimit|runWithLimit|withConcurrency|withSemaphore|withLock|queued)$/i;
const LIMITER_RECEIVER =
  /(limit|limiter|queue|bottleneck|throttle|throttler|sem|sema|semaphore|mutex|lock|pool|piscina|workers?|scheduler|gate)$/i;
const LIMITER_METHODS = new Set([
  'schedule',
  'add',
  'push',
  'run',
  'exec',
  'acquire',
  'runExclusive',
  'wrap',
  'submit',
  'enqueue',
  'use',
]);
const LIMITER_MODULES = new Set([
  'p-limit',
  'p-throttle',
  'p-queue',
  'bottleneck',
  'async-sema',
  'async-mutex',
  'limiter',
  'p-semaphore',
]);
/** Shutdown and clean-up calls over a set of owned resources: not a load that grows with input. */
const LIFECYCLE_METHODS = new Set([
  'close',
  'terminate',
  'destroy',
  'dispose',
  'end',
  'stop',
  'kill',
  'unref',
  'disconnect',
  'shutdown',
  'abort',
  'cancel',
  'unsubscribe',
  'removeAllListeners',
  'quit',
]);

/**
 * Collections of things the program registered (listeners, hooks, plugins, worker threads): their
 * size is chosen by the code, not by the input.
 */
const REGISTRY_NAME =
  /(listeners?|hooks?|handlers?|plugins?|modules?|middlewares?|callbacks?|subscribers?|observers?|builders?|workers?|extensions?|providers?|transports?|reporters?|strategies|validators?|interceptors?|stores?|caches)$/i;

function looksLikeRegistry(collection: ts.Expression, depth = 0): boolean {
  let expr = skipOuterExpressions(collection);
  // `const nodes = module.nodes`: what the name was read from
  if (ts.isIdentifier(expr) && depth < 2) {
    const initializer = constInitializer(expr);
    if (initializer && looksLikeRegistry(initializer, depth + 1)) return true;
  }
  // a collection held by a registered thing: `module.nodes`, `plugin.hooks`, `this.handlers.all`
  const chain = ts.isPropertyAccessExpression(expr) ? propertyChain(expr) : undefined;
  if (chain?.slice(0, -1).some((part) => part !== 'this' && REGISTRY_NAME.test(part))) return true;
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    // Object.values(this.plugins), this.events.listeners(event), [...this.hooks.values()]
    if (
      (name === 'keys' || name === 'values' || name === 'entries' || name === 'from') &&
      expr.arguments[0]
    ) {
      expr = skipOuterExpressions(expr.arguments[0]);
    } else if (name !== undefined && REGISTRY_NAME.test(name)) {
      return true;
    } else if (
      (name === 'values' || name === 'keys' || name === 'entries') &&
      ts.isPropertyAccessExpression(expr.expression)
    ) {
      expr = skipOuterExpressions(expr.expression.expression);
    }
  }
  if (
    ts.isArrayLiteralExpression(expr) &&
    expr.elements.length === 1 &&
    ts.isSpreadElement(expr.elements[0]!)
  ) {
    return looksLikeRegistry(expr.elements[0].expression, depth);
  }
  if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
    const method = expr.expression.name.text;
    if (method === 'values' || method === 'keys' || method === 'entries')
      expr = skipOuterExpressions(expr.expression.expression);
  }
  const name = nameOf(expr);
  return name !== undefined && REGISTRY_NAME.test(name);
}

interface FanOut {
  /** the collection mapped over */
  collection: ts.Expression;
  /** what the callback starts, for the message: "`fetch()`" */
  work: string;
  /** where the per-element work is started (the map call or the push) */
  site: ts.Node;
}

export const unboundedFanOut: Rule<'fanOut'> = {
  meta: {
    id: 'unbounded-fan-out',
    category: 'unbounded-queue',
    defaultSeverity: 'warning',
    description:
      '`Promise.all` / `allSettled` / `any` / `race` over `items.map(async …)` where `items` is not bounded: every element starts its work at once.',
    docsUrl: docsUrl('unbounded-fan-out'),
    textTrigger: /\b(?:all|allSettled|any|race)\s*\(/,
    messages: {
      fanOut: '`{{combinator}}` starts {{work}} for every element of `{{collection}}` at once',
    },
    explanations: {
      fanOut:
        'With N elements that is N requests, connections or file handles in flight and N results held in memory, so a large input exhausts sockets, file descriptors or the database pool and grows memory until the process fails.\n\nCap the concurrency (`p-limit`, `p-map` with `{ concurrency }`), or process the input in fixed-size chunks.',
    },
  },
  create(context) {
    // Fan-out in tests runs against fixtures: harmless. In a browser (a page, a service worker)
    // it loads one user's few things, not a server's input.
    if (context.fileKind === 'test' || context.runsInBrowser) return {};
    const threshold = context.thresholds.heavyLoopIterations;
    return {
      [ts.SyntaxKind.CallExpression](node) {
        const call = node as ts.CallExpression;
        const callee = skipOuterExpressions(call.expression);
        if (!ts.isPropertyAccessExpression(callee) || !COMBINATORS.has(callee.name.text)) return;
        const argument = call.arguments[0];
        if (!argument || call.arguments.length !== 1) return;
        if (!isPromiseCombinator(context, callee)) return;
        const fanOut = fanOutOf(context, argument, threshold);
        if (!fanOut) return;
        // Start-up code loads what the program ships or was configured with, once; a method that
        // is run time only if something calls it at run time waits for the project index to say so.
        const phase = context.phaseOf(call);
        if (phase.phase === 'startup' && !inWrappedFunction(call)) return;
        const condition =
          phase.phase === 'runtime' && phase.assumed ? { ifRuntime: phase.assumed } : undefined;
        const limit = limitConcurrencySuggestion(context.sourceFile, call, fanOut.site, context.fileName);
        context.report(
          {
            node: callee,
            messageId: 'fanOut',
            data: {
              combinator: `Promise.${callee.name.text}`,
              work: fanOut.work,
              collection: snippet(fanOut.collection, 48, context.sourceFile),
            },
            related:
              fanOut.site !== argument
                ? [context.related(fanOut.site, 'the work started per element')]
                : undefined,
            fixes: limit ? [limit] : [],
          },
          condition,
        );
      },
    };
  },
};

/**
 * Is `node` inside a function handed to a wrapper whose result the module keeps
 * (`const emptyDir = u(async function emptyDir (dir) {…})`, `exports.x = promisify(function …)`)?
 * The phase model calls a callback given to an unknown top-level call start-up; a kept wrapper
 * returns the function as the module's API instead, called whenever its users call it.
 */
function inWrappedFunction(node: ts.Node): boolean {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (!isFunctionLike(current)) continue;
    const call = parentSkippingWrappers(current);
    if (!ts.isCallExpression(call) || !call.arguments.includes(current as ts.Expression)) continue;
    const holder = parentSkippingWrappers(call);
    if (
      ts.isVariableDeclaration(holder) ||
      ts.isPropertyAssignment(holder) ||
      (ts.isBinaryExpression(holder) && holder.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    )
      return true;
  }
  return false;
}

function isPromiseCombinator(context: RuleContext, callee: ts.PropertyAccessExpression): boolean {
  const reference = context.resolve(callee);
  if (!reference) return isPromiseImplementation(callee.expression);
  if (reference.module === '<global>') return reference.path.length === 2 && reference.path[0] === 'Promise';
  if (PROMISE_MODULES.has(reference.module) && reference.path.length === 1) return true;
  // require('./external').Promise.all: the module's chosen implementation
  return reference.path.length >= 2 && reference.path[reference.path.length - 2] === 'Promise';
}

/** `external.Promise`, `this.Promise`: a library's chosen Promise implementation (jszip, older polyfilled code). */
function isPromiseImplementation(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  return ts.isPropertyAccessExpression(expr) && expr.name.text === 'Promise';
}

/** The unbounded per-element work behind the combinator's argument, if any. */
function fanOutOf(
  context: RuleContext,
  argument: ts.Expression,
  threshold: number,
  depth = 0,
): FanOut | undefined {
  const expr = skipOuterExpressions(argument);
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    const callee = skipOuterExpressions(expr.expression);
    if (
      name !== undefined &&
      MAP_METHODS.has(name) &&
      ts.isPropertyAccessExpression(callee) &&
      expr.arguments[0]
    ) {
      return mapFanOut(context, callee.expression, expr.arguments[0], expr);
    }
    // Array.from(items, async (item) => …)
    if (name === 'from' && expr.arguments.length === 2 && ts.isPropertyAccessExpression(callee)) {
      const base = skipOuterExpressions(callee.expression);
      if (ts.isIdentifier(base) && base.text === 'Array')
        return mapFanOut(context, expr.arguments[0]!, expr.arguments[1]!, expr);
    }
    // items.map(f).filter(Boolean)
    if (name !== undefined && PASS_THROUGH.has(name) && ts.isPropertyAccessExpression(callee) && depth < 3) {
      if (name === 'slice' && expr.arguments.length >= 2) return undefined; // a bounded window
      return fanOutOf(context, callee.expression, threshold, depth + 1);
    }
    return undefined;
  }
  // const promises = items.map(…); await Promise.all(promises)
  // const promises = []; for (const x of items) promises.push(send(x)); await Promise.all(promises)
  if (ts.isIdentifier(expr) && depth < 3) {
    const initializer = constInitializer(expr);
    if (!initializer) return undefined;
    const init = skipOuterExpressions(initializer);
    // `const promises = []`, or seeded with settled values (`[Promise.resolve(entries)]`)
    if (
      ts.isArrayLiteralExpression(init) &&
      init.elements.every((element) => startedCall(element, new Set()) === null)
    )
      return pushFanOut(context, expr, threshold);
    if (ts.isCallExpression(init)) return fanOutOf(context, init, threshold, depth + 1);
  }
  return undefined;
}

function mapFanOut(
  context: RuleContext,
  collection: ts.Expression,
  callbackArgument: ts.Expression,
  site: ts.Node,
): FanOut | undefined {
  const work = startedWork(context, callbackArgument);
  if (!work) return undefined;
  if (looksLikeRegistry(collection) || context.isBounded(collection)) return undefined;
  return { collection, work, site };
}

/**
 * What the per-element callback starts, or undefined when it starts nothing (returns an existing
 * promise) or goes through a limiter.
 */
function startedWork(context: RuleContext, callbackArgument: ts.Expression): string | undefined {
  const callback = skipOuterExpressions(callbackArgument);
  if (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))
    return callbackWork(context, callback);
  // items.map(fetchUser), items.map(this.load)
  if (ts.isIdentifier(callback) || ts.isPropertyAccessExpression(callback)) {
    if (ts.isIdentifier(callback)) {
      const initializer = constInitializer(callback);
      if (initializer && isLimiterExpression(context, initializer)) return undefined;
      if (/^(String|Number|Boolean|Promise|resolve|identity)$/.test(callback.text)) return undefined;
    }
    if (ts.isPropertyAccessExpression(callback) && /^(resolve|reject)$/.test(callback.name.text))
      return undefined;
    return `\`${snippet(callback, 48, context.sourceFile)}()\``;
  }
  return undefined;
}

function callbackWork(
  context: RuleContext,
  callback: ts.ArrowFunction | ts.FunctionExpression,
): string | undefined {
  const parameters = new Set<string>();
  for (const parameter of callback.parameters)
    if (ts.isIdentifier(parameter.name)) parameters.add(parameter.name.text);
  // Anything inside that bounds concurrency (limit(() => …), await sem.acquire()) makes it fine.
  if (usesLimiter(context, callback.body)) return undefined;
  const isAsync = ts.getModifiers(callback)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false;
  // The first thing awaited is what each element starts (`await fetch(u)`), else what is returned.
  let started: ts.CallExpression | ts.NewExpression | undefined = isAsync
    ? firstAwaitedCall(callback.body)
    : undefined;
  if (!started) {
    for (const expression of returnedExpressions(callback)) {
      const call = startedCall(expression, parameters);
      if (call) {
        started = call;
        break;
      }
    }
  }
  if (started) {
    if (isLifecycleCall(started) || startsOnlyComputation(started)) return undefined;
    // (listener) => listener(event): calling functions the program registered
    const callee = skipOuterExpressions(started.expression);
    if (ts.isIdentifier(callee) && parameters.has(callee.text)) return undefined;
    return `\`${calleeLabel(context, started)}\``;
  }
  return isAsync && containsCall(callback.body, undefined, { includeNew: true, enterFunctions: false })
    ? 'an async callback'
    : undefined;
}

/**
 * The call a returned expression starts: `fetch(x)`, `fetch(x).then(…)` → fetch(x). null when it
 * only passes on an existing promise (`p.then(…)`, `x.promise`); undefined for anything else.
 */
function startedCall(
  expression: ts.Expression,
  parameters: Set<string>,
): ts.CallExpression | ts.NewExpression | null | undefined {
  let expr = skipOuterExpressions(expression);
  if (ts.isAwaitExpression(expr)) expr = skipOuterExpressions(expr.expression);
  if (ts.isConditionalExpression(expr)) {
    return startedCall(expr.whenTrue, parameters) ?? startedCall(expr.whenFalse, parameters);
  }
  // strip .then/.catch/.finally chains down to what they start from
  while (ts.isCallExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    if (ts.isPropertyAccessExpression(callee) && /^(then|catch|finally)$/.test(callee.name.text)) {
      expr = skipOuterExpressions(callee.expression);
      continue;
    }
    break;
  }
  if (ts.isNewExpression(expr)) return expr;
  if (!ts.isCallExpression(expr)) return null;
  const callee = skipOuterExpressions(expr.expression);
  // Promise.resolve(x) / Promise.reject(e): nothing started
  if (ts.isPropertyAccessExpression(callee)) {
    const base = skipOuterExpressions(callee.expression);
    if (
      ((ts.isIdentifier(base) && base.text === 'Promise') || isPromiseImplementation(base)) &&
      /^(resolve|reject)$/.test(callee.name.text)
    )
      return null;
  }
  return expr;
}

/** `stopNode(n)`, `closeConnection(c)`: a lifecycle verb followed by what it applies to. */
const LIFECYCLE_VERB = new RegExp(`^(${[...LIFECYCLE_METHODS].join('|')})[A-Z]`);

function isLifecycleCall(call: ts.CallExpression | ts.NewExpression): boolean {
  const name = calleeName(call);
  if (name === undefined) return false;
  if (LIFECYCLE_VERB.test(name)) return true;
  return LIFECYCLE_METHODS.has(name) && ts.isPropertyAccessExpression(skipOuterExpressions(call.expression));
}

/** Calls named for computing a value (`evaluateExpression()`, `parseRow()`), not for reaching out. */
const COMPUTATION_VERB =
  /^(evaluate|eval|compute|calculate|parse|validate|transform|render|compile|format|convert|stringify|serialize|normalize)(?![a-z])/;

/**
 * Work that holds nothing open while it runs: a computation by name (`evaluateJSONata(x)`), or a
 * `new Promise((resolve) => evaluateJSONata(expr, x, cb))` wrapping one in a promise. N of them
 * at once are N callbacks, not N sockets or file handles.
 */
function startsOnlyComputation(started: ts.CallExpression | ts.NewExpression): boolean {
  const name = calleeName(started);
  if (name !== undefined && COMPUTATION_VERB.test(name)) return true;
  if (!ts.isNewExpression(started) || name !== 'Promise') return false;
  const executor = started.arguments?.[0] && skipOuterExpressions(started.arguments[0]);
  if (!executor || !(ts.isArrowFunction(executor) || ts.isFunctionExpression(executor))) return false;
  const settlers = new Set(executor.parameters.flatMap((p) => boundNames(p.name)));
  let first: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (first || isFunctionLike(node)) return;
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (!(ts.isIdentifier(callee) && settlers.has(callee.text))) {
        first = node;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  if (executor.body) visit(executor.body);
  const inner = first && calleeName(first);
  return inner !== undefined && COMPUTATION_VERB.test(inner);
}

function returnedExpressions(fn: FunctionLike): ts.Expression[] {
  const body = fn.body;
  if (!body) return [];
  if (!ts.isBlock(body)) return [body as ts.Expression];
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) found.push(node.expression);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

function firstAwaitedCall(body: ts.Node | undefined): ts.CallExpression | ts.NewExpression | undefined {
  if (!body) return undefined;
  let found: ts.CallExpression | ts.NewExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || isFunctionLike(node)) return;
    if (ts.isAwaitExpression(node)) {
      const started = startedCall(node.expression, new Set());
      if (started) {
        found = started;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

/** Does the callback body go through a concurrency limiter anywhere? */
function usesLimiter(context: RuleContext, body: ts.Node | undefined): boolean {
  if (!body) return false;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && isLimiterCall(context, node)) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

function isLimiterCall(context: RuleContext, call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  const firstIsFunction =
    call.arguments[0] !== undefined && isFunctionLike(skipOuterExpressions(call.arguments[0]));
  if (ts.isIdentifier(callee)) {
    // const limit = pLimit(4); … limit(() => fetch(x))
    const initializer = constInitializer(callee);
    if (initializer && isLimiterExpression(context, initializer)) return true;
    return firstIsFunction && LIMITER_FUNCTION.test(callee.text);
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (!LIMITER_METHODS.has(method)) return false;
    const receiver = skipOuterExpressions(callee.expression);
    const receiverName = nameOf(receiver);
    if (receiverName === undefined || !LIMITER_RECEIVER.test(receiverName)) return false;
    // queue.add(() => …), limiter.schedule(() => …), sem.acquire(), pool.run(task)
    return (
      firstIsFunction ||
      method === 'acquire' ||
      method === 'runExclusive' ||
      method === 'run' ||
      method === 'exec' ||
      method === 'schedule'
    );
  }
  return false;
}

/** `pLimit(4)`, `new PQueue({ concurrency: 2 })`, `limiter.wrap(fn)`, `new Bottleneck(…)`. */
function isLimiterExpression(context: RuleContext, expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  if (!ts.isCallExpression(expr) && !ts.isNewExpression(expr)) return false;
  const reference = context.resolve(expr.expression);
  if (reference && LIMITER_MODULES.has(reference.module)) return true;
  const name = calleeName(expr);
  if (name === undefined) return false;
  if (name === 'wrap' || /^p?(Limit|limit|Throttle|throttle)$/.test(name)) return true;
  return /^(pLimit|plimit|pThrottle|limitFunction|Bottleneck|PQueue|Semaphore|Sema|Mutex)$/.test(name);
}

/**
 * `promises.push(send(x))` inside a loop over an unbounded collection, feeding the array later
 * given to the combinator.
 */
function pushFanOut(context: RuleContext, array: ts.Identifier, threshold: number): FanOut | undefined {
  const scope = enclosingScope(array);
  if (!scope) return undefined;
  let found: FanOut | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && node.pos < array.pos) {
      const callee = skipOuterExpressions(node.expression);
      if (
        ts.isPropertyAccessExpression(callee) &&
        callee.name.text === 'push' &&
        ts.isIdentifier(skipOuterExpressions(callee.expression)) &&
        (skipOuterExpressions(callee.expression) as ts.Identifier).text === array.text &&
        node.arguments.length === 1
      ) {
        found = pushInLoop(context, node, threshold);
        if (found) return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

function pushInLoop(context: RuleContext, push: ts.CallExpression, threshold: number): FanOut | undefined {
  const started = startedCall(push.arguments[0]!, new Set());
  let work: string | undefined;
  if (started) {
    if (
      isLifecycleCall(started) ||
      startsOnlyComputation(started) ||
      (ts.isCallExpression(started) && isLimiterCall(context, started))
    )
      return undefined;
    work = `\`${calleeLabel(context, started)}\``;
  }
  if (!work) return undefined;
  const startedCallee = started && skipOuterExpressions(started.expression);
  const invoked = startedCallee && ts.isIdentifier(startedCallee) ? startedCallee.text : undefined;
  const judge = (loop: LoopLike, elementNames: string[]): FanOut | undefined => {
    // for (const listener of listeners) promises.push(listener(event)): registered functions
    if (invoked !== undefined && elementNames.includes(invoked)) return undefined;
    const trip = loopTrip(loop, threshold);
    if (
      trip.kind !== 'data' ||
      !trip.source ||
      looksLikeRegistry(trip.source) ||
      !isDataSized(trip, threshold)
    )
      return undefined;
    return { collection: trip.source, work, site: push };
  };
  // the nearest loop around the push, inside the same function
  let current: ts.Node | undefined = push.parent;
  while (current && !isFunctionLike(current)) {
    if (isLoopNode(current)) {
      if (loopAwaits(current)) return undefined; // one at a time: the loop waits for each
      const names: string[] = [];
      if (
        (ts.isForOfStatement(current) || ts.isForInStatement(current)) &&
        ts.isVariableDeclarationList(current.initializer)
      ) {
        for (const d of current.initializer.declarations) names.push(...boundNames(d.name));
      }
      return judge(current as LoopLike, names);
    }
    current = current.parent;
  }
  // items.forEach((x) => promises.push(send(x)))
  if (current && isFunctionLike(current) && ts.isCallExpression(current.parent)) {
    const loop = current.parent;
    if (arrayLoopCallback(loop) === current) {
      return judge(
        loop,
        current.parameters.flatMap((p) => boundNames(p.name)),
      );
    }
  }
  return undefined;
}

function isLoopNode(node: ts.Node): boolean {
  return (
    ts.isForStatement(node) ||
    ts.isForOfStatement(node) ||
    ts.isForInStatement(node) ||
    ts.isWhileStatement(node) ||
    ts.isDoStatement(node)
  );
}

function loopAwaits(loop: ts.Node): boolean {
  if (ts.isForOfStatement(loop) && loop.awaitModifier) return true;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || isFunctionLike(node)) return;
    if (ts.isAwaitExpression(node)) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(loop, visit);
  return found;
}

function enclosingScope(node: ts.Node): ts.Node | undefined {
  let current = node.parent;
  while (current) {
    if (isFunctionLike(current) || ts.isSourceFile(current)) return current;
    current = current.parent;
  }
  return undefined;
}

function calleeLabel(context: RuleContext, call: ts.CallExpression | ts.NewExpression): string {
  const text = call.expression.getText(context.sourceFile).replace(/\s+/g, '');
  const short = text.length > 40 ? `…${text.slice(-38)}` : text;
  return ts.isNewExpression(call) ? `new ${short}()` : `${short}()`;
}
