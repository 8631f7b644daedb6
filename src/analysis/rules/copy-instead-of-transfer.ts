// copy-instead-of-transfer: a data-sized ArrayBuffer / typed array / Buffer (or an object holding
// one) posted to another thread without a transfer list, so structured clone copies every byte.
import ts from 'typescript';
import { transferFix } from '../../fixes/copy-instead-of-transfer.js';
import { nameOf, propertyChain, skipOuterExpressions, snippet, stringValue } from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { numericValue } from '../model/bounds.js';
import { destructuredKey, findDeclaration, isConstant } from '../model/declarations.js';
import { type PostSite, postSiteOf } from '../model/messaging.js';
import { WORKER_MESSAGING_TRIGGER } from '../text-triggers.js';
import type { Fix, Rule } from '../types.js';

/** Buffers at or above this many bytes are worth moving instead of copying. */
const LARGE_BYTES = 64 * 1024;
const MAX_DEPTH = 4;
const MAX_REPORTS_PER_POST = 3;

const TYPED_ARRAY_BYTES: Record<string, number> = {
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Float16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float32Array: 4,
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
  DataView: 1,
};

const BUFFER_TYPE_NAMES = new Set([
  ...Object.keys(TYPED_ARRAY_BYTES),
  'ArrayBuffer',
  'Buffer',
  'TypedArray',
  'ArrayBufferView',
]);
const SIZE_NAME = /(size|length|len|count|bytes|total|capacity|^n|^num\w*)$/i;
const SHARED_NAME = /(^sab$|shared)/i;
/** Buffers that by their name hold a few bytes: ids, keys, hashes, headers. */
const SMALL_NAME =
  /^(id|key|iv|nonce|salt|hash|digest|signature|sig|tag|token|uuid|header|magic|checksum|mac|seed|secret)s?$|(Id|Key|Iv|Nonce|Salt|Hash|Digest|Signature|Token|Uuid|Header|Checksum|Secret)s?$/;
/** Names that say a value is a large binary buffer (pixels, audio samples, file bytes). */
const BUFFER_NAME =
  /^(pixels|pixelData|rgba|bitmap|imageData|frameBuffer|framebuffer|pcm|audioData|rawPixels|fileBuffer|imageBuffer)$|.(Buffer|Pixels)$/;
/** Names that say a string or array holds data (file contents, bodies, payloads). */
const DATA_NAME =
  /(data|content|body|text|csv|json|file|image|payload|raw|chunk|bytes|buffer|blob|input|output|source|html|xml|pixels|rows|records|samples)s?$/i;

interface BufferSource {
  /** where the data comes from, for the message: "read from a file with `readFileSync()`" */
  source: string;
  /** Buffer that may live on Node's shared allocation pool */
  pooled: boolean;
}

type Found = BufferSource | 'shared' | undefined;

