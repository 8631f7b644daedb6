// Asynchronous APIs that block through a synchronous helper (issue 13, libraries): adm-zip's
// `writeFileToAsync(path, content, overwrite, attr, callback)` calls `self.makeDir(folder)`, whose
// `statSync`/`mkdirSync` block; `addLocalFolderAsync()` calls `filetools.findFiles()` in another
// file. The helper is synchronous on purpose (its sync twins use it too), so the root cause is the
// call in the API that promises not to block. Two facts per file, joined across a package's files
// by the project index:
// - sync helpers: methods (prototype, class, object-literal, `X.m = function`) whose body blocks,
//   directly or through a local function of the file (`findFiles()` → `findSync()` → `readdirSync()`);
// - async-API calls: `x.m()` calls made inside an API that looks asynchronous (a trailing callback,
//   `async`, `*Async`, a promise), through the callbacks it passes on.
import ts from 'typescript';
import {
  enclosingFunction,
  type FunctionLike,
  functionName,
  isFunctionLike,
  parentSkippingWrappers,
  skipOuterExpressions,
} from './ast.js';
import { formatRowMessage, type RuleContext } from './context.js';
import { assignedMember } from './model/members.js';
import { type Assumption, looksAsyncApi, type PhaseInfo, returnsMethodObject } from './model/phase.js';
import type { Finding, Range, Rule, Severity } from './types.js';

/** A method whose body blocks: `makeDir` → `fs.mkdirSync()` at utils.js:52. */
export interface SyncHelper {
  name: string;
  /** the blocking API inside, as blocking-call names it: `fs.mkdirSync()` */
  api: string;
  range: Range;
}

/** A method call inside an API that looks asynchronous. */
export interface AsyncApiCall {
  name: string;
  /** the call as written, shortened: `self.makeDir()` */
  callText: string;
  /** the asynchronous API it is made in */
  api: string;
  range: Range;
  offset: { start: number; end: number };
  when?: Assumption;
}

/**
 * Method names too common to link by name across files: a stream's `write()` or an emitter's
 * `emit()` in an async API is not the one sync helper of the package that shares the name.
 */
const COMMON_METHODS = new Set([
  'write',
  'end',
  'read',
  'close',
  'open',
  'destroy',
  'emit',
  'on',
  'once',
  'send',
  'get',
  'set',
  'has',
  'delete',
  'add',
  'remove',
  'push',
  'pipe',
  'call',
  'apply',
  'bind',
  'then',
  'catch',
  'toString',
  'resolve',
  'reject',
]);

/** Rounds of "a local function that calls a blocking local function blocks" (short chains). */
const MAX_LOCAL_ROUNDS = 3;

/** The name of a function that lives on an object: a method, `X.prototype.m = function`, `{ m: function }`. */
function memberName(fn: FunctionLike): string | undefined {
  if (ts.isMethodDeclaration(fn)) return functionName(fn);
  const parent = fn.parent;
  if (ts.isPropertyAssignment(parent) && ts.isObjectLiteralExpression(parent.parent)) return functionName(fn);
  if (ts.isPropertyDeclaration(parent) && ts.isClassLike(parent.parent)) return functionName(fn);
  return assignedMember(fn)?.name;
}

/** The name of a plain local function: `function f() {}`, `const f = function/arrow`. */
function localFunctionName(fn: FunctionLike): string | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return undefined;
}

/**
 * Sync helpers of a file, from the blocking calls blocking-call found in it (main thread only).
 * A method counts when a blocking call sits inside it, or a call to a local function that blocks.
 * Methods that look asynchronous themselves are left to blocking-call.
 */
