// cpu-heavy-loop: a loop on the main thread, at run time, whose trip count is large or grows with
// the data and whose body does CPU work: busy-wait spins, literal bounds at or above
// thresholds.heavyLoopIterations, nested loops over independent collections (quadratic work),
// and heavy calls (JSON, sort, regex, hashing) once per element of a data-sized collection.
import ts from 'typescript';
import {
  calleeName,
  isEqualityOperator,
  isFunctionLike,
  nameOf,
  parentSkippingWrappers,
  skipOuterExpressions,
  snippet,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { isBoundedCollection, numericValue } from '../model/bounds.js';
import { constInitializer } from '../model/declarations.js';
import { areTablesOfOneRecord, isFieldsOfOneMessage, isSmallByWhatItIs } from '../model/loop-origin.js';
import {
  arrayLoopCallback,
  confirmTrip,
  isClockRead,
  isDataSized,
  type LoopLike,
  type LoopTrip,
  loopTrip,
  readsClock,
  reschedulesItself,
} from '../model/loops.js';
import { ARRAY_LOOP_METHODS, INLINE_CALLBACK_METHODS } from '../model/node-api.js';
import type { Rule } from '../types.js';

const REGEX_METHODS_WITH_PATTERN_ARGUMENT = new Set(['match', 'matchAll', 'replace', 'replaceAll']);
const MEMBERSHIP_METHODS = new Set(['includes', 'indexOf', 'lastIndexOf']);
const REGEX_NAME = /^(re|rx|regexp?|pattern)$|(Re|RE|Rx|Regexp?|REGEXP?|Pattern|PATTERN)$|_RE$/;
const HASH_FACTORIES = new Set(['createHash', 'createHmac']);
/** Deep copies: their cost is the size of what they copy (lodash, Node-RED's `RED.util.cloneMessage`). */
const DEEP_CLONES = new Set(['cloneDeep', 'cloneDeepWith', 'deepClone', 'deepCopy', 'cloneMessage']);

/** Folders whose files a server hands to browsers as they are: static assets, vendored front-end libraries. */
const SERVED_TO_BROWSERS =
  /(^|\/)(public|static|assets|www|webroot|bower_components|vendor|vendors|third[-_]party|components)\//;

/**
 * A script shipped to web pages (AngularJS in maildev's `app/components/`): it sits in a folder
 * served to browsers, reads `window` or `document`, and loads nothing the Node way. Node never
 * runs it. A page script in the project's own sources (`src/page.js`) is still checked: its
 * listeners run on the page's main thread, which the Web Worker model covers.
 */
function isServedBrowserScript(fileName: string, text: string): boolean {
  return (
    SERVED_TO_BROWSERS.test(fileName.replace(/\\/g, '/')) &&
    /\b(window|document)\.[A-Za-z_$]/.test(text) &&
    !/\brequire\s*\(|\bmodule\.exports\b|\bexports\.[A-Za-z_$]|^\s*(import|export)\s|\bprocess\.[a-z]/m.test(
      text,
    )
  );
}

type Finding =
  | { kind: 'busy-wait'; clock: string }
  | { kind: 'large'; count: number }
  | { kind: 'nested'; outer: string; inner: string }
  | { kind: 'heavy-call'; call: string; per: string };

/** What one walk of a loop body found; candidates are confirmed afterwards, cheapest first. */
interface Scan {
  yields: boolean;
  /** inner loops over collections independent of the outer element (confirmed data-sized later) */
  nested: { trip: LoopTrip; at: ts.Node; label: (context: RuleContext) => string }[];
  /** calls that may be heavy */
  heavy: HeavyCandidate[];
  /** largest literal trip count of a loop nested inside */
  innerCount?: number;
}

/**
 * Collections named like a schema or a configuration (columns, plugins, rules…): a handful of
 * entries chosen by the code. A loop over rows × columns is linear in the rows, not quadratic.
 */
const CONFIG_SIZED_NAME =
  /(columns?|fields?|headers?|plugins?|options|extensions?|conditions?|rules?|patterns?|handlers?|listeners?|middlewares?|hooks?|locales?|languages?|formats?|props|attributes|attrs|flags|modifiers|permissions|roles|scopes|transports|providers|validators|keys|specs?|endings|globs?|Names)$/i;

function looksConfigSized(expression: ts.Expression): boolean {
  let expr = skipOuterExpressions(expression);
  // Object.keys(schema), getPlugins(), this.options.plugins
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    if ((name === 'keys' || name === 'values' || name === 'entries') && expr.arguments[0])
      expr = skipOuterExpressions(expr.arguments[0]);
    else if (name !== undefined && /^get[A-Z]/.test(name)) return CONFIG_SIZED_NAME.test(name);
  }
  const name = nameOf(expr);
  return name !== undefined && CONFIG_SIZED_NAME.test(name);
}

/** Candidates confirmed per loop at most: keeps a pathological body from costing much. */
const MAX_CANDIDATES = 8;

export const cpuHeavyLoop: Rule<'busyWait' | 'large' | 'nested' | 'heavyCall'> = {
  meta: {
    id: 'cpu-heavy-loop',
    category: 'main-thread',
    defaultSeverity: 'warning',
    description:
      'Main-thread loop at run time whose trip count is large or data-sized and whose body does CPU work (nested loops, huge literal bounds, busy-waits, JSON/sort/regex/hashing per element).',
    docsUrl: docsUrl('cpu-heavy-loop'),
    mainThreadOnly: true,
    textTrigger:
      /\b(?:for|while)\b|\.\s*(?:forEach|each|map|filter|reduce|reduceRight|flatMap|some|every|find|findIndex|findLast|findLastIndex)\b/,
    messages: {
      busyWait: 'Busy-wait loop on `{{clock}}` {{where}}',
      large: 'Loop of {{count}} iterations without yielding {{where}}',
      nested: 'Nested loops over {{outer}} and {{inner}} {{where}}',
      heavyCall: '`{{call}}` runs {{per}} {{where}}',
    },
    explanations: {
      busyWait:
        'The loop spins until the deadline passes, and all that time the event loop runs nothing else: no request, timer or I/O callback.\n\nWait without blocking instead: `await setTimeout(ms)` from `node:timers/promises`.',
      large:
        'The loop runs to the end without yielding, so every other request, timer and I/O callback waits for it.\n\nMove it to a worker pool (e.g. piscina), or split it into chunks that yield (`await setImmediate()` from `node:timers/promises` between chunks).',
      nested:
        'The work grows with the product of both sizes and runs without yielding, so every other request waits for it.\n\nIndex one side first (a `Map` or `Set` keyed by the join field) to make it linear, or move the work to a worker pool.',
      heavyCall:
        "The loop's CPU time grows with the data and blocks the event loop until it ends.\n\nHoist the work out of the loop, process the data in chunks that yield (`await setImmediate()` from `node:timers/promises` between chunks), or move the loop to a worker pool (e.g. piscina).",
    },
  },
  create(context) {
    if (isServedBrowserScript(context.fileName, context.text)) return {};
    const threshold = context.thresholds.heavyLoopIterations;
    /** loops already reported (or judged as a whole): loops inside them are not reported again */
    const judged: ts.Node[] = [];
    /** `const n = 1e7; for (let i = 0; i < n; i++)`: only worth a look-up when the file has such a number */
    // (each tested once, when a loop first needs it: most files with loops never do)
    let bigConstants: boolean | undefined;
    const mayHaveBigConstants = (): boolean =>
      (bigConstants ??= /\d{7}|\de[6-9]|\d_\d{3}_\d{3}|\*\*|\d{4} \* \d/.test(context.text));
    let clockReads: boolean | undefined;
    const mayReadClock = (): boolean =>
      (clockReads ??= /\bDate\b|performance\.now|hrtime/.test(context.text));

    const visit = (loop: LoopLike): void => {
      for (const outer of judged) if (loop.pos >= outer.pos && loop.end <= outer.end) return;
      // Cheap syntactic verdict first, then initializer look-ups for suspects, then thread and
      // phase (the first phase query indexes the whole file) only for confirmed findings.
      const confirm = prejudge(context, loop, threshold, mayHaveBigConstants);
      if (!confirm || context.threadOf(loop) === 'worker') return;
      const finding = confirm();
      if (!finding) return;
      // A time-sliced loop: it stops on a clock and its function schedules the rest for a later
      // turn (asked only of findings, in files that read a clock: it walks the loop and its function)
      if (
        finding.kind !== 'busy-wait' &&
        mayReadClock() &&
        !ts.isCallExpression(loop) &&
        readsClock(loop.statement) &&
        reschedulesItself(loop)
      )
        return;
      const phase = context.phaseOf(loop);
      if (phase.phase === 'startup' || (phase.phase === 'unknown' && !phase.exportedAs)) return;
      judged.push(loop);
      const node = reportNode(context, loop);
      switch (finding.kind) {
        case 'busy-wait':
          context.reportOnMainThread({
            node,
            messageId: 'busyWait',
            data: { clock: finding.clock },
          });
          return;
        case 'large':
          context.reportOnMainThread({
            node,
            messageId: 'large',
            data: { count: formatCount(finding.count) },
          });
          return;
        case 'nested':
          context.reportOnMainThread({
            node,
            messageId: 'nested',
            data: { outer: finding.outer, inner: finding.inner },
          });
          return;
        case 'heavy-call':
          context.reportOnMainThread({
            node,
            messageId: 'heavyCall',
            data: { call: finding.call, per: finding.per },
          });
          return;
      }
    };
    const visitStatement = (node: ts.Node): void => visit(node as ts.IterationStatement);
    return {
      [ts.SyntaxKind.ForStatement]: visitStatement,
      [ts.SyntaxKind.ForOfStatement]: visitStatement,
      [ts.SyntaxKind.ForInStatement]: visitStatement,
      [ts.SyntaxKind.WhileStatement]: visitStatement,
      [ts.SyntaxKind.DoStatement]: visitStatement,
      [ts.SyntaxKind.CallExpression](node) {
        const call = node as ts.CallExpression;
        if (arrayLoopCallback(call) || directHeavyCallback(context, call)) visit(call);
      },
    };
  },
};

/**
 * Looks at the loop's header and walks its body once (cheap, syntactic). Returns undefined when
 * the loop cannot be CPU-heavy, else a function that confirms it with the slower look-ups
 * (initializers, length checks, module bindings) and describes the finding.
 */
function prejudge(
  context: RuleContext,
  loop: LoopLike,
  threshold: number,
  mayHaveBigConstants: () => boolean,
): (() => Finding | undefined) | undefined {
  if (ts.isForOfStatement(loop) && loop.awaitModifier) return undefined;
  const trip = loopTrip(loop, threshold);
  switch (trip.kind) {
    case 'spin': {
      const clock = spinClock(loop);
      if (clock) return () => ({ kind: 'busy-wait', clock });
      // a work loop that stops on a clock yields only when it reschedules itself; one that just
      // returns when time is up blocks for as long as the budget and leaves nothing for later
      if (reschedulesItself(loop)) return undefined;
      if (ts.isCallExpression(loop)) return undefined;
      const scan = scanBody(context, loop, trip, threshold);
      if (scan.yields || (scan.heavy.length === 0 && scan.nested.length === 0)) return undefined;
      return () => {
        const call = firstHeavy(scan, false);
        return call
          ? { kind: 'heavy-call', call, per: `on every iteration of ${conditionLabel(context, loop)}` }
          : undefined;
      };
    }
    case 'literal': {
      const scan = scanBody(context, loop, trip, threshold);
      return scan.yields ? undefined : () => ({ kind: 'large', count: trip.count ?? threshold });
    }
    case 'bounded': {
      if (trip.count === undefined || trip.count * 100_000 < threshold) return undefined;
      const scan = scanBody(context, loop, trip, threshold);
      if (scan.yields || scan.innerCount === undefined) return undefined;
      const product = trip.count * scan.innerCount;
      return product >= threshold ? () => ({ kind: 'large', count: product }) : undefined;
    }
    case 'data': {
      const scan = scanBody(context, loop, trip, threshold);
      if (scan.yields) return undefined;
      const mayBeLiteral =
        trip.sourceKind === 'bound' &&
        ts.isIdentifier(skipOuterExpressions(trip.source!)) &&
        mayHaveBigConstants();
      if (scan.nested.length === 0 && scan.heavy.length === 0 && !mayBeLiteral) return undefined;
      return () => {
        const confirmed = confirmTrip(trip, threshold);
        if (confirmed.kind === 'literal') return { kind: 'large', count: confirmed.count ?? threshold };
        if (confirmed.kind !== 'data') return undefined;
        // the trip grows with the parts of one string, a setting or one entity's own table, not
        // with the data the program holds: neither a product nor a pass over the data
        if (looksConfigSized(trip.source!) || isSmallByWhatItIs(trip.source!, loop)) return undefined;
        // a counting loop's bound is a number of indices; a collection is named as it is
        const outerText = `\`${snippet(trip.source!, 48, context.sourceFile)}\``;
        const outer = trip.sourceKind === 'bound' ? `${outerText} indices` : outerText;
        const nested = looksConfigSized(trip.source!) ? [] : scan.nested;
        for (const candidate of nested.slice(0, MAX_CANDIDATES)) {
          if (
            isDataSized(candidate.trip, threshold) &&
            !isSmallByWhatItIs(candidate.trip.source!, candidate.at) &&
            !areTablesOfOneRecord(trip.source!, candidate.trip.source!)
          )
            return { kind: 'nested', outer, inner: `\`${candidate.label(context)}\`` };
        }
        // one regex per element is a pass over the data, not CPU work worth a finding
        const call = firstHeavy(scan, false);
        // `outerText` is quoted already (a second pair of backticks showed as ``rows`` in the row)
        const per =
          trip.sourceKind === 'bound'
            ? `on every iteration of a loop up to ${outerText}`
            : `once per element of ${outerText}`;
        return call ? { kind: 'heavy-call', call, per } : undefined;
      };
    }
    case 'unknown': {
      // while (true) / for (;;) with a clock check inside and nothing else: a spin too
      const clock = spinClock(loop);
      if (clock) return () => ({ kind: 'busy-wait', clock });
      if (ts.isCallExpression(loop)) return undefined;
      const scan = scanBody(context, loop, trip, threshold);
      if (scan.yields || scan.heavy.length === 0) return undefined;
      return () => {
        const call = firstHeavy(scan, false);
        return call
          ? { kind: 'heavy-call', call, per: `on every iteration of ${conditionLabel(context, loop)}` }
          : undefined;
      };
    }
  }
}

/** A call that may be heavy: `confirm` returns its label when it is; `regex` when its cost is a regex match. */
interface HeavyCandidate {
  confirm: () => string | undefined;
  regex: boolean;
}

function firstHeavy(scan: Scan, allowRegex: boolean): string | undefined {
  for (const candidate of scan.heavy.slice(0, MAX_CANDIDATES)) {
    if (candidate.regex && !allowRegex) continue;
    const call = candidate.confirm();
    if (call) return call;
  }
  return undefined;
}

/** What a `while` loop runs on, for the message. */
function conditionLabel(context: RuleContext, loop: ts.IterationStatement): string {
  if (
    (ts.isWhileStatement(loop) || ts.isDoStatement(loop)) &&
    loop.expression.kind !== ts.SyntaxKind.TrueKeyword
  ) {
    return `\`while (${snippet(loop.expression, 48, context.sourceFile)})\``;
  }
  return 'a loop with a data-dependent end';
}

/**
 * A busy-wait: the loop reads a clock (in its condition or in a break check) and does nothing
 * else — no call other than the clock, no await. Returns the clock as written.
 */
function spinClock(loop: LoopLike): string | undefined {
  if (ts.isCallExpression(loop) || ts.isForOfStatement(loop) || ts.isForInStatement(loop)) return undefined;
  let clock: string | undefined;
  let otherWork = false;
  const visit = (node: ts.Node): void => {
    if (otherWork) return;
    if (isClockRead(node)) {
      clock ??= node.getText().replace(/\s+/g, '');
      return;
    }
    if (
      ts.isCallExpression(node) ||
      ts.isNewExpression(node) ||
      ts.isAwaitExpression(node) ||
      ts.isYieldExpression(node) ||
      ts.isReturnStatement(node) ||
      ts.isThrowStatement(node) ||
      isFunctionLike(node)
    ) {
      otherWork = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  if (ts.isForStatement(loop)) {
    if (loop.condition) visit(loop.condition);
    if (loop.incrementor) visit(loop.incrementor);
  } else {
    visit((loop as ts.WhileStatement | ts.DoStatement).expression);
  }
  visit(loop.statement);
  return otherWork ? undefined : clock;
}

/**
 * Walks the loop's body once (including inline callbacks such as `forEach`, not functions that
 * run later) and notes whether it yields (await), heavy calls, and inner loops that multiply the
 * work: a data-sized inner loop over a collection that does not come from the outer element.
 */
function scanBody(context: RuleContext, loop: LoopLike, trip: LoopTrip, threshold: number): Scan {
  const scan: Scan = { yields: false, nested: [], heavy: [] };
  /** names that depend on the element: loop variables and what is computed from them */
  const declared = new Set<string>();
  /** names declared in the body from something else */
  const bodyLocals = new Set<string>();
  let body: ts.Node | undefined;
  if (ts.isCallExpression(loop)) {
    const callback = arrayLoopCallback(loop);
    if (!callback) {
      // items.map(JSON.parse)
      scan.heavy.push({ confirm: () => directHeavyCallback(context, loop), regex: false });
      return scan;
    }
    // rows.reduce((acc, row) => …, []): the accumulator grows with the data, it is not the element
    const growingAccumulator = isArrayReduce(loop) ? callback.parameters[0] : undefined;
    for (const parameter of callback.parameters) {
      if (parameter !== growingAccumulator) addNames(parameter.name, declared);
    }
    if (
      ts.getModifiers(callback)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) &&
      containsAwait(callback.body)
    ) {
      scan.yields = true; // an async callback per element: fan-out, not a blocking loop
      return scan;
    }
    body = callback.body;
  } else {
    if (ts.isForStatement(loop) && loop.initializer && ts.isVariableDeclarationList(loop.initializer)) {
      for (const d of loop.initializer.declarations) addNames(d.name, declared);
    } else if (
      (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) &&
      ts.isVariableDeclarationList(loop.initializer)
    ) {
      for (const d of loop.initializer.declarations) addNames(d.name, declared);
    } else if (
      (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) &&
      ts.isIdentifier(skipOuterExpressions(loop.initializer as ts.Expression))
    ) {
      // `var id; … for (id in nodes)`: the name declared earlier still takes each element
      declared.add((skipOuterExpressions(loop.initializer as ts.Expression) as ts.Identifier).text);
    }
    if (trip.index !== undefined) declared.add(trip.index);
    body = loop.statement;
  }
  // most loop bodies hold nothing the walk below could record (2486 of 2571 in typescript.js):
  // a check of node kinds and callee names rules them out for a fraction of the walk's cost
  if (!body || !mayRecord(body)) return scan;
  const outerIsCollectionLoop =
    !(ts.isWhileStatement(loop) || ts.isDoStatement(loop)) && trip.kind === 'data';
  const isWhile = ts.isWhileStatement(loop) || ts.isDoStatement(loop);
  const isCallLoop = ts.isCallExpression(loop);

  /** names and `this.x` properties the body assigns: what is read from them changes per element */
  let setInLoop: Set<string> | undefined;
  const readsStateSetInLoop = (initializer: ts.Expression): boolean => {
    setInLoop ??= assignedIn(body);
    if (setInLoop.size === 0) return false;
    let found = false;
    const visit = (node: ts.Node): void => {
      if (found) return;
      const key = stateKey(node);
      if (key !== undefined && setInLoop!.has(key)) {
        found = true;
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(initializer);
    return found;
  };
  /** how many inline callbacks deep the walk is (0: the loop body itself) */
  let depth = 0;
  const visit = (node: ts.Node): void => {
    if (scan.yields) return;
    if (ts.isAwaitExpression(node) || ts.isYieldExpression(node)) {
      if (depth === 0) {
        scan.yields = true;
        return;
      }
    } else if (ts.isForOfStatement(node) && node.awaitModifier && depth === 0) {
      scan.yields = true;
      return;
    } else if (ts.isVariableDeclaration(node)) {
      // a name computed from the element depends on it; `const all = db.get(name)` inside the
      // loop does not, and a loop over it multiplies the work
      if (!node.initializer || mentions(node.initializer, declared) || readsStateSetInLoop(node.initializer))
        addNames(node.name, declared);
      else addNames(node.name, bodyLocals);
    } else if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(node.left) &&
      mentions(node.right, declared)
    ) {
      // `node = this.nodes[id]` (a name declared outside the loop) holds the element from here on
      declared.add(node.left.text);
    } else if (ts.isNewExpression(node) && isDynamicRegExp(node)) {
      scan.heavy.push({ confirm: () => 'new RegExp()', regex: false }); // compiles a pattern per element
    } else if (ts.isThrowStatement(node) || (ts.isReturnStatement(node) && depth === 0 && !isCallLoop)) {
      return; // runs once, on the way out of the loop (a callback's return only ends one element)
    } else if (ts.isBlock(node) && depth === 0 && !isCallLoop && leavesTheLoop(node)) {
      return; // if (bad) { log(JSON.stringify(x)); return; }: runs at most once
    } else if (isFunctionLike(node)) {
      if (!isInlineCallback(node)) return; // runs later, not in this loop
      for (const parameter of node.parameters) addNames(parameter.name, declared);
      if (node.body) {
        depth++;
        visit(node.body);
        depth--;
      }
      return;
    }
    if (isInnerLoop(node)) {
      const inner = loopTrip(node, threshold);
      if (inner.count !== undefined && (inner.kind === 'literal' || inner.kind === 'bounded')) {
        scan.innerCount = Math.max(scan.innerCount ?? 0, inner.count);
      }
      if (
        outerIsCollectionLoop &&
        inner.kind === 'data' &&
        !ts.isWhileStatement(node) &&
        !ts.isDoStatement(node) &&
        inner.source &&
        // a count computed in the body (`const n = reader.read()`) changes per element; a
        // collection fetched there (`const all = db.get(name)`) is the same whole collection
        isIndependent(
          inner.source,
          inner.sourceKind === 'bound' ? union(declared, bodyLocals) : declared,
          trip.index,
        ) &&
        !looksConfigSized(inner.source)
      ) {
        const source = inner.source;
        scan.nested.push({ trip: inner, at: node, label: (c) => snippet(source, 48, c.sourceFile) });
      }
    } else if (ts.isCallExpression(node)) {
      if (outerIsCollectionLoop) {
        const receiver = membershipScan(node, declared);
        if (receiver) {
          const method = calleeName(node);
          scan.nested.push({
            trip: { kind: 'data', source: receiver, sourceKind: 'collection' },
            at: node,
            label: (c) => `${snippet(receiver, 48, c.sourceFile)}.${method}()`,
          });
        }
      }
      const heavy = heavyCall(context, node, isWhile);
      if (
        heavy &&
        !(heavy.regex && patternTableLookup(node, declared)) &&
        !copiesOneElement(node) &&
        !serializesOneField(node)
      )
        scan.heavy.push(heavy);
    }
    ts.forEachChild(node, visit);
  };
  /**
   * A deep copy of the element, or of an object the loop has just pointed at it
   * (`msg.payload = array[i]; send(clone(msg))`): it copies one element, a pass over the data.
   * A copy of the same whole object on every iteration (`clone(msg)` of the message being split)
   * costs its size each time.
   */
  const copiesOneElement = (call: ts.CallExpression): boolean => {
    const name = calleeName(call);
    const copied = call.arguments[0];
    if (name === undefined || !DEEP_CLONES.has(name) || !copied) return false;
    return mentions(copied, declared) || readsStateSetInLoop(copied) || !carriesWalkedData(copied, loop);
  };
  /** `JSON.stringify(msg.payload[key])` per field of one message: one pass over that message */
  let overFields: boolean | undefined;
  const serializesOneField = (call: ts.CallExpression): boolean => {
    const name = calleeName(call);
    if ((name !== 'parse' && name !== 'stringify') || !call.arguments[0]) return false;
    if (!mentions(call.arguments[0], declared)) return false;
    overFields ??= isFieldsOfOneMessage(loop);
    return overFields;
  };
  visit(body);
  return scan;
}

/** Methods whose calls the body walk may record: heavy calls (heavyCallConfirmation) and membership scans. */
const RECORDED_METHODS = new Set([
  'parse',
  'stringify',
  'sort',
  'toSorted',
  'test',
  'exec',
  'update',
  ...HASH_FACTORIES,
  ...REGEX_METHODS_WITH_PATTERN_ARGUMENT,
  ...MEMBERSHIP_METHODS,
  ...DEEP_CLONES,
]);

/**
 * Can scanBody's walk of `body` record anything: an await or yield, an inner loop, a `new`
 * expression, or a call it may count as heavy or as a membership scan? A superset (it also looks
 * into functions that run later), so a `false` means the walk would return an empty scan.
 */
function mayRecord(body: ts.Node): boolean {
  const visit = (node: ts.Node): boolean | undefined => {
    switch (node.kind) {
      case ts.SyntaxKind.AwaitExpression:
      case ts.SyntaxKind.YieldExpression:
      case ts.SyntaxKind.NewExpression:
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
        return true;
      case ts.SyntaxKind.CallExpression: {
        const call = node as ts.CallExpression;
        const callee = skipOuterExpressions(call.expression);
        if (
          ts.isIdentifier(callee) &&
          (callee.text === 'structuredClone' ||
            HASH_FACTORIES.has(callee.text) ||
            DEEP_CLONES.has(callee.text))
        )
          return true;
        if (
          ts.isPropertyAccessExpression(callee) &&
          (RECORDED_METHODS.has(callee.name.text) || arrayLoopCallback(call) !== undefined)
        )
          return true;
        break;
      }
    }
    return ts.forEachChild(node, visit);
  };
  return visit(body) === true;
}

/** What a message or request carries: `msg.payload`, `req.body`. */
const CARRIED_DATA = /^(payload|body|data|rows|records|items)$/;

/**
 * Does the copied object carry the data the loop walks? Seen as: the function reads its
 * `payload` / `body` / `data` before the loop (`const rows = parse(msg.payload); for (…)
 * clone(msg)`): every copy then holds the whole input again, and the loop's work is the input's
 * size times its own length. A copy of a message that only triggered the loop (an error message
 * per catch node, the input message per line of a file) is a pass over the loop's own data.
 */
function carriesWalkedData(copied: ts.Expression, loop: LoopLike): boolean {
  const root = skipOuterExpressions(copied);
  if (!ts.isIdentifier(root)) return false;
  let fn: ts.Node | undefined = loop.parent;
  while (fn && !isFunctionLike(fn)) fn = fn.parent;
  if (!fn || !isFunctionLike(fn) || !fn.body) return false;
  const visit = (node: ts.Node): boolean => {
    if (node.pos >= loop.pos) return false;
    if (
      ts.isPropertyAccessExpression(node) &&
      CARRIED_DATA.test(node.name.text) &&
      ts.isIdentifier(skipOuterExpressions(node.expression)) &&
      (skipOuterExpressions(node.expression) as ts.Identifier).text === root.text
    )
      return true;
    return ts.forEachChild(node, visit) === true;
  };
  return visit(fn.body);
}

/** `x` for an identifier, `this.x` for a property of `this`: what an assignment can change. */
function stateKey(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node) && node.expression.kind === ts.SyntaxKind.ThisKeyword)
    return `this.${node.name.text}`;
  return undefined;
}

/** Names and `this.x` properties assigned anywhere in `body`. */
function assignedIn(body: ts.Node | undefined): Set<string> {
  const assigned = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      // `x = …`, `this.x = …`, and a change inside them: `this.fields[k] = v`, `x.y = …`
      let target: ts.Expression = skipOuterExpressions(node.left);
      let key = stateKey(target);
      while (
        key === undefined &&
        (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target))
      ) {
        target = skipOuterExpressions(target.expression);
        key = stateKey(target);
      }
      if (key !== undefined) assigned.add(key);
    }
    ts.forEachChild(node, visit);
  };
  if (body) visit(body);
  return assigned;
}

