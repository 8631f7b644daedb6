// non-cloneable-message: a value structured clone cannot copy (function, symbol, Promise, weak
// collection, socket/stream/request/db handle, MessagePort outside the transfer list) or copies
// without its prototype (an instance of a class with methods), sent to another thread.
import ts from 'typescript';
import {
  calleeName,
  hasModifier,
  isFunctionLike,
  parentSkippingWrappers,
  propertyChain,
  skipOuterExpressions,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import {
  type Declaration,
  destructuredKey,
  findDeclaration,
  initializerOf,
  isConstant,
} from '../model/declarations.js';
import { type PostSite, postSiteOf } from '../model/messaging.js';
import type { ModuleReference } from '../model/modules.js';
import { listenerEvent, ROUTE_METHODS } from '../model/node-api.js';
import { WORKER_MESSAGING_TRIGGER } from '../text-triggers.js';
import type { Rule } from '../types.js';

type OffenceKind = 'function' | 'symbol' | 'promise' | 'weak' | 'handle' | 'port' | 'instance';

interface Offence {
  kind: OffenceKind;
  /** where to report: the offending value inside the message */
  node: ts.Node;
  /** e.g. "the function `onProgress`", "`req` (an HTTP request)" */
  what: string;
  /** the value has no name of its own (an inline function, `this`): name it by where it sits */
  anonymous?: boolean;
  /** for 'instance': the class name */
  className?: string;
}

const MAX_DEPTH = 4;
const MAX_REPORTS_PER_POST = 3;

/** Handle-producing APIs by module: export name (or '' for the default export) → what it makes. */
const HANDLE_APIS: Record<string, Record<string, string>> = {
  net: {
    connect: 'a socket',
    createConnection: 'a socket',
    createServer: 'a server',
    Socket: 'a socket',
    Server: 'a server',
  },
  tls: { connect: 'a TLS socket', createServer: 'a server', TLSSocket: 'a TLS socket' },
  dgram: { createSocket: 'a UDP socket' },
  http: {
    request: 'an HTTP request',
    get: 'an HTTP request',
    createServer: 'a server',
    Agent: 'an HTTP agent',
    Server: 'a server',
  },
  https: {
    request: 'an HTTP request',
    get: 'an HTTP request',
    createServer: 'a server',
    Agent: 'an HTTP agent',
  },
  http2: { connect: 'an HTTP/2 session', createServer: 'a server', createSecureServer: 'a server' },
  fs: { createReadStream: 'a file stream', createWriteStream: 'a file stream', watch: 'a file watcher' },
  child_process: {
    spawn: 'a child process',
    fork: 'a child process',
    exec: 'a child process',
    execFile: 'a child process',
  },
  readline: { createInterface: 'a readline interface' },
  stream: {
    Readable: 'a stream',
    Writable: 'a stream',
    Duplex: 'a stream',
    Transform: 'a stream',
    PassThrough: 'a stream',
  },
  zlib: {
    createGzip: 'a stream',
    createGunzip: 'a stream',
    createDeflate: 'a stream',
    createInflate: 'a stream',
    createBrotliCompress: 'a stream',
  },
  worker_threads: { Worker: 'a Worker' },
  pg: { Pool: 'a database pool', Client: 'a database client' },
  mysql: { createConnection: 'a database connection', createPool: 'a database pool' },
  mysql2: { createConnection: 'a database connection', createPool: 'a database pool' },
  'mysql2/promise': { createConnection: 'a database connection', createPool: 'a database pool' },
  ioredis: { '': 'a Redis client', Redis: 'a Redis client', Cluster: 'a Redis client' },
  redis: { createClient: 'a Redis client' },
  mongodb: { MongoClient: 'a MongoDB client' },
  mongoose: { createConnection: 'a database connection' },
  'better-sqlite3': { '': 'a database handle' },
  sqlite3: { Database: 'a database handle' },
  knex: { '': 'a database client' },
  postgres: { '': 'a database client' },
  sequelize: { Sequelize: 'a database client' },
  '@prisma/client': { PrismaClient: 'a database client' },
  ws: { WebSocket: 'a WebSocket', WebSocketServer: 'a WebSocket server', '': 'a WebSocket' },
  amqplib: { connect: 'a broker connection' },
};

/** Type names (last part) that denote handles when a parameter is annotated with them. */
const HANDLE_TYPES: Record<string, string> = {
  Request: 'a request',
  Response: 'a response',
  IncomingMessage: 'an HTTP request',
  ServerResponse: 'an HTTP response',
  ClientRequest: 'an HTTP request',
  Socket: 'a socket',
  TLSSocket: 'a TLS socket',
  Duplex: 'a stream',
  Readable: 'a stream',
  Writable: 'a stream',
  Transform: 'a stream',
  Stream: 'a stream',
  ReadStream: 'a file stream',
  WriteStream: 'a file stream',
  FastifyRequest: 'a request',
  FastifyReply: 'a reply',
  WebSocket: 'a WebSocket',
  ChildProcess: 'a child process',
  PoolClient: 'a database client',
  Pool: 'a database pool',
  MongoClient: 'a MongoDB client',
  Redis: 'a Redis client',
  Http2Stream: 'an HTTP/2 stream',
  ServerHttp2Stream: 'an HTTP/2 stream',
  Server: 'a server',
};

const FUNCTION_TYPES = new Set(['Function', 'VoidFunction', 'NextFunction', 'CallableFunction']);

/** Events whose listener receives handles: event → how many leading parameters are handles. */
const HANDLE_EVENTS: Record<string, number> = {
  connection: 1,
  secureConnection: 1,
  request: 2,
  upgrade: 2,
  connect: 2,
  stream: 1,
  session: 1,
};

const GLOBAL_WEAK = new Set(['WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry']);
const PROMISE_STATICS = new Set(['resolve', 'reject', 'all', 'allSettled', 'race', 'any']);

export const nonCloneableMessage: Rule<
  'function' | 'symbol' | 'promise' | 'weak' | 'handle' | 'instance' | 'port'
> = {
  meta: {
    id: 'non-cloneable-message',
    category: 'worker-data',
    defaultSeverity: 'error',
    description:
      'A function, symbol, Promise, weak collection, socket/stream/request/database handle or class instance with methods sent to another thread.',
    docsUrl: docsUrl('non-cloneable-message'),
    textTrigger: WORKER_MESSAGING_TRIGGER,
    messages: {
      function: '{{what}} cannot be cloned: `{{api}}` throws `DataCloneError`',
      symbol: '{{what}} cannot be cloned: `{{api}}` throws `DataCloneError`',
      promise: '{{what}} cannot be cloned: `{{api}}` throws `DataCloneError`',
      weak: '{{what}} cannot be cloned: `{{api}}` throws `DataCloneError`',
      handle: '{{what}} holds native handles: `{{api}}` throws `DataCloneError`',
      instance: '{{what}} is an instance of `{{className}}`; `{{api}}` sends it as a plain object',
      port: '{{what}} is sent with `{{api}}` but not transferred: it throws `DataCloneError`',
    },
    explanations: {
      function:
        '`{{api}}` copies its message with the structured clone algorithm, and functions cannot be cloned: the call throws `DataCloneError` at run time and nothing is sent.\n\nSend the data the function needs (or a task name the worker maps to its own function) and run the code on the receiving side; for progress or result callbacks, listen for messages from the worker instead.',
      symbol:
        '`{{api}}` copies its message with the structured clone algorithm, and symbols cannot be cloned: the call throws `DataCloneError` at run time.\n\nSend a string key instead.',
      promise:
        '`{{api}}` copies its message with the structured clone algorithm, and a Promise cannot be cloned: the call throws `DataCloneError` at run time.\n\nAwait it and send the settled value.',
      weak: '`{{api}}` copies its message with the structured clone algorithm, and `WeakMap`, `WeakSet`, `WeakRef` and `FinalizationRegistry` cannot be cloned: the call throws `DataCloneError` at run time.\n\nSend the data itself.',
      handle:
        '`{{api}}` copies its message with the structured clone algorithm. Sockets, streams, requests, responses and database clients hold native handles and functions, which cannot be cloned: the call throws `DataCloneError` at run time.\n\nSend only the plain data the worker needs (e.g. `{ url: req.url, headers: req.headers, body: req.body }`) and open connections or streams inside the worker.',
      instance:
        "Structured clone copies only an object's own data fields, so {{receiver}} silently receives a plain object: the prototype, its methods and `instanceof {{className}}` are lost, and calling a method there throws `TypeError`.\n\nSend plain data and rebuild the `{{className}}` on the receiving side (e.g. a static `fromJSON()`).",
      port: 'A `MessagePort` can only be moved, not copied, so the call throws `DataCloneError`.\n\nList it in the transfer list, e.g. `postMessage({ port }, [port])`.',
    },
  },
  create(context) {
    const check = (node: ts.Node): void => {
      const site = postSiteOf(node, context);
      if (!site) return;
      const offences: Offence[] = [];
      for (const payload of site.payloads) {
        collectOffences(payload, site, context, offences, 0);
        if (offences.length >= MAX_REPORTS_PER_POST) break;
      }
      const seen = new Set<ts.Node>();
      for (const offence of offences.slice(0, MAX_REPORTS_PER_POST)) {
        if (seen.has(offence.node)) continue;
        seen.add(offence.node);
        report(context, site, offence);
      }
    };
    return {
      [ts.SyntaxKind.CallExpression]: check,
      [ts.SyntaxKind.NewExpression]: check,
    };
  },
};

function report(context: RuleContext, site: PostSite, offence: Offence): void {
  const related = [context.related(site.node, `sent here with \`${site.api}\``)];
  if (offence.kind === 'instance') {
    context.report({
      node: offence.node,
      messageId: 'instance',
      data: {
        what: offence.what,
        api: site.api,
        className: offence.className ?? 'class',
        receiver: site.kind === 'structuredClone' ? 'the caller' : 'the other thread',
      },
      related,
    });
    return;
  }
  if (offence.kind === 'port') {
    context.report({
      node: offence.node,
      messageId: 'port',
      data: { what: offence.what, api: site.api },
      related,
    });
    return;
  }
  context.report({
    node: offence.node,
    messageId: offence.kind,
    data: { what: offence.what, api: site.api },
    related,
  });
}

function collectOffences(
  expression: ts.Expression,
  site: PostSite,
  context: RuleContext,
  out: Offence[],
  depth: number,
): void {
  if (out.length >= MAX_REPORTS_PER_POST || depth > MAX_DEPTH) return;
  const expr = skipOuterExpressions(expression);
  if (ts.isObjectLiteralExpression(expr)) {
    for (const property of expr.properties) {
      if (ts.isPropertyAssignment(property)) {
        const before = out.length;
        collectOffences(property.initializer, site, context, out, depth + 1);
        // name inline values by their key: "A function (property `onDone`)"
        const key =
          ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)
            ? property.name.text
            : undefined;
        const offence = out[before];
        if (
          key &&
          offence &&
          offence.node === skipOuterExpressions(property.initializer) &&
          offence.anonymous
        ) {
          offence.what = `${offence.what} (property \`${key}\`)`;
        }
      } else if (ts.isShorthandPropertyAssignment(property)) {
        collectOffences(property.name, site, context, out, depth + 1);
      } else if (ts.isMethodDeclaration(property)) {
        out.push({
          kind: 'function',
          node: property.name,
          what: `The method \`${property.name.getText()}\``,
        });
      }
    }
    return;
  }
  // const message = { id, onDone }; worker.postMessage(message): report at the name that is sent
  if (ts.isIdentifier(expr) && depth < MAX_DEPTH) {
    const declaration = findDeclaration(expr);
    const init =
      declaration?.kind === 'variable' && !declaration.element && isConstant(declaration.node, context.nodes)
        ? declaration.node.initializer && skipOuterExpressions(declaration.node.initializer)
        : undefined;
    if (init && (ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init))) {
      const inner: Offence[] = [];
      collectOffences(init, site, context, inner, depth + 1);
      const first = inner[0];
      if (first) {
        out.push({ ...first, node: expr, what: `${first.what} in \`${expr.text}\``, anonymous: false });
      }
      return;
    }
  }
  if (ts.isArrayLiteralExpression(expr)) {
    for (const element of expr.elements) {
      if (!ts.isSpreadElement(element) && !ts.isOmittedExpression(element))
        collectOffences(element, site, context, out, depth + 1);
    }
    return;
  }
  if (ts.isConditionalExpression(expr)) {
    collectOffences(expr.whenTrue, site, context, out, depth + 1);
    collectOffences(expr.whenFalse, site, context, out, depth + 1);
    return;
  }
  const offence = classify(expr, expr, site, context, 0);
  if (offence) out.push(offence);
}

