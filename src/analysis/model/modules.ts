// Module binding: which local names refer to which module exports, through ESM imports
// (named, default, namespace, aliased) and CommonJS require (plain, destructured, member,
// conditional `cond ? require('x') : y`, deferred `let x; … x = require('x')`, bundler helpers),
// module handles stored on objects (`this.fs = require('fs')`, read through `const self = this`),
// with `node:` prefixes normalised and shadowed or re-assigned names left unresolved.
import * as fsModule from 'node:fs';
import ts from 'typescript';
import { boundNames, isFunctionLike, nameOf, skipOuterExpressions, stringValue } from '../ast.js';

/** A module reference: `fs.readFileSync` → { module: 'fs', path: ['readFileSync'] }. */
export interface ModuleReference {
  module: string;
  path: string[];
}

interface Binding {
  module: string;
  /** path inside the module this name stands for: [] for the whole module */
  path: string[];
  /** the scope node the binding is declared in (SourceFile, Block, function…) */
  scope: ts.Node;
}

/** Normalises 'node:fs' → 'fs'; 'fs/promises' stays as is. */
export function normalizeModuleName(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice(5) : specifier;
}

/** Module interop helpers that compilers wrap around `require` (tsc, Babel, SWC, esbuild). */
const INTEROP_HELPERS = new Set([
  '__importDefault',
  '__importStar',
  '_interopRequireDefault',
  '_interopRequireWildcard',
  '_interop_require_default',
  '_interop_require_wildcard',
  '__toESM',
]);

/** `require('x')` → 'x'; also through interop helpers and `await import('x')` */
export function requiredModule(node: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(node);
  // compiled output: __importDefault(require('x')), (0, tslib_1.__importStar)(require('x'))
  if (ts.isCallExpression(expr) && expr.arguments.length >= 1) {
    let callee = skipOuterExpressions(expr.expression);
    if (ts.isBinaryExpression(callee) && callee.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      callee = skipOuterExpressions(callee.right);
    }
    const helper = nameOf(callee);
    if (helper !== undefined && INTEROP_HELPERS.has(helper)) return requiredModule(expr.arguments[0]!);
  }
  if (
    ts.isCallExpression(expr) &&
    ts.isIdentifier(expr.expression) &&
    expr.expression.text === 'require' &&
    expr.arguments.length === 1
  ) {
    return stringValue(expr.arguments[0]);
  }
  // `await import('x')`
  if (ts.isAwaitExpression(expr)) {
    const inner = skipOuterExpressions(expr.expression);
    if (ts.isCallExpression(inner) && inner.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return stringValue(inner.arguments[0]);
    }
  }
  return undefined;
}

/**
 * The module a binding's value comes from, looking through the shapes that load a module only
 * sometimes: `cond ? require('x') : null`, `cached || require('x')`, `x ?? require('x')`.
 */
function loadedModule(node: ts.Expression): string | undefined {
  const expr = skipOuterExpressions(node);
  if (ts.isConditionalExpression(expr)) return loadedModule(expr.whenTrue) ?? loadedModule(expr.whenFalse);
  if (
    ts.isBinaryExpression(expr) &&
    (expr.operatorToken.kind === ts.SyntaxKind.BarBarToken ||
      expr.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
      expr.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)
  ) {
    return loadedModule(expr.right);
  }
  return requiredModule(expr);
}

/** `require('m').x` → { module: 'm', path: ['x'] } */
function requiredMember(node: ts.Expression): ModuleReference | undefined {
  const expr = skipOuterExpressions(node);
  if (!ts.isPropertyAccessExpression(expr)) return undefined;
  const module = requiredModule(expr.expression);
  return module === undefined ? undefined : { module, path: [expr.name.text] };
}

/** `null`, `undefined`, `void 0`, `false`: what a failed optional load leaves in a module variable. */
function isEmptyValue(node: ts.Expression): boolean {
  const expr = skipOuterExpressions(node);
  return (
    expr.kind === ts.SyntaxKind.NullKeyword ||
    expr.kind === ts.SyntaxKind.FalseKeyword ||
    ts.isVoidExpression(expr) ||
    (ts.isIdentifier(expr) && expr.text === 'undefined')
  );
}

