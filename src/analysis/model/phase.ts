// Run time vs start-up. Module top level (and top-level IIFEs, top-level array iteration) is
// start-up. Handlers, callbacks, timers, class and object methods, async functions, and named
// functions reachable from any of them are run time. A named function only called from start-up
// code is start-up; an exported function nobody in the file calls is 'unknown' until the project
// index learns who calls it.
import ts from 'typescript';
import {
  calleeName,
  enclosingFunction,
  type FunctionLike,
  firstStringArgument,
  functionName,
  isAsyncFunction,
  isFunctionLike,
  parentSkippingWrappers,
  propertyChain,
  skipOuterExpressions,
} from '../ast.js';
import { assignedMember, objectMemberPlace } from './members.js';
import { declaringScope } from './modules.js';
import {
  INLINE_CALLBACK_METHODS,
  LISTENER_METHODS,
  listenerEvent,
  looksLikeRequestHandler,
  ONCE_LISTENER_METHODS,
  ONE_SHOT_TIMERS,
  PROMISE_METHODS,
  ROUTE_METHODS,
  routeLabel,
  STREAM_CLASSES,
  STREAM_IMPLEMENTATION_METHODS,
  SUBSCRIBE_METHODS,
  TIMER_FUNCTIONS,
} from './node-api.js';
import { qualifiedMethod, ReceiverClasses, superclassesOf } from './receivers.js';

export type Phase = 'runtime' | 'startup' | 'unknown';

/** One step of the chain that makes code run time: the handler, then each call on the way. */
export interface ChainStep {
  label: string;
  node: ts.Node;
}

export interface PhaseInfo {
  phase: Phase;
  /** for run time: how this code is reached, outermost first (handler → f() → g()) */
  chain: ChainStep[];
  /** for unknown: the export names under which the function (or its caller) leaves the file */
  exportedAs?: string[];
  /**
   * For run time: run time by assumption, not because a handler is seen calling it (a method
   * nobody in the file calls: "instances live on"; an async function nobody calls). The project
   * index decides with the package's role: in an application the assumption must be met by a
   * run-time call from elsewhere; where callers cannot be seen (a library's API, a lone file) it holds.
   */
  assumed?: Assumption;
  /**
   * For unknown (and assumed run time): the code is work that exported code starts to run later
   * (a one-time listener it registers), not that code's own body. In a library it is run time even
   * when the API starting it is a constructor or factory (set-up code whose async work stays run time).
   */
  later?: true;
}

/** The calls from elsewhere that would make assumed run-time code really run time. */
export interface Assumption {
  /** a run-time `x.name()` call anywhere in the package, for one of these names */
  methods: string[];
  /** a run-time call from another file to one of these exports of this file */
  exports: string[];
  /** the API this code is reached from looks asynchronous (async, callback, promise, `*Async`) */
  asyncApi: boolean;
  /**
   * The exported function is a factory: it returns an object of methods (adm-zip's
   * `module.exports = function (file) { …; return { … } }`). Making one is set-up, like a
   * constructor; its methods are the API.
   */
  factory?: true;
  /**
   * Met by any call, at start-up too: a callback registered (`on('close', cb)`, a timer) inside
   * code that runs only when called runs at run time once that code has run at all. A handler
   * set up by a command only a one-shot CLI runs never serves anything.
   */
  onceCalled?: true;
  /** work the API starts to run later (see PhaseInfo.later): run time in a library even under a factory */
  later?: true;
}

export function mergeAssumptions(a: Assumption | undefined, b: Assumption): Assumption {
  if (!a) return b;
  const merged: Assumption = {
    methods: [...new Set([...a.methods, ...b.methods])],
    exports: [...new Set([...a.exports, ...b.exports])],
    asyncApi: a.asyncApi || b.asyncApi,
  };
  // met by any call only when both are: a strict condition (a run-time call) keeps its meaning
  if (a.onceCalled && b.onceCalled) merged.onceCalled = true;
  if (a.factory && b.factory) merged.factory = true;
  return merged;
}

/**
 * The condition of a callback registered by code in phase `registering`: none when that code
 * runs anyway (start-up, run time); when it runs only if called (a method, an exported function),
 * the callback runs once something calls it at all.
 */
export function registeredUnder(registering: PhaseInfo): Assumption | undefined {
  if (registering.phase === 'runtime' && registering.assumed)
    return { ...registering.assumed, onceCalled: true };
  if (registering.phase === 'unknown' && registering.exportedAs)
    return { methods: [], exports: registering.exportedAs, asyncApi: false, onceCalled: true };
  return undefined;
}

const CALLBACK_PARAMETER = /^(cb|callback|done|next|fn)$/i;

/** Does a function look like an asynchronous API: async, `*Async`, a trailing callback, a promise? */
export function looksAsyncApi(fn: FunctionLike, name: string | undefined): boolean {
  if (isAsyncFunction(fn) || (name !== undefined && /Async$/.test(name))) return true;
  const last = fn.parameters[fn.parameters.length - 1];
  if (last && ts.isIdentifier(last.name) && CALLBACK_PARAMETER.test(last.name.text)) return true;
  const body = fn.body;
  return body !== undefined && /\bnew Promise\b|\.then\(/.test(body.getText());
}

/** Calls that register a callback to run later, when work arrives. */
const REGISTRATION_METHODS = new Set([
  ...ROUTE_METHODS,
  ...LISTENER_METHODS,
  ...SUBSCRIBE_METHODS,
  ...TIMER_FUNCTIONS,
  ...PROMISE_METHODS,
  'createServer',
  'register',
  'addHook',
  'hook',
  'param',
  'handle',
  'process',
  'consume',
  'schedule',
  'watch',
  'middleware',
  'onRequest',
]);

/** Is `call` a registration of a callback that runs at run time (routes, events, timers, promises)? */
export function isRegistration(call: ts.CallExpression): boolean {
  const name = calleeName(call);
  return name !== undefined && REGISTRATION_METHODS.has(name);
}

/**
 * Calls that take a function without keeping it to call later: `util.inherits(Server, Emitter)`
 * sets up a class, `promisify(read)` wraps it. Passing a function to them does not register it.
 */
const NOT_REGISTERING = new Set([
  'inherits',
  'promisify',
  'callbackify',
  'deprecate',
  'assign',
  'extend',
  'mixin',
  'defineProperty',
  'setPrototypeOf',
  'create',
  'freeze',
]);

/** `require('./mixin')(Target)`: a module applied to a target as it loads. */
function isMixinApplication(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  return (
    ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'require'
  );
}

/**
 * The property chain a module-level alias stands for: `pki` → ['forge', 'pki'] for
 * `var pki = forge.pki` declared at the top of the file.
 */
function findRootAlias(name: string, site: ts.Node): string[] | undefined {
  for (const statement of site.getSourceFile().statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name || !declaration.initializer)
        continue;
      const chain = propertyChain(declaration.initializer);
      return chain && chain.length >= 2 ? chain : undefined;
    }
  }
  return undefined;
}

