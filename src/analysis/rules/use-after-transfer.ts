// use-after-transfer: a buffer (or port) listed in a transfer list, or moved with Piscina.move(),
// read or written after the post in the same function: it is detached on the sending side.
// Also a buffer created once outside a loop or a repeated event handler and transferred inside it:
// from the second round on, it is posted (and read) detached.
import ts from 'typescript';
import {
  contains,
  enclosingFunction,
  type FunctionLike,
  isLoop,
  nameOf,
  propertyChain,
  skipOuterExpressions,
} from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { type Declaration, destructuredKey, findDeclaration } from '../model/declarations.js';
import { type PostSite, postSiteOf } from '../model/messaging.js';
import { REPEATING_LISTENER_METHODS, SUBSCRIBE_METHODS } from '../model/node-api.js';
import { WORKER_MESSAGING_TRIGGER } from '../text-triggers.js';
import type { Rule } from '../types.js';

interface Target {
  /** property chain of the detached value: ['buf'], ['msg', 'pixels'], ['this', 'buffer'] */
  chain: string[];
  /** the transfer-list element (or Piscina.move argument) that names it */
  element: ts.Expression;
  /** declaration of the chain's root identifier, to tell shadowed names apart */
  declaration?: Declaration;
  isPort: boolean;
}

interface Occurrence {
  /** the expression matching the target chain */
  node: ts.Expression;
  target: Target;
  /** an assignment to the target (or its root): it holds a fresh value from here on */
  reassigns: boolean;
}

export const useAfterTransfer: Rule<'used' | 'usedPort' | 'repeated'> = {
  meta: {
    id: 'use-after-transfer',
    category: 'worker-data',
    defaultSeverity: 'error',
    description:
      'A buffer or port in a transfer list used after the post: it is detached on the sending side.',
    docsUrl: docsUrl('use-after-transfer'),
    textTrigger: WORKER_MESSAGING_TRIGGER,
    messages: {
      used: '`{{name}}` is used after `{{api}}` transferred it on line {{line}}',
      usedPort: '`{{name}}` is used after `{{api}}` transferred the port on line {{line}}',
      repeated: '`{{name}}` is created once but transferred by `{{api}}` {{where}}',
    },
    explanations: {
      used: 'A transferred buffer is detached on the sending side: its `length` and `byteLength` are 0, element reads return `undefined`, and typed-array methods or `DataView` access throw `TypeError`, so this code sees no data.\n\nRead what you need before posting, post a copy (`{{name}}.slice()`) instead of transferring it, or allocate a new buffer after the post.',
      usedPort:
        'A transferred `MessagePort` belongs to the other thread now, so on this side it is closed: messages posted to it go nowhere and its listeners never fire.\n\nKeep using the other end of the channel here.',
      repeated:
        'After the first post the buffer is detached, so from the second {{round}} on the code fills and posts an empty buffer, and posting a detached `ArrayBuffer` throws `DataCloneError`.\n\nAllocate a fresh buffer inside the {{round}}, or post a copy without transferring it.',
    },
  },
  create(context) {
    const check = (node: ts.Node): void => {
      const site = postSiteOf(node, context);
      if (!site || (site.transferElements.length === 0 && site.moved.length === 0)) return;
      const targets = targetsOf(site);
      if (targets.length === 0) return;
      checkSite(context, site, targets);
    };
    return {
      [ts.SyntaxKind.CallExpression]: check,
      [ts.SyntaxKind.NewExpression]: check,
    };
  },
};

function targetsOf(site: PostSite): Target[] {
  const targets: Target[] = [];
  const seen = new Set<string>();
  const add = (chain: string[], element: ts.Expression, rootNode: ts.Node | undefined): void => {
    const key = chain.join('.');
    if (seen.has(key)) return;
    seen.add(key);
    const declaration = rootNode && ts.isIdentifier(rootNode) ? findDeclaration(rootNode) : undefined;
    targets.push({ chain, element, declaration, isPort: isPortDeclaration(declaration, chain) });
    // const ab = u8.buffer; postMessage(x, [ab]) detaches u8 too
    if (
      chain.length === 1 &&
      declaration?.kind === 'variable' &&
      !declaration.element &&
      declaration.node.initializer
    ) {
      const init = skipOuterExpressions(declaration.node.initializer);
      if (ts.isPropertyAccessExpression(init) && init.name.text === 'buffer') {
        const base = skipOuterExpressions(init.expression);
        const baseChain = propertyChain(base);
        if (baseChain && !seen.has(baseChain.join('.'))) {
          seen.add(baseChain.join('.'));
          targets.push({ chain: baseChain, element, declaration: rootOf(base), isPort: false });
        }
      }
    }
  };
  for (const element of [...site.transferElements, ...site.moved]) {
    let expr = skipOuterExpressions(element);
    if (ts.isPropertyAccessExpression(expr) && expr.name.text === 'buffer')
      expr = skipOuterExpressions(expr.expression);
    const chain = propertyChain(expr);
    if (!chain || chain.length > 3) continue;
    add(chain, element, rootIdentifier(expr));
  }
  return targets;
}

