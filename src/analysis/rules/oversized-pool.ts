// oversized-pool: a CPU worker pool sized above the number of cores.
import ts from 'typescript';
import { availableParallelismFix } from '../../fixes/oversized-pool.js';
import { calleeName, isFunctionLike, isLoop, parentSkippingWrappers, skipOuterExpressions } from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { numericValue } from '../model/bounds.js';
import { constInitializer } from '../model/declarations.js';
import { isThreadSpawn, propertyValue, type WorkerSpawn } from '../model/threads.js';
import {
  callableName,
  isCoresExpression,
  registrationOf,
  upperBoundsOf,
  type WorkerUsageIndex,
  workerUsage,
} from '../model/worker-usage.js';
import { WORKER_CREATION_TRIGGER } from '../text-triggers.js';
import type { Rule } from '../types.js';

const DEFAULT_MAX_THREADS = 16;

/** A pool size as `cores × factor + constant` (factor 0 for a fixed number). */
interface Size {
  factor: number;
  constant: number;
}

interface Evaluation {
  context: RuleContext;
  limit: number;
}

function oversized(size: Size, limit: number): boolean {
  if (size.factor > 1) return true;
  if (size.factor === 1) return size.constant > 0;
  return size.constant > limit;
}

/** Evaluates a pool-size expression; undefined when it depends on something unknown (a config value). */
function evaluate(expression: ts.Expression, evaluation: Evaluation, depth = 0): Size | undefined {
  if (depth > 6) return undefined;
  const { context, limit } = evaluation;
  const expr = skipOuterExpressions(expression);
  if (ts.isNumericLiteral(expr)) return { factor: 0, constant: Number(expr.text.replace(/_/g, '')) };
  if (isCoresExpression(expr, context)) return { factor: 1, constant: 0 };
  if (ts.isIdentifier(expr)) {
    if (expr.text === 'Infinity' && context.refersTo(expr, '<global>', 'Infinity'))
      return { factor: 0, constant: Number.POSITIVE_INFINITY };
    const initializer = constInitializer(expr);
    return initializer ? evaluate(initializer, evaluation, depth + 1) : undefined;
  }
  if (ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.PlusToken)
    return evaluate(expr.operand, evaluation, depth + 1);
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      // options.maxThreads ?? 64: the default is what runs unless configured
      const fallback = evaluate(expr.right, evaluation, depth + 1);
      if (fallback && oversized(fallback, limit)) return fallback;
      const left = evaluate(expr.left, evaluation, depth + 1);
      return left && oversized(left, limit) ? left : undefined;
    }
    const left = evaluate(expr.left, evaluation, depth + 1);
    const right = evaluate(expr.right, evaluation, depth + 1);
    if (!left || !right) return undefined;
    switch (op) {
      case ts.SyntaxKind.PlusToken:
        return { factor: left.factor + right.factor, constant: left.constant + right.constant };
      case ts.SyntaxKind.MinusToken:
        return { factor: left.factor - right.factor, constant: left.constant - right.constant };
      case ts.SyntaxKind.AsteriskToken:
        if (left.factor === 0)
          return { factor: right.factor * left.constant, constant: right.constant * left.constant };
        if (right.factor === 0)
          return { factor: left.factor * right.constant, constant: left.constant * right.constant };
        return undefined;
      case ts.SyntaxKind.SlashToken:
        if (right.factor === 0 && right.constant !== 0) {
          return { factor: left.factor / right.constant, constant: left.constant / right.constant };
        }
        return undefined;
      case ts.SyntaxKind.LessThanLessThanToken:
        if (right.factor === 0)
          return { factor: left.factor * 2 ** right.constant, constant: left.constant * 2 ** right.constant };
        return undefined;
      default:
        return undefined;
    }
  }
  if (ts.isConditionalExpression(expr)) {
    const whenTrue = evaluate(expr.whenTrue, evaluation, depth + 1);
    const whenFalse = evaluate(expr.whenFalse, evaluation, depth + 1);
    if (whenTrue && oversized(whenTrue, limit)) return whenTrue;
    if (whenFalse && oversized(whenFalse, limit)) return whenFalse;
    return whenTrue && whenFalse ? whenTrue : undefined;
  }
  if (ts.isCallExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    const isMath =
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === 'Math';
    const name = calleeName(expr);
    if (
      isMath &&
      (name === 'floor' || name === 'ceil' || name === 'round' || name === 'trunc') &&
      expr.arguments[0]
    ) {
      return evaluate(expr.arguments[0], evaluation, depth + 1);
    }
    if (isMath && (name === 'max' || name === 'min')) {
      const sizes = expr.arguments.map((a) => evaluate(a, evaluation, depth + 1));
      if (name === 'max') {
        // any oversized argument makes the maximum oversized
        return sizes.find((s) => s && oversized(s, limit)) ?? (sizes.every((s) => s) ? sizes[0] : undefined);
      }
      // min(…) is oversized only when every argument is
      if (sizes.some((s) => s && !oversized(s, limit))) return sizes.find((s) => s && !oversized(s, limit));
      return sizes.every((s) => s) ? sizes[0] : undefined;
    }
  }
  return undefined;
}