function enclosingFunctionOf(node: ts.Node): FunctionLike | undefined {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent)
    if (isFunctionLike(current)) return current;
  return undefined;
}

/** Is `literal` what a function returns (`return {…}`, `() => ({…})`)? */
function isReturnedValue(holder: ts.Node, literal: ts.ObjectLiteralExpression | undefined): boolean {
  if (ts.isReturnStatement(holder)) return true;
  return (
    ts.isArrowFunction(holder) &&
    literal !== undefined &&
    !ts.isBlock(holder.body) &&
    skipOuterExpressions(holder.body) === literal
  );
}

/** Does `fn` return an object literal with methods (`return { read() {…} }`): a factory? */
export function returnsMethodObject(fn: FunctionLike): boolean {
  const body = fn.body;
  if (!body) return false;
  const hasMethods = (node: ts.Expression): boolean => {
    const literal = skipOuterExpressions(node);
    return (
      ts.isObjectLiteralExpression(literal) &&
      literal.properties.some(
        (p) =>
          ts.isMethodDeclaration(p) ||
          (ts.isPropertyAssignment(p) && isFunctionLike(skipOuterExpressions(p.initializer))),
      )
    );
  };
  if (!ts.isBlock(body)) return hasMethods(body);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression && hasMethods(node.expression)) found = true;
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** Methods named like one-time set-up are judged by their callers only. */
const STARTUP_METHOD_NAME =
  /^(init|initialize|setup|setUp|configure|bootstrap|load[A-Z]?\w*|register[A-Z]?\w*|main)$/;
/** Object literal properties that frameworks call per request or event. */
const HANDLER_PROPERTY =
  /^(handler|handle|on[A-Z]\w*|preHandler|preValidation|preSerialization|onRequest|onSend|onResponse|errorHandler|resolve|transform|write|writev|read|flush|final)$/;

/** Process events that end the process: their listeners run once, at shutdown, serving nobody. */
const SHUTDOWN_EVENTS = new Set(['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGQUIT']);

/** `process.on('exit' | 'SIGINT' | 'SIGTERM' …, cb)` (also `once`, `addListener`, `prependListener`). */
export function isProcessExitListener(call: ts.CallExpression): boolean {
  const listener = listenerEvent(call);
  if (listener?.event === undefined || !SHUTDOWN_EVENTS.has(listener.event)) return false;
  const target = skipOuterExpressions(listener.receiver);
  return ts.isIdentifier(target) && target.text === 'process';
}

/**
 * Events an emitter fires once in its life (a child process exits once, a stream ends once, a
 * server starts listening once), or at most once for `once()`. Their listeners run as often as the
 * code registering them runs: set up by start-up or by a one-shot command, they serve nobody;
 * set up per request, they run per request. Repeating events (`'data'`, `'message'`,
 * `'request'`, `'connect'` of a reconnecting client) stay run time wherever they are registered.
 */
const ONE_TIME_EVENTS = new Set([
  'close',
  'exit',
  'end',
  'finish',
  'open',
  'ready',
  'listening',
  'spawn',
  'error',
]);

/**
 * Does `call` register a callback that runs at most once per registration: `x.once(…)`, a
 * one-time event (`child.on('close', …)`), a one-shot timer (`setTimeout`, `setImmediate`,
 * `process.nextTick`)? Not `process`'s own events (the shutdown ones are handled apart; its
 * `'message'`, `'uncaughtException'` repeat).
 */
export function runsOncePerRegistration(call: ts.CallExpression): boolean {
  const name = calleeName(call);
  if (name !== undefined && ONE_SHOT_TIMERS.has(name)) return true;
  const listener = listenerEvent(call);
  if (!listener) return false;
  const target = skipOuterExpressions(listener.receiver);
  if (ts.isIdentifier(target) && target.text === 'process') return false;
  if (ONCE_LISTENER_METHODS.has(listener.method)) return true;
  return listener.event !== undefined && ONE_TIME_EVENTS.has(listener.event);
}

/** How to name a callback from the call that registers it. */
export function describeRegistration(call: ts.CallExpression): string {
  const route = routeLabel(call);
  if (route) return route;
  const name = calleeName(call);
  if (name === undefined) return 'callback';
  const first = firstStringArgument(call);
  if ((LISTENER_METHODS.has(name) || SUBSCRIBE_METHODS.has(name)) && first !== undefined)
    return `\`'${first}'\` event handler`;
  if (TIMER_FUNCTIONS.has(name)) return `\`${name}\` callback`;
  if (PROMISE_METHODS.has(name)) return `\`.${name}()\` callback`;
  if (name === 'createServer') return 'request handler';
  return `callback passed to \`${name}()\``;
}

