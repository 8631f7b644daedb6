// ignored-backpressure: a writable stream's `write()` return value ignored in a loop or in a producer
// callback ('data'/'line' handlers, setInterval), with no wait for 'drain'; and a custom Readable's
// `push()` return ignored in a loop inside `_read`.
import ts from 'typescript';
import { drainSuggestion } from '../../fixes/ignored-backpressure.js';
import {
  calleeName,
  containsCall,
  enclosingFunction,
  type FunctionLike,
  isLoop,
  mentionsAny,
  nameOf,
  parentSkippingWrappers,
  skipOuterExpressions,
  stringValue,
} from '../ast.js';
import { docsUrl } from '../docs-url.js';
import { numericValue } from '../model/bounds.js';
import { findDeclaration } from '../model/declarations.js';
import type { ModuleReference } from '../model/modules.js';
import { ARRAY_LOOP_METHODS, LISTENER_METHODS } from '../model/node-api.js';
import type { Rule } from '../types.js';

/** Node modules whose import makes a `write()` on a stream-named receiver a stream write. */
const STREAM_MODULES = new Set([
  'fs',
  'fs/promises',
  'stream',
  'stream/promises',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'zlib',
  'child_process',
  'readline',
  'readable-stream',
  'through2',
  'split2',
  'pump',
  'duplexify',
  'express',
  'fastify',
  'koa',
]);

/** Words in a receiver's name that say "a writable stream" (camelCase and snake_case are split). */
const STREAM_WORDS = new Set([
  'stream',
  'out',
  'output',
  'writer',
  'writable',
  'sink',
  'socket',
  'sock',
  'res',
  'response',
  'file',
  'dest',
  'destination',
  'conn',
  'connection',
  'stdin',
  'gzip',
  'gz',
  'passthrough',
  'pass',
  'through',
  'pipe',
  'tty',
]);

/** Type annotations that are writable streams. */
const STREAM_TYPE =
  /\b(Writable|WritableStream|WriteStream|Duplex|Transform|PassThrough|ServerResponse|OutgoingMessage|ClientRequest|Socket|TLSSocket|Http2Stream|ServerHttp2Stream|Gzip|Deflate|BrotliCompress)\b/;

/** Events whose handlers are fed by a producer that does not wait for the write. */
const PRODUCER_EVENTS = new Set(['data', 'line']);
/** Loops with a literal trip count up to this many writes buffer little: not flagged. */
const SMALL_LOOP = 1000;