export const copyInsteadOfTransfer: Rule<'copied' | 'copiedPooled'> = {
  meta: {
    id: 'copy-instead-of-transfer',
    category: 'worker-data',
    defaultSeverity: 'warning',
    description:
      'A data-sized ArrayBuffer, typed array or Buffer posted to another thread without a transfer list, so it is copied.',
    docsUrl: docsUrl('copy-instead-of-transfer'),
    textTrigger: WORKER_MESSAGING_TRIGGER,
    messages: {
      copied: '{{what}} ({{source}}) is copied, not transferred, by `{{api}}`',
      copiedPooled: '{{what}} ({{source}}) is copied, not transferred, by `{{api}}`',
    },
    explanations: {
      copied:
        'Without a transfer list, structured clone duplicates every byte on each post: CPU time on the sending thread and a second copy in memory.\n\nMove it instead with {{howToTransfer}}, or share it through a `SharedArrayBuffer`. Pooled Buffers (`Buffer.from()`, `Buffer.allocUnsafe()`, fs reads) cannot be transferred: copy them into an `ArrayBuffer` of their own first.',
      copiedPooled:
        "Without a transfer list, structured clone duplicates every byte on each post: CPU time on the sending thread and a second copy in memory.\n\nThis Buffer may sit on Node's shared allocation pool (`Buffer.from()`, `Buffer.allocUnsafe()`, fs reads), and pooled Buffers cannot be transferred: copy it into an `ArrayBuffer` of its own (`new Uint8Array(buf)`) and move that with {{howToTransfer}}, or write it into a `SharedArrayBuffer`.",
    },
  },
  create(context) {
    const check = (node: ts.Node): void => {
      const site = postSiteOf(node, context);
      if (!site || site.hasTransfer || site.kind === 'structuredClone') return;
      const found: { node: ts.Expression; source: BufferSource }[] = [];
      for (const payload of site.payloads) collect(payload, context, found, 0);
      const reported = found.slice(0, MAX_REPORTS_PER_POST);
      // one transfer list for the post, offered on each of its findings (identical edits apply once)
      const fix = transferFix(
        context.sourceFile,
        site,
        reported.map((item) => ({ node: item.node, pooled: item.source.pooled })),
        context.fileName,
      );
      for (const item of reported) report(context, site, item.node, item.source, fix);
    };
    return {
      [ts.SyntaxKind.CallExpression]: check,
      [ts.SyntaxKind.NewExpression]: check,
    };
  },
};

function report(
  context: RuleContext,
  site: PostSite,
  node: ts.Expression,
  source: BufferSource,
  fix: Fix | undefined,
): void {
  const text = node.getText();
  const what = text.length <= 40 && !text.includes('\n') ? `\`${text}\`` : 'This buffer';
  context.report({
    node,
    messageId: source.pooled ? 'copiedPooled' : 'copied',
    data: { what, source: source.source, api: site.api, howToTransfer: site.howToTransfer },
    related: [context.related(site.node, `posted here with \`${site.api}\` and no transfer list`)],
    fixes: fix ? [fix] : [],
  });
}

function collect(
  expression: ts.Expression,
  context: RuleContext,
  out: { node: ts.Expression; source: BufferSource }[],
  depth: number,
): void {
  if (depth > MAX_DEPTH || out.length >= MAX_REPORTS_PER_POST) return;
  const expr = skipOuterExpressions(expression);
  if (ts.isObjectLiteralExpression(expr)) {
    for (const property of expr.properties) {
      if (ts.isPropertyAssignment(property)) collect(property.initializer, context, out, depth + 1);
      else if (ts.isShorthandPropertyAssignment(property)) collect(property.name, context, out, depth + 1);
    }
    return;
  }
  if (ts.isArrayLiteralExpression(expr)) {
    for (const element of expr.elements) {
      if (!ts.isSpreadElement(element) && !ts.isOmittedExpression(element))
        collect(element, context, out, depth + 1);
    }
    return;
  }
  // const message = { pixels }; worker.postMessage(message)
  if (ts.isIdentifier(expr)) {
    const declaration = findDeclaration(expr);
    if (
      declaration?.kind === 'variable' &&
      !declaration.element &&
      declaration.node.initializer &&
      isConstant(declaration.node, context.nodes)
    ) {
      const init = skipOuterExpressions(declaration.node.initializer);
      if (ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init)) {
        const before = out.length;
        collect(init, context, out, depth + 1);
        // report at the name that is posted, not inside the literal
        for (let i = before; i < out.length; i++) out[i] = { node: expr, source: out[i]!.source };
        if (out.length > before + 1) out.splice(before + 1);
        return;
      }
    }
  }
  const found = bufferOf(expr, context, 0);
  if (found && found !== 'shared') out.push({ node: expression, source: found });
}