function describe(size: Size): string {
  if (size.factor === 0)
    return size.constant === Number.POSITIVE_INFINITY ? 'an unlimited number of' : `${size.constant}`;
  const times = size.factor === 1 ? 'the core count' : `${size.factor} × the core count`;
  if (size.constant === 0) return times;
  return `${times} ${size.constant > 0 ? '+' : '-'} ${Math.abs(size.constant)}`;
}

/** Does a comment next to the pool say it is for I/O (network, disk), not CPU work? */
function documentedAsIoPool(node: ts.Node, context: RuleContext): boolean {
  const text = context.sourceFile.text;
  let statement: ts.Node = node;
  while (statement.parent && !ts.isSourceFile(statement.parent) && !ts.isBlock(statement.parent))
    statement = statement.parent;
  const ranges = [
    ...(ts.getLeadingCommentRanges(text, statement.pos) ?? []),
    ...(ts.getLeadingCommentRanges(text, node.pos) ?? []),
    ...(ts.getTrailingCommentRanges(text, node.end) ?? []),
  ];
  return ranges.some((r) => /\bI\/O\b|\bio[- ]bound\b|\bnetwork\b/i.test(text.slice(r.pos, r.end)));
}

interface SizeSite {
  /** the expression that sets the size (the option value or the loop bound) */
  node: ts.Expression;
  label: string;
}

/** Pool options: `new Piscina({ maxThreads })`, `workerpool.pool(file, { maxWorkers })`, options held in a const. */
function poolSizeSites(spawn: WorkerSpawn): SizeSite[] {
  let options: ts.Expression | undefined = spawn.options;
  const args = spawn.node.arguments ?? [];
  if (spawn.kind === 'workerpool') {
    options = args.find((a) => ts.isObjectLiteralExpression(skipOuterExpressions(a))) ?? args[1];
  } else if (!options && (spawn.kind === 'piscina' || spawn.kind === 'tinypool')) {
    options = args[0];
  }
  if (!options) return [];
  let object = skipOuterExpressions(options);
  if (ts.isIdentifier(object)) {
    const initializer = constInitializer(object);
    if (!initializer) return [];
    object = skipOuterExpressions(initializer);
  }
  if (!ts.isObjectLiteralExpression(object)) return [];
  const keys = spawn.kind === 'workerpool' ? ['maxWorkers', 'minWorkers'] : ['maxThreads', 'minThreads'];
  // several tasks per thread at once only makes sense for async I/O tasks: not a CPU pool
  const perWorker = propertyValue(object, 'concurrentTasksPerWorker');
  if (perWorker && numericValue(perWorker) !== 1) return [];
  const sites: SizeSite[] = [];
  for (const key of keys) {
    const value = propertyValue(object, key);
    if (value) sites.push({ node: value, label: `\`${key}\`` });
  }
  return sites;
}

/** The bound of the loop that creates worker_threads workers one by one, directly or through a local function. */
function loopSizeSites(spawn: WorkerSpawn, index: WorkerUsageIndex): SizeSite[] {
  const sites: SizeSite[] = [];
  const fromNode = (start: ts.Node, depth: number): void => {
    let child: ts.Node = start;
    let current: ts.Node | undefined = start.parent;
    while (current && !ts.isSourceFile(current)) {
      if (isLoop(current) && child === current.statement) {
        const condition = ts.isForStatement(current)
          ? current.condition
          : ts.isWhileStatement(current) || ts.isDoStatement(current)
            ? current.expression
            : undefined;
        // `a < x && a < y` runs up to the smaller bound: only a single bound says how many
        const bounds = condition ? upperBoundsOf(condition) : [];
        if (bounds.length === 1) sites.push({ node: bounds[0]!, label: 'the loop that starts the workers' });
        return;
      }
      if (isFunctionLike(current)) {
        const registration = registrationOf(current);
        if (registration && ts.isCallExpression(registration)) {
          const name = calleeName(registration);
          const callee = skipOuterExpressions(registration.expression);
          // Array.from({ length: n }, () => new Worker(…))
          if (
            name === 'from' &&
            registration.arguments[1] &&
            skipOuterExpressions(registration.arguments[1]) === current
          ) {
            const first = registration.arguments[0] && skipOuterExpressions(registration.arguments[0]);
            const length =
              first && ts.isObjectLiteralExpression(first) ? propertyValue(first, 'length') : undefined;
            if (length) sites.push({ node: length, label: 'the `Array.from` length' });
            return;
          }
          // [...Array(n)].map(…), Array(n).fill().map(…), new Array(n).fill(0).map(…)
          if ((name === 'map' || name === 'forEach') && ts.isPropertyAccessExpression(callee)) {
            const count = arrayCount(callee.expression);
            if (count) sites.push({ node: count, label: 'the array length' });
            return;
          }
          return;
        }
        if (depth > 0) return;
        const name = callableName(current);
        if (name === undefined) return;
        for (const call of index.callsByName.get(name) ?? []) {
          if (call.pos >= current.pos && call.end <= current.end) continue;
          fromNode(call, depth + 1);
        }
        return;
      }
      child = current;
      current = current.parent;
    }
  };
  fromNode(spawn.node, 0);
  return sites;
}

