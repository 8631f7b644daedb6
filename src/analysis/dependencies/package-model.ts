// The library model of one installed package: which of its exported functions block the calling
// thread, and on what. A package is read as its users call it: the export a call names is
// followed through the package's files (`module.exports = …`, `exports.x =`, object literals and
// spreads, re-exports, `Object.assign(exports, other)`, ESM exports, UMD factories) to a function;
// the function, and what it calls in the package (by scope, `this.m()`, relative requires) and in
// the package's own dependencies (one level), is searched for a blocking call the engine knows
// (`blockingApi`: fs/crypto/zlib/child_process sync APIs, Atomics.wait, native addons' sync APIs).
// A function documented `@blocking`, or a `xSync` export beside an `x` export (the package's own
// word that it is the synchronous form), blocks too.
// Reading is bounded in files, bytes and time (see Limits): past a bound the package is given up.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { contains, type FunctionLike, isFunctionLike, skipOuterExpressions } from '../ast.js';
import { rangeOf } from '../context.js';
import { ModuleBindings, type ModuleReference } from '../model/modules.js';
import { INLINE_CALLBACK_METHODS } from '../model/node-api.js';
import { blockingApi } from '../rules/blocking-call.js';
import type { Range } from '../types.js';
import { splitPackageSpecifier } from './locate.js';

/** What blocks inside a package function, as stored in the summary (serializable). */
export interface DependencyHazard {
  /** 'call': a blocking API; 'documented': `@blocking`; 'sync-form': `xSync` beside `x` */
  kind: 'call' | 'documented' | 'sync-form';
  /** the blocking API (`fs.readFileSync()`), or for 'sync-form' the asynchronous form (`hash()`) */
  what: string;
  /** the file the blocking work is in, relative to the package folder (may lead into a dependency) */
  file: string;
  range: Range;
  /** the package the blocking work is in: this one, or one of its dependencies */
  inPackage: string;
}

export interface Limits {
  /** files read per package */
  maxFiles: number;
  /** bytes read per package */
  maxBytes: number;
  /** time spent reading one package, in milliseconds */
  maxMs: number;
  /** functions followed per exported function */
  maxFunctions: number;
  /** levels of dependencies followed below the package the application calls (0: none) */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFiles: 400,
  maxBytes: 6 * 1024 * 1024,
  maxMs: 2000,
  maxFunctions: 2000,
  maxDepth: 1,
};

/** Thrown when a package exceeds a bound; the package is given up with this note. */
export class GiveUp extends Error {
  constructor(
    message: string,
    /** false for the time bound: another run on a less busy machine may finish */
    readonly deterministic: boolean,
  ) {
    super(message);
  }
}

/** Answers "does `<package>.<path>()` block?" for another package (a dependency of this one). */
export type DependencyLookup = (
  fromFile: string,
  specifier: string,
  exportPath: string[],
) => { hazard: DependencyHazard; file: string } | undefined;

interface ParsedFile {
  file: string;
  sourceFile: ts.SourceFile;
  bindings: ModuleBindings;
  /** `function f` and `var f = function`, by name */
  locals: Map<string, ts.Node[]>;
  /** `X.m = value`, `X.prototype.m = value` by owner name then member; owner 'this' for `this.m =` */
  members: Map<string, Map<string, ts.Expression>>;
  /** methods of classes and object literals, and every member value, by member name */
  methodsByName: Map<string, FunctionLike[]>;
  /** `set name(value) {…}` accessors by name: `this.name = x` runs them */
  setters: Map<string, FunctionLike[]>;
  /** `module.exports = value` */
  moduleExports: ts.Expression[];
  /** `exports.x = value`, `export function x`, `export { a as x }`, `export default` ('default') */
  namedExports: Map<string, ts.Node>;
  /** `Object.assign(exports, X)`, `export * from 'x'`, `__exportStar(require('x'), exports)` */
  exportAll: ts.Expression[];
  /** names a function returns (`return bcrypt`): what a UMD factory exports */
  returnedNames: Set<string>;
}

type Target =
  | { kind: 'function'; file: ParsedFile; fn: FunctionLike }
  | { kind: 'api'; file: ParsedFile; reference: ModuleReference; at: ts.Node }
  /** an export that exists but holds something not followed (a call's result, a computed value) */
  | { kind: 'opaque' };

