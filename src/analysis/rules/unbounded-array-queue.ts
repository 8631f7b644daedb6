// unbounded-array-queue: an array used as a FIFO queue (push + shift, or unshift + pop), fed at
// run time from events, callbacks or request handlers, with no bound (no length check), no
// backpressure (no `pause()` of the source) and no drop policy.
import ts from 'typescript';
import {
  containsCall,
  enclosingFunction,
  type FunctionLike,
  functionName,
  isAsyncFunction,
  isEqualityOperator,
  isFunctionLike,
  isLoop,
  isRelationalOperator,
  mentionsAny,
  nameOf,
  skipOuterExpressions,
} from '../ast.js';
import { describeWhere } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { callsNamed } from '../model/calls-by-name.js';
import { findDeclaration } from '../model/declarations.js';
import type { PhaseInfo } from '../model/phase.js';
import type { Rule } from '../types.js';

type Operation = 'push' | 'unshift' | 'shift' | 'pop';

interface Use {
  call: ts.CallExpression;
  op: Operation;
}

/** Names that say "a queue of work or messages", for queues fed only through a method or an async function. */
const QUEUE_NAME =
  /queue|backlog|pending|jobs?$|tasks?$|messages?$|inbox|outbox|mailbox|buffer(ed)?$|work(items?)?$|requests?$|events?$/i;
/** Wait lists of callbacks (ready queues, semaphore waiters): their size is the number of callers, not of data. */
const CALLBACK_LIST_NAME =
  /callbacks?$|cbs?$|listeners?$|waiters?$|waiting|resolvers?$|resolves?$|handlers?$|ready|deferreds?$|thunks?$|disposables?$|subscriptions?$|subscribers?$|observers?$/i;

/** Helpers that take an item out of an array by identity (rxjs arrRemove, lodash pull, …). */
const REMOVAL_HELPER = /remove|pull|evict|prune|^without$/i;

/** `[]`, `[a, b]`, `new Array()`, `Array()` (no preallocated length). */
function isArrayInitializer(expression: ts.Expression | undefined): boolean {
  if (!expression) return false;
  const expr = skipOuterExpressions(expression);
  if (ts.isArrayLiteralExpression(expr)) return true;
  if ((ts.isNewExpression(expr) || ts.isCallExpression(expr)) && (expr.arguments?.length ?? 0) === 0) {
    const callee = skipOuterExpressions(expr.expression);
    return ts.isIdentifier(callee) && callee.text === 'Array';
  }
  return false;
}

/** `this`, or a name that holds it: `const node = this`, `var self = this`. */
function isThisLike(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  if (expr.kind === ts.SyntaxKind.ThisKeyword) return true;
  if (!ts.isIdentifier(expr)) return false;
  const found = findDeclaration(expr);
  return (
    found?.kind === 'variable' &&
    !found.element &&
    found.node.initializer !== undefined &&
    skipOuterExpressions(found.node.initializer).kind === ts.SyntaxKind.ThisKeyword
  );
}

/** `this.queue` / `this.#queue` / `node.queue` with `const node = this` → 'queue' / '#queue'. */
function thisMember(expression: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(expression);
  if (ts.isPropertyAccessExpression(expr) && isThisLike(expr.expression)) return expr.name.text;
  return undefined;
}

/**
 * A local name that is an instance's member under another name: `const { queue } = this`,
 * `const q = this.queue`. Its pushes and shifts are the member's.
 */
function memberAlias(identifier: ts.Identifier, depth = 0): string | undefined {
  const found = findDeclaration(identifier);
  // only queue-named parameters: finding the member means a walk over the file's calls
  if (found?.kind === 'parameter' && !found.element && depth < 2 && QUEUE_NAME.test(identifier.text))
    return memberPassedAs(found.node, found.fn, depth);
  if (found?.kind !== 'variable' || !found.node.initializer) return undefined;
  const initializer = skipOuterExpressions(found.node.initializer);
  if (found.element) {
    if (!isThisLike(initializer)) return undefined;
    const key = found.element.propertyName ?? found.element.name;
    return ts.isIdentifier(key) ? key.text : undefined;
  }
  return thisMember(initializer);
}

