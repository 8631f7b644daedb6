// What the engine knows of Node's and common libraries' APIs that register or run callbacks:
// event listeners, routes, timers, promise reactions, array methods that call back inline, stream
// implementation methods, worker-pool task methods. One place, so every rule and model fact agrees
// on whether a callback runs once, per event, or inline in its caller.
import ts from 'typescript';
import { calleeName, type FunctionLike, firstStringArgument, skipOuterExpressions } from '../ast.js';

/** EventEmitter / EventTarget methods whose listener runs on every event. */
export const REPEATING_LISTENER_METHODS: ReadonlySet<string> = new Set([
  'on',
  'addListener',
  'prependListener',
  'addEventListener',
]);
/** EventEmitter methods whose listener runs at most once. */
export const ONCE_LISTENER_METHODS: ReadonlySet<string> = new Set(['once', 'prependOnceListener']);
/** Every EventEmitter / EventTarget listener registration. */
export const LISTENER_METHODS: ReadonlySet<string> = new Set([
  ...REPEATING_LISTENER_METHODS,
  ...ONCE_LISTENER_METHODS,
]);
/** Pub/sub subscriptions (RxJS, NATS, Redis, MQTT clients): the callback runs once per message. */
export const SUBSCRIBE_METHODS: ReadonlySet<string> = new Set(['subscribe']);

/** Express/Koa/Fastify-style route registrations: `app.post('/login', handler)`. */
export const ROUTE_METHODS: ReadonlySet<string> = new Set([
  'get',
  'post',
  'put',
  'delete',
  'del',
  'patch',
  'all',
  'head',
  'options',
  'use',
  'route',
]);

/** Timers whose callback runs once. */
export const ONE_SHOT_TIMERS: ReadonlySet<string> = new Set([
  'setTimeout',
  'setImmediate',
  'queueMicrotask',
  'nextTick',
]);
/** Every timer: `setInterval` runs its callback on every tick. */
export const TIMER_FUNCTIONS: ReadonlySet<string> = new Set([...ONE_SHOT_TIMERS, 'setInterval']);
export const PROMISE_METHODS: ReadonlySet<string> = new Set(['then', 'catch', 'finally']);

/** Array methods whose callback runs once per element, synchronously. */
export const ARRAY_LOOP_METHODS: ReadonlySet<string> = new Set([
  'forEach',
  'map',
  'filter',
  'reduce',
  'reduceRight',
  'flatMap',
  'some',
  'every',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
]);
/** Calls whose callback runs synchronously inside the call, in the phase and loop of its caller. */
export const INLINE_CALLBACK_METHODS: ReadonlySet<string> = new Set([
  ...ARRAY_LOOP_METHODS,
  'sort',
  'toSorted',
  'from',
  'replace',
  'replaceAll',
]);

/** Node stream classes; their option callbacks and subclass methods run per chunk. */
export const STREAM_CLASSES: ReadonlySet<string> = new Set([
  'Readable',
  'Writable',
  'Duplex',
  'Transform',
  'PassThrough',
]);
/** Stream implementation methods, called by the stream machinery once per chunk or at its end. */
export const STREAM_IMPLEMENTATION_METHODS: ReadonlySet<string> = new Set([
  '_transform',
  '_write',
  '_writev',
  '_read',
  '_flush',
  '_final',
]);

/** Worker-pool methods that hand a task to a pool (piscina, tinypool, workerpool). */
export const POOL_TASK_METHODS: ReadonlySet<string> = new Set(['run', 'runTask', 'exec']);
/** Worker-pool methods that end a pool. */
export const POOL_TEARDOWN_METHODS: ReadonlySet<string> = new Set(['destroy', 'close', 'terminate']);

/** Parameter-name pairs that mark a request handler even when nobody in the file registers it. */
const HANDLER_PARAMETER_PAIRS: [RegExp, RegExp][] = [
  [/^(req|request)$/, /^(res|response|reply|h)$/],
  [/^(ctx|context)$/, /^next$/],
  [/^(event|evt)$/, /^(context|ctx)$/],
];

/** `(req, res)`, `(ctx, next)`, `(event, context)`: a function shaped like an HTTP or serverless handler. */
export function looksLikeRequestHandler(fn: FunctionLike): boolean {
  const names = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
  return HANDLER_PARAMETER_PAIRS.some(
    ([first, second]) => first.test(names[0] ?? '') && second.test(names[1] ?? ''),
  );
}

/** A listener registration `x.on('event', listener)`: the method and the event, when literal. */
export interface ListenerCall {
  method: string;
  /** the event name; undefined when not a literal (`x.on(type, …)`) */
  event: string | undefined;
  receiver: ts.Expression;
}

/** `x.on('data', …)`, `x.once('exit', …)`, `el.addEventListener('message', …)`; undefined for other calls. */
export function listenerEvent(call: ts.CallExpression): ListenerCall | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !LISTENER_METHODS.has(callee.name.text)) return undefined;
  return { method: callee.name.text, event: firstStringArgument(call), receiver: callee.expression };
}

/** "`POST /login` handler", "`/api` handler" for `use`/`route`; undefined when `call` registers no route. */
export function routeLabel(call: ts.CallExpression): string | undefined {
  const name = calleeName(call);
  const path = firstStringArgument(call);
  if (name === undefined || !ROUTE_METHODS.has(name) || !path?.startsWith('/')) return undefined;
  return `\`${name === 'use' || name === 'route' ? '' : `${name.toUpperCase()} `}${path}\` handler`;
}