function union(a: Set<string>, b: Set<string>): Set<string> {
  return b.size === 0 ? a : new Set([...a, ...b]);
}

/** `items.reduce(fn, [])`: the callback's first parameter is an array that grows with the data. */
function isArrayReduce(call: ts.CallExpression): boolean {
  const name = calleeName(call);
  const initial = call.arguments[1];
  return (
    (name === 'reduce' || name === 'reduceRight') &&
    initial !== undefined &&
    ts.isArrayLiteralExpression(skipOuterExpressions(initial))
  );
}

/**
 * A regex that comes from the element, tested against a string that does not: the loop walks a
 * table of patterns (routes, ignore globs, rules — registered or configured, not data), e.g.
 * `for (const layer of this.stack) if (layer.regexp.test(req.url))`, `set.some((re) => re.test(f))`.
 */
function patternTableLookup(call: ts.CallExpression, declared: Set<string>): boolean {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  const [regex, subject] =
    method === 'test' || method === 'exec'
      ? [callee.expression, call.arguments[0]]
      : REGEX_METHODS_WITH_PATTERN_ARGUMENT.has(method)
        ? [call.arguments[0], callee.expression]
        : [undefined, undefined];
  return !!regex && !!subject && mentions(regex, declared) && !mentions(subject, declared);
}

