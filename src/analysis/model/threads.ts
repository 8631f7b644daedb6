// Thread context: which code runs on the main thread and which in a worker. A file is a worker
// entry when it uses `parentPort`/`workerData` without an `isMainThread` switch, when another file
// in the scan spawns it (new Worker, piscina, tinypool, workerpool), or, for pools whose owner is
// outside the scan, when it is named like a worker module. Inside a file, `if (isMainThread)`
// branches decide. Browser Web Workers are their own kind: a global `new Worker(url)` spawns one, and
// a file that listens with `self.onmessage` / `self.addEventListener('message')` or calls
// `importScripts()` is one.
import path from 'node:path';
import ts from 'typescript';
import { calleeName, propertyChain, skipOuterExpressions, stringValue } from '../ast.js';
import { constInitializer } from './declarations.js';
import { type ModuleBindings, referenceIs } from './modules.js';

export type ThreadContext = 'main' | 'worker';

export type SpawnKind = 'worker_threads' | 'web-worker' | 'piscina' | 'tinypool' | 'workerpool';

/** One thread per spawn (worker_threads or a Web Worker), as opposed to a pool. */
export function isThreadSpawn(kind: SpawnKind): kind is 'worker_threads' | 'web-worker' {
  return kind === 'worker_threads' || kind === 'web-worker';
}

/** Worker-global handlers of a Web Worker: `self.onmessage = …`, `onmessage = …`. */
const WEB_WORKER_HANDLERS = new Set(['onmessage', 'onmessageerror']);

export interface WorkerSpawn {
  kind: SpawnKind;
  /** the `new Worker(…)` / `new Piscina(…)` expression */
  node: ts.NewExpression | ts.CallExpression;
  /** absolute path of the worker file, 'self' for the file itself, undefined when not resolvable */
  target: string | 'self' | undefined;
  /** for pools: the options object literal, when given inline */
  options?: ts.ObjectLiteralExpression;
}

/** Constructor or factory names that can start a worker or a pool. */
const SPAWN_NAMES = new Set(['Worker', 'Piscina', 'Tinypool', 'pool']);

/** Names that mark a file as a worker module when nothing in the scan says otherwise. */
const WORKER_FILE_NAME = /(^|[./_-])workers?([./_-]|$)/i;

export class ThreadModel {
  /** filled by finish(), after the pre-pass */
  readonly spawns: WorkerSpawn[] = [];
  private readonly candidates: (ts.NewExpression | ts.CallExpression)[] = [];
  private usesWorkerSideApi = false;
  private usesIsMainThread = false;

  constructor(
    private readonly fileName: string,
    private readonly bindings: ModuleBindings,
  ) {}

  /** The node kinds collect() acts on (the pre-pass calls it for these only). */
  static readonly COLLECTED_KINDS: readonly ts.SyntaxKind[] = [
    ts.SyntaxKind.Identifier,
    ts.SyntaxKind.NewExpression,
    ts.SyntaxKind.CallExpression,
  ];

  /** Called by the pre-pass walk (after module bindings of the same node were collected). */
  collect(node: ts.Node): void {
    if (ts.isIdentifier(node)) {
      const text = node.text;
      if (text === 'parentPort' || text === 'workerData' || text === 'isMainThread') {
        if (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) {
          if (!referenceIs(this.bindings.resolve(node.parent), 'worker_threads', text)) return;
        } else if (!referenceIs(this.bindings.resolve(node), 'worker_threads', text)) {
          return;
        }
        if (text === 'isMainThread') this.usesIsMainThread = true;
        else this.usesWorkerSideApi = true;
      } else if (this.isWebWorkerSide(node)) {
        this.usesWorkerSideApi = true;
      }
      return;
    }
    if (ts.isNewExpression(node) || (ts.isCallExpression(node) && calleeName(node) === 'pool')) {
      // Resolving every call is costly in big files: only constructors that can be a worker or a
      // pool (by name, or through an import binding such as `import P from 'piscina'`) qualify.
      const callee = skipOuterExpressions(node.expression);
      const root = ts.isPropertyAccessExpression(callee) ? skipOuterExpressions(callee.expression) : callee;
      const name = calleeName(node);
      const candidate =
        (name !== undefined && SPAWN_NAMES.has(name)) ||
        (ts.isIdentifier(root) && this.bindings.isBoundName(root.text));
      if (candidate) this.candidates.push(node);
    }
  }