/** Is this function a callback that runs synchronously inside the call that receives it? */
export function isInlineCallback(fn: FunctionLike): boolean {
  const parent = parentSkippingWrappers(fn);
  // IIFE: (function () { … })() or (() => { … })()
  if (ts.isCallExpression(parent) && skipOuterExpressions(parent.expression) === fn) return true;
  if (ts.isCallExpression(parent) && parent.arguments.includes(fn as ts.Expression)) {
    const name = calleeName(parent);
    return name !== undefined && INLINE_CALLBACK_METHODS.has(name);
  }
  // new Promise((resolve) => …): the executor runs synchronously
  if (ts.isNewExpression(parent) && parent.arguments?.[0] === fn) {
    const callee = skipOuterExpressions(parent.expression);
    return ts.isIdentifier(callee) && callee.text === 'Promise';
  }
  return false;
}

export class PhaseModel {
  /** direct calls (and `new`) by the name they call: foo(), new Foo() */
  private readonly callsByName = new Map<string, (ts.CallExpression | ts.NewExpression)[]>();
  /** the same calls by the scope whose declaration of the name they call, built per name on demand */
  private readonly callsByScope = new Map<string, Map<ts.Node, (ts.CallExpression | ts.NewExpression)[]>>();
  /** identifiers passed to calls by the scope declaring them, built per name on demand */
  private readonly passedByScope = new Map<string, Map<ts.Node, ts.CallExpression[]>>();
  /** `this.x` (or `x.bind`) passed to a call, by property name: not resolved by scope */
  private readonly passedMemberByName = new Map<string, ts.CallExpression[]>();
  private readonly scopeCache = new Map<ts.Node, Map<string, ts.Node>>();
  /** method calls by property name: this.load(), service.hash() */
  private readonly methodCallsByName = new Map<string, ts.CallExpression[]>();
  /** identifiers passed as an argument to a call: app.get('/', handler) */
  private readonly passedByName = new Map<string, ts.CallExpression[]>();
  /**
   * identifiers given as a handler property of an object handed to a call or `new`:
   * `new SMTPServer({ onData: handleDataStream })` — the framework calls it per event
   */
  private readonly handlerPropertyByName = new Map<string, ts.Identifier[]>();
  private readonly handlerPropertyByScope = new Map<string, Map<ts.Node, ts.Identifier[]>>();
  /** local name → exported names */
  private readonly exportsByLocalName = new Map<string, string[]>();
  /** namespace chain exported by an assignment chain (`forge.pki.rsa`) → exported names */
  private readonly exportsByNamespace = new Map<string, string[]>();
  private readonly cache = new Map<ts.Node, PhaseInfo>();
  private readonly inProgress = new Set<ts.Node>();
  private indexed = false;

  /**
   * @param nodes the file's calls, `new`s, assignments and exports (among other recorded nodes),
   * in document order. The call index is built from them on the first phase question, so files
   * where no rule asks (most of any codebase) never pay for it.
   */
  constructor(private readonly nodes: readonly ts.Node[]) {}

