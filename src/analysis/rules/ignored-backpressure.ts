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
  functionName,
  isFunctionLike,
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
import { type ChainStep, describeRegistration } from '../model/phase.js';
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

/**
 * Events whose handlers are fed by a producer that does not wait for the write: stream chunks,
 * lines, and messages (a socket's or broker's 'message', a flow node's 'input').
 */
const PRODUCER_EVENTS = new Set(['data', 'line', 'message', 'input']);
/** Methods only writable streams and sockets have: a receiver called with them is a stream. */
const STREAM_ONLY_METHODS = new Set(['cork', 'uncork', 'setNoDelay', 'setKeepAlive']);
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

export const ignoredBackpressure: Rule<'loop' | 'producer' | 'relayed' | 'readablePush'> = {
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
      relayed: '`{{receiver}}.write()` to each stream ignores its return value {{where}}',
      readablePush: '`this.push()` in a loop inside `{{method}}()` ignores its return value',
    },
    explanations: {
      loop: "Once the stream's buffer is full, `write()` returns false and every further chunk is buffered in memory, so a large input or a slow destination grows the process without limit.\n\nStop when it returns false and wait for `'drain'` (`if (!{{receiver}}.write(chunk)) await once({{receiver}}, 'drain')`, with `once` from `node:events`), or use `stream.pipeline()`.",
      producer:
        "The source keeps producing while the destination falls behind, and the difference is buffered in memory without limit.\n\nPause the source when `write()` returns false and resume it on `'drain'`, or connect them with `stream.pipeline()`.",
      relayed:
        "Every chunk the producer delivers is written to every stream in the loop, whether or not it keeps up, so one slow destination buffers the whole feed in memory without limit.\n\nSkip or drop for a stream whose `write()` returned false until its `'drain'`, or give each destination its own bounded queue.",
      readablePush:
        'When `push()` returns false the consumer is full, yet the loop keeps pushing and everything left is buffered in memory.\n\nStop pushing when `push()` returns false; `{{method}}()` is called again when the consumer wants more.',
    },
  },
  create(context) {
    if (context.fileKind === 'test') return {};
    const text = context.text;
    let drainPositions: number[] | undefined;
    /** receivers of cork()/uncork()/setNoDelay()/setKeepAlive() in the file, as written */
    let streamOnly: Set<string> | undefined;
    /** loops whose per-stream write was reported as relaying a producer's chunks */
    const relayLoops = new Set<ts.Node>();
    /** handler position and receiver of producer findings already made */
    const reportedProducers = new Set<string>();
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
        // One reply to a named command (`case 'status':` listing a few nodes) or one write when a
        // parser's state changes (a handshake inside the chunk loop): not a stream of output.
        if (answersCommand(where.node) || isStateTransition(call, where.node)) return;
        // one write to each of many streams: harmless once, but run for every chunk a producer
        // delivers (a packet relayed to every player) each slow stream buffers without bound
        if (writesEachElement(callee.expression, where)) {
          checkRelayedChunk(call, receiver, where.node);
          return;
        }
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
      // branches writing the same stream in one handler share one cause: one finding
      const producerKey = `${where.registration.pos}:${skipOuterExpressions(callee.expression).getText(context.sourceFile)}`;
      if (reportedProducers.has(producerKey)) return;
      reportedProducers.add(producerKey);
      context.report({
        node: call,
        messageId: 'producer',
        data: { receiver, where: where.label },
        related: [context.related(where.registration, 'the producer')],
      });
    }

    /** A write per element of a loop over streams, reached from a producer's handler: reported as the producer's. */
    function checkRelayedChunk(call: ts.CallExpression, receiver: string, loop: ts.Node): void {
      const phase = context.phaseOf(call);
      const origin = phase.phase === 'runtime' ? phase.chain[0] : undefined;
      if (!origin || origin.node === call) return;
      const registration = ts.isCallExpression(origin.node)
        ? origin.node
        : isFunctionLike(origin.node)
          ? registrationOfMethod(origin.node)
          : undefined;
      if (!registration || !isProducerRegistration(registration)) return;
      const fn = enclosingFunction(call);
      if (hasDrainEvidence(fn ?? context.sourceFile)) return;
      if (relayLoops.has(loop)) return; // one finding per loop: its other writes share the cause
      relayLoops.add(loop);
      context.report({
        node: call,
        messageId: 'relayed',
        data: { receiver, where: fedBy(phase.chain, registration, fn) },
        related: [context.related(registration, 'the producer')],
      });
    }

    /**
     * A method handed to a listener in this file (`socket.on('data', this.onData.bind(this))`,
     * `on('data', (d) => this.onData(d))`): the registration that runs it.
     */
    function registrationOfMethod(fn: FunctionLike): ts.CallExpression | undefined {
      const name = functionName(fn);
      if (name === undefined) return undefined;
      let found: ts.CallExpression | undefined;
      const visit = (node: ts.Node): void => {
        if (found) return;
        if (ts.isCallExpression(node) && isProducerRegistration(node)) {
          const handler = node.arguments[1];
          if (handler && refersToMethod(handler, name)) {
            found = node;
            return;
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(context.sourceFile);
      return found;
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
      // `res.cork()` / `socket.setNoDelay()` on the same receiver somewhere in the file
      if (streamOnlyReceivers().has(expr.getText(context.sourceFile))) return 'stream';
      if (ts.isIdentifier(expr) && assignedStreamFactory(expr)) return 'stream';
      const name = receiverName(expr);
      if (name === undefined || definesOwnWrite || !fileImportsStreams()) return undefined;
      return words(name).some((w) => STREAM_WORDS.has(w)) ? 'stream' : undefined;
    }

    function streamOnlyReceivers(): Set<string> {
      if (streamOnly) return streamOnly;
      streamOnly = new Set();
      if (!/\.\s*(?:cork|uncork|setNoDelay|setKeepAlive)\s*\(/.test(text)) return streamOnly;
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
          if (STREAM_ONLY_METHODS.has(node.expression.name.text))
            streamOnly!.add(skipOuterExpressions(node.expression.expression).getText(context.sourceFile));
        }
        ts.forEachChild(node, visit);
      };
      visit(context.sourceFile);
      return streamOnly;
    }

    /** `let client; … client = net.connect(…)`: a name declared empty and assigned a stream later. */
    function assignedStreamFactory(identifier: ts.Identifier): boolean {
      const declaration = variableOrParameterOf(identifier);
      if (!declaration || !ts.isVariableDeclaration(declaration)) return false;
      const initial = declaration.initializer && skipOuterExpressions(declaration.initializer);
      if (initial && initial.kind !== ts.SyntaxKind.NullKeyword) return false;
      const scope = enclosingFunction(declaration) ?? context.sourceFile;
      let found = false;
      const visit = (node: ts.Node): void => {
        if (found) return;
        if (
          ts.isBinaryExpression(node) &&
          node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
          ts.isIdentifier(node.left) &&
          node.left.text === identifier.text
        ) {
          const right = skipOuterExpressions(node.right);
          if (
            (ts.isCallExpression(right) || ts.isNewExpression(right)) &&
            isStreamFactory(context.resolve(right.expression), ts.isNewExpression(right))
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

/** "in handle(), fed by the `'data'` event handler": where the write runs and what feeds it. */
function fedBy(chain: ChainStep[], registration: ts.CallExpression, fn: FunctionLike | undefined): string {
  const handler = describeRegistration(registration);
  const name = fn && functionName(fn);
  const inHandler = chain.length === 1 && ts.isCallExpression(chain[0]!.node);
  return inHandler || name === undefined ? `in the ${handler}` : `in ${name}(), fed by the ${handler}`;
}

/** Names of a switch's subject that say "the command being answered": `cmd`, `msg.command`, `dataMessage.cmd`. */
const COMMAND_SUBJECT = /^(cmd|command|verb)$|[a-z](Cmd|Command)$/;

/**
 * Is `node` inside `case 'name':` of a switch over a command (`switch (cmd)`), within its function?
 * The code there answers one command of that name — a status line, a metadata packet sent once per
 * publish — not every chunk of a feed.
 */
function answersCommand(node: ts.Node): boolean {
  for (let current = node.parent; current && !isFunctionLike(current); current = current.parent) {
    if (!ts.isCaseClause(current) || stringValue(current.expression) === undefined) continue;
    const subject = nameOf(current.parent.parent.expression);
    if (subject !== undefined && COMMAND_SUBJECT.test(subject)) return true;
  }
  return false;
}

/**
 * A write under `case S1:` of `switch (this.state)` whose clause moves the state on
 * (`this.state = S2`): it runs once, when the parser reaches that state (the handshake reply
 * inside a chunk-parsing loop), however many times the loop turns.
 */
function isStateTransition(write: ts.Node, loop: ts.Node): boolean {
  for (let current = write.parent; current && current !== loop; current = current.parent) {
    if (!ts.isCaseClause(current)) continue;
    const subject = skipOuterExpressions(current.parent.parent.expression).getText();
    const assignsSubject = (node: ts.Node): boolean =>
      (ts.isBinaryExpression(node) &&
        node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        skipOuterExpressions(node.left).getText() === subject) ||
      (!isFunctionLike(node) && !!ts.forEachChild(node, (child) => assignsSubject(child) || undefined));
    if (current.statements.some(assignsSubject)) return true;
  }
  return false;
}

/** `x.on('data', …)`: a listener for an event a producer fires once per chunk or message. */
function isProducerRegistration(call: ts.CallExpression): boolean {
  const name = calleeName(call);
  const event = stringValue(call.arguments[0]);
  return (
    name !== undefined && LISTENER_METHODS.has(name) && event !== undefined && PRODUCER_EVENTS.has(event)
  );
}

/** `this.onData`, `this.onData.bind(this)`, `(d) => this.onData(d)`: the handler is that method. */
function refersToMethod(handler: ts.Expression, name: string): boolean {
  let expr = skipOuterExpressions(handler);
  if (
    ts.isCallExpression(expr) &&
    nameOf(expr.expression) === 'bind' &&
    ts.isPropertyAccessExpression(expr.expression)
  )
    expr = skipOuterExpressions(expr.expression.expression);
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text === name;
  if ((ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) && expr.body) {
    return containsCall(expr.body, (call) => nameOf(call.expression) === name, { enterFunctions: false });
  }
  return false;
}

/**
 * Is the receiver one of the loop's elements: it names a loop variable, or a name the loop body
 * declares from one (`const session = sessions.get(id); session.res.write(…)`)?
 */
function writesEachElement(receiver: ts.Expression, loop: LoopContext): boolean {
  if (mentionsAny(receiver, loop.variables)) return true;
  let root = skipOuterExpressions(receiver);
  while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root))
    root = skipOuterExpressions(root.expression);
  if (!ts.isIdentifier(root)) return false;
  const declaration = variableOrParameterOf(root);
  return (
    !!declaration &&
    ts.isVariableDeclaration(declaration) &&
    declaration.pos >= loop.node.pos &&
    declaration.end <= loop.node.end &&
    !!declaration.initializer &&
    mentionsAny(declaration.initializer, loop.variables)
  );
}

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
        skipOuterExpressions(callee.expression).getText() === text &&
        !endsOnlySometimes(call, write, fn)
      );
    },
    { enterFunctions: false },
  );
}

/**
 * `if (config.closeAfterSend) socket.destroy()`: an end under a condition the write is not under,
 * so most calls write to a stream that stays open.
 */
function endsOnlySometimes(end: ts.Node, write: ts.Node, fn: ts.Node): boolean {
  for (let current = end.parent; current && current !== fn; current = current.parent) {
    const conditional =
      ts.isIfStatement(current) ||
      ts.isConditionalExpression(current) ||
      ts.isCaseClause(current) ||
      (ts.isBinaryExpression(current) &&
        (current.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ||
          current.operatorToken.kind === ts.SyntaxKind.BarBarToken));
    if (conditional && !(write.pos >= current.pos && write.end <= current.end)) return true;
  }
  return false;
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