export function syncHelpers(context: RuleContext): SyncHelper[] {
  const helpers = new Map<string, SyncHelper>();
  const asyncCache = new Map<FunctionLike, boolean>();
  /** local function names that block, with the blocking call inside */
  const blockingLocals = new Map<string, { api: string; node: ts.Node }>();
  /** from `node` outwards: the innermost member records the helper; local functions are noted */
  const climb = (node: ts.Node, api: string, blocking: ts.Node): void => {
    for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(fn)) {
      const member = memberName(fn);
      if (member !== undefined) {
        if (!isAsync(fn, member, asyncCache) && !helpers.has(member))
          helpers.set(member, { name: member, api, range: context.range(blocking) });
        return;
      }
      const local = localFunctionName(fn);
      if (local !== undefined && !blockingLocals.has(local))
        blockingLocals.set(local, { api, node: blocking });
    }
  };
  for (const { node, api } of context.blockingCalls) climb(node, api, node);
  if (blockingLocals.size === 0) return withoutAmbiguousNames(helpers, context.sourceFile);
  const climbed = new Set<ts.Node>();
  for (let round = 0; round < MAX_LOCAL_ROUNDS; round++) {
    const before = blockingLocals.size;
    for (const node of context.nodes) {
      if (!ts.isCallExpression(node)) continue;
      const callee = skipOuterExpressions(node.expression);
      if (!ts.isIdentifier(callee)) continue;
      const local = blockingLocals.get(callee.text);
      // (the set of climbed calls is asked last: it is the costly test, and few calls get that far)
      if (!local || climbed.has(node)) continue;
      climbed.add(node);
      climb(node, local.api, local.node);
    }
    if (blockingLocals.size === before) break;
  }
  return withoutAmbiguousNames(helpers, context.sourceFile);
}

/**
 * Helpers whose name no other method of the file shares: a call by name cannot tell which of
 * several `getSourceFile()` methods it reaches (a compiler's host, program and cache each have one).
 */
function withoutAmbiguousNames(helpers: Map<string, SyncHelper>, sourceFile: ts.SourceFile): SyncHelper[] {
  if (helpers.size === 0) return [];
  const definitions = new Map<string, number>();
  // an explicit stack: generated files nest thousands of levels deep (see analyzer.ts)
  const pending: ts.Node[] = [sourceFile];
  const push = (child: ts.Node): void => {
    pending.push(child);
  };
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (isFunctionLike(node)) {
      const name = memberName(node);
      if (name !== undefined && helpers.has(name)) definitions.set(name, (definitions.get(name) ?? 0) + 1);
    }
    ts.forEachChild(node, push);
  }
  return [...helpers.values()].filter((helper) => (definitions.get(helper.name) ?? 0) <= 1);
}

function isAsync(fn: FunctionLike, name: string | undefined, cache: Map<FunctionLike, boolean>): boolean {
  let known = cache.get(fn);
  if (known === undefined) {
    known = looksAsyncApi(fn, name);
    cache.set(fn, known);
  }
  return known;
}

/**
 * Method calls made inside an API that looks asynchronous, with the phase condition of the call
 * (the API is run time by assumption in a library). Callbacks the API hands on are part of it.
 */
export function asyncApiCalls(
  context: RuleContext,
  conditionOf: (phase: PhaseInfo) => Assumption | undefined | null,
): AsyncApiCall[] {
  const calls: AsyncApiCall[] = [];
  const asyncCache = new Map<FunctionLike, boolean>();
  const apiCache = new Map<FunctionLike, { name: string; fn: FunctionLike } | null>();
  for (const node of context.nodes) {
    if (!ts.isCallExpression(node)) continue;
    const callee = skipOuterExpressions(node.expression);
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const name = callee.name.text;
    if (COMMON_METHODS.has(name)) continue;
    const inner = enclosingFunction(node);
    if (!inner) continue;
    let api = apiCache.get(inner);
    if (api === undefined) {
      api = asyncApiAround(inner, asyncCache);
      apiCache.set(inner, api);
    }
    if (api === null || inSyncBranch(node, api.fn)) continue;
    if (context.threadOf(node) === 'worker') continue;
    const when = conditionOf(context.phaseOf(node));
    if (when === null) continue;
    const start = node.getStart(context.sourceFile);
    const text = callee.getText(context.sourceFile);
    calls.push({
      name,
      callText: `${text.length > 40 || text.includes('\n') ? `…${name}` : text}()`,
      api: api.name,
      range: context.range(node),
      offset: { start, end: node.getEnd() },
      ...(when ? { when } : {}),
    });
  }
  return calls;
}

/**
 * Is `node` on the synchronous path of an API that serves both (`if (!async) deflater.deflate()`,
 * `if (!callback) return readSync()`, the `else` of `if (callback)`, `cb ? … : sync()`)? The
 * caller chose to block by leaving out the callback (adm-zip's `compress(async, callback)`).
 */
