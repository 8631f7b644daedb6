// unguarded-self-spawn: a file that starts itself as a worker from code the worker runs too.
import ts from 'typescript';
import { mainThreadGuardSuggestion } from '../../fixes/unguarded-self-spawn.js';
import { isFunctionLike, skipOuterExpressions } from '../ast.js';
import type { RuleContext } from '../context.js';
import { docsUrl } from '../docs-url.js';
import { propertyValue, type WorkerSpawn } from '../model/threads.js';
import {
  callableName,
  callSitesOf,
  endsAbruptly,
  iifeCall,
  mentionsThreadApi,
  precedingStatements,
  registrationOf,
  type WorkerUsageIndex,
  workerUsage,
} from '../model/worker-usage.js';
import type { Rule } from '../types.js';

const MAX_DEPTH = 8;

const HOW: Record<WorkerSpawn['kind'], string> = {
  worker_threads: '`new Worker()` of this file',
  'web-worker': 'a Web Worker `new Worker()` of this file',
  piscina: 'a piscina pool whose `filename` is this file',
  tinypool: 'a tinypool pool whose `filename` is this file',
  workerpool: 'a workerpool pool of this file',
};

interface Walk {
  context: RuleContext;
  index: WorkerUsageIndex;
  /** the spawn tells the worker apart through `env`/`argv`, so `process.env`/`process.argv` tests guard too */
  flagsByProcess: boolean;
  visited: Set<ts.Node>;
}

function isGuard(condition: ts.Expression, walk: Walk): boolean {
  if (mentionsThreadApi(condition, walk.context)) return true;
  if (walk.flagsByProcess) {
    const text = condition.getText(walk.context.sourceFile);
    return text.includes('process.env') || text.includes('process.argv');
  }
  return false;
}

/**
 * The way module load reaches `node` without passing a thread guard: the call sites from the
 * top level inward, or undefined when every way to it is guarded (or none exists).
 */
function reachOnLoad(node: ts.Node, walk: Walk, depth: number): ts.Node[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  let child: ts.Node = node;
  let current: ts.Node | undefined = node.parent;
  while (current) {
    if (ts.isIfStatement(current) && child !== current.expression && isGuard(current.expression, walk))
      return undefined;
    if (
      ts.isConditionalExpression(current) &&
      child !== current.condition &&
      isGuard(current.condition, walk)
    ) {
      return undefined;
    }
    if (
      ts.isBinaryExpression(current) &&
      child === current.right &&
      (current.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ||
        current.operatorToken.kind === ts.SyntaxKind.BarBarToken) &&
      isGuard(current.left, walk)
    ) {
      return undefined;
    }
    // if (!isMainThread) { …worker code…; return }  — everything after runs on the main thread only
    for (const statement of precedingStatements(child)) {
      if (
        ts.isIfStatement(statement) &&
        isGuard(statement.expression, walk) &&
        (endsAbruptly(statement.thenStatement) || endsAbruptly(statement.elseStatement))
      ) {
        return undefined;
      }
    }
    if (ts.isSourceFile(current)) return [];
    if (isFunctionLike(current)) return reachFunction(current, walk, depth);
    child = current;
    current = current.parent;
  }
  return undefined;
}

function reachFunction(fn: ts.Node, walk: Walk, depth: number): ts.Node[] | undefined {
  if (!isFunctionLike(fn) || walk.visited.has(fn)) return undefined;
  walk.visited.add(fn);
  // IIFEs and callbacks run (or are registered) where the call is: follow the call.
  const direct = iifeCall(fn) ?? registrationOf(fn);
  if (direct) return reachOnLoad(direct, walk, depth + 1);
  const name = callableName(fn);
  if (name === undefined) return undefined;
  const sites = [
    ...callSitesOf(fn, name, walk.index, walk.context),
    ...(walk.index.passedByName.get(name) ?? []),
  ];
  for (const site of sites) {
    if (site.pos >= fn.pos && site.end <= fn.end) continue; // recursion
    const path = reachOnLoad(site, walk, depth + 1);
    if (path) return [...path, site];
  }
  return undefined;
}

function describeSite(site: ts.Node, context: RuleContext): string {
  const text = site.getText(context.sourceFile).split('\n')[0]!;
  return `reached from \`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\` at start-up`;
}

export const unguardedSelfSpawn: Rule<'unguarded'> = {
  meta: {
    id: 'unguarded-self-spawn',
    category: 'worker-lifecycle',
    defaultSeverity: 'error',
    description: 'A file that starts itself as a worker without an `isMainThread` guard.',
    docsUrl: docsUrl('unguarded-self-spawn'),
    textTrigger: /__filename|import\.meta/,
    messages: {
      unguarded: 'This file starts itself as a worker ({{how}}) from code the worker runs too',
    },
    explanations: {
      unguarded:
        "The worker re-runs the module's top level, reaches this spawn and starts another worker, which does the same, until threads and memory run out.\n\nPut the spawn in an `if (isMainThread) { … } else { …worker code… }` branch (or return early with `if (!isMainThread)`), or move the worker code to its own file.",
    },
  },
  create(context) {
    return {
      onEnd() {
        const spawns = context.threads.spawns.filter((s) => s.target === 'self');
        if (spawns.length === 0) return;
        const index = workerUsage(context);
        for (const spawn of spawns) {
          const walk: Walk = { context, index, flagsByProcess: passesFlags(spawn), visited: new Set() };
          const path = reachOnLoad(spawn.node, walk, 0);
          if (!path) continue;
          const guard = mainThreadGuardSuggestion(context.sourceFile, spawn, context.fileName);
          context.report({
            node: spawn.node,
            messageId: 'unguarded',
            data: { how: HOW[spawn.kind] },
            related: path.map((site) => context.related(site, describeSite(site, context))),
            fixes: guard ? [guard] : [],
          });
        }
      },
    };
  },
};

/** Does the spawn hand the worker an `env` or `argv` the code can test (`new Worker(f, { argv: ['child'] })`)? */
function passesFlags(spawn: WorkerSpawn): boolean {
  const args = spawn.node.arguments ?? [];
  const options = spawn.kind === 'worker_threads' ? args[1] : spawn.options;
  if (!options) return false;
  const object = skipOuterExpressions(options);
  if (!ts.isObjectLiteralExpression(object)) return false;
  return propertyValue(object, 'env') !== undefined || propertyValue(object, 'argv') !== undefined;
}