/** The receiver of `x.length`, as a key: 'id:x' or 'this:x'. */
function lengthReceiverKey(expression: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(expression);
  if (!ts.isPropertyAccessExpression(expr) || expr.name.text !== 'length') return undefined;
  const receiver = skipOuterExpressions(expr.expression);
  // `pool.queue.length` (another reference to an instance's member) counts for `this.queue`
  if (ts.isPropertyAccessExpression(receiver)) return `this:${receiver.name.text}`;
  return receiverKey(receiver);
}

/** parameter → the member every call passes for it (or undefined), found once per parameter */
const passedMembers = new WeakMap<ts.ParameterDeclaration, string | null>();

/** Each file's recorded nodes (`RuleContext.nodes`: every call, in document order), registered by create(). */
const recordedNodes = new WeakMap<ts.SourceFile, readonly ts.Node[]>();
/**
 * `function processQueue(queue) { … queue.shift() … }` called as `processQueue(node.msgQueue)`
 * (or with a local alias of it): the parameter is that member, when every call in the file
 * passes the same one.
 */
function memberPassedAs(
  parameter: ts.ParameterDeclaration,
  fn: FunctionLike,
  depth: number,
): string | undefined {
  const known = passedMembers.get(parameter);
  if (known !== undefined) return known ?? undefined;
  passedMembers.set(parameter, null); // recursion guard
  const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
  const index = fn.parameters.indexOf(parameter);
  let member: string | null = null;
  if (name !== undefined && index >= 0) {
    // the file's calls by name (an index, not a walk of the file per parameter)
    const sourceFile = parameter.getSourceFile();
    for (const call of callsNamed(sourceFile, name, recordedNodes.get(sourceFile))) {
      const argument = call.arguments[index];
      const arg = argument && skipOuterExpressions(argument);
      // a recursive call passing the parameter on says nothing new
      if (
        arg &&
        ts.isIdentifier(arg) &&
        call.pos >= fn.pos &&
        call.end <= fn.end &&
        arg.text === parameter.name.getText()
      )
        continue;
      const passed = !arg
        ? undefined
        : (thisMember(arg) ?? (ts.isIdentifier(arg) ? memberAlias(arg, depth + 1) : undefined));
      if (passed === undefined || (member !== null && member !== passed)) {
        member = null;
        break;
      }
      member = passed;
    }
  }
  passedMembers.set(parameter, member);
  return member ?? undefined;
}

function receiverKey(expression: ts.Expression): string | undefined {
  const receiver = skipOuterExpressions(expression);
  if (ts.isIdentifier(receiver)) {
    const member = memberAlias(receiver);
    return member === undefined ? `id:${receiver.text}` : `this:${member}`;
  }
  const member = thisMember(receiver);
  return member === undefined ? undefined : `this:${member}`;
}

function isSmallLiteral(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  return ts.isNumericLiteral(expr) && (expr.text === '0' || expr.text === '1');
}

/** Nearest class around a node (where `this.x` lives), or the source file for prototype-style code. */
function thisOwner(node: ts.Node): ts.Node {
  let current: ts.Node | undefined = node.parent;
  while (current) {
    if (ts.isClassDeclaration(current) || ts.isClassExpression(current) || ts.isSourceFile(current))
      return current;
    current = current.parent;
  }
  return node.getSourceFile();
}

/** Is `node` inside a loop of its own function (not crossing a function boundary)? */
function inLoop(node: ts.Node): boolean {
  let current: ts.Node | undefined = node.parent;
  while (current && !isFunctionLike(current) && !ts.isSourceFile(current)) {
    if (isLoop(current)) return true;
    current = current.parent;
  }
  return false;
}

/**
 * Is this drain guarded by a condition on the queue's oldest element, e.g.
 * `while (hits.length && hits[0] < now - WINDOW) hits.shift()`? That is a time-based drop policy.
 */
function isEvictionByAge(drain: ts.CallExpression, key: string): boolean {
  let current: ts.Node | undefined = drain.parent;
  for (let depth = 0; current && depth < 6 && !isFunctionLike(current); depth++, current = current.parent) {
    const condition =
      ts.isWhileStatement(current) || ts.isIfStatement(current) || ts.isDoStatement(current)
        ? current.expression
        : ts.isForStatement(current)
          ? current.condition
          : undefined;
    if (condition && mentionsElementOf(condition, key)) return true;
  }
  return false;
}