function rootIdentifier(expr: ts.Expression): ts.Node | undefined {
  let current: ts.Expression = skipOuterExpressions(expr);
  while (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current))
    current = skipOuterExpressions(current.expression);
  return current;
}

function rootOf(expr: ts.Expression): Declaration | undefined {
  const root = rootIdentifier(expr);
  return root && ts.isIdentifier(root) ? findDeclaration(root) : undefined;
}

function isPortDeclaration(declaration: Declaration | undefined, chain: string[]): boolean {
  const last = chain[chain.length - 1]!;
  if (chain.length === 2 && (last === 'port1' || last === 'port2')) return true;
  if (declaration?.kind === 'variable' && declaration.element) {
    const key = destructuredKey(declaration.element);
    return key === 'port1' || key === 'port2';
  }
  return false;
}

function checkSite(context: RuleContext, site: PostSite, targets: Target[]): void {
  const post = site.node;
  const fn = enclosingFunction(post);
  const body: ts.Node | undefined = fn ? fn.body : post.getSourceFile();
  if (!body) return;
  const occurrences = collectOccurrences(body, targets, post);
  const line = context.sourceFile.getLineAndCharacterOfPosition(post.getStart(context.sourceFile)).line + 1;
  for (const target of targets) {
    const mine = occurrences.filter((o) => o.target === target);
    // 1. straight-line use after the post
    const after = mine.filter((o) => o.node.pos >= post.end);
    let reported = false;
    for (const occurrence of after) {
      if (occurrence.reassigns) break;
      if (!reachesAfter(post, occurrence.node)) continue;
      const name = target.chain.join('.');
      context.report({
        node: occurrence.node,
        messageId: target.isPort ? 'usedPort' : 'used',
        data: { name, api: site.api, line },
        related: [context.related(target.element, `transferred here by \`${site.api}\``)],
      });
      reported = true;
      break;
    }
    if (reported || target.isPort) continue;
    // 2. created once outside a loop / repeated handler, transferred inside it
    const repeat = repeatingRegion(post, fn);
    if (!repeat) continue;
    if (target.declaration && contains(repeat.region, target.declaration.node)) continue;
    if (!target.declaration && target.chain[0] !== 'this') continue;
    if (target.declaration?.kind === 'parameter' && repeat.region === fn) continue;
    if (mine.some((o) => o.reassigns && contains(repeat.region, o.node))) continue;
    if (repeat.region === fn && assignedAnywhere(post.getSourceFile(), target)) continue;
    if (!unconditionalIn(post, repeat.region)) continue;
    context.report({
      node: target.element,
      messageId: 'repeated',
      data: { name: target.chain.join('.'), api: site.api, where: repeat.where, round: repeat.round },
      related: [context.related(post, 'the post that detaches it')],
    });
  }
}

