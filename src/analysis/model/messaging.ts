// Messages between threads: the places where a value is structured-cloned to another thread
// (worker.postMessage / parentPort.postMessage / port.postMessage, `workerData`, piscina/tinypool
// `pool.run`, workerpool `pool.exec`, `structuredClone`), what they send, and what they transfer.
// Used by the worker-data rules (non-cloneable-message, copy-instead-of-transfer,
// use-after-transfer). Everything here is computed on demand at a candidate call: files without
// such calls pay nothing beyond a name check per call.
import ts from 'typescript';
import { isFunctionLike, nameOf, propertyChain, skipOuterExpressions, stringValue } from '../ast.js';
import type { RuleContext } from '../context.js';
import { type Declaration, findDeclaration, initializerOf } from './declarations.js';
import { referenceIs } from './modules.js';
import { isThreadSpawn, propertyValue } from './threads.js';

export type PostKind = 'postMessage' | 'workerData' | 'pool' | 'structuredClone';

export interface PostSite {
  kind: PostKind;
  node: ts.CallExpression | ts.NewExpression;
  /** how to name the API in messages, e.g. `worker.postMessage()` */
  api: string;
  /** the values that are cloned */
  payloads: ts.Expression[];
  /** elements of the transfer list when written as an array literal (possibly via a const) */
  transferElements: ts.Expression[];
  /** a transfer list (or Piscina.move) is given, even when its elements are not known */
  hasTransfer: boolean;
  /** arguments of Piscina.move() / Tinypool.move() inside the payload */
  moved: ts.Expression[];
  /** how to move a buffer with this API, for messages */
  howToTransfer: string;
}

const POST_METHODS = new Set(['postMessage', 'run', 'runTask', 'exec']);

/** Receivers whose `postMessage` is the browser window/frame API (targetOrigin), never a worker port. */
const WINDOW_RECEIVERS = new Set([
  'window',
  'self',
  'globalThis',
  'parent',
  'top',
  'opener',
  'frames',
  'global',
]);
const WINDOW_PROPERTIES = new Set([
  'contentWindow',
  'parent',
  'top',
  'opener',
  'source',
  'frames',
  'window',
  'self',
]);

const POOL_MODULES = ['piscina', 'tinypool', 'workerpool', '@fastify/piscina', 'fastify-piscina'];
const POOL_RECEIVER_NAME = /(pool|piscina|workers?)$/i;
/** Names of worker pools imported from project files (the pool library is imported there, not here). */
const PROJECT_POOL_NAME = /(pool|piscina)$/i;
const DATABASE_NAME = /^(db|pg|mysql|sql|redis|conn|connection|mongo|knex|database|http|agent|buffer)/i;

/** The message-passing call at `node`, if it is one. Cheap name checks come first. */
export function postSiteOf(node: ts.Node, context: RuleContext): PostSite | undefined {
  if (ts.isCallExpression(node)) {
    const callee = skipOuterExpressions(node.expression);
    if (ts.isIdentifier(callee)) {
      if (callee.text !== 'structuredClone' || !context.refersTo(callee, '<global>', 'structuredClone'))
        return undefined;
      return structuredCloneSite(node);
    }
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const method = callee.name.text;
    if (!POST_METHODS.has(method)) return undefined;
    if (method === 'postMessage') return postMessageSite(node, callee, context);
    return poolSite(node, callee, method, context);
  }
  if (ts.isNewExpression(node)) {
    const callee = skipOuterExpressions(node.expression);
    const name = nameOf(callee) ?? '';
    if (name !== 'Worker' || !context.refersTo(callee, 'worker_threads', 'Worker')) return undefined;
    return workerDataSite(node, context);
  }
  return undefined;
}

function structuredCloneSite(node: ts.CallExpression): PostSite | undefined {
  const [value, options] = node.arguments;
  if (!value) return undefined;
  const transfer = options ? objectProperty(options, 'transfer') : undefined;
  return {
    kind: 'structuredClone',
    node,
    api: 'structuredClone()',
    payloads: [value],
    transferElements: transfer ? arrayElements(transfer) : [],
    hasTransfer: transfer !== undefined,
    moved: [],
    howToTransfer: '`structuredClone(value, { transfer: [buf.buffer] })`',
  };
}