  private ensureIndex(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const node of this.nodes) this.collect(node);
  }

  private collect(node: ts.Node): void {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      // Only direct calls by name: `obj.run()` does not call a local function `run`.
      const callee = skipOuterExpressions(node.expression);
      if (ts.isIdentifier(callee)) push(this.callsByName, callee.text, node);
      else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(callee)) {
        push(this.methodCallsByName, callee.name.text, node);
      }
      for (const argument of node.arguments ?? []) {
        const value = skipOuterExpressions(argument);
        if (ts.isObjectLiteralExpression(value)) this.collectHandlerProperties(value);
      }
      if (ts.isCallExpression(node)) {
        for (const argument of node.arguments) {
          const arg = skipOuterExpressions(argument);
          if (ts.isIdentifier(arg)) push(this.passedByName, arg.text, node);
          else if (ts.isPropertyAccessExpression(arg) && arg.expression.kind === ts.SyntaxKind.ThisKeyword) {
            push(this.passedMemberByName, arg.name.text, node);
          } else if (
            ts.isCallExpression(arg) &&
            ts.isPropertyAccessExpression(arg.expression) &&
            arg.expression.name.text === 'bind'
          ) {
            // handler.bind(this)
            const target = skipOuterExpressions(arg.expression.expression);
            if (ts.isIdentifier(target)) push(this.passedByName, target.text, node);
            else if (ts.isPropertyAccessExpression(target))
              push(this.passedMemberByName, target.name.text, node);
          }
        }
      }
    } else if (ts.isExportAssignment(node)) {
      const expression = skipOuterExpressions(node.expression);
      if (ts.isIdentifier(expression)) push(this.exportsByLocalName, expression.text, 'default');
    } else if (ts.isExportSpecifier(node) && !node.parent.parent.moduleSpecifier) {
      const local = (node.propertyName ?? node.name).text;
      push(this.exportsByLocalName, local, node.name.text);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      this.collectCommonJsExport(node);
    }
  }

  private collectHandlerProperties(literal: ts.ObjectLiteralExpression): void {
    for (const property of literal.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
      if (!HANDLER_PROPERTY.test(property.name.text)) continue;
      const value = skipOuterExpressions(property.initializer);
      if (ts.isIdentifier(value)) push(this.handlerPropertyByName, value.text, value);
    }
  }

  private collectCommonJsExport(node: ts.BinaryExpression): void {
    const left = skipOuterExpressions(node.left);
    let right = skipOuterExpressions(node.right);
    const target = exportTarget(left);
    if (target === undefined) return;
    // `module.exports = exports = value`, `exports.a = exports.b = value`; a namespace in a chain
    // (`module.exports = forge.pki.rsa = forge.rsa = forge.rsa || {}`) is the export too
    while (ts.isBinaryExpression(right) && right.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      this.collectExportedNamespace(right.left, target);
      right = skipOuterExpressions(right.right);
    }
    if (ts.isIdentifier(right)) push(this.exportsByLocalName, right.text, target);
    else if (ts.isPropertyAccessExpression(right)) this.collectExportedNamespace(right, target);
    else if (ts.isObjectLiteralExpression(right)) this.collectObjectExport(right, target, []);
  }

  /** `forge.pki.rsa` in an export chain: members stored on it later are exported under `target`. */
  private collectExportedNamespace(expression: ts.Expression, target: string): void {
    const chain = propertyChain(expression);
    if (!chain || chain.length < 2 || exportTarget(skipOuterExpressions(expression)) !== undefined) return;
    push(this.exportsByNamespace, chain.join('.'), target);
  }

  /**
   * Export names of a namespace a member is stored on: `pki.rsa` where `var pki = forge.pki` and
   * the file exports `forge.pki.rsa` (node-forge's `pki.rsa.generateKeyPair = function`).
   */
  private namespaceExportNames(owner: string[], site: ts.Node): string[] {
    if (this.exportsByNamespace.size === 0) return [];
    const direct = this.exportsByNamespace.get(owner.join('.'));
    if (direct) return direct;
    const root = findRootAlias(owner[0]!, site);
    if (!root) return [];
    return this.exportsByNamespace.get([...root, ...owner.slice(1)].join('.')) ?? [];
  }

  /** `module.exports = { get, store: { remove: removeItem } }`: get → 'get', removeItem → 'store.remove'. */
  private collectObjectExport(literal: ts.ObjectLiteralExpression, target: string, path: string[]): void {
    for (const property of literal.properties) {
      if (ts.isShorthandPropertyAssignment(property)) {
        push(this.exportsByLocalName, property.name.text, exportPath(target, [...path, property.name.text]));
      } else if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name)) {
        const value = skipOuterExpressions(property.initializer);
        const key = [...path, property.name.text];
        if (ts.isIdentifier(value)) push(this.exportsByLocalName, value.text, exportPath(target, key));
        else if (ts.isObjectLiteralExpression(value)) this.collectObjectExport(value, target, key);
      }
    }
  }

  /**
   * Does this callback, registered by `registration`, arm it again: a polling loop
   * (`function poll() { setTimeout(poll, 1000) }`), a client reconnecting on `'close'`, a daemon
   * whose child's `'exit'` listener restarts the child (`exit` → handleExit() → executeApp() →
   * `once('exit')`)? Then it repeats like a timer or a repeating event. Followed through calls by
   * name in the file, a few steps deep.
   */
  private reArms(callback: FunctionLike, registration: ts.CallExpression): boolean {
    if (registration.pos >= callback.pos && registration.end <= callback.end) return true;
    // the code registering it: the enclosing function, and the functions a callback runs in
    const registering = new Set<string>();
    for (let fn = enclosingFunction(registration); fn; fn = enclosingFunction(fn)) {
      const name = ts.isConstructorDeclaration(fn) ? undefined : functionName(fn);
      if (name !== undefined) registering.add(name);
      const parent = parentSkippingWrappers(fn);
      if (!ts.isCallExpression(parent) && !ts.isNewExpression(parent)) break;
    }
    if (registering.size === 0) return false;
    const functions = this.functionsByName();
    const queue: FunctionLike[] = [callback];
    const seen = new Set<FunctionLike>(queue);
    for (let i = 0; i < queue.length && i < MAX_RE_ARM_FUNCTIONS; i++) {
      let found = false;
      const visit = (node: ts.Node): void => {
        if (found) return;
        if (ts.isIdentifier(node) && registering.has(node.text)) {
          found = true;
          return;
        }
        if (ts.isCallExpression(node)) {
          const key = callKey(node);
          for (const next of (key !== undefined && functions.get(key)) || []) {
            if (seen.has(next)) continue;
            seen.add(next);
            queue.push(next);
          }
        }
        ts.forEachChild(node, visit);
      };
      const body = queue[i]!.body;
      if (body) visit(body);
      if (found) return true;
    }
    return false;
  }

  private receivers: ReceiverClasses | undefined;
  private parents: Map<string, string> | undefined;

  /**
   * Can `receiver.m()` reach a method of class `owner`: its receiver's class is unknown, or is
   * `owner` or a subclass of it in this file (`session.run()` with `session = new Session()`
   * does not reach the server's own `run()`)?
   */
  private mayReach(call: ts.CallExpression, owner: string): boolean {
    const callee = skipOuterExpressions(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) return true;
    this.receivers ??= new ReceiverClasses(this.nodes);
    let cls = this.receivers.classOf(callee.expression);
    if (cls === undefined) return true;
    if (!this.parents) {
      const source = call.getSourceFile();
      this.parents = new Map(superclassesOf(source, source.text));
    }
    for (let depth = 0; cls !== undefined && depth < 8; depth++) {
      if (cls === owner) return true;
      cls = this.parents.get(cls);
    }
    return false;
  }

  private functionIndex: Map<string, FunctionLike[]> | undefined;

  /**
   * Named functions of the file by how a call reaches them (see callKey): `f`, `God.handleExit`,
   * `this.m` (built on the first re-arm question).
   */
  private functionsByName(): Map<string, FunctionLike[]> {
    if (this.functionIndex) return this.functionIndex;
    const index = new Map<string, FunctionLike[]>();
    const source = this.nodes[0]?.getSourceFile();
    const visit = (node: ts.Node): void => {
      if (isFunctionLike(node)) {
        const key = functionKey(node);
        if (key !== undefined) push(index, key, node);
      }
      ts.forEachChild(node, visit);
    };
    if (source) visit(source);
    this.functionIndex = index;
    return index;
  }

  /** Does this call run the callbacks it receives synchronously (`forEach`, `map`, an IIFE)? */
  isInlineCall(call: ts.CallExpression): boolean {
    const name = calleeName(call);
    return name !== undefined && INLINE_CALLBACK_METHODS.has(name);
  }

  /** Phase of the code at `node`. */
  phaseOfNode(node: ts.Node): PhaseInfo {
    let current: ts.Node | undefined = node.parent;
    while (current && !ts.isSourceFile(current)) {
      if (isFunctionLike(current)) return this.phaseOfFunction(current);
      current = current.parent;
    }
    return STARTUP;
  }

  phaseOfFunction(fn: FunctionLike): PhaseInfo {
    this.ensureIndex();
    const cached = this.cache.get(fn);
    if (cached) return cached;
    if (this.inProgress.has(fn)) return UNKNOWN;
    this.inProgress.add(fn);
    const info = this.computePhase(fn);
    this.inProgress.delete(fn);
    this.cache.set(fn, info);
    return info;
  }

  private computePhase(fn: FunctionLike): PhaseInfo {
    if (isInlineCallback(fn)) return this.phaseOfNode(fn);
    const parent = parentSkippingWrappers(fn);
    if (ts.isCallExpression(parent) && parent.arguments.includes(fn as ts.Expression)) {
      if (isRegistration(parent)) {
        // process.on('exit', …) runs once, synchronously, as the process ends: nothing waits on it
        if (isProcessExitListener(parent)) return STARTUP;
        // a promise callback runs once per promise: `main().then(…)` at top level is start-up,
        // the same chain built in a handler is run time; likewise a one-time event's listener
        if (PROMISE_METHODS.has(calleeName(parent) ?? '')) return this.phaseOfNode(parent);
        if (runsOncePerRegistration(parent) && !this.reArms(fn, parent))
          return startedLater(this.phaseOfNode(parent));
        return { phase: 'runtime', chain: [{ label: describeRegistration(parent), node: parent }] };
      }
      // A callback handed to a function we know nothing about (withLock(cb), program.action(cb))
      // runs when that call's own code runs, as far as we can tell.
      return this.phaseOfNode(parent);
    }
    if (ts.isNewExpression(parent)) {
      const constructed = calleeName(parent);
      if (constructed !== undefined && STREAM_CLASSES.has(constructed)) {
        return {
          phase: 'runtime',
          chain: [{ label: `\`new ${constructed}()\` stream callback`, node: parent }],
        };
      }
      return this.phaseOfNode(parent);
    }
    const name = functionName(fn);
    const isClassMember =
      (ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn) || ts.isSetAccessor(fn)) &&
      ts.isClassLike(fn.parent);
    const isClassField = ts.isPropertyDeclaration(parent);
    const objectLiteral = ts.isObjectLiteralExpression(fn.parent)
      ? fn.parent
      : ts.isPropertyAssignment(parent) && ts.isObjectLiteralExpression(parent.parent)
        ? parent.parent
        : undefined;
    // ES5 shapes: `X.prototype.m = function`, `this.m = function`, mixins, `Store.m = function`
    const assigned = isClassMember || isClassField ? undefined : assignedMember(fn);
    if (((isClassMember || isClassField) && name !== undefined) || assigned?.kind === 'instance') {
      const member = isClassField ? parent : fn;
      if (ts.canHaveDecorators(member) && (ts.getDecorators(member)?.length ?? 0) > 0 && name !== undefined) {
        return { phase: 'runtime', chain: [{ label: `decorated handler \`${name}\``, node: fn }] };
      }
      if (name === undefined) return UNKNOWN;
      if (STREAM_IMPLEMENTATION_METHODS.has(name))
        return { phase: 'runtime', chain: [{ label: `stream method \`${name}\``, node: fn }] };
      // linked across files as `name@Class` when its class is named: a call on another class's
      // instance (`session.run()`, session = new Session()) does not reach it (receivers.ts)
      const linkedAs = qualifiedMethod(name, ownerClassOf(fn, assigned));
      const byCallers = this.phaseFromMethodCalls(fn, name, linkedAs);
      if (byCallers) return byCallers;
      if (STARTUP_METHOD_NAME.test(name)) return UNKNOWN;
      // The synchronous twin of an API class (`UnpackSync`, `WriteEntrySync`, `ReadStreamSync`) is
      // synchronous on purpose, like a `*Sync` function: its methods are not assumed run time.
      if (isClassMember && fn.parent.name && /Sync$/.test(fn.parent.name.text)) return UNKNOWN;
      // Instances live on: their methods are called while the program serves work, if anything
      // calls them at run time (the project index checks that in an application).
      return {
        phase: 'runtime',
        chain: [{ label: `method \`${name}\``, node: fn }],
        assumed: { methods: [linkedAs], exports: [], asyncApi: looksAsyncApi(fn, name) },
      };
    }
    if ((objectLiteral || assigned?.kind === 'static') && name !== undefined) {
      const holder = objectLiteral && parentSkippingWrappers(objectLiteral);
      // framework hook names count in object literals (options objects), not on named objects
      // (`Store.read = function` is the store's own API)
      if (
        holder &&
        ((ts.isCallExpression(holder) && isRegistration(holder)) || HANDLER_PROPERTY.test(name))
      ) {
        return { phase: 'runtime', chain: [{ label: `\`${name}\` handler`, node: fn }] };
      }
      const byCallers = this.phaseFromMethodCalls(fn, name);
      if (byCallers) return byCallers;
      // an async callback in an options object handed to a library (`consumer.run({ eachBatch })`)
      if (isAsyncFunction(fn) && holder && (ts.isCallExpression(holder) || ts.isNewExpression(holder)))
        return { phase: 'runtime', chain: [{ label: `\`${name}\` callback`, node: fn }] };
      if (isAsyncFunction(fn))
        return {
          phase: 'runtime',
          chain: [{ label: `async method \`${name}\``, node: fn }],
          assumed: { methods: [name], exports: this.memberExportNames(fn), asyncApi: true },
        };
      if (looksLikeRequestHandler(fn))
        return { phase: 'runtime', chain: [{ label: `request handler \`${name}\``, node: fn }] };
      // `return { extractAllToAsync: function () {…} }` in a factory (adm-zip's
      // `module.exports = function (file) { … return { … } }`): the methods of the object it makes,
      // which live on like an instance's, judged like class methods
      if (holder && isReturnedValue(holder, objectLiteral) && this.madeByExportedFactory(holder)) {
        if (STARTUP_METHOD_NAME.test(name)) return UNKNOWN;
        return {
          phase: 'runtime',
          chain: [{ label: `method \`${name}\``, node: fn }],
          assumed: { methods: [name], exports: [], asyncApi: looksAsyncApi(fn, name) },
        };
      }
      const exportedAs = this.memberExportNames(fn);
      return exportedAs.length > 0 ? { phase: 'unknown', chain: [], exportedAs } : UNKNOWN;
    }
    const lookupName = ts.isConstructorDeclaration(fn) ? fn.parent.name?.text : name;
    let sawStartupCaller = false;
    /** registered as a one-time listener by code that is itself only exported (see PhaseInfo.later) */
    let later = false;
    let exportedAs: string[] | undefined;
    /** the first caller that is run time only by assumption, and the union of the assumptions */
    let assumedCaller: PhaseInfo | undefined;
    let assumption: Assumption | undefined;
    if (lookupName !== undefined) {
      const scope = declaringScope(declarationOf(fn), lookupName, this.scopeCache);
      for (const call of this.byScope(this.callsByName, this.callsByScope, lookupName).get(scope) ?? []) {
        if (call.pos >= fn.pos && call.end <= fn.end) continue; // recursion
        const callerInfo = this.phaseOfNode(call);
        if (callerInfo.phase === 'runtime') {
          const called: PhaseInfo = {
            phase: 'runtime',
            chain: extendChain(callerInfo.chain, { label: `${lookupName}()`, node: call }),
            assumed: callerInfo.assumed,
          };
          if (!callerInfo.assumed) return called;
          assumedCaller ??= called;
          assumption = mergeAssumptions(assumption, callerInfo.assumed);
          continue;
        }
        if (callerInfo.phase === 'startup') sawStartupCaller = true;
        if (callerInfo.exportedAs) exportedAs = [...(exportedAs ?? []), ...callerInfo.exportedAs];
      }
      const passed = [
        ...(this.byScope(this.passedByName, this.passedByScope, lookupName).get(scope) ?? []),
        ...(this.passedMemberByName.get(lookupName) ?? []),
      ];
      for (const registration of passed) {
        const registeringName = calleeName(registration);
        // a one-time listener or timer runs where (and as often as) the registering code runs, like
        // a call from there — unless it arms itself again (a polling loop, a reconnect)
        const oneTime = runsOncePerRegistration(registration) && !this.reArms(fn, registration);
        if (oneTime || (registeringName !== undefined && INLINE_CALLBACK_METHODS.has(registeringName))) {
          const callerInfo = this.phaseOfNode(registration);
          if (callerInfo.phase === 'runtime') {
            const called: PhaseInfo = {
              phase: 'runtime',
              chain: extendChain(callerInfo.chain, { label: `${lookupName}()`, node: registration }),
              assumed: callerInfo.assumed,
            };
            if (!callerInfo.assumed) return called;
            assumedCaller ??= called;
            assumption = mergeAssumptions(assumption, callerInfo.assumed);
            continue;
          }
          if (callerInfo.phase === 'startup') sawStartupCaller = true;
          if (callerInfo.exportedAs) {
            exportedAs = [...(exportedAs ?? []), ...callerInfo.exportedAs];
            if (oneTime) later = true;
          }
          continue;
        }
        if (registeringName !== undefined && NOT_REGISTERING.has(registeringName)) continue;
        // process.on('SIGTERM', shutdown): runs once, as the process ends
        if (isProcessExitListener(registration)) {
          sawStartupCaller = true;
          continue;
        }
        // a class handed to a call (`require('./mixin')(API)`, `inherits(API, Base)`) is not a
        // callback: its constructor runs where `new` is
        if (ts.isConstructorDeclaration(fn) || isMixinApplication(registration)) continue;
        // an ES5 constructor handed to a framework (`RED.nodes.registerType('tls', TLSConfig)`)
        // is a class, not a callback: its body sets up an instance; what it registers
        // (`this.on('input', …)`) is run time on its own
        if (isConstructorFunction(fn, lookupName)) continue;
        return {
          phase: 'runtime',
          chain: [{ label: `${describeRegistration(registration)} \`${lookupName}\``, node: registration }],
        };
      }
    }
    if (lookupName !== undefined && !ts.isConstructorDeclaration(fn)) {
      const scope = declaringScope(declarationOf(fn), lookupName, this.scopeCache);
      const handed = this.byScope(this.handlerPropertyByName, this.handlerPropertyByScope, lookupName).get(
        scope,
      );
      const property = handed?.[0]?.parent;
      if (property && ts.isPropertyAssignment(property) && ts.isIdentifier(property.name))
        return {
          phase: 'runtime',
          chain: [{ label: `\`${property.name.text}\` handler \`${lookupName}\``, node: property }],
        };
    }
    if (looksLikeRequestHandler(fn)) {
      return { phase: 'runtime', chain: [{ label: `request handler \`${name ?? 'anonymous'}\``, node: fn }] };
    }
    const ownExports = this.exportNamesOf(fn, name);
    if (ownExports.length > 0) exportedAs = [...(exportedAs ?? []), ...ownExports];
    if (assumedCaller && assumption) {
      // run time if any assumed caller really is, or if another file calls it (or its callers)
      return {
        ...assumedCaller,
        assumed: mergeAssumptions(assumption, { methods: [], exports: exportedAs ?? [], asyncApi: false }),
      };
    }
    if (isAsyncFunction(fn) && !sawStartupCaller) {
      return {
        phase: 'runtime',
        chain: [{ label: `async function \`${name ?? 'anonymous'}\``, node: fn }],
        assumed: { methods: [], exports: exportedAs ?? [], asyncApi: true },
      };
    }
    if (sawStartupCaller) return STARTUP;
    if (exportedAs && later) return { phase: 'unknown', chain: [], exportedAs, later: true };
    return exportedAs ? { phase: 'unknown', chain: [], exportedAs } : UNKNOWN;
  }

  /**
   * Uses of `name` grouped by the scope that declares the name where they are: a function's
   * callers are the group of the scope declaring the function. Built once per name, so thousands
   * of same-named locals cost linear time, and none of them is taken for another's caller.
   */
  private byScope<T extends ts.Node>(
    byName: Map<string, T[]>,
    cache: Map<string, Map<ts.Node, T[]>>,
    name: string,
  ): Map<ts.Node, T[]> {
    let groups = cache.get(name);
    if (!groups) {
      groups = new Map();
      for (const use of byName.get(name) ?? []) push(groups, declaringScope(use, name, this.scopeCache), use);
      cache.set(name, groups);
    }
    return groups;
  }

  /**
   * Phase of a method from the calls to it by name (`this.hash()`, `service.hash()`): run time if
   * any call is; start-up if every call is; undefined when nothing in the file calls it.
   */
  private phaseFromMethodCalls(fn: FunctionLike, name: string, linkedAs = name): PhaseInfo | undefined {
    const owner = linkedAs.includes('@') ? linkedAs.slice(linkedAs.indexOf('@') + 1) : undefined;
    const calls = (this.methodCallsByName.get(name) ?? []).filter(
      (c) => !(c.pos >= fn.pos && c.end <= fn.end) && (owner === undefined || this.mayReach(c, owner)),
    );
    if (calls.length === 0) return undefined;
    let sawStartup = false;
    let assumedCaller: PhaseInfo | undefined;
    for (const call of calls) {
      const callerInfo = this.phaseOfNode(call);
      if (callerInfo.phase === 'runtime') {
        const called: PhaseInfo = {
          phase: 'runtime',
          chain: extendChain(callerInfo.chain, { label: `${name}()`, node: call }),
          assumed: callerInfo.assumed,
        };
        if (!callerInfo.assumed) return called;
        assumedCaller = assumedCaller
          ? { ...assumedCaller, assumed: mergeAssumptions(assumedCaller.assumed, callerInfo.assumed) }
          : called;
        continue;
      }
      if (callerInfo.phase === 'startup') sawStartup = true;
    }
    if (assumedCaller) {
      // called by code that is run time by assumption, or from elsewhere by name
      const own: Assumption = { methods: [linkedAs], exports: [], asyncApi: false };
      return { ...assumedCaller, assumed: mergeAssumptions(assumedCaller.assumed, own) };
    }
    return sawStartup ? STARTUP : undefined;
  }

  /**
   * Export paths of a function stored on an exported object: `module.exports = { a: { f() {} } }`
   * → 'a.f'; `exports.Util = { f }` → 'Util.f'; `Store.f = function` with `module.exports = Store`
   * → 'f'. The module object itself is 'default', so its members are named without it, as the
   * importing side resolves `require('./util').a.f` and `util_1.default.a.f`.
   */
  private memberExportNames(fn: FunctionLike): string[] {
    const place = objectMemberPlace(fn);
    if (place) return this.holderExportNames(place.holder).map((e) => exportPath(e, place.path));
    const member = assignedMember(fn);
    if (member?.kind === 'static' && member.owner.length === 1) {
      const names = this.exportsByLocalName.get(member.owner[0]!);
      if (names) return names.map((e) => exportPath(e, [member.name]));
    }
    if (member?.kind === 'static')
      return this.namespaceExportNames(member.owner, fn).map((e) => exportPath(e, [member.name]));
    return [];
  }

  /**
   * Is the function returning this object exported (`module.exports = function (file) { return {…} }`,
   * `export function create() { return {…} }`)? Objects made by a file's inner helpers (a
   * framework's directive definitions in browser code) are not an API.
   */
  private madeByExportedFactory(returning: ts.Node): boolean {
    const factory = ts.isArrowFunction(returning) ? returning : enclosingFunctionOf(returning);
    return factory !== undefined && this.exportNamesOf(factory, functionName(factory)).length > 0;
  }

  /** Export names of what holds an object literal: `const X = {…}` (then exported), `module.exports = {…}`. */
  private holderExportNames(holder: ts.Node): string[] {
    if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) {
      const names = [...(this.exportsByLocalName.get(holder.name.text) ?? [])];
      const statement = holder.parent.parent;
      if (
        ts.isVariableStatement(statement) &&
        ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      ) {
        names.push(holder.name.text);
      }
      return names;
    }
    if (ts.isExportAssignment(holder)) return ['default'];
    if (ts.isBinaryExpression(holder) && holder.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const target = exportTarget(skipOuterExpressions(holder.left));
      // `module.exports = exports = {…}`
      const outer = parentSkippingWrappers(holder);
      const chained =
        ts.isBinaryExpression(outer) && skipOuterExpressions(outer.right) === holder
          ? this.holderExportNames(outer)
          : [];
      return target !== undefined ? [target, ...chained] : chained;
    }
    return [];
  }

  /** Export names under which a function leaves the file. */
  exportNamesOf(fn: FunctionLike, name: string | undefined): string[] {
    const names: string[] = [];
    const declaration = ts.isFunctionDeclaration(fn) ? fn : parentSkippingWrappers(fn);
    const exportable = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
    if (exportable && ts.canHaveModifiers(exportable)) {
      const modifiers = ts.getModifiers(exportable) ?? [];
      if (modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
        names.push(
          modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) ? 'default' : (name ?? 'default'),
        );
      }
    }
    if (ts.isExportAssignment(declaration)) names.push('default');
    if (ts.isBinaryExpression(declaration) && declaration.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const target = exportTarget(skipOuterExpressions(declaration.left));
      if (target !== undefined) names.push(target);
    }
    if (name !== undefined) names.push(...(this.exportsByLocalName.get(name) ?? []));
    return names;
  }
}