/** `this`, or a name that holds it (`const self = this`). */
function isThisLike(expression: ts.Expression, thisAliases: ReadonlySet<string>): boolean {
  const expr = skipOuterExpressions(expression);
  return expr.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(expr) && thisAliases.has(expr.text));
}

function isScopeNode(node: ts.Node): boolean {
  switch (node.kind) {
    case ts.SyntaxKind.SourceFile:
    case ts.SyntaxKind.Block:
    case ts.SyntaxKind.ModuleBlock:
    case ts.SyntaxKind.ForStatement:
    case ts.SyntaxKind.ForOfStatement:
    case ts.SyntaxKind.ForInStatement:
    case ts.SyntaxKind.CaseBlock:
      return true;
    default:
      return isFunctionLike(node);
  }
}

function nearestScope(node: ts.Node): ts.Node | undefined {
  let current: ts.Node | undefined = node.parent;
  while (current && !isScopeNode(current)) current = current.parent;
  return current;
}

/**
 * Is `name` declared in `scope` or any scope around it? Cached per scope and name in a cache that
 * belongs to one analysis: an editor's incremental reparse reuses unchanged nodes whose enclosing
 * scopes may have changed.
 */
function declaredInScopeChain(
  chainCache: WeakMap<ts.Node, Map<string, boolean>>,
  scope: ts.Node | undefined,
  name: string,
): boolean {
  if (!scope) return false;
  let cache = chainCache.get(scope);
  if (!cache) {
    cache = new Map();
    chainCache.set(scope, cache);
  }
  const known = cache.get(name);
  if (known !== undefined) return known;
  const declared = scopeDeclares(scope, name) || declaredInScopeChain(chainCache, nearestScope(scope), name);
  cache.set(name, declared);
  return declared;
}

/**
 * The scope whose own declaration of `name` a use at `site` refers to: the nearest scope around
 * `site` that declares it, or the source file when none does (a global, or a `var` hoisted out of
 * a nested block). Same-named locals of different functions get different scopes, so calls
 * resolve to the function they really call. Cached per scope and name in `cache`, which belongs
 * to one analysis (a fresh one when not given).
 */
export function declaringScope(
  site: ts.Node,
  name: string,
  cache: Map<ts.Node, Map<string, ts.Node>> = new Map(),
): ts.Node {
  const start = nearestScope(site);
  if (!start) return site.getSourceFile();
  const visited: ts.Node[] = [];
  let scope: ts.Node | undefined = start;
  let found: ts.Node | undefined;
  while (scope) {
    const known = cache.get(scope)?.get(name);
    if (known) {
      found = known;
      break;
    }
    visited.push(scope);
    if (ts.isSourceFile(scope) || scopeDeclares(scope, name)) {
      found = scope;
      break;
    }
    scope = nearestScope(scope);
  }
  found ??= visited[visited.length - 1]!;
  for (const each of visited) {
    let names = cache.get(each);
    if (!names) {
      names = new Map();
      cache.set(each, names);
    }
    names.set(name, found);
  }
  return found;
}

function scopeOf(node: ts.Node): ts.Node {
  let current = node.parent;
  while (current) {
    if (isScopeNode(current)) return current;
    current = current.parent;
  }
  return node.getSourceFile();
}

const declaredNamesCache = new WeakMap<ts.Node, Set<string>>();

/** Does `scope` declare `name` itself? Names are collected once per scope, so lookups stay O(depth). */
function scopeDeclares(scope: ts.Node, name: string): boolean {
  let names = declaredNamesCache.get(scope);
  if (!names) {
    names = new Set(declaredNames(scope));
    declaredNamesCache.set(scope, names);
  }
  return names.has(name);
}