function postMessageSite(
  node: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  context: RuleContext,
): PostSite | undefined {
  const [value, transfer] = node.arguments;
  if (!value) return undefined;
  // window.postMessage(message, targetOrigin): the browser API
  if (transfer && stringValue(skipOuterExpressions(transfer)) !== undefined) return undefined;
  const receiver = skipOuterExpressions(callee.expression);
  const label = workerReceiver(receiver, context);
  if (!label) return undefined;
  let elements: ts.Expression[] = [];
  let hasTransfer = false;
  if (transfer && !isUndefined(transfer)) {
    const options = objectLiteralOf(transfer);
    const list = options ? propertyValue(options, 'transfer') : transfer;
    if (list) {
      elements = arrayElements(list);
      hasTransfer = elements.length > 0 || !isArrayLiteral(list);
    }
  }
  return {
    kind: 'postMessage',
    node,
    api: `${label}.postMessage()`,
    payloads: [value],
    transferElements: elements,
    hasTransfer,
    moved: [],
    howToTransfer: `\`${label}.postMessage(msg, [buf.buffer])\``,
  };
}

/**
 * A short name for a receiver that plausibly is a worker_threads Worker, MessagePort, parentPort
 * or BroadcastChannel; undefined for anything else (browser windows, iframes, unknown objects in
 * files that never touch worker_threads).
 */
function workerReceiver(receiver: ts.Expression, context: RuleContext): string | undefined {
  const chain = propertyChain(receiver);
  const text = chain ? chain.join('.') : 'port';
  const last = chain?.[chain.length - 1];
  if (chain && WINDOW_RECEIVERS.has(chain[0]!) && chain.length === 1) return undefined;
  if (chain && chain.length > 1 && last && WINDOW_PROPERTIES.has(last)) return undefined;
  if (context.refersTo(receiver, 'worker_threads', 'parentPort')) return text;
  if (ts.isIdentifier(receiver)) {
    const declaration = findDeclaration(receiver);
    if (declaration && isWorkerObjectDeclaration(declaration, context)) return text;
  }
  // channel.port1 where channel = new MessageChannel()
  if (
    ts.isPropertyAccessExpression(receiver) &&
    (receiver.name.text === 'port1' || receiver.name.text === 'port2')
  ) {
    const base = skipOuterExpressions(receiver.expression);
    if (ts.isIdentifier(base)) {
      const init = initializerOf(findDeclaration(base));
      if (init && isNewOf(init, context, 'MessageChannel')) return text;
    } else if (isNewOf(base, context, 'MessageChannel')) {
      return text;
    }
  }
  // In a file that imports worker_threads, every postMessage receiver but a window is a worker port.
  if (context.bindings.imports('worker_threads')) {
    if (chain && chain[0] === 'this' && chain.length === 1) return undefined;
    return text;
  }
  return undefined;
}

function isWorkerObjectDeclaration(declaration: Declaration, context: RuleContext): boolean {
  if (declaration.kind === 'parameter') {
    const type = declaration.node.type;
    if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const name = type.typeName.text;
      if (name === 'MessagePort' || name === 'Worker' || name === 'BroadcastChannel') {
        return (
          context.refersTo(type.typeName, 'worker_threads', name) ||
          (name === 'MessagePort' && context.refersTo(type.typeName, '<global>', name))
        );
      }
    }
    return false;
  }
  const init = initializerOf(declaration);
  if (!init) return false;
  if (isNewOf(init, context, 'Worker', true) || isNewOf(init, context, 'BroadcastChannel', true)) return true;
  // const { port1, port2 } = new MessageChannel()
  if (declaration.kind === 'variable' && declaration.element && isNewOf(init, context, 'MessageChannel'))
    return true;
  return false;
}

/** `new Name(…)` resolved to worker_threads (or the global, when `globalAllowed`). */
function isNewOf(
  expression: ts.Expression,
  context: RuleContext,
  name: string,
  workerThreadsOnly = false,
): boolean {
  const expr = skipOuterExpressions(expression);
  if (!ts.isNewExpression(expr)) return false;
  const callee = skipOuterExpressions(expr.expression);
  const calleeText = nameOf(callee) ?? '';
  if (calleeText !== name) return false;
  if (context.refersTo(callee, 'worker_threads', name)) return true;
  return !workerThreadsOnly && context.refersTo(callee, '<global>', name);
}