/** What makes `expression` non-cloneable; `at` is where to report (the expression as written in the message). */
function classify(
  expression: ts.Expression,
  at: ts.Expression,
  site: PostSite,
  context: RuleContext,
  depth: number,
): Offence | undefined {
  const expr = skipOuterExpressions(expression);
  const name = describe(at);
  if (ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) {
    return {
      kind: 'function',
      node: at,
      what: at === expr ? 'A function' : `The function ${name}`,
      anonymous: at === expr,
    };
  }
  if (ts.isClassExpression(expr)) return { kind: 'function', node: at, what: `The class ${name}` };
  if (expr.kind === ts.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(expr);
    if (cls && classHasMethods(cls, 0)) {
      const className = cls.name?.text ?? 'this class';
      return { kind: 'instance', node: at, what: '`this`', className };
    }
    return undefined;
  }
  if (ts.isNewExpression(expr)) return classifyNew(expr, at, context);
  if (ts.isCallExpression(expr)) return classifyCall(expr, at, context);
  if (ts.isAwaitExpression(expr)) {
    const inner = skipOuterExpressions(expr.expression);
    if (ts.isCallExpression(inner) && context.refersTo(inner.expression, '<global>', 'fetch')) {
      return { kind: 'handle', node: at, what: `${name} (a fetch Response)` };
    }
    return undefined;
  }
  if (ts.isPropertyAccessExpression(expr)) {
    const chain = propertyChain(expr);
    if (
      chain?.[0] === 'Symbol' &&
      chain.length === 2 &&
      context.refersTo(expr, '<global>', 'Symbol', chain[1]!)
    ) {
      return { kind: 'symbol', node: at, what: `The symbol ${name}` };
    }
    // req.socket, res.connection
    if (
      chain &&
      chain.length === 2 &&
      (chain[1] === 'socket' || chain[1] === 'connection') &&
      /^(req|res|request|response)$/.test(chain[0]!)
    ) {
      return { kind: 'handle', node: at, what: `${name} (a socket)` };
    }
    if (
      (expr.name.text === 'port1' || expr.name.text === 'port2') &&
      isMessageChannel(expr.expression, context)
    ) {
      return untransferredPort(at, site);
    }
    return checkerOffence(expr, at, context);
  }
  if (ts.isIdentifier(expr)) return classifyIdentifier(expr, at, site, context, depth);
  return undefined;
}

