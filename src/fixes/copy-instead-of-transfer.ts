// Fix for copy-instead-of-transfer: give the post a transfer list, so the buffers move instead
// of being copied: `port.postMessage(msg)` → `port.postMessage(msg, [pixels.buffer])`,
// `pool.run(task)` → `pool.run(task, { transferList: [pixels.buffer] })` (piscina/tinypool; the
// same as `Piscina.move()`, without an import), `new Worker(f, { workerData })` →
// `{ workerData, transferList: [pixels.buffer] }`. The receiver gets the same bytes (a typed
// array over the moved buffer, at the same offset); the sender's buffer is detached afterwards.
//
// One fix per post, listing every buffer it reports. Safe when each buffer is a `const` of the
// posting function holding a fresh allocation (`new Float64Array(n)`, `new ArrayBuffer(n)`,
// `Buffer.alloc(n)`, `await res.arrayBuffer()` …) that nothing reads after the post (not even
// in a later turn of a loop around it, nor in a closure) and that is not handed on before it
// (only filled or read in place: `buf[i] = x`, `buf.fill()`, `buf.length`): then nobody can see
// the detached buffer. A suggestion when less is known (a parameter, a view over another buffer, a value from
// a library call). Nothing for Buffers that may sit on Node's shared pool (`Buffer.from()`,
// `allocUnsafe()`, fs reads: transferring the pool would fail or take other Buffers' memory), nor
// when the buffer is used after the post (that would be a use-after-transfer bug).
import ts from 'typescript';
import { isFunctionLike, isLoop, skipOuterExpressions } from '../analysis/ast.js';
import { findDeclaration } from '../analysis/model/declarations.js';
import type { PostSite } from '../analysis/model/messaging.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { addPropertyEdit } from './statements.js';

/** A reported buffer: the expression in the message and whether it may be on Node's pool. */
export interface CopiedBuffer {
  node: ts.Expression;
  pooled: boolean;
}

type Verdict = { transfer: string; safe: boolean } | undefined;

const TYPED_ARRAYS =
  /^(Int8|Uint8|Uint8Clamped|Int16|Uint16|Float16|Int32|Uint32|Float32|Float64|BigInt64|BigUint64)Array$/;

/** Is `init` a fresh buffer nothing else holds? 'array-buffer' when it is an ArrayBuffer itself. */
function freshAllocation(init: ts.Expression): 'view' | 'array-buffer' | undefined {
  const expr = skipOuterExpressions(init);
  if (ts.isNewExpression(expr) && ts.isIdentifier(expr.expression)) {
    const name = expr.expression.text;
    const first = expr.arguments?.[0];
    if (name === 'ArrayBuffer') return 'array-buffer';
    if (!TYPED_ARRAYS.test(name) || !first) return undefined;
    const arg = skipOuterExpressions(first);
    // a length (number) makes a new buffer; another buffer would make a view sharing its memory
    const isLength =
      ts.isNumericLiteral(arg) ||
      ts.isBinaryExpression(arg) ||
      (ts.isPropertyAccessExpression(arg) && /^(length|size|byteLength|count)$/i.test(arg.name.text)) ||
      (ts.isIdentifier(arg) && /(size|length|len|count|total|^n)$/i.test(arg.text));
    return isLength ? 'view' : undefined;
  }
  if (ts.isCallExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    if (
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === 'Buffer' &&
      (callee.name.text === 'alloc' || callee.name.text === 'allocUnsafeSlow')
    )
      return 'view';
  }
  if (ts.isAwaitExpression(expr)) {
    const inner = skipOuterExpressions(expr.expression);
    if (
      ts.isCallExpression(inner) &&
      ts.isPropertyAccessExpression(inner.expression) &&
      inner.expression.name.text === 'arrayBuffer'
    )
      return 'array-buffer';
  }
  return undefined;
}

