// unhandled-worker-error: a worker_threads Worker or a Web Worker nobody listens to for 'error'
// (or 'exit').
import ts from 'typescript';
import { workerErrorSuggestion } from '../../fixes/unhandled-worker-error.js';
import {
  containsCall,
  isFunctionLike,
  parentSkippingWrappers,
  skipOuterExpressions,
  stringValue,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { constInitializer, findDeclaration } from '../model/declarations.js';
import { LISTENER_METHODS } from '../model/node-api.js';
import { isThreadSpawn } from '../model/threads.js';
import { type ListenerRegistration, type WorkerUsageIndex, workerUsage } from '../model/worker-usage.js';
import { WORKER_CREATION_TRIGGER } from '../text-triggers.js';
import type { Rule } from '../types.js';

/** Events whose listener means someone learns that the worker died. */
const LIFECYCLE_EVENTS = new Set(['error', 'exit']);

function isLifecycleListener(registration: ListenerRegistration): boolean {
  return registration.event === undefined || LIFECYCLE_EVENTS.has(registration.event);
}

/** Where the worker ends up once created. */
type Holder =
  | { kind: 'handled' }
  | { kind: 'discarded' }
  | { kind: 'local'; name: string; scope: ts.Node }
  /** stored in a field or collection, or passed on: handlers may be attached elsewhere in the file */
  | { kind: 'escapes' }
  /** returned to the caller (a factory): the caller attaches the handlers */
  | { kind: 'returned' };

/**
 * Follows `new Worker(…)` up through chained listener calls (`new Worker(f).on('error', …)`) to
 * the place that keeps it.
 */
function holderOf(spawn: ts.Node): Holder {
  let current: ts.Node = spawn;
  for (;;) {
    const parent = parentSkippingWrappers(current);
    // new Worker(f).on('message', …).on('error', …)
    if (ts.isPropertyAccessExpression(parent) && skipOuterExpressions(parent.expression) === current) {
      const call = parent.parent;
      if (!ts.isCallExpression(call) || call.expression !== parent) return { kind: 'discarded' };
      if (!LISTENER_METHODS.has(parent.name.text)) {
        // new Worker(f).postMessage(x), .unref(): the worker itself is not kept
        return { kind: 'discarded' };
      }
      const event = stringValue(call.arguments[0]);
      if (event === undefined || LIFECYCLE_EVENTS.has(event)) return { kind: 'handled' };
      current = call;
      continue;
    }
    if (ts.isVariableDeclaration(parent) && parent.initializer && ts.isIdentifier(parent.name)) {
      return { kind: 'local', name: parent.name.text, scope: scopeOfDeclaration(parent) };
    }
    if (ts.isBinaryExpression(parent) && skipOuterExpressions(parent.right) === current) {
      const op = parent.operatorToken.kind;
      if (
        op === ts.SyntaxKind.EqualsToken ||
        op === ts.SyntaxKind.QuestionQuestionEqualsToken ||
        op === ts.SyntaxKind.BarBarEqualsToken
      ) {
        const left = skipOuterExpressions(parent.left);
        if (ts.isIdentifier(left)) return { kind: 'local', name: left.text, scope: spawn.getSourceFile() };
        return { kind: 'escapes' };
      }
      if (op === ts.SyntaxKind.CommaToken) return { kind: 'discarded' };
      // a ?? new Worker(…), cond && new Worker(…): the value flows on
      current = parent;
      continue;
    }
    if (ts.isConditionalExpression(parent) || ts.isAwaitExpression(parent)) {
      current = parent;
      continue;
    }
    if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return { kind: 'discarded' };
    if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === current))
      return { kind: 'returned' };
    // pushed, passed to a function, stored in a field, an object or an array
    return { kind: 'escapes' };
  }
}

/** The outermost expression that carries the spawn's value (`cond ? new Worker(a) : new Worker(b)`). */
function valueRoot(spawn: ts.Node): ts.Node {
  let current = spawn;
  for (;;) {
    const parent = parentSkippingWrappers(current);
    if (
      ts.isConditionalExpression(parent) ||
      (ts.isBinaryExpression(parent) &&
        skipOuterExpressions(parent.right) === current &&
        (parent.operatorToken.kind === ts.SyntaxKind.BarBarToken ||
          parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken))
    ) {
      current = parent;
      continue;
    }
    return current;
  }
}