/** Is `expression` a data-sized buffer? 'shared' for SharedArrayBuffer-backed ones (never copied). */
export function bufferOf(expression: ts.Expression, context: RuleContext, depth: number): Found {
  if (depth > MAX_DEPTH) return undefined;
  const expr = skipOuterExpressions(expression);
  if (ts.isAwaitExpression(expr)) return awaitedBuffer(skipOuterExpressions(expr.expression), context, depth);
  if (ts.isNewExpression(expr)) return newBuffer(expr, context, depth);
  if (ts.isCallExpression(expr)) return callBuffer(expr, context, depth);
  if (ts.isPropertyAccessExpression(expr)) {
    const name = expr.name.text;
    if (name === 'buffer') return bufferOf(expr.expression, context, depth + 1);
    // ctx.getImageData(…).data
    if (name === 'data') {
      const inner = skipOuterExpressions(expr.expression);
      if (ts.isCallExpression(inner) && calleeMethod(inner) === 'getImageData')
        return { source: 'image pixels from `getImageData()`', pooled: false };
    }
    return undefined;
  }
  if (ts.isIdentifier(expr)) return identifierBuffer(expr, context, depth);
  return undefined;
}

function identifierBuffer(identifier: ts.Identifier, context: RuleContext, depth: number): Found {
  if (SMALL_NAME.test(identifier.text)) return undefined;
  const declaration = findDeclaration(identifier);
  if (!declaration) return undefined;
  if (declaration.kind === 'variable') {
    const init = declaration.node.initializer;
    if (!init) return undefined;
    if (declaration.element) {
      // const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true })
      const key = destructuredKey(declaration.element);
      const source = skipOuterExpressions(init);
      const inner = ts.isAwaitExpression(source) ? skipOuterExpressions(source.expression) : source;
      if (key === 'data' && ts.isCallExpression(inner) && calleeMethod(inner) === 'toBuffer') {
        return { source: 'image data from `.toBuffer()`', pooled: false };
      }
      return namedBuffer(identifier.text);
    }
    if (!isConstant(declaration.node, context.nodes)) return undefined;
    return bufferOf(init, context, depth + 1);
  }
  if (declaration.kind === 'parameter') {
    const name = identifier.text;
    if (SHARED_NAME.test(name)) return 'shared';
    const type = declaration.node.type;
    if (!type || declaration.element) return namedBuffer(name);
    const typeName = ts.isTypeReferenceNode(type)
      ? ts.isIdentifier(type.typeName)
        ? type.typeName.text
        : type.typeName.right.text
      : undefined;
    if (typeName === 'SharedArrayBuffer') return 'shared';
    if (typeName && BUFFER_TYPE_NAMES.has(typeName)) {
      return { source: `the \`${typeName}\` parameter \`${name}\``, pooled: typeName === 'Buffer' };
    }
  }
  return undefined;
}

function newBuffer(expr: ts.NewExpression, context: RuleContext, depth: number): Found {
  const callee = skipOuterExpressions(expr.expression);
  const reference = context.resolve(callee);
  if (reference?.module !== '<global>' || reference.path.length !== 1) return undefined;
  const name = reference.path[0]!;
  const first = expr.arguments?.[0];
  if (name === 'SharedArrayBuffer') return 'shared';
  if (name === 'ArrayBuffer') {
    if (!first) return undefined;
    return dataSized(first, 1)
      ? { source: `\`new ArrayBuffer(${snippet(first, 30)})\``, pooled: false }
      : undefined;
  }
  const elementBytes = TYPED_ARRAY_BYTES[name];
  if (elementBytes === undefined || !first) return undefined;
  const arg = skipOuterExpressions(first);
  if (ts.isArrayLiteralExpression(arg)) return undefined;
  // a view or a copy of another buffer
  const inner = bufferOf(arg, context, depth + 1);
  if (inner === 'shared') return 'shared';
  if (inner) return { source: inner.source, pooled: false };
  if (name === 'DataView') return undefined;
  if (ts.isIdentifier(arg) && SHARED_NAME.test(arg.text)) return 'shared';
  // `new Int32Array(buffer)` over a buffer of unknown origin may be shared: only a size or data says otherwise
  if (dataSized(arg, elementBytes))
    return { source: `\`new ${name}(${snippet(first, 30)})\` sized by data`, pooled: false };
  if (isDataArray(arg, 0))
    return { source: `\`new ${name}(${snippet(first, 30)})\` copied from data`, pooled: false };
  return undefined;
}