function mentionsElementOf(node: ts.Node, key: string): boolean {
  if (ts.isElementAccessExpression(node) && receiverKey(node.expression) === key) return true;
  return ts.forEachChild(node, (child) => (mentionsElementOf(child, key) ? true : undefined)) ?? false;
}

interface Candidate {
  /** how the queue is named in the message */
  display: string;
  /** 'id:x' / 'this:x' */
  key: string;
  /** the function that declares a local queue; undefined for module-level and `this.` queues */
  declaringFunction: FunctionLike | undefined;
  /** the class (or file) a `this.` queue lives in */
  owner?: ts.Node;
  uses: Use[];
}

export const unboundedArrayQueue: Rule<'unbounded'> = {
  meta: {
    id: 'unbounded-array-queue',
    category: 'unbounded-queue',
    defaultSeverity: 'warning',
    description:
      'Array used as a FIFO queue, fed from events or callbacks at run time, with no bound or backpressure.',
    docsUrl: docsUrl('unbounded-array-queue'),
    textTrigger: /\b(?:shift|splice|unshift)\b/,
    messages: {
      unbounded: '`{{name}}` is an unbounded FIFO queue fed {{where}}',
    },
    explanations: {
      unbounded:
        'When items arrive faster than they are processed, the queue grows without limit and the process runs out of memory (or slows under GC) instead of pushing back.\n\nCheck `{{name}}.length` against a limit before pushing and reject, drop or pause the source (`readable.pause()`) when it is full, or use a bounded queue.',
    },
  },
  create(context) {
    if (context.fileKind === 'test') return {};
    recordedNodes.set(context.sourceFile, context.nodes);
    /** uses of identifiers and `this.` members by key */
    const uses = new Map<string, Use[]>();
    /** keys whose length is compared with a limit, trimmed, or re-sliced anywhere in the file */
    const bounded = new Set<string>();
    /** `this.x = []` and class fields `x = []`: owner (class or file) → member names */
    const arrayMembers = new Map<ts.Node, Set<string>>();
    const pauses: ts.CallExpression[] = [];

    const addUse = (key: string, use: Use): void => {
      const list = uses.get(key);
      if (list) list.push(use);
      else uses.set(key, [use]);
    };
    const addArrayMember = (owner: ts.Node, name: string): void => {
      const set = arrayMembers.get(owner) ?? new Set<string>();
      set.add(name);
      arrayMembers.set(owner, set);
    };

    return {
      [ts.SyntaxKind.CallExpression](node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        // arrRemove(buffers, buffer), _.pull(queue, item): items leave by identity, not in FIFO order
        if (call.arguments.length >= 2) {
          const name = nameOf(callee) ?? '';
          if (REMOVAL_HELPER.test(name)) {
            const key = receiverKey(call.arguments[0]!);
            if (key) bounded.add(key);
          }
        }
        if (!ts.isPropertyAccessExpression(callee)) return;
        const method = callee.name.text;
        let op: Operation;
        switch (method) {
          case 'push':
          case 'unshift':
          case 'shift':
          case 'pop':
            op = method;
            break;
          case 'splice': {
            // splice(0, n) takes a batch from the front: a FIFO drain. splice(0) and
            // splice(0, q.length) take everything at once: a flush, not a queue.
            const [first, count] = call.arguments;
            if (!first || !isZero(first) || !count || lengthReceiverKey(count)) return;
            op = 'shift';
            break;
          }
          case 'pause':
            if (call.arguments.length === 0) pauses.push(call);
            return;
          default:
            return;
        }
        const key = receiverKey(callee.expression);
        if (key) addUse(key, { call, op });
      },
      [ts.SyntaxKind.BinaryExpression](node) {
        const binary = node as ts.BinaryExpression;
        const kind = binary.operatorToken.kind;
        if (isRelationalOperator(kind) || isEqualityOperator(kind)) {
          // `for (let i = 0; i < queue.length; i++)` walks the queue: an iteration, not a capacity check
          if (isLoopCondition(binary)) return;
          // queue.length >= MAX (a comparison with 0 or 1 is an emptiness test, not a bound)
          const leftKey = lengthReceiverKey(binary.left);
          const rightKey = lengthReceiverKey(binary.right);
          if (leftKey && !isSmallLiteral(binary.right) && !lengthReceiverKey(binary.right))
            bounded.add(leftKey);
          if (rightKey && !isSmallLiteral(binary.left) && !lengthReceiverKey(binary.left))
            bounded.add(rightKey);
          return;
        }
        if (kind === ts.SyntaxKind.MinusToken) {
          // queue.splice(0, queue.length - MAX)
          const key = lengthReceiverKey(binary.left);
          if (key) bounded.add(key);
          return;
        }
        if (kind === ts.SyntaxKind.PlusToken) {
          // taskQueue.size + skipQueue.length: the array counts toward a capacity computed elsewhere
          const leftKey = lengthReceiverKey(binary.left);
          const rightKey = lengthReceiverKey(binary.right);
          if (leftKey && !ts.isLiteralExpression(skipOuterExpressions(binary.right))) bounded.add(leftKey);
          if (rightKey && !ts.isLiteralExpression(skipOuterExpressions(binary.left))) bounded.add(rightKey);
          return;
        }
        if (kind !== ts.SyntaxKind.EqualsToken) return;
        const left = skipOuterExpressions(binary.left);
        // queue.length = MAX (truncation; `= 0` only clears)
        const lengthKey = lengthReceiverKey(left);
        if (lengthKey) {
          if (!isZero(binary.right)) bounded.add(lengthKey);
          return;
        }
        // (the right side first: resolving the left costs a declaration lookup, on every assignment)
        const right = skipOuterExpressions(binary.right);
        // queue = queue.slice(-MAX)
        if (ts.isCallExpression(right) && ts.isPropertyAccessExpression(right.expression)) {
          const name = right.expression.name.text;
          if (name !== 'slice' && name !== 'splice') return;
          const key = receiverKey(left);
          if (key && receiverKey(right.expression.expression) === key) bounded.add(key);
          return;
        }
        if (!isArrayInitializer(right)) return;
        const member = thisMember(left);
        if (member !== undefined) addArrayMember(thisOwner(left), member);
      },
      [ts.SyntaxKind.PropertyDeclaration](node) {
        const property = node as ts.PropertyDeclaration;
        if (!isArrayInitializer(property.initializer)) return;
        if (ts.isIdentifier(property.name) || ts.isPrivateIdentifier(property.name)) {
          addArrayMember(property.parent, property.name.text);
        }
      },
      onEnd() {
        for (const [key, list] of uses) {
          if (bounded.has(key)) continue;
          if (!hasFifoPair(list)) continue;
          // Lists of callbacks, listeners and disposables grow with subscribers, not with data.
          if (CALLBACK_LIST_NAME.test(key.slice(key.indexOf(':') + 1))) continue;
          for (const candidate of candidatesOf(key, list, arrayMembers)) check(candidate);
        }
      },
    };

    function check(candidate: Candidate): void {
      const { uses: list, key } = candidate;
      const feeds = list.filter((u) => u.op === 'push');
      let drains = list.filter((u) => u.op === 'shift');
      let feedOps = feeds;
      if (feeds.length === 0 || drains.length === 0) {
        feedOps = list.filter((u) => u.op === 'unshift');
        drains = list.filter((u) => u.op === 'pop');
      }
      if (feedOps.length === 0 || drains.length === 0) return;
      if (feedOps.every((f) => isFedByStreamWrite(f.call))) return;
      // A time- or content-based eviction (`while (q[0].at < cutoff) q.shift()`) is a drop policy.
      if (drains.some((d) => isEvictionByAge(d.call, key))) return;
      // Backpressure: the file (or the class of a `this.` queue) pauses its source.
      const scope = candidate.owner ?? context.sourceFile;
      if (pauses.some((p) => p.pos >= scope.pos && p.end <= scope.end)) return;

      const feedFunctions = feedOps.map((f) => enclosingFunction(f.call));
      // A local worklist (BFS, a batch processed in place): pushed and drained by the function that declares it.
      if (candidate.declaringFunction && feedFunctions.every((fn) => fn === candidate.declaringFunction))
        return;
      // A synchronous producer that also takes from the front evicts as it goes (a sliding window,
      // or a queue drained in place): nothing accumulates between calls.
      const drainFunctions = new Set(drains.map((d) => enclosingFunction(d.call)));
      if (
        feedOps.some((feed) => {
          const fn = enclosingFunction(feed.call);
          return (
            fn &&
            drainFunctions.has(fn) &&
            !isAsyncFunction(fn) &&
            !fn.asteriskToken &&
            !defersDrain(fn, feed.call, drains)
          );
        })
      )
        return;

      let weak: { use: Use; phase: PhaseInfo } | undefined;
      for (const feed of feedOps) {
        const fn = enclosingFunction(feed.call);
        if (!fn || fn === candidate.declaringFunction) continue;
        const phase = context.phaseOf(feed.call);
        if (phase.phase === 'runtime' && isEventDriven(phase)) {
          report(candidate, feed, phase, drains);
          return;
        }
        if (!weak && (phase.phase === 'runtime' || (phase.phase === 'unknown' && phase.exportedAs)))
          weak = { use: feed, phase };
      }
      if (!weak) return;
      // Fed only through a method or an async function: call it a queue when it is named like one
      // and drained by a consumer loop or asynchronously.
      const bareName = key.slice(key.indexOf(':') + 1);
      if (!QUEUE_NAME.test(bareName)) return;
      if (!drains.some((d) => isProcessingDrain(d.call))) return;
      report(candidate, weak.use, weak.phase, drains);
    }

    function isProcessingDrain(drain: ts.CallExpression): boolean {
      if (inLoop(drain)) return true;
      const fn = enclosingFunction(drain);
      if (!fn) return false;
      if (isAsyncFunction(fn)) return true;
      const phase = context.phaseOfFunction(fn);
      return phase.phase === 'runtime' && isEventDriven(phase);
    }

    function report(candidate: Candidate, feed: Use, phase: PhaseInfo, drains: Use[]): void {
      const where =
        phase.phase === 'runtime'
          ? describeWhere(phase.chain)
          : `through exported \`${phase.exportedAs?.[0] ?? 'function'}\``;
      context.report({
        node: feed.call,
        messageId: 'unbounded',
        data: { name: candidate.display, where },
        related: [
          context.related(drains[0]!.call, `\`${candidate.display}\` is drained here`),
          ...phase.chain.map((step) => context.related(step.node, step.label)),
        ],
      });
    }
  },
};