function classifyIdentifier(
  identifier: ts.Identifier,
  at: ts.Expression,
  site: PostSite,
  context: RuleContext,
  depth: number,
): Offence | undefined {
  const name = describe(at);
  const declaration = findDeclaration(identifier);
  if (!declaration) {
    // unbound: globals
    if (identifier.text === 'require' || identifier.text === 'setTimeout' || identifier.text === 'fetch') {
      return { kind: 'function', node: at, what: `The function ${name}` };
    }
    return undefined;
  }
  switch (declaration.kind) {
    case 'function':
      return { kind: 'function', node: at, what: `The function ${name}` };
    case 'class':
      return { kind: 'function', node: at, what: `The class ${name}` };
    case 'parameter':
      return classifyParameter(declaration, at, context) ?? checkerOffence(identifier, at, context);
    case 'variable': {
      const init = declaration.node.initializer;
      if (!init) return checkerOffence(identifier, at, context);
      if (declaration.element) {
        // const { port1, port2 } = new MessageChannel()
        const key = destructuredKey(declaration.element);
        if ((key === 'port1' || key === 'port2') && isMessageChannel(init, context))
          return untransferredPort(at, site);
        // const { resolve, reject } = Promise.withResolvers()
        if (
          (key === 'resolve' || key === 'reject') &&
          ts.isCallExpression(skipOuterExpressions(init)) &&
          propertyChain(skipOuterExpressions(init) as ts.CallExpression)?.join('.') ===
            'Promise.withResolvers'
        ) {
          return { kind: 'function', node: at, what: `The function ${name}` };
        }
        return checkerOffence(identifier, at, context);
      }
      if (depth >= 3 || !isConstant(declaration.node, context.nodes))
        return checkerOffence(identifier, at, context);
      return classify(init, at, site, context, depth + 1) ?? checkerOffence(identifier, at, context);
    }
    default:
      return undefined;
  }
}

