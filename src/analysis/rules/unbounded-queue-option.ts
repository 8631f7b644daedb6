// unbounded-queue-option: a queue or pool library built with no limit where tasks come from run-time
// code: `new PQueue()` without `concurrency`, `async.queue()`/`fastq()` without a concurrency,
// piscina/tinypool/workerpool without a queue limit (or with Infinity), and streams built with
// `highWaterMark: Infinity`.
import ts from 'typescript';
import { queueLimitSuggestion } from '../../fixes/unbounded-queue-option.js';
import { hasModifier, isFunctionLike, skipOuterExpressions } from '../ast.js';
import { describeWhere, memberNames, type PendingFinding, type RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import type { ModuleReference } from '../model/modules.js';
import type { PhaseInfo } from '../model/phase.js';
import { propertyValue } from '../model/threads.js';
import type { Fix, Rule } from '../types.js';

type Library = 'p-queue' | 'async' | 'fastq' | 'piscina' | 'tinypool' | 'workerpool';

/**
 * How the limit is missing: not given (library default), given as Infinity, or — for async and
 * fastq, which have no queue-length option — a concurrency given but nothing bounding the tasks
 * that wait ('backlog').
 */
type Missing = 'default' | 'infinite' | 'backlog';

interface Creation {
  library: Library;
  node: ts.Expression;
  missing: Missing;
  /** what is missing, for the message: 'concurrency', 'maxQueue', 'maxQueueSize' */
  option: string;
  /** how the code names the instance: 'id:queue' or 'this:queue' */
  key: string | undefined;
  exported: boolean;
  /** for a variable declared inside a function: that function (feeds elsewhere name another variable) */
  scope?: ts.Node;
}

/** Methods that hand a task to each library. */
const FEED_METHODS: Record<Library, ReadonlySet<string>> = {
  'p-queue': new Set(['add', 'addAll']),
  async: new Set(['push', 'unshift', 'pushAsync', 'unshiftAsync']),
  fastq: new Set(['push', 'unshift']),
  piscina: new Set(['run', 'runTask']),
  tinypool: new Set(['run']),
  workerpool: new Set(['exec', 'proxy']),
};
const ALL_FEED_METHODS = new Set(Object.values(FEED_METHODS).flatMap((set) => [...set]));
const ASYNC_MODULES = new Set(['async', 'async-es', 'neo-async']);
const STREAM_CLASSES = /^(Readable|Writable|Duplex|Transform|PassThrough)$/;
const HIGH_WATER_MARK_OPTIONS = ['highWaterMark', 'readableHighWaterMark', 'writableHighWaterMark'];

/** `Infinity`, `Number.POSITIVE_INFINITY`, `Number.MAX_SAFE_INTEGER`, `Number.MAX_VALUE`. */
function isUnlimited(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isIdentifier(expr)) return expr.text === 'Infinity';
  if (
    ts.isPropertyAccessExpression(expr) &&
    ts.isIdentifier(expr.expression) &&
    expr.expression.text === 'Number'
  ) {
    return /^(POSITIVE_INFINITY|MAX_SAFE_INTEGER|MAX_VALUE)$/.test(expr.name.text);
  }
  return false;
}

/** What an options object literal says about `key`: absent, unlimited, limited, or unknown (spread). */
function optionState(options: ts.Expression | undefined, keys: string[]): Missing | 'limited' | 'unknown' {
  if (!options) return 'default';
  const object = skipOuterExpressions(options);
  if (!ts.isObjectLiteralExpression(object)) return 'unknown';
  for (const key of keys) {
    const value = propertyValue(object, key);
    if (value) return isUnlimited(value) ? 'infinite' : 'limited';
  }
  return object.properties.some(ts.isSpreadAssignment) ? 'unknown' : 'default';
}

function libraryOf(reference: ModuleReference | undefined, isNew: boolean): Library | 'stream' | undefined {
  if (!reference) return undefined;
  const { module, path } = reference;
  const last = path[path.length - 1];
  if (isNew) {
    if (module === 'p-queue' && (path.length === 0 || last === 'default' || last === 'PQueue'))
      return 'p-queue';
    if (module === 'piscina' && (path.length === 0 || last === 'default' || last === 'Piscina'))
      return 'piscina';
    if (module === 'tinypool' && (path.length === 0 || last === 'default' || last === 'Tinypool'))
      return 'tinypool';
    if (
      (module === 'stream' || module === 'readable-stream') &&
      last !== undefined &&
      STREAM_CLASSES.test(last)
    )
      return 'stream';
    return undefined;
  }
  const [base, ...rest] = module.split('/');
  const fullPath = [...rest, ...path];
  if (
    base !== undefined &&
    ASYNC_MODULES.has(base) &&
    fullPath.length === 1 &&
    (fullPath[0] === 'queue' || fullPath[0] === 'priorityQueue')
  ) {
    return 'async';
  }
  if (
    module === 'fastq' &&
    (path.length === 0 || (path.length === 1 && (last === 'promise' || last === 'default')))
  )
    return 'fastq';
  if (module === 'workerpool' && path.length === 1 && last === 'pool') return 'workerpool';
  return undefined;
}