/** Does the expression read any of these names (not as a property name)? */
function mentions(expression: ts.Node, names: Set<string>): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      if (!(ts.isPropertyAccessExpression(parent) && parent.name === node) && names.has(node.text))
        found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

/** A block under an `if` that ends the loop (return, throw, break): its work runs at most once. */
function leavesTheLoop(block: ts.Block): boolean {
  if (!ts.isIfStatement(block.parent)) return false;
  const last = block.statements[block.statements.length - 1];
  return (
    last !== undefined &&
    (ts.isReturnStatement(last) || ts.isThrowStatement(last) || ts.isBreakStatement(last))
  );
}

function isInnerLoop(node: ts.Node): node is LoopLike {
  switch (node.kind) {
    case ts.SyntaxKind.ForStatement:
    case ts.SyntaxKind.ForOfStatement:
    case ts.SyntaxKind.ForInStatement:
    case ts.SyntaxKind.WhileStatement:
    case ts.SyntaxKind.DoStatement:
      return true;
    case ts.SyntaxKind.CallExpression:
      return arrayLoopCallback(node as ts.CallExpression) !== undefined;
    default:
      return false;
  }
}

/** A function that runs inside the call that receives it: array callbacks, sort comparators, IIFEs. */
function isInlineCallback(fn: ts.Node): boolean {
  let parent = fn.parent;
  while (parent && ts.isParenthesizedExpression(parent)) parent = parent.parent;
  if (!parent || !ts.isCallExpression(parent)) return false;
  if (skipOuterExpressions(parent.expression) === fn) return true; // IIFE
  if (!parent.arguments.some((a) => skipOuterExpressions(a) === fn)) return false;
  if (arrayLoopCallback(parent) === fn) return true; // also lodash: _.each(items, fn)
  const name = calleeName(parent);
  return name !== undefined && INLINE_CALLBACK_METHODS.has(name);
}