/** Names a scope declares itself (parameters, variables, functions, classes, catch variable). */
function declaredNames(scope: ts.Node): string[] {
  const names: string[] = [];
  const collectFrom = (statements: readonly ts.Statement[]): void => {
    for (const statement of statements) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) boundNames(declaration.name, names);
      } else if (
        (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
        statement.name
      ) {
        names.push(statement.name.text);
      }
    }
  };
  if (isFunctionLike(scope)) {
    for (const parameter of scope.parameters) boundNames(parameter.name, names);
    if (ts.isFunctionExpression(scope) && scope.name) names.push(scope.name.text);
  } else if (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) {
    const initializer = scope.initializer;
    if (initializer && ts.isVariableDeclarationList(initializer)) {
      for (const declaration of initializer.declarations) boundNames(declaration.name, names);
    }
  } else if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope)) {
    collectFrom(scope.statements);
    if (ts.isBlock(scope) && ts.isCatchClause(scope.parent) && scope.parent.variableDeclaration) {
      boundNames(scope.parent.variableDeclaration.name, names);
    }
  } else if (ts.isCaseBlock(scope)) {
    for (const clause of scope.clauses) collectFrom(clause.statements);
  }
  return names;
}

export class ModuleBindings {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly reassigned = new Set<string>();
  private readonly chainCache = new WeakMap<ts.Node, Map<string, boolean>>();
  /** module handles stored on `this` by property name: `this.fs = require('fs')` → fs */
  private readonly members = new Map<string, ModuleReference>();
  /** names that hold `this` (`const self = this`, `var node = this`) */
  private readonly thisAliases = new Set<string>();
  /** modules imported or required anywhere in the file, normalised */
  readonly modules = new Set<string>();

  /** The node kinds collect() acts on (the pre-pass calls it for these only). */
  static readonly COLLECTED_KINDS: readonly ts.SyntaxKind[] = [
    ts.SyntaxKind.ImportDeclaration,
    ts.SyntaxKind.VariableDeclaration,
    ts.SyntaxKind.BinaryExpression,
    ts.SyntaxKind.PropertyDeclaration,
    ts.SyntaxKind.CallExpression,
  ];

  /** `start(worker_threads)`: calls of a local function that hand it a module handle, bound in finish() */
  private readonly handedModules: { callee: ts.Identifier; index: number; argument: ts.Identifier }[] = [];

  /** Called by the pre-pass walk; records imports, requires and re-assignments. */
  collect(node: ts.Node): void {
    if (ts.isCallExpression(node)) {
      this.collectHandedModule(node);
    } else if (ts.isImportDeclaration(node)) {
      this.collectImport(node);
    } else if (ts.isVariableDeclaration(node) && node.initializer) {
      if (ts.isIdentifier(node.name) && node.initializer.kind === ts.SyntaxKind.ThisKeyword) {
        this.thisAliases.add(node.name.text);
      } else {
        this.collectRequire(node);
      }
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      this.collectAssignment(node);
    } else if (ts.isPropertyDeclaration(node) && node.initializer && ts.isIdentifier(node.name)) {
      // class C { fs = require('fs') }
      const module = loadedModule(node.initializer);
      if (module !== undefined) this.addMember(node.name.text, { module, path: [] });
    }
  }

  /**
   * `fs = require('fs')` for a name declared elsewhere (deferred and conditional loading, bundler
   * output `fs = __toESM(require("fs"))`), `this.fs = require('fs')`; any other assignment to a
   * bound name makes it unresolvable.
   */
  private collectAssignment(node: ts.BinaryExpression): void {
    const left = skipOuterExpressions(node.left);
    const module = loadedModule(node.right);
    if (ts.isIdentifier(left)) {
      const member = module === undefined ? requiredMember(node.right) : undefined;
      if (module !== undefined) {
        this.add(left.text, module, [], node, declaringScope(node, left.text));
      } else if (member) {
        // `let Worker; try { Worker = require('worker_threads').Worker } catch {}`
        this.add(left.text, member.module, member.path, node, declaringScope(node, left.text));
      } else if (this.bindings.has(left.text) && !isEmptyValue(node.right)) {
        // `fs = null` in the catch of a `try { fs = require('fs') }` leaves the one module it can hold
        this.reassigned.add(left.text);
      }
    } else if (ts.isPropertyAccessExpression(left) && isThisLike(left.expression, this.thisAliases)) {
      if (module !== undefined) {
        this.addMember(left.name.text, { module, path: [] });
      } else {
        // `this.fs = fsystem` where `const fsystem = require('fs')` (adm-zip's Utils)
        const right = skipOuterExpressions(node.right);
        if (ts.isIdentifier(right) && this.bindings.has(right.text)) {
          const reference = this.resolveAt(right, node);
          if (reference && reference.module !== '<global>') this.addMember(left.name.text, reference);
        }
      }
    }
  }