/**
 * A value whose origin the file does not show (destructured from a call, an untyped parameter),
 * named like pixel, audio or file bytes: `const { data: pixels } = await storage.getImage(id)`.
 */
function namedBuffer(name: string): BufferSource | undefined {
  return BUFFER_NAME.test(name) ? { source: `\`${name}\`, image or file bytes`, pooled: false } : undefined;
}

/** An array of data: `rows.map(…)`, `Array.from(…)`, `JSON.parse(…)`, or a parameter named like data. */
function isDataArray(expression: ts.Expression, depth: number): boolean {
  const expr = skipOuterExpressions(expression);
  if (ts.isCallExpression(expr)) {
    const method = calleeMethod(expr);
    return (
      method === 'map' ||
      method === 'filter' ||
      method === 'flat' ||
      method === 'flatMap' ||
      method === 'parse' ||
      (method === 'from' && expr.arguments.length > 0)
    );
  }
  if (ts.isIdentifier(expr)) {
    const declaration = findDeclaration(expr);
    if (
      declaration?.kind === 'variable' &&
      !declaration.element &&
      declaration.node.initializer &&
      depth < 2
    ) {
      return isDataArray(declaration.node.initializer, depth + 1);
    }
    return declaration?.kind === 'parameter' && !declaration.element && DATA_NAME.test(expr.text);
  }
  return false;
}

function callBuffer(expr: ts.CallExpression, context: RuleContext, depth: number): Found {
  const callee = skipOuterExpressions(expr.expression);
  const reference = context.resolve(callee);
  const first = expr.arguments[0];
  if (reference) {
    const { module, path } = reference;
    const last = path[path.length - 1];
    const base = module.split('/')[0];
    if (module === '<global>' || module === 'buffer') {
      const dotted = path.join('.');
      if (
        dotted === 'Buffer.alloc' ||
        dotted === 'Buffer.allocUnsafe' ||
        dotted === 'Buffer.allocUnsafeSlow'
      ) {
        if (!first || !dataSized(first, 1)) return undefined;
        return { source: `\`${dotted}(${snippet(first, 30)})\``, pooled: dotted === 'Buffer.allocUnsafe' };
      }
      if (dotted === 'Buffer.from') {
        if (!first) return undefined;
        const arg = skipOuterExpressions(first);
        if (stringValue(arg) !== undefined || ts.isArrayLiteralExpression(arg) || ts.isNumericLiteral(arg))
          return undefined;
        const inner = bufferOf(arg, context, depth + 1);
        if (inner === 'shared') return 'shared';
        if (inner) return { source: inner.source, pooled: true };
        // Buffer.from(text): data only when the text is data (a body, file contents, a CSV …)
        const named = nameOf(arg);
        if (named === undefined || !DATA_NAME.test(named)) return undefined;
        return { source: `\`Buffer.from(${snippet(first, 30)})\``, pooled: true };
      }
      if (dotted === 'Buffer.concat') return { source: '`Buffer.concat()` of data chunks', pooled: true };
      if (path.length === 2 && TYPED_ARRAY_BYTES[path[0]!] !== undefined && path[1] === 'from' && first) {
        return ts.isArrayLiteralExpression(skipOuterExpressions(first))
          ? undefined
          : { source: `\`${dotted}()\` of data`, pooled: false };
      }
    }
    if (
      (base === 'fs' || module === 'fs-extra' || module === 'graceful-fs') &&
      last === 'readFileSync' &&
      !hasEncoding(expr)
    ) {
      return { source: 'read from a file with `readFileSync()`', pooled: true };
    }
    if (module === 'zlib' && last && /Sync$/.test(last))
      return { source: `the output of \`zlib.${last}()\``, pooled: false };
    if (module === 'v8' && last === 'serialize')
      return { source: 'the output of `v8.serialize()`', pooled: false };
    if (module === 'crypto' && last === 'randomBytes' && first && dataSized(first, 1)) {
      return { source: `\`randomBytes(${snippet(first, 30)})\``, pooled: true };
    }
  }
  const method = calleeMethod(expr);
  if (method === 'subarray' || method === 'slice') {
    const receiver = (skipOuterExpressions(expr.expression) as ts.PropertyAccessExpression).expression;
    return bufferOf(receiver, context, depth + 1);
  }
  if (method === 'toBuffer') return { source: 'the output of `.toBuffer()`', pooled: false };
  return undefined;
}