/**
 * A function that feeds and drains its queue but takes one item per call and hands it to
 * asynchronous work (`push(msg); if (busy) return; … next = q.shift(); process(next, () =>
 * self())`): a consumer, not a sliding window. It returns between the push and the shift, or
 * calls itself again from a callback once the item is done.
 */
function defersDrain(fn: FunctionLike, feed: ts.CallExpression, drains: Use[]): boolean {
  const own = drains.filter((d) => enclosingFunction(d.call) === fn);
  const firstDrain = Math.min(...own.map((d) => d.call.pos));
  let returnsBetween = false;
  const visit = (node: ts.Node): void => {
    if (returnsBetween || isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node.pos > feed.end && node.end < firstDrain) {
      returnsBetween = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  if (fn.body) ts.forEachChild(fn.body, visit);
  if (returnsBetween) return true;
  const name = functionName(fn);
  if (name === undefined || !fn.body) return false;
  // a call to itself inside a nested function: the next item is taken when this one is done
  let reentersLater = false;
  const find = (node: ts.Node, nested: boolean): void => {
    if (reentersLater) return;
    if (nested && ts.isCallExpression(node) && nameOf(node.expression) === name) {
      reentersLater = true;
      return;
    }
    ts.forEachChild(node, (child) => find(child, nested || isFunctionLike(child)));
  };
  find(fn.body, false);
  return reentersLater;
}

/** Is the comparison (part of) a `for` loop's condition? */
function isLoopCondition(comparison: ts.BinaryExpression): boolean {
  let node: ts.Node = comparison;
  while (
    ts.isBinaryExpression(node.parent) &&
    (node.parent.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ||
      node.parent.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  ) {
    node = node.parent;
  }
  if (ts.isParenthesizedExpression(node.parent)) node = node.parent;
  return ts.isForStatement(node.parent) && node.parent.condition === node;
}

/** Stream implementation methods: a queue filled there is bounded by the stream's highWaterMark. */
const STREAM_WRITE_METHODS = new Set(['_write', '_writev', '_transform']);

/**
 * A queue fed inside `_write(chunk, encoding, callback)` that keeps the callback (stores it, or
 * passes it on) until the chunk is processed: the writable stops accepting data until then, so
 * the stream bounds the queue.
 */
function isFedByStreamWrite(feed: ts.CallExpression): boolean {
  const fn = enclosingFunction(feed);
  if (!fn) return false;
  const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
  const assigned = ts.isBinaryExpression(fn.parent) ? nameOf(fn.parent.left) : undefined;
  const method = name ?? assigned;
  if (method === undefined || !STREAM_WRITE_METHODS.has(method)) return false;
  const callback = fn.parameters[fn.parameters.length - 1];
  if (!callback || !ts.isIdentifier(callback.name) || !fn.body) return false;
  const cb = callback.name.text;
  // called right away, the stream asks for the next chunk at once: nothing holds it back
  const callsBackNow = containsCall(
    fn.body,
    (call) => ts.isIdentifier(call.expression) && call.expression.text === cb,
    { enterFunctions: false },
  );
  return !callsBackNow || mentionsAny(feed, [cb]);
}

function isZero(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  return ts.isNumericLiteral(expr) && expr.text === '0';
}

/** Code reached from a registered callback (event, route, timer, promise) or a request handler. */
function isEventDriven(phase: PhaseInfo): boolean {
  const origin = phase.chain[0];
  if (!origin) return false;
  if (ts.isCallExpression(origin.node) || ts.isNewExpression(origin.node)) return true;
  return origin.label.startsWith('request handler');
}

function hasFifoPair(list: Use[]): boolean {
  let push = false;
  let shift = false;
  let unshift = false;
  let pop = false;
  for (const use of list) {
    if (use.op === 'push') push = true;
    else if (use.op === 'shift') shift = true;
    else if (use.op === 'unshift') unshift = true;
    else pop = true;
  }
  return (push && shift) || (unshift && pop);
}

/** Splits the uses of a key into queues: one per array declaration (identifiers) or per class (`this.` members). */
function* candidatesOf(
  key: string,
  list: Use[],
  arrayMembers: Map<ts.Node, Set<string>>,
): Generator<Candidate> {
  const name = key.slice(key.indexOf(':') + 1);
  if (key.startsWith('this:')) {
    const byOwner = new Map<ts.Node, Use[]>();
    for (const use of list) {
      const owner = thisOwner(use.call);
      const group = byOwner.get(owner);
      if (group) group.push(use);
      else byOwner.set(owner, [use]);
    }
    for (const [owner, group] of byOwner) {
      if (!arrayMembers.get(owner)?.has(name)) continue;
      if (!hasFifoPair(group)) continue;
      yield { display: `this.${name}`, key, declaringFunction: undefined, owner, uses: group };
    }
    return;
  }
  const byDeclaration = new Map<ts.VariableDeclaration, Use[]>();
  for (const use of list) {
    const receiver = skipOuterExpressions(
      (use.call.expression as ts.PropertyAccessExpression).expression,
    ) as ts.Identifier;
    const found = findDeclaration(receiver);
    if (found?.kind !== 'variable' || found.element) continue;
    const declaration = found.node;
    const group = byDeclaration.get(declaration);
    if (group) group.push(use);
    else byDeclaration.set(declaration, [use]);
  }
  for (const [declaration, group] of byDeclaration) {
    if (!isArrayInitializer(declaration.initializer)) continue;
    const declaringFunction = enclosingFunction(declaration);
    // A local queue seeded with a start item (`const queue = [root]`) is a worklist: a BFS or a
    // crawl that pushes what it finds while processing what it took.
    const initializer = skipOuterExpressions(declaration.initializer!);
    if (declaringFunction && ts.isArrayLiteralExpression(initializer) && initializer.elements.length > 0)
      continue;
    if (!hasFifoPair(group)) continue;
    yield { display: name, key, declaringFunction, uses: group };
  }
}