/** The phase of a one-time listener registered by code in phase `registering` (see PhaseInfo.later). */
function startedLater(registering: PhaseInfo): PhaseInfo {
  if (registering.phase === 'unknown' && registering.exportedAs) return { ...registering, later: true };
  if (registering.phase === 'runtime' && registering.assumed)
    return { ...registering, assumed: { ...registering.assumed, later: true } };
  return registering;
}

const SELF = /^(this|self|that|_this|me)$/;

/** How calls name a function: `f` (declared), `God.f` (`God.f = function`), `this.f` (a method). */
function functionKey(fn: FunctionLike): string | undefined {
  if (ts.isConstructorDeclaration(fn)) return undefined;
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  if ((ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn)) && ts.isIdentifier(fn.name))
    return ts.isClassLike(fn.parent) ? `this.${fn.name.text}` : undefined;
  const parent = parentSkippingWrappers(fn);
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const left = skipOuterExpressions(parent.left);
    if (!ts.isPropertyAccessExpression(left)) return undefined;
    const owner = skipOuterExpressions(left.expression);
    // X.prototype.m = function: called as this.m()
    if (ts.isPropertyAccessExpression(owner) && owner.name.text === 'prototype')
      return `this.${left.name.text}`;
    if (owner.kind === ts.SyntaxKind.ThisKeyword) return `this.${left.name.text}`;
    if (ts.isIdentifier(owner)) return `${owner.text}.${left.name.text}`;
  }
  return undefined;
}