/** `Array(n)`, `new Array(n)`, `[...Array(n)]`, `Array(n).fill()` → n */
function arrayCount(expression: ts.Expression): ts.Expression | undefined {
  const expr = skipOuterExpressions(expression);
  if (ts.isCallExpression(expr) || ts.isNewExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    if (ts.isIdentifier(callee) && callee.text === 'Array' && expr.arguments?.length === 1)
      return expr.arguments[0];
    if (
      ts.isPropertyAccessExpression(callee) &&
      (callee.name.text === 'fill' || callee.name.text === 'keys')
    ) {
      return arrayCount(callee.expression);
    }
    return undefined;
  }
  if (
    ts.isArrayLiteralExpression(expr) &&
    expr.elements.length === 1 &&
    ts.isSpreadElement(expr.elements[0]!)
  ) {
    return arrayCount((expr.elements[0] as ts.SpreadElement).expression);
  }
  return undefined;
}

/**
 * Can the size expression be replaced whole? Not a shorthand property (`{ maxThreads }`), and not
 * a fallback (`options.threads ?? 64`, `a ? b : c`): replacing those would drop the configured value.
 */
function fixableSize(node: ts.Expression): boolean {
  if (ts.isShorthandPropertyAssignment(node.parent)) return false;
  const expr = skipOuterExpressions(node);
  if (ts.isConditionalExpression(expr)) return false;
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return false;
  }
  return true;
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

const WHAT: Record<WorkerSpawn['kind'], string> = {
  worker_threads: 'set of workers',
  'web-worker': 'set of Web Workers',
  piscina: 'piscina pool',
  tinypool: 'tinypool pool',
  workerpool: 'workerpool pool',
};

export const oversizedPool: Rule<'oversized'> = {
  meta: {
    id: 'oversized-pool',
    category: 'worker-lifecycle',
    defaultSeverity: 'warning',
    description: 'A CPU worker pool sized above `os.availableParallelism()`.',
    docsUrl: docsUrl('oversized-pool'),
    textTrigger: WORKER_CREATION_TRIGGER,
    messages: {
      oversized: 'This {{what}} runs up to {{size}} threads ({{label}}), more than the machine has cores',
    },
    explanations: {
      oversized:
        'CPU-bound tasks then time-slice, so each takes longer, throughput does not rise, and every extra thread costs its own V8 heap.\n\nSize CPU pools with `os.availableParallelism()` (or one less, to leave a core for the main thread).',
    },
  },
  create(context) {
    return {
      onEnd() {
        if (context.threads.spawns.length === 0) return;
        const configured = context.ruleOptions.maxThreads;
        const limit = typeof configured === 'number' ? configured : DEFAULT_MAX_THREADS;
        const evaluation: Evaluation = { context, limit };
        let index: WorkerUsageIndex | undefined;
        const reported = new Set<ts.Node>();
        for (const spawn of context.threads.spawns) {
          let sites: SizeSite[];
          if (isThreadSpawn(spawn.kind)) {
            index ??= workerUsage(context);
            sites = loopSizeSites(spawn, index);
          } else {
            sites = poolSizeSites(spawn);
          }
          for (const site of sites) {
            if (reported.has(site.node)) continue;
            const size = evaluate(site.node, evaluation);
            if (!size || !oversized(size, limit)) continue;
            if (
              documentedAsIoPool(spawn.node, context) ||
              documentedAsIoPool(parentSkippingWrappers(site.node), context)
            )
              continue;
            reported.add(site.node);
            context.report({
              node: site.node,
              messageId: 'oversized',
              data: { what: WHAT[spawn.kind], size: describe(size), label: site.label },
              related: site.node === spawn.node ? [] : [context.related(spawn.node, 'the pool')],
              fixes: fixableSize(site.node)
                ? optional(availableParallelismFix(context.sourceFile, site.node, context.fileName))
                : [],
            });
          }
        }
      },
    };
  },
};