/** Callee names that settle someone's wait: a promise's resolvers, a node-style callback. */
const SETTLING_NAMES = /^(resolve|reject|callback|cb|done|next)$/i;

/**
 * A `'message'` listener (not on the worker's own global scope, `self`) that settles a wait: it
 * calls a waiter from a table (`this.resolves[id](data)`), a promise's `resolve`/`reject`, or a
 * callback the enclosing function was given. A listener that only shows or logs the data leaves
 * nothing hanging when the worker fails.
 */
function answersWaiters(index: WorkerUsageIndex): boolean {
  return index.listeners.some((registration) => {
    if (registration.event !== 'message' || !registration.listener) return false;
    const receiver = skipOuterExpressions(registration.receiver);
    if (ts.isIdentifier(receiver) && receiver.text === 'self') return false;
    let listener: ts.Node | undefined = skipOuterExpressions(registration.listener);
    if (ts.isIdentifier(listener)) {
      const declaration = findDeclaration(listener);
      listener =
        declaration?.kind === 'function'
          ? declaration.node
          : declaration?.kind === 'variable'
            ? declaration.node.initializer
            : undefined;
    }
    if (!listener || !isFunctionLike(listener)) return false;
    const fn = listener;
    return containsCall(fn, (call) => {
      const callee = skipOuterExpressions(call.expression);
      // `resolves[id](data)`, not `map['delete'](key)`
      if (ts.isElementAccessExpression(callee)) return stringValue(callee.argumentExpression) === undefined;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text.replace(/^#/, '')
          : undefined;
      if (name === undefined) return false;
      if (SETTLING_NAMES.test(name)) return true;
      if (!ts.isIdentifier(callee)) return false;
      // a parameter of a function around the listener: the caller's callback
      const declaration = findDeclaration(callee);
      return declaration?.kind === 'parameter' && declaration.fn !== fn && !within(fn, declaration.fn);
    });
  });
}

/** Is the local worker variable handed back to the caller (`return worker`)? */
function isReturned(name: string, scope: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isReturnStatement(node) && node.expression) {
      const value = skipOuterExpressions(node.expression);
      if (ts.isIdentifier(value) && value.text === name) {
        found = true;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

/** The function (or file) a variable is visible in — where its listeners must be. */
function scopeOfDeclaration(declaration: ts.VariableDeclaration): ts.Node {
  let current: ts.Node | undefined = declaration.parent;
  while (current && !ts.isSourceFile(current)) {
    if (isFunctionLike(current)) return current;
    current = current.parent;
  }
  return declaration.getSourceFile();
}

function within(scope: ts.Node, node: ts.Node): boolean {
  return node.pos >= scope.pos && node.end <= scope.end;
}

/** Does the local worker variable leave its scope (returned, stored, passed on)? */
function escapes(name: string, scope: ts.Node, index: WorkerUsageIndex): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name) {
      const parent = parentSkippingWrappers(node);
      if (
        ts.isReturnStatement(parent) ||
        ts.isArrowFunction(parent) ||
        ts.isArrayLiteralExpression(parent) ||
        ts.isShorthandPropertyAssignment(parent) ||
        (ts.isPropertyAssignment(parent) && parent.initializer === node) ||
        ts.isSpreadElement(parent) ||
        ts.isYieldExpression(parent) ||
        (ts.isBinaryExpression(parent) &&
          parent.right === node &&
          parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) ||
        (ts.isVariableDeclaration(parent) && parent.initializer === node) ||
        ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) &&
          parent.arguments?.includes(node) &&
          !isListenerCall(parent, index))
      ) {
        found = true;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

function isListenerCall(call: ts.Node, index: WorkerUsageIndex): boolean {
  return index.listeners.some((l) => l.node === call);
}

/**
 * Is there an 'error'/'exit' listener in the file on something that may be this worker once it
 * has been stored or passed on (a field, a parameter, a loop variable)? Listeners on `process`
 * and on values that come from another module's API (streams, sockets, child processes) do not count.
 */
function hasForeignLifecycleListener(index: WorkerUsageIndex, context: RuleContext): boolean {
  return index.listeners.some((registration) => {
    if (!isLifecycleListener(registration)) return false;
    const receiver = skipOuterExpressions(registration.receiver);
    if (ts.isIdentifier(receiver)) {
      if (receiver.text === 'process') return false;
      const initializer = constInitializer(receiver);
      if (initializer) {
        const init = skipOuterExpressions(initializer);
        const created = ts.isAwaitExpression(init) ? skipOuterExpressions(init.expression) : init;
        if (ts.isCallExpression(created) || ts.isNewExpression(created)) {
          if (context.threads.spawns.some((s) => s.node === created)) return true;
          const reference = context.resolve(created.expression);
          if (reference && reference.module !== '<global>' && reference.module !== 'worker_threads')
            return false;
        }
      }
    }
    return true;
  });
}

export const unhandledWorkerError: Rule<'unhandled' | 'unhandledWeb'> = {
  meta: {
    id: 'unhandled-worker-error',
    category: 'worker-lifecycle',
    defaultSeverity: 'warning',
    description:
      "A worker_threads Worker with no 'error' and no 'exit' listener, or a Web Worker with no 'error' listener.",
    docsUrl: docsUrl('unhandled-worker-error'),
    textTrigger: WORKER_CREATION_TRIGGER,
    messages: {
      unhandled: "This Worker has no `'error'` or `'exit'` listener",
      unhandledWeb: "This Web Worker has no `'error'` listener (`onerror`)",
    },
    explanations: {
      unhandled:
        "If the worker's code throws, the `'error'` event has no listener and crashes the main process; if the worker dies mid-task, the task and its promise never settle.\n\nListen to `'error'` and `'exit'` (reject the pending tasks, respawn with backoff), or use a pool such as piscina that does this for you.",
      unhandledWeb:
        "If the worker's script fails to load or throws, only its `'error'` event says so: without a listener, the requests waiting for its answers never settle.\n\nSet `worker.onerror` (or `addEventListener('error', …)`) and reject the pending requests there.",
    },
  },
  create(context) {
    return {
      onEnd() {
        const spawns = context.threads.spawns.filter((s) => isThreadSpawn(s.kind));
        if (spawns.length === 0) return;
        // one finding per worker, not per branch of `cond ? new Worker(a) : new Worker(b)`
        const reported = new Set<ts.Node>();
        const index = workerUsage(context);
        let foreign: boolean | undefined;
        const foreignListener = (): boolean => {
          foreign ??= hasForeignLifecycleListener(index, context);
          return foreign;
        };
        for (const spawn of spawns) {
          const holder = holderOf(spawn.node);
          // A Web Worker handed back by a factory gets its `onerror` from the caller (another
          // file, usually). A Node Worker's `onerror` is never called, so there the rule still
          // asks for listeners in this file.
          const web = spawn.kind === 'web-worker';
          let handled: boolean;
          switch (holder.kind) {
            case 'handled':
              handled = true;
              break;
            case 'discarded':
              handled = false;
              break;
            case 'returned':
              handled = web || foreignListener();
              break;
            case 'escapes':
              handled = foreignListener();
              break;
            case 'local': {
              handled = index.listeners.some((registration) => {
                if (!isLifecycleListener(registration)) return false;
                const receiver = skipOuterExpressions(registration.receiver);
                return (
                  ts.isIdentifier(receiver) &&
                  receiver.text === holder.name &&
                  within(holder.scope, registration.node)
                );
              });
              if (!handled && web && isReturned(holder.name, holder.scope)) handled = true;
              if (!handled && escapes(holder.name, holder.scope, index)) handled = foreignListener();
              break;
            }
          }
          // A Web Worker nobody waits on (no `'message'` listener that settles a request) leaves
          // nothing hanging when it fails: the browser logs the error.
          if (handled || (web && !answersWaiters(index))) continue;
          const root = valueRoot(spawn.node);
          if (reported.has(root)) continue;
          reported.add(root);
          // the suggestion writes Node listeners (`on('error')`, `on('exit')`): not for a Web Worker
          const suggestion = web
            ? undefined
            : workerErrorSuggestion(context.sourceFile, spawn.node, context.fileName);
          context.report({
            node: spawn.node,
            messageId: web ? 'unhandledWeb' : 'unhandled',
            fixes: suggestion ? [suggestion] : [],
          });
        }
      },
    };
  },
};