/** The name the created instance is stored under: `const q = …` → 'id:q', `this.q = …` / `q = …` field → 'this:q'. */
function storageOf(node: ts.Expression): { key: string | undefined; declaration: ts.Node | undefined } {
  let parent = node.parent;
  while (
    ts.isParenthesizedExpression(parent) ||
    ts.isAsExpression(parent) ||
    ts.isSatisfiesExpression(parent)
  )
    parent = parent.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name))
    return { key: `id:${parent.name.text}`, declaration: parent };
  if (
    ts.isPropertyDeclaration(parent) &&
    (ts.isIdentifier(parent.name) || ts.isPrivateIdentifier(parent.name))
  ) {
    return { key: `this:${parent.name.text}`, declaration: parent };
  }
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const left = skipOuterExpressions(parent.left);
    if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) {
      return { key: `this:${left.name.text}`, declaration: undefined };
    }
    if (ts.isIdentifier(left)) return { key: `id:${left.text}`, declaration: undefined };
  }
  return { key: undefined, declaration: undefined };
}

function within(node: ts.Node, ancestor: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

function feedKey(receiver: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(receiver);
  if (ts.isIdentifier(expr)) return `id:${expr.text}`;
  if (ts.isPropertyAccessExpression(expr) && expr.expression.kind === ts.SyntaxKind.ThisKeyword)
    return `this:${expr.name.text}`;
  return undefined;
}

const DISPLAY: Record<Library, string> = {
  'p-queue': '`new PQueue()`',
  async: '`async.queue()`',
  fastq: '`fastq()`',
  piscina: '`new Piscina()`',
  tinypool: '`new Tinypool()`',
  workerpool: '`workerpool.pool()`',
};

export const unboundedQueueOption: Rule<
  'pQueue' | 'asyncQueue' | 'asyncBacklog' | 'fastqMissing' | 'pool' | 'stream'
> = {
  meta: {
    id: 'unbounded-queue-option',
    category: 'unbounded-queue',
    defaultSeverity: 'warning',
    description:
      'Queue or pool library built with no limit (p-queue, async.queue, fastq, piscina, tinypool, workerpool) and fed at run time, or a stream with highWaterMark: Infinity.',
    docsUrl: docsUrl('unbounded-queue-option'),
    textTrigger:
      /['"`](?:p-queue|async|async-es|neo-async|fastq|piscina|tinypool|workerpool)(?:\/[\w.-]+)?['"`]|[hH]ighWaterMark/,
    messages: {
      pQueue: '{{api}} is built {{detail}}, so tasks added {{where}} run with no limit',
      asyncQueue: '{{api}} is built {{detail}}; its backlog of tasks pushed {{where}} is unbounded',
      fastqMissing: '{{api}} is built without a concurrency; tasks pushed {{where}} never start',
      asyncBacklog: '{{api}} limits the tasks running, not those waiting: tasks pushed {{where}} pile up',
      pool: '{{api}} is built {{detail}}: its task queue is unbounded',
      stream: '`{{option}}: Infinity` turns off backpressure for this stream',
    },
    explanations: {
      pQueue:
        'p-queue then starts every task at once, so a burst holds all of them (and the data they close over) in memory.\n\nSet `concurrency`, and shed load when `queue.size` reaches a limit (or `await queue.onSizeLessThan(n)`) before adding.',
      asyncQueue:
        "Nothing bounds the queue's backlog: tasks pile up in memory whenever they arrive faster than the worker finishes them.\n\nPass an explicit concurrency and check `q.length()` against a limit before pushing (reject, drop or pause the source when it is full).",
      asyncBacklog:
        'The concurrency bounds how many tasks run at once; every other pushed task waits in memory, so when tasks arrive faster than they finish the backlog grows without limit.\n\nCheck `q.length()` against a limit before pushing (reject, drop or pause the source), or pause the source in `q.saturated` and resume it in `q.unsaturated`.',
      fastqMissing:
        'Current fastq versions throw without a concurrency; older ones never start the pushed tasks, which then pile up in memory.\n\nPass a concurrency (>= 1) and check `q.length()` against a limit before pushing.',
      pool: 'Tasks submitted {{where}} wait in an in-memory queue with no limit, so under load memory and latency grow without bound instead of failing fast.\n\nSet `{{option}}` ({{suggestion}}) and turn the "queue full" error into a 503 / retry.',
      stream:
        '`write()`/`push()` never return false, so a fast producer buffers everything in memory.\n\nKeep the default or set a finite limit.',
    },
  },
  create(context) {
    // a browser bundle's queue lives in one user's tab, not in a server
    if (context.fileKind === 'test' || context.fileKind === 'script' || context.runsInBrowser) return {};
    const creations: Creation[] = [];
    /** feed calls by instance key: 'id:q' → calls */
    const feeds = new Map<string, ts.CallExpression[]>();
    const exportedNames = new Set<string>();

    const record = (library: Library, node: ts.Expression, missing: Missing, option: string): void => {
      const { key, declaration } = storageOf(node);
      let exported = false;
      let scope: ts.Node | undefined;
      if (declaration && ts.isVariableDeclaration(declaration)) {
        const statement = declaration.parent.parent;
        exported = ts.isVariableStatement(statement) && hasModifier(statement, ts.SyntaxKind.ExportKeyword);
        for (let n: ts.Node | undefined = declaration.parent; n && !ts.isSourceFile(n); n = n.parent) {
          if (isFunctionLike(n)) {
            scope = n;
            break;
          }
        }
      }
      creations.push({ library, node, missing, option, key, exported, scope });
    };

    const checkStreamOptions = (options: ts.Expression | undefined): void => {
      if (!options) return;
      const object = skipOuterExpressions(options);
      if (!ts.isObjectLiteralExpression(object)) return;
      for (const option of HIGH_WATER_MARK_OPTIONS) {
        const value = propertyValue(object, option);
        if (value && isUnlimited(value)) {
          context.report({ node: value.parent, messageId: 'stream', data: { option } });
        }
      }
    };

    return {
      [ts.SyntaxKind.NewExpression](node) {
        const expression = node as ts.NewExpression;
        if (!rootIsImported(expression.expression, context)) return;
        const library = libraryOf(context.resolve(expression.expression), true);
        if (!library) return;
        const options = expression.arguments?.[0];
        if (library === 'stream') {
          checkStreamOptions(options);
          return;
        }
        if (library === 'p-queue') {
          const state = optionState(options, ['concurrency']);
          if (state === 'limited' || state === 'unknown') return;
          // intervalCap rate-limits the queue: a limit, even with unbounded concurrency
          const object = options && skipOuterExpressions(options);
          if (
            state === 'default' &&
            object &&
            ts.isObjectLiteralExpression(object) &&
            propertyValue(object, 'intervalCap')
          )
            return;
          record(library, expression, state, 'concurrency');
          return;
        }
        const state = optionState(options, ['maxQueue']);
        if (state === 'limited' || state === 'unknown') return;
        record(library, expression, state, 'maxQueue');
      },
      [ts.SyntaxKind.CallExpression](node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        if (callee.kind === ts.SyntaxKind.SuperKeyword) {
          checkSuperStreamOptions(call);
          return;
        }
        if (ts.isPropertyAccessExpression(callee) && ALL_FEED_METHODS.has(callee.name.text)) {
          const key = feedKey(callee.expression);
          if (key) {
            const list = feeds.get(key);
            if (list) list.push(call);
            else feeds.set(key, [call]);
          }
        }
        if (!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee)) return;
        // Queue libraries are reached through an import binding; resolving every other call costs.
        if (!rootIsImported(callee, context)) return;
        const library = libraryOf(context.resolve(callee), false);
        if (!library || library === 'stream') return;
        const args = call.arguments;
        if (library === 'workerpool') {
          // workerpool.pool([script], [options])
          const options = args.find((a) => ts.isObjectLiteralExpression(skipOuterExpressions(a)));
          if (!options && args.length >= 2) return; // options passed as a variable: unknown
          const state = optionState(options, ['maxQueueSize']);
          if (state === 'limited' || state === 'unknown') return;
          record(library, call, state, 'maxQueueSize');
          return;
        }
        // async.queue(worker, concurrency); fastq([that,] worker, concurrency)
        let concurrency: ts.Expression | undefined;
        if (library === 'async') concurrency = args[1];
        else if (args.length >= 3) concurrency = args[2];
        else if (args.length === 2) concurrency = isFunctionValue(args[0]!) ? args[1] : undefined;
        record(
          library,
          call,
          !concurrency ? 'default' : isUnlimited(concurrency) ? 'infinite' : 'backlog',
          'concurrency',
        );
      },
      [ts.SyntaxKind.ExportSpecifier](node) {
        const specifier = node as ts.ExportSpecifier;
        if (!specifier.parent.parent.moduleSpecifier)
          exportedNames.add((specifier.propertyName ?? specifier.name).text);
      },
      [ts.SyntaxKind.ExportAssignment](node) {
        const expression = skipOuterExpressions((node as ts.ExportAssignment).expression);
        if (ts.isIdentifier(expression)) exportedNames.add(expression.text);
      },
      [ts.SyntaxKind.BinaryExpression](node) {
        const binary = node as ts.BinaryExpression;
        if (binary.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
        const left = binary.left.getText(context.sourceFile);
        if (!/^(module\.)?exports\b/.test(left)) return;
        const right = skipOuterExpressions(binary.right);
        if (ts.isIdentifier(right)) exportedNames.add(right.text);
        else if (ts.isObjectLiteralExpression(right)) {
          for (const property of right.properties) {
            if (ts.isShorthandPropertyAssignment(property)) exportedNames.add(property.name.text);
            else if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.initializer)) {
              exportedNames.add(property.initializer.text);
            }
          }
        }
      },
      onEnd() {
        for (const creation of creations) check(creation);
      },
    };

    /**
     * An async/fastq queue with a concurrency: it bounds the tasks running, not the ones waiting.
     * Flagged like an array FIFO: fed at run time (a feed we can see, not only an export), with no
     * look at its backlog anywhere in the file (`q.length()`, `q.saturated`/`unsaturated` to pause
     * the source).
     */
    /**
     * The first call that adds a task to the creation's queue at run time (or in exported code),
     * and how many start-up calls add one before it.
     */
    function feedsOf(creation: Creation): {
      runtimeFeed?: { call: ts.CallExpression; phase: PhaseInfo };
      startupFeeds: number;
    } {
      const { library, key } = creation;
      let startupFeeds = 0;
      for (const call of key ? (feeds.get(key) ?? []) : []) {
        if (creation.scope && !within(call, creation.scope)) continue;
        const method = (call.expression as ts.PropertyAccessExpression).name.text;
        if (!FEED_METHODS[library].has(method)) continue;
        const phase = context.phaseOf(call);
        if (phase.phase === 'runtime' || (phase.phase === 'unknown' && phase.exportedAs))
          return { runtimeFeed: { call, phase }, startupFeeds };
        if (phase.phase === 'startup') startupFeeds++;
      }
      return { startupFeeds };
    }

    /** Where a run-time feed runs: its call chain, or the exported function it is in. */
    function feedWhere(phase: PhaseInfo): string {
      return phase.phase === 'runtime'
        ? describeWhere(phase.chain)
        : `in exported \`${phase.exportedAs?.[0] ?? 'function'}\``;
    }

    function checkBacklog(creation: Creation): void {
      const { library, key } = creation;
      if (!key) return;
      const { runtimeFeed } = feedsOf(creation);
      if (!runtimeFeed || watchesBacklog(key)) return;
      const { phase } = runtimeFeed;
      const where = feedWhere(phase);
      context.report(
        {
          node: creation.node,
          messageId: 'asyncBacklog',
          data: { api: DISPLAY[library], where },
          related: [
            context.related(runtimeFeed.call, 'a task is added here'),
            ...phase.chain.map((step) => context.related(step.node, step.label)),
          ],
        },
        feedCondition(phase),
      );
    }

    /**
     * A feed that is run time only by assumption (a method, an exported function) waits for the
     * project index: reported when something calls it at run time, or as a library's public API.
     */
    function feedCondition(phase: PhaseInfo): PendingFinding['condition'] {
      if (phase.phase === 'runtime') return phase.assumed ? { ifRuntime: phase.assumed } : undefined;
      const exports = phase.exportedAs ?? [];
      return { ifRuntime: { methods: memberNames(exports), exports, asyncApi: true } };
    }

    /** `q.length()`, `q.saturated = …`, `q.unsaturated(…)`, `q.buffer`: the code looks at the backlog. */
    function watchesBacklog(key: string): boolean {
      const name = key.slice(key.indexOf(':') + 1).replace(/[$]/g, '\\$&');
      const receiver = key.startsWith('this:') ? `this\\s*\\.\\s*${name}` : `\\b${name}`;
      return new RegExp(`${receiver}\\s*\\.\\s*(?:length\\s*\\(|saturated\\b|unsaturated\\b|buffer\\b)`).test(
        context.text,
      );
    }

    function checkSuperStreamOptions(call: ts.CallExpression): void {
      let current: ts.Node | undefined = call.parent;
      while (current && !ts.isClassDeclaration(current) && !ts.isClassExpression(current))
        current = current.parent;
      const heritage = current?.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)
        ?.types[0];
      if (!heritage) return;
      if (libraryOf(context.resolve(heritage.expression), true) !== 'stream') return;
      checkStreamOptions(call.arguments[0]);
    }

    function check(creation: Creation): void {
      if (creation.missing === 'backlog') {
        checkBacklog(creation);
        return;
      }
      const { library, key } = creation;
      const { runtimeFeed, startupFeeds } = feedsOf(creation);
      const exported =
        creation.exported || (key?.startsWith('id:') === true && exportedNames.has(key.slice(3)));
      let where: string;
      if (runtimeFeed) {
        where = feedWhere(runtimeFeed.phase);
      } else {
        // A pool left at its library default counts only with a feed we can see; an explicit
        // Infinity (or a p-queue/async/fastq queue, which is never bounded by default) also counts
        // when the instance is exported for other modules to feed.
        const explicit =
          creation.missing === 'infinite' ||
          library === 'p-queue' ||
          library === 'async' ||
          library === 'fastq';
        if (!exported || !explicit || startupFeeds > 0) return;
        where = 'by the modules that import it';
      }
      const detail =
        creation.missing === 'infinite'
          ? `with \`${creation.option}: Infinity\``
          : `without \`${creation.option}\``;
      const related = runtimeFeed
        ? [
            context.related(runtimeFeed.call, 'a task is added here'),
            ...runtimeFeed.phase.chain.map((s) => context.related(s.node, s.label)),
          ]
        : undefined;
      const api = DISPLAY[library];
      if (library === 'p-queue') {
        context.report({
          node: creation.node,
          messageId: 'pQueue',
          data: { api, detail, where },
          related,
          fixes: suggestionFor(creation, 'p-queue', context),
        });
      } else if (library === 'fastq' && creation.missing === 'default') {
        context.report({ node: creation.node, messageId: 'fastqMissing', data: { api, where }, related });
      } else if (library === 'async' || library === 'fastq') {
        const asyncDetail =
          creation.missing === 'infinite'
            ? 'with an unlimited concurrency'
            : 'without a concurrency (so one task at a time)';
        context.report({
          node: creation.node,
          messageId: 'asyncQueue',
          data: { api, detail: asyncDetail, where },
          related,
        });
      } else {
        const suggestion = library === 'piscina' ? "`'auto'` = maxThreads², or a number" : 'a number';
        context.report({
          node: creation.node,
          messageId: 'pool',
          data: { api, detail, where, option: creation.option, suggestion },
          related,
          fixes: library === 'piscina' ? suggestionFor(creation, 'piscina', context) : [],
        });
      }
    }
  },
};

/** The `maxQueue: 'auto'` / `concurrency` suggestion, when the options are written at the creation. */
function suggestionFor(creation: Creation, library: 'piscina' | 'p-queue', context: RuleContext): Fix[] {
  if (!ts.isNewExpression(creation.node)) return [];
  const fix = queueLimitSuggestion(context.sourceFile, creation.node, library, context.fileName);
  return fix ? [fix] : [];
}

/** A worker function argument (as opposed to fastq's `that` context: `this`, an object, null). */
function isFunctionValue(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  return !(
    expr.kind === ts.SyntaxKind.ThisKeyword ||
    expr.kind === ts.SyntaxKind.NullKeyword ||
    ts.isObjectLiteralExpression(expr)
  );
}

/** Is the root name of `a.b.c` bound by an import or require in this file? */
function rootIsImported(expression: ts.Expression, context: RuleContext): boolean {
  let root = skipOuterExpressions(expression);
  while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root))
    root = skipOuterExpressions(root.expression);
  if (ts.isCallExpression(root)) return true; // require('p-queue').default …
  return ts.isIdentifier(root) && context.bindings.isBoundName(root.text);
}