const SYNC_NAME = /^(\w+)Sync$/;
/** Functions whose bodies are searched for nothing: they run per call of a built-in, not here. */
const NOT_FOLLOWED_METHODS = new Set(['call', 'apply', 'bind', 'emit', 'push', 'then', 'catch']);

export class PackageModel {
  private readonly files = new Map<string, ParsedFile | null>();
  private readonly hazards = new WeakMap<ts.Node, DependencyHazard | null>();
  private filesRead = 0;
  private bytesRead = 0;
  /** when the current lookup must stop (see hazardOfExport) */
  private deadline = 0;
  /** time spent reading this package so far, over all lookups (a language server keeps the model) */
  private spentMs = 0;
  private functionsFollowed = 0;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly limits: Limits,
    private readonly dependency: DependencyLookup,
  ) {}

  /** What blocks in the export at `exportPath` of `entry` (a file of this package); null: nothing. */
  hazardOfExport(entry: string, exportPath: string[]): DependencyHazard | null {
    const started = performance.now();
    this.deadline = started + this.limits.maxMs - this.spentMs;
    try {
      return this.answer(entry, exportPath);
    } finally {
      this.spentMs += performance.now() - started;
    }
  }

  private answer(entry: string, exportPath: string[]): DependencyHazard | null {
    this.functionsFollowed = 0;
    const file = this.parse(entry);
    if (!file) return null;
    const target = this.resolveExport(file, exportPath, new Set());
    if (!target) return null;
    const found = this.hazardOfTarget(target, new Set());
    if (found) return found;
    // `xSync` beside `x`: the package says this is the synchronous form of an asynchronous API
    const last = exportPath[exportPath.length - 1];
    const twin = last === undefined ? undefined : SYNC_NAME.exec(last)?.[1];
    if (twin !== undefined && target.kind === 'function') {
      const asynchronous = this.resolveExport(file, [...exportPath.slice(0, -1), twin], new Set());
      if (asynchronous) return this.hazardAt(target.file, target.fn, 'sync-form', `${twin}()`);
    }
    return null;
  }

  private hazardAt(
    file: ParsedFile,
    node: ts.Node,
    kind: DependencyHazard['kind'],
    what: string,
  ): DependencyHazard {
    const start = node.getStart(file.sourceFile);
    return {
      kind,
      what,
      file: path.relative(this.dir, file.file),
      range: rangeOf(file.sourceFile, start, Math.min(node.getEnd(), start + 80)),
      inPackage: this.name,
    };
  }

  private checkBudget(): void {
    if (performance.now() > this.deadline)
      throw new GiveUp(`reading took longer than ${this.limits.maxMs} ms`, false);
  }

  private parse(file: string): ParsedFile | undefined {
    const known = this.files.get(file);
    if (known !== undefined) return known ?? undefined;
    this.checkBudget();
    let parsed: ParsedFile | null = null;
    try {
      const size = statSync(file).size;
      this.filesRead++;
      this.bytesRead += size;
      if (this.filesRead > this.limits.maxFiles)
        throw new GiveUp(`more than ${this.limits.maxFiles} files to read`, true);
      if (this.bytesRead > this.limits.maxBytes)
        throw new GiveUp(`more than ${Math.round(this.limits.maxBytes / 1048576)} MB to read`, true);
      const text = readFileSync(file, 'utf8');
      parsed = indexFile(file, text);
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      parsed = null;
    }
    this.files.set(file, parsed);
    return parsed ?? undefined;
  }

  /** The file a relative specifier in `from` loads. */
  private relativeFile(from: ParsedFile, specifier: string): ParsedFile | undefined {
    const base = path.resolve(path.dirname(from.file), specifier);
    for (const candidate of [base, `${base}.js`, `${base}.cjs`, `${base}.mjs`, path.join(base, 'index.js')]) {
      if (!/\.(c|m)?js$/.test(candidate)) continue;
      try {
        if (!statSync(candidate).isFile()) continue;
      } catch {
        continue;
      }
      return this.parse(candidate);
    }
    return undefined;
  }

  // ---- exports ---------------------------------------------------------------------------------

  private resolveExport(file: ParsedFile, exportPath: string[], seen: Set<string>): Target | undefined {
    const key = `${file.file}#${exportPath.join('.')}`;
    if (seen.has(key) || seen.size > 200) return undefined;
    seen.add(key);
    const [first, ...rest] = exportPath;
    if (first !== undefined) {
      const named = file.namedExports.get(first);
      if (named) {
        const target = this.resolveNode(file, named, rest, seen);
        if (target) return target;
      }
    }
    for (const value of file.moduleExports) {
      const target = this.resolveValue(file, value, exportPath, seen);
      if (target) return target;
    }
    // ESM default export used as a namespace: `export default { hashSync }`
    const defaultExport = file.namedExports.get('default');
    if (defaultExport && first !== 'default') {
      const target = this.resolveNode(file, defaultExport, exportPath, seen);
      if (target) return target;
    }
    for (const all of file.exportAll) {
      const target = this.resolveValue(file, all, exportPath, seen);
      if (target) return target;
    }
    // a UMD factory's export: members assigned on the object a function returns
    if (first !== undefined && file.moduleExports.length + file.namedExports.size <= 1) {
      for (const owner of file.returnedNames) {
        const value = file.members.get(owner)?.get(first);
        if (value) {
          const target = this.resolveValue(file, value, rest, seen);
          if (target) return target;
        }
      }
    }
    return undefined;
  }

  private resolveNode(
    file: ParsedFile,
    node: ts.Node,
    rest: string[],
    seen: Set<string>,
  ): Target | undefined {
    if (isFunctionLike(node)) {
      if (rest.length === 0) return { kind: 'function', file, fn: node };
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
      return name ? this.memberOf(file, name, rest, seen) : undefined;
    }
    if (ts.isVariableDeclaration(node))
      return node.initializer ? this.resolveValue(file, node.initializer, rest, seen) : undefined;
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return this.classMember(file, node, rest);
    if (ts.isExpression(node)) return this.resolveValue(file, node, rest, seen);
    return undefined;
  }

  /** `C.m` (a static method) or `C.prototype.m` (an instance method: `new C().m()`). */
  private classMember(file: ParsedFile, node: ts.ClassLikeDeclaration, rest: string[]): Target | undefined {
    const instance = rest.length === 2 && rest[0] === 'prototype';
    if (rest.length !== 1 && !instance) return undefined;
    const name = rest[rest.length - 1];
    for (const member of node.members) {
      if (
        ts.isMethodDeclaration(member) &&
        member.name &&
        propertyNameText(member.name) === name &&
        !!member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) !== instance
      )
        return { kind: 'function', file, fn: member };
    }
    return undefined;
  }

  /** What `value` (an expression in `file`) holds at `rest`: a function, or a module's API. */
  private resolveValue(
    file: ParsedFile,
    value: ts.Expression,
    rest: string[],
    seen: Set<string>,
  ): Target | undefined {
    const expr = skipOuterExpressions(value);
    if (isFunctionLike(expr)) {
      if (rest.length === 0) return { kind: 'function', file, fn: expr };
      const name = expr.name && ts.isIdentifier(expr.name) ? expr.name.text : undefined;
      return name ? this.memberOf(file, name, rest, seen) : undefined;
    }
    if (ts.isClassExpression(expr)) return this.classMember(file, expr, rest);
    if (ts.isObjectLiteralExpression(expr)) {
      const [first, ...tail] = rest;
      if (first === undefined) return undefined;
      // later properties win: read from the end
      for (let i = expr.properties.length - 1; i >= 0; i--) {
        const property = expr.properties[i]!;
        if (ts.isSpreadAssignment(property)) {
          const target = this.resolveValue(file, property.expression, rest, seen);
          if (target) return target;
          continue;
        }
        const name = property.name && propertyNameText(property.name);
        if (name !== first) continue;
        if (ts.isPropertyAssignment(property))
          return this.resolveValue(file, property.initializer, tail, seen);
        if (ts.isShorthandPropertyAssignment(property))
          return this.resolveValue(file, property.name, tail, seen);
        if (ts.isMethodDeclaration(property) && tail.length === 0)
          return { kind: 'function', file, fn: property };
        return undefined;
      }
      return undefined;
    }
    // `Object.assign({}, a, b)`, `Object.assign(exports, fs)`: the later sources win
    if (ts.isCallExpression(expr) && isObjectAssign(expr)) {
      for (let i = expr.arguments.length - 1; i >= 0; i--) {
        const target = this.resolveValue(file, expr.arguments[i]!, rest, seen);
        if (target) return target;
      }
      return undefined;
    }
    const reference = file.bindings.resolve(expr);
    if (reference && reference.module !== '<global>')
      return this.moduleTarget(file, reference, rest, seen, expr);
    if (ts.isIdentifier(expr)) {
      const declarations = file.locals.get(expr.text) ?? [];
      const declaration = innermost(declarations, expr);
      if (declaration) {
        const target = this.resolveNode(file, declaration, rest, seen);
        if (target) return target;
      }
      return rest.length > 0 ? this.memberOf(file, expr.text, rest, seen) : undefined;
    }
    if (ts.isPropertyAccessExpression(expr) || ts.isElementAccessExpression(expr)) {
      const name = ts.isPropertyAccessExpression(expr) ? expr.name.text : textOf(expr.argumentExpression);
      if (name === undefined) return undefined;
      const base = skipOuterExpressions(expr.expression);
      if (isExportsObject(base)) return this.resolveExport(file, [name, ...rest], seen);
      return this.resolveValue(file, base, [name, ...rest], seen) ?? opaque(rest);
    }
    return opaque(rest);
  }

  /** `owner.member…` where `owner` is a local name: `X.m = function`, `X.prototype.m = function`. */
  private memberOf(file: ParsedFile, owner: string, rest: string[], seen: Set<string>): Target | undefined {
    const [first, ...tail] = rest;
    if (first === undefined) return undefined;
    // `X.prototype.m = function` (ES5 classes), reached as `new X().m()`
    if (first === 'prototype' && tail.length === 1) {
      const method = file.members.get(`${owner}.prototype`)?.get(tail[0]!);
      if (method) return this.resolveValue(file, method, [], seen);
    }
    const value = file.members.get(owner)?.get(first);
    return value ? this.resolveValue(file, value, tail, seen) : undefined;
  }

  /** A reference to another module: a file of this package, a built-in API, or another package. */
  private moduleTarget(
    file: ParsedFile,
    reference: ModuleReference,
    rest: string[],
    seen: Set<string>,
    at: ts.Node,
  ): Target | undefined {
    const fullPath = [...reference.path, ...rest];
    if (reference.module.startsWith('.')) {
      const target = this.relativeFile(file, reference.module);
      return target ? this.resolveExport(target, fullPath, seen) : undefined;
    }
    return { kind: 'api', file, reference: { module: reference.module, path: fullPath }, at };
  }

  // ---- what blocks -----------------------------------------------------------------------------

  private hazardOfTarget(target: Target, visiting: Set<ts.Node>): DependencyHazard | null {
    if (target.kind === 'function') return this.hazardOfFunction(target.file, target.fn, visiting);
    if (target.kind === 'opaque') return null;
    return this.hazardOfApi(target.file, target.reference, target.at);
  }

  /** A blocking API the engine knows, or an export of another package that blocks. */
  private hazardOfApi(file: ParsedFile, reference: ModuleReference, at: ts.Node): DependencyHazard | null {
    const api = blockingApi(reference);
    if (api) return this.hazardAt(file, at, 'call', api.display);
    if (splitPackageSpecifier(reference.module) === undefined) return null;
    const found = this.dependency(file.file, reference.module, reference.path);
    if (!found) return null;
    // keep where the work is, relative to this package's folder
    return { ...found.hazard, file: path.relative(this.dir, found.file) };
  }

  private hazardOfFunction(
    file: ParsedFile,
    fn: FunctionLike,
    visiting: Set<ts.Node>,
  ): DependencyHazard | null {
    const known = this.hazards.get(fn);
    if (known !== undefined) return known;
    // a cycle (recursion, mutual calls): the function is already being searched further up
    if (visiting.has(fn)) return null;
    if (++this.functionsFollowed > this.limits.maxFunctions) return null;
    this.checkBudget();
    visiting.add(fn);
    let found: DependencyHazard | null = null;
    if (isDocumentedBlocking(fn)) found = this.hazardAt(file, fn, 'documented', '@blocking');
    const body = fn.body;
    if (!found && body) {
      const visit = (node: ts.Node): boolean => {
        if (node !== body && isFunctionLike(node) && !isInlineCallback(node)) return false;
        if (ts.isCallExpression(node)) {
          found = this.hazardOfCall(file, node, visiting);
          if (found) return true;
        } else if (file.setters.size > 0 && isThisAssignment(node)) {
          // `this.all = value` runs `set all(value)`, which may write the file (configstore, conf)
          for (const setter of file.setters.get(node.left.name.text) ?? []) {
            found = this.hazardOfFunction(file, setter, visiting);
            if (found) return true;
          }
        }
        return ts.forEachChild(node, visit) === true;
      };
      visit(body);
    }
    visiting.delete(fn);
    this.hazards.set(fn, found);
    return found;
  }

  private hazardOfCall(
    file: ParsedFile,
    call: ts.CallExpression,
    visiting: Set<ts.Node>,
  ): DependencyHazard | null {
    const callee = skipOuterExpressions(call.expression);
    const reference = file.bindings.resolve(callee);
    if (reference && reference.module !== '<global>') {
      const api = blockingApi(reference);
      if (api) return this.hazardAt(file, call, 'call', api.display);
      const target = this.moduleTarget(file, reference, [], new Set(), call);
      if (!target || target.kind === 'opaque') return null;
      if (target.kind === 'api') {
        const found = this.hazardOfApi(file, target.reference, call);
        // the blocking work is in another package: the call here leads to it
        return found;
      }
      return this.hazardOfFunction(target.file, target.fn, visiting);
    }
    if (reference?.module === '<global>' && reference.path.length === 2 && reference.path[0] === 'Atomics') {
      const api = blockingApi(reference);
      return api ? this.hazardAt(file, call, 'call', api.display) : null;
    }
    const fallback = fallbackModuleCall(file, callee);
    if (fallback) {
      const api = blockingApi(fallback);
      return api ? this.hazardAt(file, call, 'call', api.display) : null;
    }
    // a local function called by name, by scope
    if (ts.isIdentifier(callee)) {
      const declaration = innermost(file.locals.get(callee.text) ?? [], call);
      if (!declaration) return null;
      const fn = isFunctionLike(declaration)
        ? declaration
        : ts.isVariableDeclaration(declaration) && declaration.initializer
          ? skipOuterExpressions(declaration.initializer)
          : undefined;
      return fn && isFunctionLike(fn) ? this.hazardOfFunction(file, fn, visiting) : null;
    }
    // `this.m()`, `self.m()`, `X.m()`, `X.prototype.m.call()`: a method of this file by name
    if (ts.isPropertyAccessExpression(callee)) {
      const name = callee.name.text;
      if (NOT_FOLLOWED_METHODS.has(name) || INLINE_CALLBACK_METHODS.has(name)) return null;
      for (const method of file.methodsByName.get(name) ?? []) {
        const found = this.hazardOfFunction(file, method, visiting);
        if (found) return found;
      }
    }
    return null;
  }
}