/**
 * Is the inner loop's collection independent of the outer element? `for (const o of orders)
 * for (const i of o.items)` walks each order's own items (linear in the data); `for (const u of
 * users) for (const o of orders)` multiplies. `for (let j = 0; j < i; j++)` is triangular: quadratic.
 */
function isIndependent(
  source: ts.Expression,
  declared: Set<string>,
  outerIndex: string | undefined,
): boolean {
  const expr = skipOuterExpressions(source);
  if (ts.isIdentifier(expr) && expr.text === outerIndex) return true;
  let dependent = false;
  const visit = (node: ts.Node): void => {
    if (dependent) return;
    if (ts.isIdentifier(node)) {
      if (declared.has(node.text)) dependent = true;
      return;
    }
    if (ts.isPropertyAccessExpression(node)) {
      visit(node.expression); // the property name is not a variable
      return;
    }
    if (isFunctionLike(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(expr);
  return !dependent;
}

/** `ids.includes(x)` inside a loop: a linear scan per element when `ids` is data-sized and not from the element. */
function membershipScan(call: ts.CallExpression, declared: Set<string>): ts.Expression | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !MEMBERSHIP_METHODS.has(callee.name.text)) return undefined;
  const argument = call.arguments[0];
  if (!argument || call.arguments.length > 2) return undefined;
  const arg = skipOuterExpressions(argument);
  // line.indexOf(':'), name.includes('x'): string searches for a literal are cheap
  if (ts.isStringLiteralLike(arg) || ts.isNumericLiteral(arg) || ts.isTemplateExpression(arg))
    return undefined;
  // ids.includes(x): a local array; property chains (state.conditions, this.allowed) are mostly
  // small configuration lists, strings are searched with literals
  const receiver = skipOuterExpressions(callee.expression);
  if (!ts.isIdentifier(receiver) || looksConfigSized(receiver) || looksLikeString(receiver, call))
    return undefined;
  return isIndependent(receiver, declared, undefined) ? receiver : undefined;
}

/** Names of strings: `url.indexOf(prefix)` searches one string, not a collection. */
const STRING_NAME =
  /(url|uri|href|path|pathname|name|str|string|text|line|branch|host|hostname|prefix|suffix|title|label|message|subject|query|body|content|source|html)$/i;

/**
 * `url.indexOf(p)`, `branch.indexOf(remote) === 0`: a search inside one string (named like a
 * string, or a prefix test), whose cost is the string's length, not a second collection's.
 */
function looksLikeString(receiver: ts.Identifier, call: ts.CallExpression): boolean {
  if (STRING_NAME.test(receiver.text)) return true;
  const parent = parentSkippingWrappers(call);
  return (
    ts.isBinaryExpression(parent) &&
    isEqualityOperator(parent.operatorToken.kind) &&
    numericValue(parent.left === call ? parent.right : parent.left) === 0
  );
}

/** `items.map(JSON.parse)`: the heavy call is the callback itself. */
function directHeavyCallback(context: RuleContext, call: ts.CallExpression): string | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !ARRAY_LOOP_METHODS.has(callee.name.text)) return undefined;
  const first = call.arguments[0];
  if (!first) return undefined;
  const fn = skipOuterExpressions(first);
  if (!ts.isPropertyAccessExpression(fn)) return undefined;
  if (context.refersTo(fn, '<global>', 'JSON', 'parse')) return 'JSON.parse()';
  if (context.refersTo(fn, '<global>', 'JSON', 'stringify')) return 'JSON.stringify()';
  return undefined;
}