/** Text that shows the code handles backpressure somewhere near (checked by position). */
const DRAIN_EVIDENCE =
  /['"`]drain['"`]|writableNeedDrain|writableLength|writableHighWaterMark|bufferedAmount|\.pause\s*\(/g;

type StreamKind = 'stream' | 'stdout';

function words(name: string): string[] {
  return name
    .replace(/^[#_$]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_$]+/)
    .filter(Boolean);
}

/** The name a receiver is known by: `out`, `this.out` → 'out', `a.b.socket` → 'socket'. */
function receiverName(expression: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  return undefined;
}

/** Is this reference a call that creates a writable stream? */
function isStreamFactory(reference: ModuleReference | undefined, isNew: boolean): boolean {
  if (!reference) return false;
  const { module, path } = reference;
  const name = path[path.length - 1] ?? '';
  const base = module.split('/')[0];
  if (base === 'fs' || module === 'fs-extra' || module === 'graceful-fs') return name === 'createWriteStream';
  if (base === 'stream' || module === 'readable-stream') {
    return isNew && /^(Writable|Duplex|Transform|PassThrough)$/.test(name);
  }
  if (module === 'zlib')
    return /^create(Gzip|Gunzip|Deflate|Inflate|DeflateRaw|InflateRaw|Unzip|BrotliCompress|BrotliDecompress)$/.test(
      name,
    );
  if (module === 'net' || module === 'tls')
    return name === 'connect' || name === 'createConnection' || (isNew && name === 'Socket');
  if (module === 'http' || module === 'https') return name === 'request';
  return false;
}

/** The variable or parameter an identifier names (not destructured), looked up in enclosing scopes. */
function variableOrParameterOf(
  identifier: ts.Identifier,
): ts.VariableDeclaration | ts.ParameterDeclaration | undefined {
  const declaration = findDeclaration(identifier);
  if ((declaration?.kind === 'variable' || declaration?.kind === 'parameter') && !declaration.element)
    return declaration.node;
  return undefined;
}

/** Is `fn` a request handler (its parameters are `(req, res)`), so `res` is an http.ServerResponse? */
function isResponseParameter(parameter: ts.ParameterDeclaration): boolean {
  const fn = parameter.parent;
  if (!ts.isIdentifier(parameter.name) || !/^(res|response)$/.test(parameter.name.text)) return false;
  const first = fn.parameters[0];
  return (
    fn.parameters.indexOf(parameter) === 1 &&
    !!first &&
    ts.isIdentifier(first.name) &&
    /^(req|request)$/.test(first.name.text)
  );
}

interface LoopContext {
  kind: 'loop';
  node: ts.Node;
  /** names the loop binds per iteration (for-of variable, callback parameter) */
  variables: string[];
}

interface ProducerContext {
  kind: 'producer';
  /** `src.on('data', …)` or `setInterval(…)` */
  registration: ts.CallExpression;
  label: string;
}

export const ignoredBackpressure: Rule<'loop' | 'producer' | 'readablePush'> = {
  meta: {
    id: 'ignored-backpressure',
    category: 'unbounded-queue',
    defaultSeverity: 'warning',
    description:
      "A stream's write()/push() return value ignored in a loop or producer callback, with no wait for 'drain'.",
    docsUrl: docsUrl('ignored-backpressure'),
    textTrigger: /\bwrite\b|\b_?read\b/,
    messages: {
      loop: '`{{receiver}}.write()` in a loop ignores its return value (backpressure)',
      producer: '`{{receiver}}.write()` ignores its return value in the {{where}}',
      readablePush: '`this.push()` in a loop inside `{{method}}()` ignores its return value',
    },
    explanations: {
      loop: "Once the stream's buffer is full, `write()` returns false and every further chunk is buffered in memory, so a large input or a slow destination grows the process without limit.\n\nStop when it returns false and wait for `'drain'` (`if (!{{receiver}}.write(chunk)) await once({{receiver}}, 'drain')`, with `once` from `node:events`), or use `stream.pipeline()`.",
      producer:
        "The source keeps producing while the destination falls behind, and the difference is buffered in memory without limit.\n\nPause the source when `write()` returns false and resume it on `'drain'`, or connect them with `stream.pipeline()`.",
      readablePush:
        'When `push()` returns false the consumer is full, yet the loop keeps pushing and everything left is buffered in memory.\n\nStop pushing when `push()` returns false; `{{method}}()` is called again when the consumer wants more.',
    },
  },
  create(context) {
    if (context.fileKind === 'test') return {};
    const text = context.text;
    let drainPositions: number[] | undefined;
    const definesOwnWrite =
      /\bfunction\s+write\s*\(|^\s*(?:public\s+|private\s+|protected\s+)?write\s*\([^)]*\)\s*(?::[^{]*)?\{|\bwrite\s*:\s*(?:function|\()/m.test(
        text,
      );
    // Asked on first use: visitors run after the pre-pass has collected the module bindings.
    let importsStreams: boolean | undefined;
    const fileImportsStreams = (): boolean =>
      (importsStreams ??= [...STREAM_MODULES].some((m) => context.bindings.imports(m)));

    const hasDrainEvidence = (scope: ts.Node): boolean => {
      if (!drainPositions) {
        drainPositions = [];
        for (const match of text.matchAll(DRAIN_EVIDENCE)) drainPositions.push(match.index);
      }
      return drainPositions.some((p) => p >= scope.pos && p < scope.end);
    };

    return {
      [ts.SyntaxKind.CallExpression](node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        if (!ts.isPropertyAccessExpression(callee)) return;
        const method = callee.name.text;
        if (method === 'write') checkWrite(call, callee);
        else if (method === 'push' && callee.expression.kind === ts.SyntaxKind.ThisKeyword)
          checkReadablePush(call);
      },
    };

    function checkWrite(call: ts.CallExpression, callee: ts.PropertyAccessExpression): void {
      if (call.arguments.length === 0 || !isIgnored(call)) return;
      const kind = streamKind(callee.expression);
      if (!kind) return;
      const where = writeContext(call);
      if (!where) return;
      const receiver = callee.expression.getText(context.sourceFile);
      if (where.kind === 'loop') {
        if (kind === 'stdout') return; // CLIs print in loops; see the docs
        if (mentionsAny(callee.expression, where.variables)) return; // one write to each of many streams
        const scope = enclosingFunction(where.node) ?? context.sourceFile;
        if (hasDrainEvidence(scope)) return;
        const drain = drainSuggestion(context.sourceFile, call, where.node, context.fileName);
        context.report({ node: call, messageId: 'loop', data: { receiver }, fixes: drain ? [drain] : [] });
        return;
      }
      // Relaying a child's output to our own stdout/stderr: harmless in practice (see the docs).
      if (kind === 'stdout') return;
      // One write to a stream this call opens or ends (`const log = fs.createWriteStream(f);
      // log.write(text); log.end()`): one piece of output, not a producer outrunning its sink.
      if (isOneShotWrite(call, callee.expression)) return;
      // A reply on the connection the data came from (`socket.on('line', () => socket.write(…))`):
      // the peer waits for each answer before it sends more.
      if (isReplyToSource(where.registration, callee.expression)) return;
      const registrationScope = enclosingFunction(where.registration) ?? context.sourceFile;
      if (hasDrainEvidence(registrationScope)) return;
      // A fixed heartbeat from a timer (`socket.write('ping')`) buffers a few bytes at most.
      if (where.label.startsWith('`setInterval`') && stringValue(call.arguments[0]) !== undefined) return;
      context.report({
        node: call,
        messageId: 'producer',
        data: { receiver, where: where.label },
        related: [context.related(where.registration, 'the producer')],
      });
    }

    function checkReadablePush(call: ts.CallExpression): void {
      const first = call.arguments[0];
      if (!first || first.kind === ts.SyntaxKind.NullKeyword || !isIgnored(call)) return;
      const fn = enclosingFunction(call);
      if (!fn || !isReadMethod(fn)) return;
      const loop = loopAround(call, fn);
      if (!loop) return;
      // `_read(size)` loops that count down `size` push only what the consumer asked for.
      const size = fn.parameters[0];
      if (size && ts.isIdentifier(size.name) && loopConditionMentions(call, fn, size.name.text)) return;
      context.report({
        node: call,
        messageId: 'readablePush',
        data: { method: fn.name?.getText(context.sourceFile) ?? 'read' },
      });
    }

    /** Is `fn` a Readable's `_read`, or the `read` option of `new Readable({ read() {…} })`? */
    function isReadMethod(fn: FunctionLike): boolean {
      const name =
        fn.name && (ts.isIdentifier(fn.name) || ts.isPrivateIdentifier(fn.name)) ? fn.name.text : undefined;
      if (name === '_read') return true;
      if (
        name !== 'read' &&
        !(ts.isPropertyAssignment(fn.parent) && fn.parent.name.getText(context.sourceFile) === 'read')
      ) {
        return false;
      }
      const object = ts.isPropertyAssignment(fn.parent) ? fn.parent.parent : fn.parent;
      if (!ts.isObjectLiteralExpression(object)) return false;
      const owner = parentSkippingWrappers(object);
      if (!ts.isNewExpression(owner)) return false;
      const reference = context.resolve(owner.expression);
      const last = reference?.path[reference.path.length - 1];
      return (
        !!reference &&
        (reference.module === 'stream' || reference.module === 'readable-stream') &&
        (last === 'Readable' || last === 'Duplex')
      );
    }

    function streamKind(receiver: ts.Expression): StreamKind | undefined {
      const expr = skipOuterExpressions(receiver);
      const reference = context.resolve(expr);
      if (reference?.module === '<global>' && reference.path[0] === 'process') {
        return reference.path.length === 2 &&
          (reference.path[1] === 'stdout' || reference.path[1] === 'stderr')
          ? 'stdout'
          : undefined;
      }
      if (
        reference?.module === 'process' &&
        (reference.path[0] === 'stdout' || reference.path[0] === 'stderr')
      )
        return 'stdout';
      if (ts.isIdentifier(expr)) {
        const declaration = variableOrParameterOf(expr);
        if (declaration) {
          if (declaration.type && STREAM_TYPE.test(declaration.type.getText(context.sourceFile)))
            return 'stream';
          if (ts.isParameter(declaration) && isResponseParameter(declaration)) return 'stream';
          const initializer = declaration.initializer && skipOuterExpressions(declaration.initializer);
          if (initializer && (ts.isCallExpression(initializer) || ts.isNewExpression(initializer))) {
            if (isStreamFactory(context.resolve(initializer.expression), ts.isNewExpression(initializer)))
              return 'stream';
            // spawn(…).stdin
          }
          if (initializer && ts.isPropertyAccessExpression(initializer) && initializer.name.text === 'stdin')
            return 'stream';
        }
      }
      // `child.stdin.write(…)`
      if (ts.isPropertyAccessExpression(expr) && expr.name.text === 'stdin') return 'stream';
      const name = receiverName(expr);
      if (name === undefined || definesOwnWrite || !fileImportsStreams()) return undefined;
      return words(name).some((w) => STREAM_WORDS.has(w)) ? 'stream' : undefined;
    }

    function writeContext(call: ts.CallExpression): LoopContext | ProducerContext | undefined {
      const fn = enclosingFunction(call);
      const loop = loopAround(call, fn);
      if (loop) return loop;
      if (!fn) return undefined;
      const parent = parentSkippingWrappers(fn);
      if (!ts.isCallExpression(parent) || !parent.arguments.includes(fn as ts.Expression)) return undefined;
      const name = calleeName(parent);
      if (name === undefined) return undefined;
      if (ARRAY_LOOP_METHODS.has(name) && ts.isPropertyAccessExpression(parent.expression)) {
        const collection = parent.expression.expression;
        if (isSmallCollection(collection)) return undefined;
        const variables = fn.parameters
          .slice(0, 1)
          .flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : []));
        return { kind: 'loop', node: parent, variables };
      }
      if (LISTENER_METHODS.has(name)) {
        const event = stringValue(parent.arguments[0]);
        if (event !== undefined && PRODUCER_EVENTS.has(event)) {
          return { kind: 'producer', registration: parent, label: `\`'${event}'\` handler` };
        }
        return undefined;
      }
      if (name === 'setInterval') {
        return { kind: 'producer', registration: parent, label: '`setInterval` callback' };
      }
      return undefined;
    }

    /** The nearest unbounded loop around `node` inside its own function. */
    function loopAround(node: ts.Node, fn: FunctionLike | undefined): LoopContext | undefined {
      let current: ts.Node | undefined = node.parent;
      while (current && current !== fn && !ts.isSourceFile(current)) {
        if (isLoop(current)) {
          return isSmallLoop(current as ts.IterationStatement)
            ? undefined
            : { kind: 'loop', node: current, variables: loopVariables(current) };
        }
        current = current.parent;
      }
      return undefined;
    }

    function isSmallLoop(loop: ts.IterationStatement): boolean {
      if (ts.isForInStatement(loop)) return true; // keys of an object: headers, options
      if (ts.isForOfStatement(loop)) return isSmallCollection(loop.expression);
      if (ts.isForStatement(loop) && loop.condition && ts.isBinaryExpression(loop.condition)) {
        const { operatorToken, right } = loop.condition;
        if (
          operatorToken.kind !== ts.SyntaxKind.LessThanToken &&
          operatorToken.kind !== ts.SyntaxKind.LessThanEqualsToken
        )
          return false;
        const limit = numericValue(right);
        if (limit !== undefined) return limit <= SMALL_LOOP;
        const bound = skipOuterExpressions(right);
        if (ts.isPropertyAccessExpression(bound) && bound.name.text === 'length')
          return isSmallCollection(bound.expression);
      }
      return false;
    }

    function isSmallCollection(collection: ts.Expression): boolean {
      const expr = skipOuterExpressions(collection);
      // Object.entries(headers): the keys of an object the code wrote
      if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
        const name = expr.expression.name.text;
        const base = skipOuterExpressions(expr.expression.expression);
        if (
          (name === 'entries' || name === 'keys' || name === 'values') &&
          ts.isIdentifier(base) &&
          base.text === 'Object'
        )
          return true;
      }
      // `chunks` written to a stream are the data itself, not a bounded batch of it
      const name = nameOf(expr) ?? '';
      if (/chunks$/i.test(name)) return false;
      return context.isBounded(collection);
    }
  },
};

/**
 * The write's function opens the stream itself (a local initialised in it) or ends it
 * (`stream.end()` after the write): a single piece of output per call, whatever calls it.
 */
function isOneShotWrite(write: ts.CallExpression, receiver: ts.Expression): boolean {
  const fn = enclosingFunction(write);
  if (!fn?.body) return false;
  const expr = skipOuterExpressions(receiver);
  if (ts.isIdentifier(expr)) {
    const found = findDeclaration(expr);
    if (found?.kind === 'variable' && found.node.initializer && enclosingFunction(found.node) === fn)
      return true;
  }
  const text = expr.getText();
  return containsCall(
    fn.body,
    (call) => {
      if (call.pos < write.end) return false;
      const callee = skipOuterExpressions(call.expression);
      return (
        ts.isPropertyAccessExpression(callee) &&
        (callee.name.text === 'end' || callee.name.text === 'destroy') &&
        skipOuterExpressions(callee.expression).getText() === text
      );
    },
    { enterFunctions: false },
  );
}

/** `socket.on('data', …)` writing back to `socket`: a request/response exchange on one connection. */
function isReplyToSource(registration: ts.CallExpression, receiver: ts.Expression): boolean {
  const callee = skipOuterExpressions(registration.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  return skipOuterExpressions(callee.expression).getText() === skipOuterExpressions(receiver).getText();
}

/** Is a call's value thrown away (statement, `void`, or the body of an arrow callback)? */
function isIgnored(call: ts.CallExpression): boolean {
  const parent = parentSkippingWrappers(call);
  if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return true;
  if (ts.isArrowFunction(parent) && parent.body === skipToOuter(call)) return true;
  // `a.write(x), b.write(y)`
  return (
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.CommaToken &&
    ts.isExpressionStatement(parentSkippingWrappers(parent))
  );
}

function skipToOuter(node: ts.Expression): ts.Node {
  let current: ts.Node = node;
  while (ts.isParenthesizedExpression(current.parent)) current = current.parent;
  return current;
}

function loopConditionMentions(node: ts.Node, fn: ts.Node, name: string): boolean {
  for (let current = node.parent; current && current !== fn; current = current.parent) {
    const condition =
      ts.isWhileStatement(current) || ts.isDoStatement(current)
        ? current.expression
        : ts.isForStatement(current)
          ? current.condition
          : undefined;
    if (condition && mentionsAny(condition, [name])) return true;
  }
  return false;
}

function loopVariables(loop: ts.Node): string[] {
  if (
    (ts.isForOfStatement(loop) || ts.isForInStatement(loop) || ts.isForStatement(loop)) &&
    loop.initializer
  ) {
    if (ts.isVariableDeclarationList(loop.initializer)) {
      return loop.initializer.declarations.flatMap((d) => collectNames(d.name));
    }
  }
  return [];
}

function collectNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isBindingElement(e) ? collectNames(e.name) : []));
}