  /** `self.onmessage = …`, bare `onmessage = …`, `self.addEventListener('message', …)`, `importScripts(…)`. */
  private isWebWorkerSide(node: ts.Identifier): boolean {
    const text = node.text;
    const parent = node.parent;
    if (text === 'importScripts') {
      return ts.isCallExpression(parent) && parent.expression === node && this.isGlobal(node);
    }
    if (WEB_WORKER_HANDLERS.has(text)) {
      const target = ts.isPropertyAccessExpression(parent) && parent.name === node ? parent : node;
      if (target !== node && !this.isWorkerGlobalScope((target as ts.PropertyAccessExpression).expression))
        return false;
      if (target === node && !this.isGlobal(node)) return false;
      const assignment = target.parent;
      return (
        ts.isBinaryExpression(assignment) &&
        assignment.left === target &&
        assignment.operatorToken.kind === ts.SyntaxKind.EqualsToken
      );
    }
    if (text === 'addEventListener' && ts.isPropertyAccessExpression(parent) && parent.name === node) {
      const call = parent.parent;
      return (
        ts.isCallExpression(call) &&
        call.expression === parent &&
        stringValue(call.arguments[0]) === 'message' &&
        this.isWorkerGlobalScope(parent.expression)
      );
    }
    return false;
  }

  /** `self` (the worker's global scope; not a local named self) */
  private isWorkerGlobalScope(expression: ts.Expression): boolean {
    const expr = skipOuterExpressions(expression);
    return ts.isIdentifier(expr) && expr.text === 'self' && this.isGlobal(expr);
  }

  private isGlobal(identifier: ts.Identifier): boolean {
    const reference = this.bindings.resolve(identifier);
    return reference?.module === '<global>';
  }

  /**
   * Evaluates the spawn candidates once the pre-pass is over: their arguments name paths through
   * constants declared anywhere in the file (`new Worker(workerPath)` above `const workerPath =
   * …`), and resolving those needs the whole tree linked to its parents.
   */
  finish(): void {
    for (const node of this.candidates) {
      const spawn = this.spawnOf(node);
      if (spawn) this.spawns.push(spawn);
    }
    this.candidates.length = 0;
  }

  private spawnOf(node: ts.NewExpression | ts.CallExpression): WorkerSpawn | undefined {
    const reference = this.bindings.resolve(node.expression);
    const args = node.arguments ?? [];
    if (ts.isNewExpression(node)) {
      if (referenceIs(reference, 'worker_threads', 'Worker')) {
        return { kind: 'worker_threads', node, target: args[0] ? this.evaluatePath(args[0]) : undefined };
      }
      // the browser's global Worker (Node has none: it must be imported from worker_threads)
      if (referenceIs(reference, '<global>', 'Worker')) {
        return { kind: 'web-worker', node, target: args[0] ? this.evaluatePath(args[0]) : undefined };
      }
      const pool = poolKind(reference);
      if (pool) {
        const options =
          args[0] && ts.isObjectLiteralExpression(skipOuterExpressions(args[0]))
            ? (skipOuterExpressions(args[0]) as ts.ObjectLiteralExpression)
            : undefined;
        const filename = options ? propertyValue(options, 'filename') : undefined;
        return { kind: pool, node, target: filename ? this.evaluatePath(filename) : undefined, options };
      }
      return undefined;
    }
    // workerpool.pool(__dirname + '/worker.js')
    if (reference && reference.module === 'workerpool' && reference.path.join('.') === 'pool') {
      return { kind: 'workerpool', node, target: args[0] ? this.evaluatePath(args[0]) : undefined };
    }
    return undefined;
  }

