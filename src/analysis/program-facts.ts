// What a file contributes to the programs of its package (see programs.ts): which files it loads
// as it is loaded (static imports), whether it defines command-line commands (commander, yargs:
// a one-shot CLI), and whether its start-up code starts a server or something else long-lived.
// One pass over the calls the pre-pass recorded; the phase of a call is asked only for the few
// calls named like a start.
import ts from 'typescript';
import { calleeName, isFunctionLike, skipOuterExpressions } from './ast.js';
import type { RuleContext } from './context.js';
import { isInlineCallback } from './model/phase.js';

/** Calls that create or open a server, wherever they are (a CLI's `serve` command starts one). */
const SERVER_CREATION = new Set(['listen', 'createServer']);

export interface ProgramFacts {
  /** relative modules loaded when this file is loaded: imports and top-level requires (not lazy ones) */
  staticModules: string[];
  /** relative modules required lazily, inside a function */
  deferredModules: string[];
  /**
   * relative modules required lazily inside a command's action (`.action(() => require('./serve'))`):
   * they run only when that command runs, so each is a program of its own (see programs.ts)
   */
  commandModules: string[];
  /** defines command-line commands (`program.command('x').action(fn)`, `yargs.command('x', d, b, fn)`) */
  definesCommands: boolean;
  /** start-up code starts a server (`listen`, `createServer`, …) */
  startsServer: boolean;
  /** some code (start-up, a command, a method) starts a server: a program loading it may serve */
  mayStartServer: boolean;
  /** start-up code starts something long-lived (`starts` given by the caller) */
  startsLongLived: boolean;
}

export function programFacts(
  context: RuleContext,
  relativeModules: readonly string[],
  starts: ReadonlySet<string>,
  serverStarts: ReadonlySet<string>,
): ProgramFacts {
  const topLevel = new Set<string>();
  const deferred = new Set<string>();
  const inCommand = new Set<string>();
  let commands = false;
  let actions = false;
  let startsServer = false;
  let startsLongLived = false;
  let mayStartServer = false;
  for (const node of context.nodes) {
    // commander's `new Command('remove')` (one file per command, added with `addCommand`)
    if (ts.isNewExpression(node)) {
      const first = node.arguments?.[0];
      if (first && ts.isStringLiteralLike(first) && newedName(node) === 'Command') commands = true;
      continue;
    }
    if (!ts.isCallExpression(node)) continue;
    const callee = skipOuterExpressions(node.expression);
    if (ts.isIdentifier(callee) && callee.text === 'require') {
      const first = node.arguments[0];
      if (first && ts.isStringLiteralLike(first) && first.text.startsWith('.')) {
        if (!isDeferred(node)) topLevel.add(first.text);
        else (insideCommandAction(node) ? inCommand : deferred).add(first.text);
      }
      continue;
    }
    const name = calleeName(node);
    if (name === undefined) continue;
    if (name === 'command' && ts.isPropertyAccessExpression(callee)) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteralLike(first) || ts.isObjectLiteralExpression(first))) {
        commands = true;
        // yargs: .command('serve', 'desc', builder, handler)
        if (node.arguments.slice(1).some((a) => isFunctionLike(skipOuterExpressions(a)))) actions = true;
        if (ts.isObjectLiteralExpression(first)) actions = true;
      }
    } else if (name === 'action' && ts.isPropertyAccessExpression(callee)) {
      actions = true;
    }
    if (
      SERVER_CREATION.has(name) &&
      !mayStartServer &&
      context.threadOf(node) !== 'worker' &&
      !closesAgain(node)
    )
      mayStartServer = true;
    if ((starts.has(name) && !startsLongLived) || (serverStarts.has(name) && !startsServer)) {
      if (context.threadOf(node) === 'worker' || context.phaseOf(node).phase !== 'startup') continue;
      if (starts.has(name)) startsLongLived = true;
      // `program.command('serve').action(() => serve())`: one command of a CLI, not its start-up
      if (serverStarts.has(name) && !insideCommandAction(node)) startsServer = true;
    }
  }
  // a require inside `.action()` of a file that defines no commands is an ordinary lazy one; a
  // module also loaded outside a command's action runs in the main program anyway
  const isCli = commands && actions;
  const commandModules = new Set<string>();
  for (const module of inCommand)
    if (isCli && !topLevel.has(module) && !deferred.has(module)) commandModules.add(module);
    else deferred.add(module);
  const staticModules = new Set<string>();
  for (const module of relativeModules)
    if ((!deferred.has(module) && !commandModules.has(module)) || topLevel.has(module))
      staticModules.add(module);
  for (const module of topLevel) staticModules.add(module);
  return {
    staticModules: [...staticModules],
    deferredModules: [...deferred].filter((m) => !staticModules.has(m)),
    commandModules: [...commandModules],
    definesCommands: commands && actions,
    mayStartServer,
    startsServer,
    startsLongLived,
  };
}

/** `new Command(…)` or `new commander.Command(…)`: the name constructed */
function newedName(node: ts.NewExpression): string | undefined {
  const callee = skipOuterExpressions(node.expression);
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

/**
 * Is this `require()` inside a function that runs later (lazy loading), rather than when the file
 * is loaded? Immediately invoked wrappers (UMD, bundlers) and inline callbacks load at once.
 */
function isDeferred(call: ts.CallExpression): boolean {
  for (
    let current: ts.Node | undefined = call.parent;
    current && !ts.isSourceFile(current);
    current = current.parent
  ) {
    if (isFunctionLike(current) && !isInlineCallback(current)) return true;
  }
  return false;
}

/**
 * Is this call inside a callback handed to `.action()` or `.command()`, or the `handler` of a
 * yargs command object (a CLI command's body)?
 */
function insideCommandAction(call: ts.CallExpression): boolean {
  for (
    let current: ts.Node | undefined = call.parent;
    current && !ts.isSourceFile(current);
    current = current.parent
  ) {
    if (!isFunctionLike(current)) continue;
    const parent = current.parent;
    if (ts.isCallExpression(parent) && parent.arguments.includes(current as ts.Expression)) {
      const name = calleeName(parent);
      if (name === 'action' || name === 'command') return true;
    }
    // yargs: .command({ command: 'remove', handler(argv) { … } })
    const property = ts.isMethodDeclaration(current) ? current : parent;
    if (
      (ts.isMethodDeclaration(property) || ts.isPropertyAssignment(property)) &&
      ts.isIdentifier(property.name) &&
      property.name.text === 'handler' &&
      ts.isObjectLiteralExpression(property.parent) &&
      ts.isCallExpression(property.parent.parent) &&
      calleeName(property.parent.parent) === 'command'
    )
      return true;
  }
  return false;
}

/**
 * Does the function opening this server also close it (`server.close()` in its callback): a
 * listener for one answer (an OAuth redirect during `tool login`), not a server that keeps running?
 */
function closesAgain(call: ts.CallExpression): boolean {
  for (
    let current: ts.Node | undefined = call.parent;
    current && !ts.isSourceFile(current);
    current = current.parent
  ) {
    if (isFunctionLike(current)) return /\.close\(\s*\)/.test(current.getText());
  }
  return false;
}