function classifyParameter(
  declaration: Extract<Declaration, { kind: 'parameter' }>,
  at: ts.Expression,
  context: RuleContext,
): Offence | undefined {
  const name = describe(at);
  const parameter = declaration.node;
  const fn = declaration.fn;
  const paramName = declaration.element
    ? undefined
    : ts.isIdentifier(parameter.name)
      ? parameter.name.text
      : undefined;
  const index = fn.parameters.indexOf(parameter);
  // new Promise((resolve, reject) => worker.postMessage({ resolve }))
  if (!declaration.element && index <= 1 && isPromiseExecutor(fn, context)) {
    return {
      kind: 'function',
      node: at,
      what: `The promise ${index === 0 ? 'resolver' : 'rejecter'} ${name}`,
    };
  }
  const type = parameter.type;
  if (type) {
    if (ts.isFunctionTypeNode(type) || ts.isConstructorTypeNode(type))
      return { kind: 'function', node: at, what: `The function ${name}` };
    if (ts.isTypeReferenceNode(type)) {
      const typeName = ts.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
      if (FUNCTION_TYPES.has(typeName)) return { kind: 'function', node: at, what: `The function ${name}` };
      if (typeName === 'Promise' || typeName === 'PromiseLike')
        return { kind: 'promise', node: at, what: `The Promise ${name}` };
      if (GLOBAL_WEAK.has(typeName)) return { kind: 'weak', node: at, what: `The ${typeName} ${name}` };
      const handle = HANDLE_TYPES[typeName];
      if (handle && !declaresLocalType(fn.getSourceFile(), typeName))
        return { kind: 'handle', node: at, what: `${name} (${handle})` };
      if (typeName === 'MessagePort') return undefined;
    }
    // an annotated parameter of another type: trust the annotation
    if (!declaration.element) return undefined;
  }
  const localName = ts.isIdentifier(at) ? at.text : paramName;
  if (!localName) return undefined;
  const names = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
  const handlerShaped =
    (/^(req|request)$/.test(names[0] ?? '') && /^(res|response|reply)$/.test(names[1] ?? '')) ||
    (/^(ctx|context)$/.test(names[0] ?? '') && (names[1] === 'next' || isRouteCallback(fn)));
  if (!declaration.element) {
    if (handlerShaped && index <= 1)
      return { kind: 'handle', node: at, what: `${name} (${handleLabel(localName)})` };
    if (handlerShaped && localName === 'next')
      return { kind: 'function', node: at, what: `The function ${name}` };
    const registered = eventOfListener(fn);
    if (registered !== undefined && index < (HANDLE_EVENTS[registered] ?? 0)) {
      return { kind: 'handle', node: at, what: `${name} (${handleLabel(localName)})` };
    }
  }
  if (localName === 'socket') {
    return { kind: 'handle', node: at, what: `${name} (${handleLabel(localName)})` };
  }
  if (localName === 'callback' || localName === 'cb' || /^on[A-Z]\w*$/.test(localName)) {
    return { kind: 'function', node: at, what: `The callback ${name}` };
  }
  return undefined;
}