/** The key of the function a call reaches by its callee (see functionKey), when it names one. */
function callKey(call: ts.CallExpression): string | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (ts.isIdentifier(callee)) return callee.text;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const owner = skipOuterExpressions(callee.expression);
  if (owner.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(owner) && SELF.test(owner.text)))
    return `this.${callee.name.text}`;
  return ts.isIdentifier(owner) ? `${owner.text}.${callee.name.text}` : undefined;
}

/**
 * An ES5 constructor function: a capitalized `function` (not an arrow) whose body assigns to
 * `this` or hands `this` to a call (`RED.nodes.createNode(this, config)`).
 */
function isConstructorFunction(fn: FunctionLike, name: string): boolean {
  if (!/^[A-Z]/.test(name) || !(ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn))) return false;
  const body = fn.body;
  if (!body) return false;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || isFunctionLike(node)) return;
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.expression.kind === ts.SyntaxKind.ThisKeyword
    )
      found = true;
    else if (ts.isCallExpression(node) && node.arguments.some((a) => a.kind === ts.SyntaxKind.ThisKeyword))
      found = true;
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** The class a method belongs to: `class A { m() {} }`, `A.prototype.m = function`. */
function ownerClassOf(fn: FunctionLike, assigned: ReturnType<typeof assignedMember>): string | undefined {
  if (ts.isClassLike(fn.parent)) {
    if (fn.parent.name) return fn.parent.name.text;
    const holder = parentSkippingWrappers(fn.parent);
    return ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) ? holder.name.text : undefined;
  }
  const owner = assigned?.owner;
  return owner?.length === 2 && owner[1] === 'prototype' ? owner[0] : undefined;
}