  /** Records `f(fs)` where `f` is a plain name and `fs` a name bound to a module. */
  private collectHandedModule(node: ts.CallExpression): void {
    const callee = node.expression;
    if (!ts.isIdentifier(callee) || callee.text === 'require') return;
    const args = node.arguments;
    for (let index = 0; index < args.length; index++) {
      const argument = args[index]!;
      // only names bound above the call: the common order, and it keeps the list short
      if (ts.isIdentifier(argument) && this.bindings.has(argument.text))
        this.handedModules.push({ callee, index, argument });
    }
  }

  /**
   * After the pre-pass: a module handed to a local function binds that function's parameter
   * (esbuild's `startWorkerThreadService(worker_threads)` → `new worker_threads2.Worker(…)`), when
   * every such call hands the same module at that position.
   */
  finish(): void {
    const byParameter = new Map<ts.ParameterDeclaration, ModuleReference | null>();
    for (const { callee, index, argument } of this.handedModules) {
      const reference = this.resolveAt(argument, argument);
      if (!reference || reference.module === '<global>') continue;
      const parameter = localFunctionOf(callee)?.parameters[index];
      if (!parameter || !ts.isIdentifier(parameter.name) || parameter.dotDotDotToken) continue;
      const known = byParameter.get(parameter);
      if (known === undefined) byParameter.set(parameter, reference);
      else if (
        known &&
        (known.module !== reference.module || known.path.join('.') !== reference.path.join('.'))
      )
        byParameter.set(parameter, null);
    }
    this.handedModules.length = 0;
    for (const [parameter, reference] of byParameter) {
      if (!reference) continue;
      this.add(
        (parameter.name as ts.Identifier).text,
        reference.module,
        reference.path,
        parameter,
        parameter.parent,
      );
    }
  }

  private addMember(name: string, reference: ModuleReference): void {
    const normalized = normalizeModuleName(reference.module);
    this.modules.add(normalized);
    this.members.set(name, { module: normalized, path: reference.path });
  }

  private add(name: string, module: string, path: string[], declaration: ts.Node, scope?: ts.Node): void {
    const normalized = normalizeModuleName(module);
    this.modules.add(normalized);
    const list = this.bindings.get(name) ?? [];
    // the same name loaded twice in one scope (`try { x = require('a') } catch { x = require('b') }`)
    // keeps its first binding
    const bindingScope = scope ?? scopeOf(declaration);
    if (!list.some((b) => b.scope === bindingScope))
      list.push({ module: normalized, path, scope: bindingScope });
    this.bindings.set(name, list);
  }

  private collectImport(node: ts.ImportDeclaration): void {
    const module = stringValue(node.moduleSpecifier);
    if (module === undefined) return;
    this.modules.add(normalizeModuleName(module));
    const clause = node.importClause;
    if (!clause || clause.isTypeOnly) return;
    if (clause.name) this.add(clause.name.text, module, [], node);
    const named = clause.namedBindings;
    if (!named) return;
    if (ts.isNamespaceImport(named)) {
      this.add(named.name.text, module, [], node);
    } else {
      for (const element of named.elements) {
        if (element.isTypeOnly) continue;
        const imported = (element.propertyName ?? element.name).text;
        this.add(element.name.text, module, imported === 'default' ? [] : [imported], node);
      }
    }
  }