/** Every read or assignment of a target's chain inside `body` (uses of shadowing names excluded). */
function collectOccurrences(body: ts.Node, targets: Target[], post: ts.Node): Occurrence[] {
  const roots = new Set(targets.map((t) => t.chain[0]!));
  const out: Occurrence[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(node) && roots.has(node.text))) {
      record(node as ts.Expression);
      return;
    }
    ts.forEachChild(node, visit);
  };
  const record = (root: ts.Expression): void => {
    const rootName = root.kind === ts.SyntaxKind.ThisKeyword ? 'this' : (root as ts.Identifier).text;
    const parent = root.parent;
    if (ts.isIdentifier(root)) {
      // not a value reference: x.buf, { buf: 1 }, declarations
      if (ts.isPropertyAccessExpression(parent) && parent.name === root) return;
      if (
        (ts.isPropertyAssignment(parent) ||
          ts.isMethodDeclaration(parent) ||
          ts.isPropertyDeclaration(parent)) &&
        parent.name === root
      )
        return;
      if (
        (ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)) &&
        parent.name === root
      )
        return;
      if (ts.isBindingElement(parent) && parent.propertyName === root) return;
    }
    for (const target of targets) {
      if (target.chain[0] !== rootName) continue;
      // climb the property chain
      let expr: ts.Expression = root;
      let matched = 1;
      while (matched < target.chain.length) {
        const up = expr.parent;
        if (
          !up ||
          !ts.isPropertyAccessExpression(up) ||
          up.expression !== expr ||
          up.name.text !== target.chain[matched]
        )
          break;
        expr = up;
        matched++;
      }
      const rootAssigned = isAssignmentTarget(root);
      if (matched < target.chain.length && !rootAssigned) continue;
      if (ts.isIdentifier(root) && target.declaration) {
        const declaration = findDeclaration(root);
        if (declaration?.node !== target.declaration.node) continue;
      }
      const reassigns = rootAssigned || isAssignmentTarget(expr);
      // uses inside the post itself are the post
      if (!reassigns && contains(post, expr)) continue;
      if (!reassigns && isHarmlessUse(expr)) continue;
      out.push({ node: expr, target, reassigns });
    }
  };
  ts.forEachChild(body, visit);
  out.sort((a, b) => a.node.pos - b.node.pos);
  return out;
}

function isAssignmentTarget(expr: ts.Node): boolean {
  let node = expr;
  let parent = node.parent;
  while (parent && ts.isParenthesizedExpression(parent)) {
    node = parent;
    parent = parent.parent;
  }
  return (
    !!parent &&
    ts.isBinaryExpression(parent) &&
    parent.left === node &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
  );
}

/** `typeof buf`, `buf.detached`: checks that do not touch the data. */
function isHarmlessUse(expr: ts.Expression): boolean {
  const parent = expr.parent;
  if (ts.isTypeOfExpression(parent)) return true;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === expr && parent.name.text === 'detached')
    return true;
  // `view.buffer.detached`: asks the view's buffer, reads no data
  const grand = parent.parent;
  return (
    ts.isPropertyAccessExpression(parent) &&
    parent.expression === expr &&
    parent.name.text === 'buffer' &&
    !!grand &&
    ts.isPropertyAccessExpression(grand) &&
    grand.expression === parent &&
    grand.name.text === 'detached'
  );
}

/** Can control reach `use` after `post` ran, in one pass through the code (no loop-around)? */
function reachesAfter(post: ts.Node, use: ts.Node): boolean {
  const ancestors = new Set<ts.Node>();
  for (let n: ts.Node | undefined = post; n; n = n.parent) ancestors.add(n);
  let lca: ts.Node | undefined = use;
  while (lca && !ancestors.has(lca)) lca = lca.parent;
  if (!lca) return false;
  // different branches of the same decision
  if (ts.isIfStatement(lca) && lca.elseStatement) {
    const postInThen = contains(lca.thenStatement, post);
    const useInThen = contains(lca.thenStatement, use);
    if (postInThen !== useInThen && !contains(lca.expression, post) && !contains(lca.expression, use))
      return false;
  }
  if (ts.isConditionalExpression(lca)) {
    const postInTrue = contains(lca.whenTrue, post);
    const useInTrue = contains(lca.whenTrue, use);
    const postInFalse = contains(lca.whenFalse, post);
    const useInFalse = contains(lca.whenFalse, use);
    if ((postInTrue && useInFalse) || (postInFalse && useInTrue)) return false;
  }
  if (
    ts.isTryStatement(lca) &&
    contains(lca.tryBlock, post) &&
    lca.catchClause &&
    contains(lca.catchClause, use)
  )
    return false;
  // does the path from the post end (return/throw/break) before it reaches the use?
  const chain: ts.Node[] = [];
  for (let n: ts.Node | undefined = post.parent; n && n !== lca; n = n.parent) chain.push(n);
  chain.push(lca);
  let child: ts.Node = post;
  for (let i = 0; i < chain.length; i++) {
    const container = chain[i]!;
    const statements = statementsOf(container);
    if (statements) {
      const index = statements.indexOf(child as ts.Statement);
      if (index >= 0) {
        const own = statements[index]!;
        if (ts.isReturnStatement(own) || ts.isThrowStatement(own)) return false;
        const loopAbove = chain
          .slice(i + 1, chain.length - 1)
          .some((n) => isLoop(n) || ts.isSwitchStatement(n));
        const end = container === lca ? statements.findIndex((s) => contains(s, use)) : statements.length;
        for (let j = index + 1; j < (end < 0 ? statements.length : end); j++) {
          const s = statements[j]!;
          if (ts.isReturnStatement(s) || ts.isThrowStatement(s)) return false;
          if ((ts.isBreakStatement(s) || ts.isContinueStatement(s)) && (!loopAbove || container === lca))
            return false;
        }
      }
    }
    child = container;
  }
  return true;
}