/** A call whose cost grows with its input and that is worth noticing once per element. */
function heavyCall(
  context: RuleContext,
  call: ts.CallExpression,
  inWhileLoop: boolean,
): HeavyCandidate | undefined {
  const confirm = heavyCallConfirmation(context, call, inWhileLoop);
  if (!confirm) return undefined;
  const callee = skipOuterExpressions(call.expression);
  const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  const regex =
    method === 'test' ||
    method === 'exec' ||
    (method !== undefined && REGEX_METHODS_WITH_PATTERN_ARGUMENT.has(method));
  return { confirm, regex };
}

/**
 * Cheap name checks here; the returned function confirms (module resolution, initializers) and
 * labels the call.
 */
function heavyCallConfirmation(
  context: RuleContext,
  call: ts.CallExpression,
  inWhileLoop: boolean,
): (() => string | undefined) | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (ts.isIdentifier(callee)) {
    const name = callee.text;
    if (name === 'structuredClone') {
      return () =>
        context.refersTo(callee, '<global>', 'structuredClone') ? 'structuredClone()' : undefined;
    }
    if (DEEP_CLONES.has(name)) return () => `${name}()`;
    if (HASH_FACTORIES.has(name) && context.bindings.modules.has('crypto')) {
      return () => (context.refersTo(callee, 'crypto', name) ? `crypto.${name}()` : undefined);
    }
    return undefined;
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const receiver = skipOuterExpressions(callee.expression);
  if (DEEP_CLONES.has(method)) return () => `${snippet(callee, 40, context.sourceFile)}()`;
  switch (method) {
    case 'parse':
    case 'stringify':
      return () => (context.refersTo(callee, '<global>', 'JSON', method) ? `JSON.${method}()` : undefined);
    case 'sort':
    case 'toSorted':
      return () => (isBoundedCollection(receiver) ? undefined : `.${method}()`);
    case 'test':
      return call.arguments.length === 1
        ? () => (isRegexish(receiver) ? 'RegExp.test()' : undefined)
        : undefined;
    case 'exec':
      // while ((m = re.exec(s))): exec is how the loop walks the string, not extra work
      return inWhileLoop ? undefined : () => (isRegexish(receiver) ? 'RegExp.exec()' : undefined);
    case 'createHash':
    case 'createHmac':
      if (!context.bindings.modules.has('crypto')) return undefined;
      return () => (context.refersTo(callee, 'crypto', method) ? `crypto.${method}()` : undefined);
    case 'update':
      if (!context.bindings.modules.has('crypto')) return undefined;
      return () => (isHashObject(context, receiver) ? 'hash.update()' : undefined);
    default: {
      const pattern = call.arguments[0];
      if (!pattern || !REGEX_METHODS_WITH_PATTERN_ARGUMENT.has(method)) return undefined;
      if (pattern.kind === ts.SyntaxKind.RegularExpressionLiteral)
        return () => `String.${method}() with a regex`;
      if (ts.isStringLiteralLike(pattern)) return undefined;
      return () => (isRegexish(pattern) ? `String.${method}() with a regex` : undefined);
    }
  }
}