/** A callback passed to `app.use(…)` / `router.post('/x', …)`: Koa's `async (ctx) => …` middleware. */
function isRouteCallback(fn: ts.Node): boolean {
  const parent = parentSkippingWrappers(fn);
  if (!ts.isCallExpression(parent) || !parent.arguments.some((a) => skipOuterExpressions(a) === fn))
    return false;
  const name = calleeName(parent);
  return name !== undefined && ROUTE_METHODS.has(name) && ts.isPropertyAccessExpression(parent.expression);
}

function handleLabel(name: string): string {
  if (/^req/.test(name)) return 'an HTTP request';
  if (/^res/.test(name) || name === 'reply') return 'an HTTP response';
  if (/^ctx|^context/.test(name)) return 'a request context';
  return 'a socket or stream';
}

function classifyNew(expr: ts.NewExpression, at: ts.Expression, context: RuleContext): Offence | undefined {
  const callee = skipOuterExpressions(expr.expression);
  const reference = context.resolve(callee);
  const name = describe(at);
  if (reference?.module === '<global>' && reference.path.length === 1) {
    const global = reference.path[0]!;
    if (global === 'Promise')
      return {
        kind: 'promise',
        node: at,
        what: at === expr ? 'A Promise' : `The Promise ${name}`,
        anonymous: at === expr,
      };
    if (GLOBAL_WEAK.has(global))
      return {
        kind: 'weak',
        node: at,
        what: at === expr ? `A ${global}` : `The ${global} ${name}`,
        anonymous: at === expr,
      };
    if (global === 'Function') return { kind: 'function', node: at, what: `The function ${name}` };
    if (global === 'MessageChannel') return { kind: 'handle', node: at, what: `${name} (a MessageChannel)` };
  }
  const handle = handleOf(reference);
  if (handle) return { kind: 'handle', node: at, what: `${name} (${handle})` };
  if (reference && referenceIsEventEmitter(reference)) {
    return { kind: 'instance', node: at, what: name, className: 'EventEmitter' };
  }
  // a class declared in this file
  if (ts.isIdentifier(callee)) {
    const declaration = findDeclaration(callee);
    const cls = classOf(declaration);
    if (cls && classHasMethods(cls, 0)) {
      return {
        kind: 'instance',
        node: at,
        what: at === expr ? 'This object' : name,
        anonymous: at === expr,
        className: callee.text,
      };
    }
  }
  return checkerOffence(expr, at, context);
}