  private collectRequire(node: ts.VariableDeclaration): void {
    const initializer = skipOuterExpressions(node.initializer!);
    let module = loadedModule(initializer);
    let path: string[] = [];
    if (module === undefined) {
      // const readFileSync = require('fs').readFileSync / require('fs').promises
      const member = requiredMember(initializer);
      if (member) {
        module = member.module;
        path = member.path;
      }
      // const fsp = fs.promises / const f = fs: an alias of an already bound module
      if (module === undefined && ts.isIdentifier(node.name) && this.rootIsBound(initializer)) {
        // Resolved at the declaration: during the pre-pass the initializer's own parent pointer
        // may not be set yet, and the scopes around both are the same.
        const reference = this.resolveAt(initializer, node);
        if (reference && reference.module !== '<global>') {
          this.add(node.name.text, reference.module, reference.path, node);
        }
        return;
      }
    }
    if (module === undefined) return;
    if (ts.isIdentifier(node.name)) {
      this.add(node.name.text, module, path, node);
    } else if (ts.isObjectBindingPattern(node.name)) {
      for (const element of node.name.elements) {
        if (!ts.isIdentifier(element.name)) continue;
        const key =
          element.propertyName && ts.isIdentifier(element.propertyName)
            ? element.propertyName.text
            : element.name.text;
        this.add(element.name.text, module, [...path, key], node);
      }
    }
  }

  /** Is the root identifier of `a.b.c` a module binding? (cheap check before resolving aliases) */
  private rootIsBound(expression: ts.Expression): boolean {
    let expr = skipOuterExpressions(expression);
    while (ts.isPropertyAccessExpression(expr) || ts.isElementAccessExpression(expr))
      expr = skipOuterExpressions(expr.expression);
    return ts.isIdentifier(expr) && this.bindings.has(expr.text);
  }

  /** Does the file import or require a relative module ('./x', '../y')? */
  importsRelativeModule(): boolean {
    for (const module of this.modules) if (module.startsWith('.')) return true;
    return false;
  }

  /** Is `name` bound to a module anywhere in the file (or a `this` alias that holds a module handle)? */
  isBoundName(name: string): boolean {
    return this.bindings.has(name) || (this.members.size > 0 && this.thisAliases.has(name));
  }

  /** Does the file store a module handle on an object (`this.fs = require('fs')`)? */
  get hasMemberBindings(): boolean {
    return this.members.size > 0;
  }

  /** The binding a name refers to at `site`, or undefined when it is local, shadowed or re-assigned. */
  private lookup(name: string, site: ts.Node): Binding | undefined | null {
    const candidates = this.bindings.get(name);
    if (this.reassigned.has(name)) return null;
    // Not imported anywhere: the answer is the global or a local — memoized per scope, since
    // rules ask about many calls in the same function.
    if (!candidates)
      return declaredInScopeChain(this.chainCache, nearestScope(site), name) ? null : undefined;
    let scope: ts.Node | undefined = site;
    while (scope) {
      if (isScopeNode(scope)) {
        const binding = candidates?.find((b) => b.scope === scope);
        if (binding) return binding;
        if (scope !== site && scopeDeclares(scope, name)) return null;
      }
      scope = scope.parent;
    }
    return undefined;
  }

  /**
   * Resolves an expression to the module export it denotes: `fs.readFileSync`, `readFileSync`
   * (imported), `require('fs').readFileSync`, `crypto.webcrypto.subtle`… Unbound identifiers that
   * are not declared locally resolve to module '<global>' (e.g. `Atomics.wait`, `JSON.parse`).
   */
  resolve(expression: ts.Expression): ModuleReference | undefined {
    return this.resolveAt(expression, expression);
  }