/** Identifiers named `name` inside `scope` other than the declaration's own name. */
function references(scope: ts.Node, name: string, declarationName: ts.Node): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name && node !== declarationName) {
      const parent = node.parent;
      // `obj.name` and `{ name: … }` keys are other names
      if (
        !(ts.isPropertyAccessExpression(parent) && parent.name === node) &&
        !(ts.isPropertyAssignment(parent) && parent.name === node)
      )
        found.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

function enclosingScope(node: ts.Node): ts.Node {
  let current = node.parent;
  while (current && !isFunctionLike(current) && !ts.isSourceFile(current)) current = current.parent;
  return current ?? node.getSourceFile();
}

/** What to list for one reported buffer, and whether moving it surely keeps behaviour. */
function verdictFor(buffer: CopiedBuffer, post: ts.Node): Verdict {
  if (buffer.pooled) return undefined;
  let expr = skipOuterExpressions(buffer.node);
  let viaBufferProperty = false;
  if (ts.isPropertyAccessExpression(expr) && expr.name.text === 'buffer') {
    expr = skipOuterExpressions(expr.expression);
    viaBufferProperty = true;
  }
  if (!ts.isIdentifier(expr)) return undefined;
  const declaration = findDeclaration(expr);
  if (!declaration || (declaration.kind !== 'variable' && declaration.kind !== 'parameter')) return undefined;
  if (declaration.element) return undefined;
  const node = declaration.node;
  if (!ts.isIdentifier(node.name)) return undefined;
  const scope = enclosingScope(node);
  const postScope = enclosingScope(post);
  // used after the post, or again by a later turn of a loop around it: moving would break that read
  const uses = references(scope, expr.text, node.name);
  if (uses.some((use) => use.getStart() >= post.getEnd())) return undefined;
  for (let current = post.parent; current && current !== scope; current = current.parent) {
    if (isLoop(current) && !(node.pos >= current.pos && node.end <= current.end)) return undefined;
  }
  // read from a closure, which may run at any time
  if (uses.some((use) => enclosingScope(use) !== postScope && enclosingScope(use) !== scope))
    return undefined;
  const fresh =
    declaration.kind === 'variable' &&
    ts.isVariableDeclarationList(node.parent) &&
    (node.parent.flags & ts.NodeFlags.Const) !== 0 &&
    scope === postScope &&
    ts.isVariableDeclaration(node) &&
    node.initializer
      ? freshAllocation(node.initializer)
      : undefined;
  const transfer = viaBufferProperty || fresh !== 'array-buffer' ? `${expr.text}.buffer` : expr.text;
  // handed to something else before the post (stored, passed on, viewed): that holder would
  // see a detached buffer later, so only a suggestion
  const escapes = uses.some((use) => !(use.pos >= post.pos && use.end <= post.end) && !staysLocal(use));
  return { transfer, safe: fresh !== undefined && !escapes };
}

/** Members of a buffer that read or fill it in place without handing it (or a view of it) on. */
const LOCAL_MEMBERS = new Set([
  'length',
  'byteLength',
  'byteOffset',
  'fill',
  'set',
  'at',
  'reduce',
  'some',
  'every',
  'indexOf',
  'includes',
]);

/** `buf[i] = x`, `buf[i]`, `buf.length`, `buf.fill(0)`, `for (const x of buf)`: a use that keeps the buffer here. */
function staysLocal(use: ts.Identifier): boolean {
  const parent = use.parent;
  if (ts.isElementAccessExpression(parent) && parent.expression === use) return true;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === use)
    return LOCAL_MEMBERS.has(parent.name.text);
  return ts.isForOfStatement(parent) && parent.expression === use;
}

/**
 * The fix for the post `site` reporting `buffers`, or undefined when one of them cannot be moved
 * (pooled, used after the post) or the call's arguments leave no clear place for a transfer list.
 */
export function transferFix(
  sourceFile: ts.SourceFile,
  site: PostSite,
  buffers: readonly CopiedBuffer[],
  file: string,
): Fix | undefined {
  const verdicts = buffers.map((buffer) => verdictFor(buffer, site.node));
  if (verdicts.length === 0 || verdicts.some((v) => v === undefined)) return undefined;
  const list = [...new Set(verdicts.map((v) => v!.transfer))];
  const safe = verdicts.every((v) => v!.safe);
  const edit = transferListEdit(sourceFile, site, `[${list.join(', ')}]`, file);
  if (!edit) return undefined;
  return { title: `Transfer ${list.join(', ')} instead of copying`, safe, edits: [edit] };
}

function transferListEdit(
  sourceFile: ts.SourceFile,
  site: PostSite,
  list: string,
  file: string,
): TextEdit | undefined {
  const args = site.node.arguments;
  if (!args || args.hasTrailingComma) return undefined;
  if (site.kind === 'postMessage') {
    if (args.length !== 1) return undefined;
    return { file, start: args[0]!.getEnd(), end: args[0]!.getEnd(), newText: `, ${list}` };
  }
  if (site.kind === 'pool') {
    const callee = site.node.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'run') return undefined;
    if (args.length === 1)
      return {
        file,
        start: args[0]!.getEnd(),
        end: args[0]!.getEnd(),
        newText: `, { transferList: ${list} }`,
      };
    const options = args.length === 2 ? skipOuterExpressions(args[1]!) : undefined;
    if (options && ts.isObjectLiteralExpression(options) && !hasProperty(options, 'transferList'))
      return addPropertyEdit(sourceFile, options, 'transferList', list, file);
    return undefined;
  }
  if (site.kind === 'workerData') {
    const options = args[1] ? skipOuterExpressions(args[1]) : undefined;
    if (options && ts.isObjectLiteralExpression(options) && !hasProperty(options, 'transferList'))
      return addPropertyEdit(sourceFile, options, 'transferList', list, file);
  }
  return undefined;
}

function hasProperty(object: ts.ObjectLiteralExpression, name: string): boolean {
  return object.properties.some(
    (p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === name,
  );
}