function classifyCall(expr: ts.CallExpression, at: ts.Expression, context: RuleContext): Offence | undefined {
  const callee = skipOuterExpressions(expr.expression);
  const name = describe(at);
  const reference = context.resolve(callee);
  if (reference?.module === '<global>') {
    const path = reference.path.join('.');
    if (path === 'Symbol' || path === 'Symbol.for')
      return {
        kind: 'symbol',
        node: at,
        what: at === expr ? 'A symbol' : `The symbol ${name}`,
        anonymous: at === expr,
      };
    if (path === 'fetch')
      return {
        kind: 'promise',
        node: at,
        what: at === expr ? 'The Promise returned by `fetch()`' : `The Promise ${name}`,
      };
    if (
      reference.path[0] === 'Promise' &&
      reference.path.length === 2 &&
      PROMISE_STATICS.has(reference.path[1]!)
    ) {
      return {
        kind: 'promise',
        node: at,
        what: at === expr ? `The Promise returned by \`${path}()\`` : `The Promise ${name}`,
      };
    }
  }
  if (reference) {
    const handle = handleOf(reference);
    if (handle) return { kind: 'handle', node: at, what: `${name} (${handle})` };
    const base = reference.module.split('/')[0];
    if (
      (reference.module === 'fs/promises' || (base === 'fs' && reference.path[0] === 'promises')) &&
      reference.path.length >= 1
    ) {
      return {
        kind: 'promise',
        node: at,
        what: at === expr ? 'The Promise returned by this fs call' : `The Promise ${name}`,
      };
    }
    if (reference.module === 'util' && reference.path.join('.') === 'promisify')
      return { kind: 'function', node: at, what: `The function ${name}` };
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (method === 'bind' && expr.arguments.length >= 1)
      return { kind: 'function', node: at, what: `The bound function ${name}` };
    if ((method === 'then' || method === 'catch' || method === 'finally') && expr.arguments.length >= 1) {
      return {
        kind: 'promise',
        node: at,
        what: at === expr ? 'A Promise' : `The Promise ${name}`,
        anonymous: at === expr,
      };
    }
  }
  // a call to an async function declared in this file, not awaited
  if (ts.isIdentifier(callee)) {
    const declaration = findDeclaration(callee);
    const fn =
      declaration?.kind === 'function'
        ? declaration.node
        : declaration?.kind === 'variable' && declaration.node.initializer && !declaration.element
          ? skipOuterExpressions(declaration.node.initializer)
          : undefined;
    if (fn && isFunctionLike(fn) && hasModifier(fn, ts.SyntaxKind.AsyncKeyword)) {
      return {
        kind: 'promise',
        node: at,
        what:
          at === expr
            ? `The Promise returned by the async function \`${callee.text}()\``
            : `The Promise ${name}`,
      };
    }
  }
  return undefined;
}