/** Functions followed when asking whether a one-time callback arms itself again. */
const MAX_RE_ARM_FUNCTIONS = 40;

/** Longest chain kept: the origin (handler) and the calls nearest the finding. */
export const MAX_CHAIN_LENGTH = 6;

/**
 * The chain of a callee: its caller's chain plus the call. Past MAX_CHAIN_LENGTH the steps after
 * the origin are dropped from the middle, so every chain (and report) has a bounded size.
 */
function extendChain(chain: ChainStep[], step: ChainStep): ChainStep[] {
  if (chain.length < MAX_CHAIN_LENGTH) return [...chain, step];
  return [chain[0]!, ...chain.slice(chain.length - MAX_CHAIN_LENGTH + 2), step];
}

/** Where a function's name is declared: the function itself, its variable, or its class. */
function declarationOf(fn: FunctionLike): ts.Node {
  if (ts.isConstructorDeclaration(fn)) return fn.parent;
  const parent = parentSkippingWrappers(fn);
  return ts.isVariableDeclaration(parent) ? parent : fn;
}

const STARTUP: PhaseInfo = { phase: 'startup', chain: [] };
const UNKNOWN: PhaseInfo = { phase: 'unknown', chain: [] };

/** `module.exports` → 'default', `module.exports.x` / `exports.x` → 'x'. */
function exportTarget(left: ts.Expression): string | undefined {
  if (!ts.isPropertyAccessExpression(left)) return undefined;
  const base = skipOuterExpressions(left.expression);
  if (ts.isIdentifier(base) && base.text === 'module' && left.name.text === 'exports') return 'default';
  if (ts.isIdentifier(base) && base.text === 'exports') return left.name.text;
  if (
    ts.isPropertyAccessExpression(base) &&
    ts.isIdentifier(base.expression) &&
    base.expression.text === 'module' &&
    base.name.text === 'exports'
  ) {
    return left.name.text;
  }
  return undefined;
}

/** 'default' + ['a', 'f'] → 'a.f' (the module object's members); 'Util' + ['f'] → 'Util.f'. */
function exportPath(exportName: string, path: string[]): string {
  return (exportName === 'default' ? path : [exportName, ...path]).join('.');
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