/** `new RegExp(\`${prefix}$\`)`: a pattern built (and compiled) from a value, not a constant. */
function isDynamicRegExp(node: ts.NewExpression): boolean {
  const callee = skipOuterExpressions(node.expression);
  const pattern = node.arguments?.[0];
  return (
    ts.isIdentifier(callee) &&
    callee.text === 'RegExp' &&
    pattern !== undefined &&
    !ts.isStringLiteralLike(pattern) &&
    pattern.kind !== ts.SyntaxKind.RegularExpressionLiteral
  );
}

function isRegexish(expression: ts.Expression, depth = 0): boolean {
  const expr = skipOuterExpressions(expression);
  if (expr.kind === ts.SyntaxKind.RegularExpressionLiteral) return true;
  if ((ts.isNewExpression(expr) || ts.isCallExpression(expr)) && calleeName(expr) === 'RegExp') return true;
  if (ts.isIdentifier(expr)) {
    if (REGEX_NAME.test(expr.text)) return true;
    if (depth < 2) {
      const initializer = constInitializer(expr);
      return initializer !== undefined && isRegexish(initializer, depth + 1);
    }
    return false;
  }
  if (ts.isPropertyAccessExpression(expr)) return REGEX_NAME.test(expr.name.text);
  return false;
}

/** `hash` in `const hash = crypto.createHash('sha256'); … hash.update(x)`, or the chained call itself. */
function isHashObject(context: RuleContext, expression: ts.Expression): boolean {
  let expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) {
    const initializer = constInitializer(expr);
    if (!initializer) return false;
    expr = skipOuterExpressions(initializer);
  }
  while (ts.isCallExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    if (ts.isIdentifier(callee))
      return HASH_FACTORIES.has(callee.text) && context.refersTo(callee, 'crypto', callee.text);
    if (!ts.isPropertyAccessExpression(callee)) return false;
    if (HASH_FACTORIES.has(callee.name.text)) return context.refersTo(callee, 'crypto', callee.name.text);
    expr = skipOuterExpressions(callee.expression);
  }
  return false;
}

function containsAwait(node: ts.Node | undefined): boolean {
  if (!node) return false;
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found) return;
    if (ts.isAwaitExpression(child) || (ts.isForOfStatement(child) && child.awaitModifier)) {
      found = true;
      return;
    }
    if (isFunctionLike(child)) return;
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

function addNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) if (ts.isBindingElement(element)) addNames(element.name, into);
}

/** Where to put the squiggle: the loop keyword, or `items.forEach` for an array method. */
function reportNode(context: RuleContext, loop: LoopLike): ts.Node {
  if (ts.isCallExpression(loop)) return loop.expression;
  return loop.getFirstToken(context.sourceFile) ?? loop;
}

function formatCount(count: number): string {
  if (count >= 1e9 && count % 1e9 === 0) return `${count / 1e9}e9`;
  return Math.round(count).toLocaleString('en-US');
}