function poolSite(
  node: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  method: string,
  context: RuleContext,
): PostSite | undefined {
  let kind = poolKindOfReceiver(skipOuterExpressions(callee.expression), context);
  if (!kind) return undefined;
  if (kind === 'project') {
    // run(task[, options]) is piscina/tinypool's shape, exec(name, [args]) workerpool's; a function
    // as the task says this is some other kind of pool (generic-pool style `pool.run(fn)`).
    const [first, second] = node.arguments;
    if (
      !first ||
      ts.isArrowFunction(skipOuterExpressions(first)) ||
      ts.isFunctionExpression(skipOuterExpressions(first))
    ) {
      return undefined;
    }
    if (method === 'exec') {
      if (!second || !isArrayLiteral(second)) return undefined;
      kind = 'workerpool';
    } else {
      kind = 'piscina';
    }
  }
  const chain = propertyChain(callee.expression);
  const label = chain ? chain.join('.') : 'pool';
  if (kind === 'workerpool') {
    if (method !== 'exec') return undefined;
    const [, params, options] = node.arguments;
    if (!params) return undefined;
    const payloads = isArrayLiteral(params) ? arrayElements(params) : [params];
    const transfer = options ? objectProperty(options, 'transfer') : undefined;
    return {
      kind: 'pool',
      node,
      api: `${label}.exec()`,
      payloads,
      transferElements: transfer ? arrayElements(transfer) : [],
      hasTransfer: transfer !== undefined,
      moved: [],
      howToTransfer: `\`${label}.exec(name, [buf], { transfer: [buf.buffer] })\``,
    };
  }
  if (method !== 'run' && method !== 'runTask') return undefined;
  const [task, options] = node.arguments;
  if (!task) return undefined;
  // piscina's old runTask(task, transferList) and run(task, { transferList })
  let transfer: ts.Expression | undefined;
  if (options && !isUndefined(options)) {
    transfer = objectLiteralOf(options)
      ? objectProperty(options, 'transferList')
      : isArrayLiteral(options)
        ? options
        : undefined;
    if (!transfer && !objectLiteralOf(options) && method === 'runTask') transfer = options;
  }
  const moved = movedValues(task, context);
  const mover = kind === 'tinypool' ? 'Tinypool.move' : 'Piscina.move';
  return {
    kind: 'pool',
    node,
    api: `${label}.${method}()`,
    payloads: [task],
    transferElements: transfer ? arrayElements(transfer) : [],
    hasTransfer: transfer !== undefined || moved.length > 0,
    moved,
    howToTransfer: `\`${label}.run(task, { transferList: [buf.buffer] })\` or \`${mover}(buf)\``,
  };
}

/** 'project': a pool imported from another project file, library unknown */
type PoolKind = 'piscina' | 'tinypool' | 'workerpool' | 'project';

/** Is the receiver of `.run()` / `.exec()` a piscina, tinypool or workerpool pool? */
function poolKindOfReceiver(receiver: ts.Expression, context: RuleContext): PoolKind | undefined {
  const spawns = context.threads.spawns;
  if (ts.isIdentifier(receiver)) {
    const init = initializerOf(findDeclaration(receiver));
    if (init) {
      const spawn = spawns.find((s) => s.node === skipOuterExpressions(init));
      if (spawn && !isThreadSpawn(spawn.kind)) return spawn.kind;
    }
  } else if (ts.isPropertyAccessExpression(receiver)) {
    // this.pool = new Piscina(…) / pool: new Piscina(…) somewhere in the file
    const name = receiver.name.text;
    for (const spawn of spawns) {
      if (isThreadSpawn(spawn.kind)) continue;
      if (assignedName(spawn.node) === name) return spawn.kind;
    }
    // fastify.piscina.run(…) from @fastify/piscina
    if (name === 'piscina') return 'piscina';
  }
  // A pool created in another file: trust the name when this file uses a pool library.
  const modules = context.bindings.modules;
  const chain = propertyChain(receiver);
  const last = chain?.[chain.length - 1];
  if (!last || !POOL_RECEIVER_NAME.test(last)) return undefined;
  for (const module of POOL_MODULES) {
    if (!modules.has(module)) continue;
    return module === 'workerpool' ? 'workerpool' : module === 'tinypool' ? 'tinypool' : 'piscina';
  }
  // A pool exported by another file of the project: `import { imagePool } from './pools.js'`
  if (ts.isIdentifier(receiver) && PROJECT_POOL_NAME.test(last) && !DATABASE_NAME.test(last)) {
    const reference = context.resolve(receiver);
    if (reference && isProjectModule(reference.module)) return 'project';
  }
  return undefined;
}

function isProjectModule(module: string): boolean {
  return (
    module.startsWith('.') ||
    module.startsWith('/') ||
    module.startsWith('@/') ||
    module.startsWith('~/') ||
    module.startsWith('#')
  );
}