function inSyncBranch(node: ts.Node, api: FunctionLike): boolean {
  const parameters = new Set(api.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
  if (parameters.size === 0) return false;
  /** 'negative' for `!cb`, `typeof cb !== 'function'`, `cb == null`; 'positive' for `cb`, `a && cb` */
  const testOf = (condition: ts.Expression): 'positive' | 'negative' | undefined => {
    const expr = skipOuterExpressions(condition);
    if (ts.isIdentifier(expr)) return parameters.has(expr.text) ? 'positive' : undefined;
    if (ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.ExclamationToken) {
      const inner = testOf(expr.operand);
      return inner === 'positive' ? 'negative' : inner === 'negative' ? 'positive' : undefined;
    }
    if (ts.isBinaryExpression(expr)) {
      const op = expr.operatorToken.kind;
      if (op === ts.SyntaxKind.AmpersandAmpersandToken)
        return testOf(expr.left) === 'positive' || testOf(expr.right) === 'positive' ? 'positive' : undefined;
      const negated =
        op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
      const equal = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
      if (!negated && !equal) return undefined;
      const sides = [skipOuterExpressions(expr.left), skipOuterExpressions(expr.right)];
      const subject = sides.find(
        (side) =>
          (ts.isIdentifier(side) && parameters.has(side.text)) ||
          (ts.isTypeOfExpression(side) &&
            ts.isIdentifier(skipOuterExpressions(side.expression)) &&
            parameters.has((skipOuterExpressions(side.expression) as ts.Identifier).text)),
      );
      if (!subject) return undefined;
      const other = sides.find((side) => side !== subject)!;
      // `cb === undefined` / `cb == null` is a missing callback; `typeof cb === 'function'` a present one
      const missing =
        other.kind === ts.SyntaxKind.NullKeyword ||
        (ts.isIdentifier(other) && other.text === 'undefined') ||
        (ts.isStringLiteral(other) && other.text === 'undefined');
      const present = ts.isStringLiteral(other) && other.text === 'function';
      if (!missing && !present) return undefined;
      return missing === equal ? 'negative' : 'positive';
    }
    return undefined;
  };
  let child: ts.Node = node;
  for (let current = node.parent; current && current !== api; child = current, current = current.parent) {
    if (ts.isIfStatement(current) || ts.isConditionalExpression(current)) {
      const test = testOf(ts.isIfStatement(current) ? current.expression : current.condition);
      const whenTrue = ts.isIfStatement(current) ? current.thenStatement : current.whenTrue;
      const whenFalse = ts.isIfStatement(current) ? current.elseStatement : current.whenFalse;
      if (test === 'negative' && child === whenTrue) return true;
      if (test === 'positive' && child === whenFalse) return true;
    }
  }
  return false;
}

/**
 * The asynchronous API a function belongs to: itself when it is a named member or function that
 * looks asynchronous; for a callback it passes on (`fs.open(p, 'r', function (err) {…})`), the
 * function around. Null when there is none.
 */
function asyncApiAround(
  fn: FunctionLike,
  cache: Map<FunctionLike, boolean>,
): { name: string; fn: FunctionLike } | null {
  for (let current: FunctionLike | undefined = fn; current; current = enclosingFunction(current)) {
    const parent = parentSkippingWrappers(current);
    const isCallback =
      ts.isCallExpression(parent) && parent.arguments.some((a) => skipOuterExpressions(a) === current);
    // members, local functions, and `exports.visit = function`; a factory's own body is set-up
    const name = isCallback ? undefined : (memberName(current) ?? functionName(current));
    if (name === undefined) {
      if (isCallback || ts.isArrowFunction(current) || ts.isFunctionExpression(current)) continue;
      return null;
    }
    if (returnsMethodObject(current)) return null;
    return isAsync(current, name, cache) ? { name, fn: current } : null;
  }
  return null;
}

/**
 * The blocking-call finding at an async API's call of a sync helper of the same package:
 * "`self.makeDir()` blocks the event loop in the async API `writeFileToAsync()`: it calls `fs.mkdirSync()`".
 */
export function asyncApiCallFinding(
  file: string,
  call: AsyncApiCall,
  helper: { file: string; helper: SyncHelper },
  rule: Rule,
  severity: Severity,
): Finding {
  const data = { call: call.callText, api: call.api, inner: helper.helper.api };
  const template = rule.meta.messages.syncHelper ?? '';
  return {
    ruleId: rule.meta.id,
    severity,
    messageId: 'syncHelper',
    data,
    message: formatRowMessage(template, data),
    file,
    range: call.range,
    offset: call.offset,
    related: [
      {
        file: helper.file,
        range: helper.helper.range,
        message: `\`${helper.helper.api}\` inside \`${helper.helper.name}()\``,
      },
    ],
  };
}