  /** Evaluates a worker path expression to an absolute path, 'self', or undefined. */
  evaluatePath(expression: ts.Expression, depth = 0): string | 'self' | undefined {
    const expr = skipOuterExpressions(expression);
    const dir = path.dirname(this.fileName);
    const literal = stringValue(expr);
    if (literal !== undefined) {
      if (literal.startsWith('file://')) return undefined;
      return path.resolve(dir, literal);
    }
    const chain =
      ts.isIdentifier(expr) || ts.isPropertyAccessExpression(expr) ? propertyChain(expr) : undefined;
    const dotted = chain?.join('.');
    if (dotted === '__filename' || dotted === 'import.meta.url' || dotted === 'import.meta.filename')
      return 'self';
    if (dotted === '__dirname' || dotted === 'import.meta.dirname') return dir;
    if (ts.isMetaProperty(expr)) return undefined;
    // new URL('./w.js', import.meta.url).href / .pathname
    if (ts.isPropertyAccessExpression(expr) && (expr.name.text === 'href' || expr.name.text === 'pathname')) {
      return this.evaluatePath(expr.expression, depth + 1);
    }
    if (ts.isPropertyAccessExpression(expr) && ts.isMetaProperty(expr.expression)) {
      if (expr.name.text === 'url' || expr.name.text === 'filename') return 'self';
      if (expr.name.text === 'dirname') return dir;
    }
    if (ts.isIdentifier(expr) && depth < 3) {
      const initializer = constInitializer(expr);
      return initializer ? this.evaluatePath(initializer, depth + 1) : undefined;
    }
    if (ts.isNewExpression(expr) && calleeName(expr) === 'URL' && expr.arguments?.length) {
      const [first, second] = expr.arguments;
      if (!second) return this.evaluatePath(first!, depth + 1);
      const relative = stringValue(first);
      const base = this.evaluatePath(second, depth + 1);
      if (relative !== undefined && base !== undefined) {
        return path.resolve(base === 'self' ? dir : base, relative);
      }
      return undefined;
    }
    if (ts.isCallExpression(expr)) {
      const name = calleeName(expr);
      if (name === 'fileURLToPath' && expr.arguments[0])
        return this.evaluatePath(expr.arguments[0], depth + 1);
      if ((name === 'join' || name === 'resolve') && expr.arguments.length > 0) {
        const parts: string[] = [];
        for (const argument of expr.arguments) {
          const value = stringValue(argument) ?? this.evaluatePath(argument, depth + 1);
          if (value === undefined || value === 'self') return undefined;
          parts.push(value);
        }
        return path.resolve(dir, ...parts);
      }
    }
    if (ts.isTemplateExpression(expr) && expr.templateSpans.length === 1 && expr.head.text === '') {
      const base = this.evaluatePath(expr.templateSpans[0]!.expression, depth + 1);
      if (base && base !== 'self') return path.resolve(base, `.${expr.templateSpans[0]!.literal.text}`);
    }
    if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const base = this.evaluatePath(expr.left, depth + 1);
      const rest = stringValue(expr.right);
      if (base && base !== 'self' && rest !== undefined) return path.resolve(base, `.${rest}`);
    }
    return undefined;
  }

  /** True when the file's own code says it runs as a worker (parentPort/workerData, no isMainThread switch). */
  get isWorkerBySelf(): boolean {
    if (this.usesWorkerSideApi && !this.usesIsMainThread) return true;
    // A pool task module (piscina/tinypool/workerpool) often never imports worker_threads:
    // its name is the only sign when the pool lives outside the scan.
    const base = path.basename(this.fileName);
    return WORKER_FILE_NAME.test(base) && this.spawns.length === 0 && !this.usesIsMainThread;
  }

  get hasMainThreadSwitch(): boolean {
    return this.usesIsMainThread;
  }

  /**
   * Thread of the code at `node` from `if (isMainThread)` / `if (!isMainThread)` / `if (parentPort)`
   * branches; undefined when no branch decides.
   */
  threadAt(node: ts.Node): ThreadContext | undefined {
    let child: ts.Node = node;
    let current: ts.Node | undefined = node.parent;
    while (current && !ts.isSourceFile(current)) {
      if (ts.isIfStatement(current) || ts.isConditionalExpression(current)) {
        const condition = ts.isIfStatement(current) ? current.expression : current.condition;
        if (child !== condition) {
          const inThen = ts.isIfStatement(current)
            ? child === current.thenStatement
            : child === current.whenTrue;
          const conditionThread = this.threadOfCondition(condition);
          if (conditionThread)
            return inThen ? conditionThread : conditionThread === 'main' ? 'worker' : 'main';
        }
      }
      child = current;
      current = current.parent;
    }
    return undefined;
  }

  private threadOfCondition(condition: ts.Expression): ThreadContext | undefined {
    const expr = skipOuterExpressions(condition);
    if (ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.ExclamationToken) {
      const inner = this.threadOfCondition(expr.operand);
      return inner === undefined ? undefined : inner === 'main' ? 'worker' : 'main';
    }
    if (ts.isBinaryExpression(expr)) {
      // isMainThread === false, parentPort !== null …
      const op = expr.operatorToken.kind;
      const literal = expr.right.kind;
      const side = this.threadOfCondition(expr.left);
      if (side === undefined) return undefined;
      const negates =
        ((op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken) &&
          (literal === ts.SyntaxKind.FalseKeyword || literal === ts.SyntaxKind.NullKeyword)) ||
        ((op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) &&
          literal === ts.SyntaxKind.TrueKeyword);
      return negates ? (side === 'main' ? 'worker' : 'main') : side;
    }
    const reference = this.bindings.resolve(expr);
    if (referenceIs(reference, 'worker_threads', 'isMainThread')) return 'main';
    if (
      referenceIs(reference, 'worker_threads', 'parentPort') ||
      referenceIs(reference, 'worker_threads', 'workerData')
    ) {
      return 'worker';
    }
    return undefined;
  }
}

function poolKind(reference: ReturnType<ModuleBindings['resolve']>): SpawnKind | undefined {
  if (!reference) return undefined;
  const last = reference.path[reference.path.length - 1];
  if (
    reference.module === 'piscina' &&
    (reference.path.length === 0 || last === 'Piscina' || last === 'default')
  ) {
    return 'piscina';
  }
  if (
    reference.module === 'tinypool' &&
    (reference.path.length === 0 || last === 'Tinypool' || last === 'default')
  ) {
    return 'tinypool';
  }
  return undefined;
}

/** Value of `key` in an object literal (`{ key: value }` or shorthand `{ key }`). */
export function propertyValue(object: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const property of object.properties) {
    if (ts.isPropertyAssignment(property)) {
      const name =
        ts.isIdentifier(property.name) || ts.isStringLiteral(property.name) ? property.name.text : undefined;
      if (name === key) return property.initializer;
    } else if (ts.isShorthandPropertyAssignment(property) && property.name.text === key) {
      return property.name;
    }
  }
  return undefined;
}