/** `await fsp.readFile(p)`, `await res.arrayBuffer()`, `await sharp(x).toBuffer()` */
function awaitedBuffer(inner: ts.Expression, context: RuleContext, depth: number): Found {
  if (!ts.isCallExpression(inner)) return undefined;
  const reference = context.resolve(inner.expression);
  if (reference) {
    const base = reference.module.split('/')[0];
    const last = reference.path[reference.path.length - 1];
    if ((base === 'fs' || reference.module === 'fs-extra') && last === 'readFile' && !hasEncoding(inner)) {
      return { source: 'read from a file with `readFile()`', pooled: true };
    }
  }
  const method = calleeMethod(inner);
  if (method === 'arrayBuffer') return { source: 'a body read with `.arrayBuffer()`', pooled: false };
  if (method === 'toBuffer') return { source: 'the output of `.toBuffer()`', pooled: false };
  return callBuffer(inner, context, depth);
}

/** `readFileSync(p, 'utf8')` / `{ encoding: 'utf8' }` returns a string, not a buffer. */
function hasEncoding(call: ts.CallExpression): boolean {
  const second = call.arguments[1];
  if (!second) return false;
  const arg = skipOuterExpressions(second);
  if (stringValue(arg) !== undefined) return true;
  if (ts.isObjectLiteralExpression(arg)) {
    return arg.properties.some(
      (p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'encoding',
    );
  }
  return !ts.isObjectLiteralExpression(arg);
}

/**
 * A length or size that is not a small literal: a literal at or above LARGE_BYTES, or a number
 * computed from data (`width * height * 4`, `rows.length`, `msg.size`, a `size` parameter).
 */
function dataSized(size: ts.Expression, elementBytes: number, depth = 0): boolean {
  const value = numericValue(size);
  if (value !== undefined) return value * elementBytes >= LARGE_BYTES;
  if (depth > 3) return false;
  const expr = skipOuterExpressions(size);
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    return (
      op === ts.SyntaxKind.AsteriskToken ||
      op === ts.SyntaxKind.PlusToken ||
      op === ts.SyntaxKind.MinusToken ||
      op === ts.SyntaxKind.SlashToken ||
      op === ts.SyntaxKind.LessThanLessThanToken ||
      op === ts.SyntaxKind.AsteriskAsteriskToken
    );
  }
  if (ts.isPropertyAccessExpression(expr)) return SIZE_NAME.test(expr.name.text);
  if (ts.isCallExpression(expr)) {
    const chain = propertyChain(expr.expression)?.join('.');
    return chain !== undefined && /^(Math\.\w+|Number|parseInt|parseFloat|Number\.parseInt)$/.test(chain);
  }
  if (ts.isIdentifier(expr)) {
    const declaration = findDeclaration(expr);
    if (declaration?.kind === 'variable' && !declaration.element && declaration.node.initializer) {
      return dataSized(declaration.node.initializer, elementBytes, depth + 1);
    }
    return SIZE_NAME.test(expr.text);
  }
  return false;
}

function calleeMethod(call: ts.CallExpression): string | undefined {
  const callee = skipOuterExpressions(call.expression);
  return ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
}