/**
 * `fs.readFileSync()` where `const fs = options.fs || _fs` and `_fs` is a module: an injectable
 * module with a default (jsonfile, fs-extra helpers), called as the default.
 */
function fallbackModuleCall(file: ParsedFile, callee: ts.Expression): ModuleReference | undefined {
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const base = skipOuterExpressions(callee.expression);
  if (!ts.isIdentifier(base)) return undefined;
  const declaration = innermost(file.locals.get(base.text) ?? [], callee);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const init = skipOuterExpressions(declaration.initializer);
  if (
    !ts.isBinaryExpression(init) ||
    (init.operatorToken.kind !== ts.SyntaxKind.BarBarToken &&
      init.operatorToken.kind !== ts.SyntaxKind.QuestionQuestionToken)
  )
    return undefined;
  const reference = file.bindings.resolve(init.right);
  if (!reference || reference.module === '<global>') return undefined;
  return { module: reference.module, path: [...reference.path, callee.name.text] };
}

/** A value that is there but not followed: enough to say an export exists, never a hazard. */
function opaque(rest: string[]): Target | undefined {
  return rest.length === 0 ? { kind: 'opaque' } : undefined;
}

// ---- indexing one file ---------------------------------------------------------------------------

function indexFile(file: string, text: string): ParsedFile {
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const bindings = new ModuleBindings();
  const collected = new Set(ModuleBindings.COLLECTED_KINDS);
  const parsed: ParsedFile = {
    file,
    sourceFile,
    bindings,
    locals: new Map(),
    members: new Map(),
    methodsByName: new Map(),
    setters: new Map(),
    moduleExports: [],
    namedExports: new Map(),
    exportAll: [],
    returnedNames: new Set(),
  };
  const addLocal = (name: string, node: ts.Node): void => {
    const list = parsed.locals.get(name) ?? [];
    list.push(node);
    parsed.locals.set(name, list);
  };
  const addMethod = (name: string, fn: ts.Node): void => {
    const value = ts.isExpression(fn) ? skipOuterExpressions(fn) : fn;
    if (!isFunctionLike(value)) return;
    const list = parsed.methodsByName.get(name) ?? [];
    list.push(value);
    parsed.methodsByName.set(name, list);
  };
  const visit = (node: ts.Node): void => {
    if (collected.has(node.kind)) bindings.collect(node);
    if (ts.isFunctionDeclaration(node) && node.name) {
      addLocal(node.name.text, node);
      if (isExported(node)) parsed.namedExports.set(isDefault(node) ? 'default' : node.name.text, node);
    } else if (ts.isClassDeclaration(node) && node.name) {
      addLocal(node.name.text, node);
      if (isExported(node)) parsed.namedExports.set(isDefault(node) ? 'default' : node.name.text, node);
    } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
      addLocal(node.name.text, node);
      if (ts.isVariableStatement(node.parent.parent) && isExported(node.parent.parent))
        parsed.namedExports.set(node.name.text, node);
    } else if (ts.isMethodDeclaration(node) && node.name) {
      const name = propertyNameText(node.name);
      if (name !== undefined) addMethod(name, node);
    } else if (ts.isSetAccessorDeclaration(node)) {
      const name = propertyNameText(node.name);
      if (name !== undefined) parsed.setters.set(name, [...(parsed.setters.get(name) ?? []), node]);
    } else if (ts.isPropertyAssignment(node)) {
      const name = propertyNameText(node.name);
      if (name !== undefined) addMethod(name, node.initializer);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      indexAssignment(parsed, node, addMethod);
    } else if (ts.isExportAssignment(node)) {
      parsed.namedExports.set('default', node.expression);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const spec = node.moduleSpecifier.text;
      const required = ts.factory.createCallExpression(ts.factory.createIdentifier('require'), undefined, [
        ts.factory.createStringLiteral(spec),
      ]);
      if (!node.exportClause) parsed.exportAll.push(required);
      else if (ts.isNamedExports(node.exportClause)) {
        for (const element of node.exportClause.elements) {
          const imported = (element.propertyName ?? element.name).text;
          parsed.namedExports.set(
            element.name.text,
            ts.factory.createPropertyAccessExpression(required, imported),
          );
        }
      }
    } else if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      for (const element of node.exportClause.elements) {
        const local = (element.propertyName ?? element.name).text;
        const declaration = parsed.locals.get(local)?.[0];
        if (declaration) parsed.namedExports.set(element.name.text, declaration);
      }
    } else if (ts.isCallExpression(node)) {
      indexExportCall(parsed, node);
    } else if (ts.isReturnStatement(node) && node.expression && ts.isIdentifier(node.expression)) {
      parsed.returnedNames.add(node.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return parsed;
}

function indexAssignment(
  parsed: ParsedFile,
  node: ts.BinaryExpression,
  addMethod: (name: string, fn: ts.Node) => void,
): void {
  const left = skipOuterExpressions(node.left);
  if (!ts.isPropertyAccessExpression(left) && !ts.isElementAccessExpression(left)) return;
  const name = ts.isPropertyAccessExpression(left) ? left.name.text : textOf(left.argumentExpression);
  if (name === undefined) return;
  const base = skipOuterExpressions(left.expression);
  // module.exports = …  (also `module["exports"]`)
  if (ts.isIdentifier(base) && base.text === 'module' && name === 'exports') {
    parsed.moduleExports.push(node.right);
    return;
  }
  if (isExportsObject(base)) {
    parsed.namedExports.set(name, node.right);
    return;
  }
  addMethod(name, node.right);
  const owner = ownerName(base);
  if (owner === undefined) return;
  const members = parsed.members.get(owner) ?? new Map<string, ts.Expression>();
  if (!members.has(name)) members.set(name, node.right);
  parsed.members.set(owner, members);
}

/** `Object.assign(exports, X)`, `Object.assign(module.exports, X)`, tsc's `__exportStar(require('x'), exports)`. */
function indexExportCall(parsed: ParsedFile, call: ts.CallExpression): void {
  const [first, second] = call.arguments;
  if (isObjectAssign(call) && first && isExportsObject(skipOuterExpressions(first))) {
    for (const source of call.arguments.slice(1)) parsed.exportAll.push(source);
    return;
  }
  const callee = skipOuterExpressions(call.expression);
  const name = ts.isIdentifier(callee)
    ? callee.text
    : ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : '';
  if (/^(__exportStar|__export|_export_star)$/.test(name) && first && second && isExportsObject(second))
    parsed.exportAll.push(first);
}

function ownerName(base: ts.Expression): string | undefined {
  if (base.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  if (ts.isIdentifier(base)) return base.text;
  // X.prototype.m = …
  if (ts.isPropertyAccessExpression(base) && base.name.text === 'prototype') {
    const owner = skipOuterExpressions(base.expression);
    if (ts.isIdentifier(owner)) return `${owner.text}.prototype`;
  }
  return undefined;
}

function isExportsObject(node: ts.Expression): boolean {
  const expr = skipOuterExpressions(node);
  if (ts.isIdentifier(expr)) return expr.text === 'exports';
  if (ts.isPropertyAccessExpression(expr) || ts.isElementAccessExpression(expr)) {
    const base = skipOuterExpressions(expr.expression);
    const name = ts.isPropertyAccessExpression(expr) ? expr.name.text : textOf(expr.argumentExpression);
    return ts.isIdentifier(base) && base.text === 'module' && name === 'exports';
  }
  return false;
}

function isObjectAssign(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === 'assign' &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'Object'
  );
}

function isExported(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) && !!ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

function isDefault(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) && !!ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)
  );
}

function propertyNameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

function textOf(node: ts.Expression): string | undefined {
  return ts.isStringLiteralLike(node) ? node.text : undefined;
}

/** Of the declarations of one name, the one whose scope holds `site` most closely. */
function innermost(declarations: ts.Node[], site: ts.Node): ts.Node | undefined {
  let best: ts.Node | undefined;
  let bestDepth = -1;
  for (const declaration of declarations) {
    const scope = scopeOf(declaration);
    if (!ts.isSourceFile(scope) && !contains(scope, site)) continue;
    const depth = depthOf(scope);
    if (depth > bestDepth) {
      best = declaration;
      bestDepth = depth;
    }
  }
  return best;
}

/** The function or file a declaration is visible in (var and function scoping; good enough here). */
function scopeOf(declaration: ts.Node): ts.Node {
  let current = declaration.parent;
  while (current && !ts.isSourceFile(current) && !isFunctionLike(current)) current = current.parent;
  return current ?? declaration.getSourceFile();
}

function depthOf(node: ts.Node): number {
  let depth = 0;
  for (let current: ts.Node | undefined = node; current; current = current.parent) depth++;
  return depth;
}

/** `this.name = value` */
function isThisAssignment(
  node: ts.Node,
): node is ts.BinaryExpression & { left: ts.PropertyAccessExpression } {
  return (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isPropertyAccessExpression(node.left) &&
    node.left.expression.kind === ts.SyntaxKind.ThisKeyword
  );
}

/** A callback an array method or `replace` runs inside the call (`items.forEach(x => …)`). */
function isInlineCallback(fn: ts.Node): boolean {
  const parent = fn.parent;
  if (!parent || !ts.isCallExpression(parent) || !parent.arguments.includes(fn as ts.Expression))
    return false;
  const callee = skipOuterExpressions(parent.expression);
  return ts.isPropertyAccessExpression(callee) && INLINE_CALLBACK_METHODS.has(callee.name.text);
}

function isDocumentedBlocking(fn: FunctionLike): boolean {
  const parent = fn.parent;
  const documented = ts.isVariableDeclaration(parent)
    ? parent.parent.parent
    : ts.isBinaryExpression(parent)
      ? parent.parent
      : fn;
  return ts.getJSDocTags(documented).some((tag) => tag.tagName.text === 'blocking');
}