function untransferredPort(at: ts.Expression, site: PostSite): Offence | undefined {
  if (site.kind === 'structuredClone' && site.hasTransfer && site.transferElements.length === 0)
    return undefined;
  if (site.hasTransfer && site.transferElements.length === 0) return undefined;
  const text = at.getText();
  if (site.transferElements.some((e) => skipOuterExpressions(e).getText() === text)) return undefined;
  return { kind: 'port', node: at, what: `The MessagePort ${describe(at)}` };
}

/** Type-checker fallback for values the syntax does not tell (only when the scan has a program). */
function checkerOffence(expr: ts.Expression, at: ts.Expression, context: RuleContext): Offence | undefined {
  const checker = context.checker;
  if (!checker) return undefined;
  let type: ts.Type;
  try {
    type = checker.getNonNullableType(checker.getTypeAtLocation(expr));
  } catch {
    return undefined;
  }
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never) || type.isUnion())
    return undefined;
  const name = describe(at);
  if (type.flags & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol))
    return { kind: 'symbol', node: at, what: `The symbol ${name}` };
  if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
    return { kind: 'function', node: at, what: `The function ${name}` };
  }
  const symbol = type.getSymbol();
  if (!symbol) return undefined;
  if (symbol.name === 'Promise') return { kind: 'promise', node: at, what: `The Promise ${name}` };
  if (GLOBAL_WEAK.has(symbol.name)) return { kind: 'weak', node: at, what: `The ${symbol.name} ${name}` };
  if (symbol.flags & ts.SymbolFlags.Class) {
    const declaration = symbol.declarations?.find((d): d is ts.ClassDeclaration | ts.ClassExpression =>
      ts.isClassLike(d),
    );
    if (declaration && !declaration.getSourceFile().isDeclarationFile && classHasMethods(declaration, 0)) {
      return { kind: 'instance', node: at, what: name, className: symbol.name };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

function handleOf(reference: ModuleReference | undefined): string | undefined {
  if (!reference) return undefined;
  const table = HANDLE_APIS[reference.module];
  if (!table) return undefined;
  const path = reference.path;
  if (path.length === 0) return table[''];
  const last = path[path.length - 1]!;
  if (path.length === 1 || (path.length === 2 && (path[0] === 'default' || path[0] === last)))
    return table[last];
  // stream.Readable.from(…)
  if (reference.module === 'stream' && path.length === 2 && last === 'from') return table[path[0]!];
  return undefined;
}

function referenceIsEventEmitter(reference: ModuleReference): boolean {
  if (reference.module !== 'events') return false;
  return reference.path.length === 0 || reference.path[reference.path.length - 1] === 'EventEmitter';
}

function isMessageChannel(expression: ts.Expression, context: RuleContext): boolean {
  let expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) {
    const declaration = findDeclaration(expr);
    const init =
      declaration?.kind === 'variable' && !declaration.element ? initializerOf(declaration) : undefined;
    if (!init) return false;
    expr = skipOuterExpressions(init);
  }
  if (!ts.isNewExpression(expr)) return false;
  const callee = skipOuterExpressions(expr.expression);
  return (
    context.refersTo(callee, 'worker_threads', 'MessageChannel') ||
    context.refersTo(callee, '<global>', 'MessageChannel')
  );
}

function isPromiseExecutor(fn: ts.Node, context: RuleContext): boolean {
  const parent = fn.parent;
  return (
    !!parent &&
    ts.isNewExpression(parent) &&
    parent.arguments?.[0] === fn &&
    context.refersTo(parent.expression, '<global>', 'Promise')
  );
}

/** `server.on('connection', (socket) => …)` → 'connection' */
function eventOfListener(fn: ts.Node): string | undefined {
  const parent = fn.parent;
  if (!parent || !ts.isCallExpression(parent) || parent.arguments[1] !== fn) return undefined;
  return listenerEvent(parent)?.event;
}

/** Is `name` a type of this project (declared here or imported from a relative path), not a library's handle type? */
function declaresLocalType(sourceFile: ts.SourceFile, name: string): boolean {
  for (const statement of sourceFile.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith('.')
    ) {
      const named = statement.importClause?.namedBindings;
      if (statement.importClause?.name?.text === name) return true;
      if (named && ts.isNamedImports(named) && named.elements.some((e) => e.name.text === name)) return true;
    }
    if (
      (ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isClassDeclaration(statement)) &&
      statement.name?.text === name
    ) {
      return true;
    }
  }
  return false;
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  let current = node.parent;
  while (current && !ts.isSourceFile(current)) {
    if (ts.isClassLike(current)) return current;
    // `this` inside a plain function is not the class instance
    if (ts.isFunctionDeclaration(current) || ts.isFunctionExpression(current)) return undefined;
    current = current.parent;
  }
  return undefined;
}