/** The name a value is stored under: `const pool = x`, `this.pool = x`, `{ pool: x }`, `pool = x`. */
function assignedName(node: ts.Node): string | undefined {
  let parent = node.parent;
  while (
    parent &&
    (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isAwaitExpression(parent))
  ) {
    parent = parent.parent;
  }
  if (!parent) return undefined;
  if (
    (ts.isVariableDeclaration(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertyAssignment(parent)) &&
    ts.isIdentifier(parent.name)
  ) {
    return parent.name.text;
  }
  if (ts.isPropertyDeclaration(parent) && ts.isPrivateIdentifier(parent.name)) return parent.name.text;
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const left = skipOuterExpressions(parent.left);
    if (ts.isPropertyAccessExpression(left)) return left.name.text;
    if (ts.isIdentifier(left)) return left.text;
  }
  return undefined;
}

function workerDataSite(node: ts.NewExpression, context: RuleContext): PostSite | undefined {
  const optionsArg = node.arguments?.[1];
  if (!optionsArg) return undefined;
  const options =
    objectLiteralOf(optionsArg) ??
    objectLiteralOf(initializerOf(identifierDeclaration(optionsArg)) ?? optionsArg);
  if (!options) return undefined;
  const data = propertyValue(options, 'workerData');
  if (!data) return undefined;
  const transfer = propertyValue(options, 'transferList');
  const elements = transfer ? arrayElements(transfer) : [];
  void context;
  return {
    kind: 'workerData',
    node,
    api: 'new Worker(…, { workerData })',
    payloads: [data],
    transferElements: elements,
    hasTransfer: transfer !== undefined && (elements.length > 0 || !isArrayLiteral(transfer)),
    moved: [],
    howToTransfer: '`new Worker(file, { workerData, transferList: [buf.buffer] })`',
  };
}

/** Arguments of `Piscina.move(x)` / `move(x)` (from piscina or tinypool) inside a task expression. */
function movedValues(task: ts.Expression, context: RuleContext): ts.Expression[] {
  const found: ts.Expression[] = [];
  let budget = 200;
  const visit = (node: ts.Node): void => {
    if (--budget < 0 || isFunctionLike(node)) return;
    if (ts.isCallExpression(node) && node.arguments[0]) {
      const reference = context.resolve(node.expression);
      const last = reference?.path[reference.path.length - 1];
      if (
        reference &&
        (reference.module === 'piscina' || reference.module === 'tinypool') &&
        last === 'move'
      ) {
        found.push(node.arguments[0]);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(task);
  // const task = { data: Piscina.move(buf) }; pool.run(task)
  const expr = skipOuterExpressions(task);
  if (found.length === 0 && ts.isIdentifier(expr)) {
    const init = initializerOf(findDeclaration(expr));
    if (init) visit(init);
  }
  return found;
}

function identifierDeclaration(expression: ts.Expression): Declaration | undefined {
  const expr = skipOuterExpressions(expression);
  return ts.isIdentifier(expr) ? findDeclaration(expr) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Small expression helpers

function isUndefined(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  return (ts.isIdentifier(expr) && expr.text === 'undefined') || expr.kind === ts.SyntaxKind.NullKeyword;
}

function isArrayLiteral(expression: ts.Expression): boolean {
  return ts.isArrayLiteralExpression(skipOuterExpressions(expression));
}

/** An object literal, directly or through a const initializer. */
function objectLiteralOf(expression: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const expr = skipOuterExpressions(expression);
  if (ts.isObjectLiteralExpression(expr)) return expr;
  return undefined;
}

function objectProperty(expression: ts.Expression, key: string): ts.Expression | undefined {
  let object = objectLiteralOf(expression);
  if (!object) {
    const init = initializerOf(identifierDeclaration(expression));
    object = init ? objectLiteralOf(init) : undefined;
  }
  return object ? propertyValue(object, key) : undefined;
}

/** Elements of an array literal (or of a const initialised with one); [] when unknown. */
export function arrayElements(expression: ts.Expression): ts.Expression[] {
  let expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) {
    const init = initializerOf(findDeclaration(expr));
    if (init) expr = skipOuterExpressions(init);
  }
  if (!ts.isArrayLiteralExpression(expr)) return [];
  return expr.elements
    .filter((e) => !ts.isOmittedExpression(e))
    .map((e) => (ts.isSpreadElement(e) ? e.expression : e));
}

export { referenceIs };