  private resolveAt(expression: ts.Expression, site: ts.Node): ModuleReference | undefined {
    const expr = skipOuterExpressions(expression);
    if (ts.isIdentifier(expr)) {
      const binding = this.lookup(expr.text, site);
      if (binding === null) return undefined;
      if (binding) return { module: binding.module, path: binding.path };
      return { module: '<global>', path: [expr.text] };
    }
    if (ts.isPropertyAccessExpression(expr) || ts.isElementAccessExpression(expr)) {
      const key = ts.isPropertyAccessExpression(expr) ? expr.name.text : stringValue(expr.argumentExpression);
      if (key === undefined) return undefined;
      if (this.members.size > 0 && isThisLike(expr.expression, this.thisAliases)) {
        return this.members.get(key);
      }
      const base = this.resolveAt(expr.expression, site);
      if (!base) return undefined;
      // `globalThis.x` and `global.x` are the global `x`
      if (
        base.module === '<global>' &&
        base.path.length === 1 &&
        (base.path[0] === 'globalThis' || base.path[0] === 'global')
      ) {
        return { module: '<global>', path: [key] };
      }
      // `fs_1.default` (compiled `__importDefault(require('fs'))`), `require('p-queue').default`,
      // `ns.default`: the module's default export, bound as the module itself like `import x from`
      if (key === 'default' && base.path.length === 0 && base.module !== '<global>') return base;
      return { module: base.module, path: [...base.path, key] };
    }
    const required = requiredModule(expr);
    if (required !== undefined) return { module: normalizeModuleName(required), path: [] };
    return undefined;
  }

  /**
   * `x.fs.statSync` where `x` is an object the file cannot follow (an instance of a class from
   * another file, an options bag): a property named `fs` that is called with one of Node's own fs
   * function names holds a file system (adm-zip's `filetools.fs.chmodSync()`, `options.fs.statSync()`;
   * a custom one such as memfs is synchronous too). Not for `this.fs`: what the file stores on
   * `this` it resolves itself (a module, or something else such as an injected parameter).
   */
  fsHandleCall(expression: ts.Expression): ModuleReference | undefined {
    const expr = skipOuterExpressions(expression);
    if (!ts.isPropertyAccessExpression(expr)) return undefined;
    const holder = skipOuterExpressions(expr.expression);
    if (!ts.isPropertyAccessExpression(holder) || holder.name.text !== 'fs') return undefined;
    if (isThisLike(holder.expression, this.thisAliases)) return undefined;
    fsFunctionNames ??= new Set(
      Object.entries(fsModule)
        .filter(([, value]) => typeof value === 'function')
        .map(([name]) => name),
    );
    return fsFunctionNames.has(expr.name.text) ? { module: 'fs', path: [expr.name.text] } : undefined;
  }

  /** Is any local name bound to this module (or a sub-path of it)? Cheap check before resolving. */
  imports(module: string): boolean {
    return this.modules.has(module);
  }
}

/**
 * The function a plain call's callee names in its scope: `function f() {}` or `const f = (…) => …`
 * / `var f = function () {}` declared in the scope the name resolves to.
 */
function localFunctionOf(callee: ts.Identifier): ts.SignatureDeclaration | undefined {
  const scope = declaringScope(callee, callee.text);
  const statements =
    ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) ? scope.statements : [];
  for (const statement of statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === callee.text) return statement;
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (
        !ts.isIdentifier(declaration.name) ||
        declaration.name.text !== callee.text ||
        !declaration.initializer
      )
        continue;
      const initializer = skipOuterExpressions(declaration.initializer);
      if (ts.isArrowFunction(initializer) || ts.isFunctionExpression(initializer)) return initializer;
    }
  }
  return undefined;
}

/** Does a reference denote `module`'s export at `path`? Accepts 'fs/promises' for ['fs', 'promises', …]. */
export function referenceIs(
  reference: ModuleReference | undefined,
  module: string,
  ...path: string[]
): boolean {
  if (!reference) return false;
  let refModule = reference.module;
  let refPath = reference.path;
  // normalise 'fs/promises' → fs + ['promises']
  if (refModule.includes('/') && !refModule.startsWith('@') && !refModule.startsWith('.')) {
    const [head, ...rest] = refModule.split('/');
    refModule = head!;
    refPath = [...rest, ...refPath];
  }
  if (refModule !== module || refPath.length !== path.length) return false;
  return path.every((p, i) => p === refPath[i]);
}

/** Function names of Node's `fs` module (the engine runs on Node, so the list is Node's own). */
let fsFunctionNames: ReadonlySet<string> | undefined;