function classOf(declaration: Declaration | undefined): ts.ClassLikeDeclaration | undefined {
  if (!declaration) return undefined;
  if (declaration.kind === 'class') return declaration.node;
  if (declaration.kind === 'variable' && !declaration.element && declaration.node.initializer) {
    const init = skipOuterExpressions(declaration.node.initializer);
    if (ts.isClassExpression(init)) return init;
  }
  return undefined;
}

/** Does the class (or a local base class) declare instance methods or accessors? Error subclasses clone as errors. */
function classHasMethods(cls: ts.ClassLikeDeclaration, depth: number): boolean {
  const heritage = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  const base = heritage ? skipOuterExpressions(heritage.expression) : undefined;
  if (base && /Error$/.test(base.getText())) return false;
  const own = cls.members.some(
    (m) =>
      (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)) &&
      !hasModifier(m, ts.SyntaxKind.StaticKeyword),
  );
  if (own) return true;
  if (base && ts.isIdentifier(base) && depth < 3) {
    const baseClass = classOf(findDeclaration(base));
    if (baseClass) return classHasMethods(baseClass, depth + 1);
  }
  return false;
}

/** "`onProgress`", "`job.callback`" — how to name the value as written. */
function describe(node: ts.Node): string {
  const text = node.getText();
  return text.length <= 40 && !text.includes('\n') ? `\`${text}\`` : 'this value';
}