function statementsOf(node: ts.Node): readonly ts.Statement[] | undefined {
  if (
    ts.isBlock(node) ||
    ts.isSourceFile(node) ||
    ts.isModuleBlock(node) ||
    ts.isCaseClause(node) ||
    ts.isDefaultClause(node)
  )
    return node.statements;
  return undefined;
}

interface RepeatingRegion {
  region: ts.Node;
  where: string;
  round: string;
}

/** The innermost loop around the post (inside its function), or the function when it is a repeated listener. */
function repeatingRegion(post: ts.Node, fn: FunctionLike | undefined): RepeatingRegion | undefined {
  for (let n: ts.Node | undefined = post.parent; n && n !== fn; n = n.parent) {
    if (isLoop(n)) return { region: n, where: 'inside a loop', round: 'iteration' };
  }
  if (!fn) return undefined;
  const parent = fn.parent;
  if (!parent || !ts.isCallExpression(parent) || !parent.arguments.includes(fn as ts.Expression))
    return undefined;
  const callee = skipOuterExpressions(parent.expression);
  const name = nameOf(callee) ?? '';
  const repeats =
    REPEATING_LISTENER_METHODS.has(name) || SUBSCRIBE_METHODS.has(name) || name === 'setInterval';
  if (!repeats) return undefined;
  const event =
    parent.arguments[0] && ts.isStringLiteral(parent.arguments[0])
      ? `'${parent.arguments[0].text}'`
      : undefined;
  if (name === 'setInterval') return { region: fn, where: 'in a `setInterval` callback', round: 'tick' };
  return {
    region: fn,
    where: event ? `in the ${event} handler` : 'in an event handler',
    round: event ? `${event} event` : 'event',
  };
}

/** Is the post run on every pass through `region` (no if/switch/?:/&&/try/catch between)? */
function unconditionalIn(post: ts.Node, region: ts.Node): boolean {
  for (let n: ts.Node | undefined = post.parent; n && n !== region; n = n.parent) {
    if (
      ts.isIfStatement(n) ||
      ts.isConditionalExpression(n) ||
      ts.isCaseClause(n) ||
      ts.isDefaultClause(n) ||
      ts.isCatchClause(n)
    )
      return false;
    if (ts.isBinaryExpression(n)) {
      const op = n.operatorToken.kind;
      if (
        op === ts.SyntaxKind.AmpersandAmpersandToken ||
        op === ts.SyntaxKind.BarBarToken ||
        op === ts.SyntaxKind.QuestionQuestionToken
      )
        return false;
    }
    if (ts.isTryStatement(n)) return false;
    if (isLoop(n) && n !== region) return false;
    if (statementsOf(n)) {
      // a break/return after the post leaves the loop: no second round
      const statements = statementsOf(n)!;
      const index = statements.findIndex((s) => contains(s, post));
      for (let j = index; j < statements.length; j++) {
        const s = statements[j]!;
        if (ts.isReturnStatement(s) || ts.isThrowStatement(s) || ts.isBreakStatement(s)) return false;
      }
    }
  }
  return true;
}

/** Is the target (or its root) assigned anywhere in the file, e.g. re-created by another handler? */
function assignedAnywhere(scope: ts.Node, target: Target): boolean {
  let found = false;
  const key = target.chain.join('.');
  const root = target.chain[0];
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const chain = propertyChain(node.left)?.join('.');
      if (chain === key || (chain === root && root !== 'this')) found = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}
