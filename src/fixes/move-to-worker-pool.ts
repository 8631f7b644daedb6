// "Move to worker pool": moves a module-level function into a piscina worker module beside its
// file, and turns the original into an async wrapper that runs it in one pool per module.
//
// Pure: reads files (through `readFile`, so editor buffers win), never writes; returns the edits
// and the new worker file, or a refusal that says why. The CLI (`concurrency-lens offload`) and the
// editor ("Move to worker pool") both apply what it returns.
//
// What moves: the function, the module-level helpers and constants it reaches (transitively), and
// the imports they use (the worker sits beside the file, so relative specifiers stay valid). A
// helper the rest of the file (or another module) still needs is exported from the worker and
// imported back; types declared in the file are exported and imported with `import type` (erased,
// so the worker never loads the pool's module: each worker would start a nested pool).
import path from 'node:path';
import ts from 'typescript';
import { bufferKind, cloneProblem } from './cloneable.js';
import {
  emitsEsm,
  loadTransformProject,
  projectSourceFiles,
  runtimeExtension,
  type TransformProject,
} from './project.js';
import type { FileCreation, Refusal, SiteNote, TextEdit } from './types.js';

export interface MoveToWorkerPoolRequest {
  /** absolute path of the file that declares the function */
  file: string;
  functionName: string;
  /** current text of a file (open editor buffers); falls back to the disk */
  readFile?: (file: string) => string | undefined;
  /** the workspace folder: the project (package.json, tsconfig.json, callers) is not looked for above it */
  root?: string;
}

export interface MoveToWorkerPoolChanges {
  ok: true;
  edits: TextEdit[];
  creations: FileCreation[];
  workerFile: string;
  poolName: string;
  /** call sites that now await the pool (including the enclosing functions made async) */
  updated: SiteNote[];
  /** references that could not be updated: each gets a Promise now and needs a look */
  notUpdated: SiteNote[];
  /** parameters whose buffers are transferred instead of copied */
  transferred: string[];
  notes: string[];
}

export type MoveToWorkerPoolResult = MoveToWorkerPoolChanges | Refusal;

type FunctionLike = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

interface Target {
  /** the module-level statement that declares the function */
  statement: ts.FunctionDeclaration | ts.VariableStatement;
  fn: FunctionLike;
  symbol: ts.Symbol;
}

const TEST_CALLBACK_FUNCTIONS = new Set([
  'it',
  'test',
  'before',
  'after',
  'beforeEach',
  'afterEach',
  'beforeAll',
  'afterAll',
]);

class Refuse extends Error {}

export function moveToWorkerPool(request: MoveToWorkerPoolRequest): MoveToWorkerPoolResult {
  try {
    return plan(request);
  } catch (error) {
    if (error instanceof Refuse) return { ok: false, reason: error.message };
    throw error;
  }
}

function plan(request: MoveToWorkerPoolRequest): MoveToWorkerPoolChanges {
  const file = path.resolve(request.file);
  const project = loadTransformProject(file, request.readFile, request.root);
  const sourceFile = project.program.getSourceFile(file);
  if (!sourceFile) throw new Refuse(`cannot read ${file}`);
  const { checker } = project;
  const name = request.functionName;

  if (!isEsSyntax(sourceFile)) {
    throw new Refuse(
      `${path.basename(file)} uses require()/module.exports; only files written with import/export can be moved (TypeScript compiled to CommonJS is fine)`,
    );
  }
  const target = findTarget(sourceFile, name, checker);
  checkMovable(target, name, sourceFile);

  const typeScript = /\.[cm]?tsx?$/.test(file);
  const extension = path.extname(file);
  const base = path.basename(file, extension);
  const workerFile = path.join(path.dirname(file), `${base}.worker${extension}`);
  const specifierExtension = importSpecifierExtension(sourceFile, project, extension);
  const workerSpecifier = `./${base}.worker${specifierExtension}`;
  const sourceSpecifier = `./${base}${specifierExtension}`;
  const workerRuntimeName = `${base}.worker${runtimeExtension(project, extension)}`;
  const esm = emitsEsm(project, sourceFile);
  // A second function of the module joins the worker module and the pool an earlier move made.
  const joining = existingWorker(project, workerFile, sourceFile, workerRuntimeName, name);
  const fromWorker = (statement: ts.Statement | undefined): boolean =>
    statement !== undefined &&
    ts.isImportDeclaration(statement) &&
    ts.isStringLiteral(statement.moduleSpecifier) &&
    statement.moduleSpecifier.text === workerSpecifier;

  // --- what the function needs -------------------------------------------------------------
  const moved = new Set<ts.Statement>([target.statement]);
  const valueDependencies: ts.Statement[] = [];
  const typeDependencies = new Map<string, ts.Statement>();
  const importUses = new Map<ts.Symbol, { declaration: ts.Node; valueUse: boolean }>();
  const pending: ts.Node[] = [target.statement];
  while (pending.length > 0) {
    const node = pending.pop()!;
    for (const reference of freeReferences(node, checker, sourceFile)) {
      const declaration = reference.declaration;
      const statement = moduleStatementOf(declaration, sourceFile);
      if (!statement) {
        throw new Refuse(
          `\`${name}\` closes over \`${reference.name}\`, a local of the enclosing function: a worker cannot see it; pass it as a parameter`,
        );
      }
      if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
        const entry = importUses.get(reference.symbol) ?? { declaration, valueUse: false };
        entry.valueUse ||= !reference.typeOnly;
        importUses.set(reference.symbol, entry);
        continue;
      }
      if (moved.has(statement)) continue;
      if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        typeDependencies.set(reference.name, statement);
        continue;
      }
      if (ts.isVariableStatement(statement)) {
        if (!(statement.declarationList.flags & ts.NodeFlags.Const)) {
          const keyword = statement.declarationList.flags & ts.NodeFlags.Let ? 'let' : 'var';
          throw new Refuse(
            `\`${name}\` uses \`${reference.name}\`, mutable module state (a module \`${keyword}\`): a worker has its own copy, so changes would not be shared`,
          );
        }
        if (isMutated(reference.symbol, sourceFile, checker)) {
          throw new Refuse(
            `\`${name}\` uses \`${reference.name}\`, mutable module state (a module constant whose contents change): a worker has its own copy, so changes would not be shared`,
          );
        }
        if (
          statement.declarationList.declarations.length !== 1 ||
          !ts.isIdentifier(statement.declarationList.declarations[0]!.name)
        ) {
          throw new Refuse(
            `\`${reference.name}\` is declared together with other names; split its declaration first`,
          );
        }
      } else if (
        !(
          ts.isFunctionDeclaration(statement) ||
          ts.isClassDeclaration(statement) ||
          ts.isEnumDeclaration(statement)
        )
      ) {
        throw new Refuse(
          `\`${name}\` uses \`${reference.name}\`, which cannot be moved (${ts.SyntaxKind[statement.kind]})`,
        );
      }
      if (reference.typeOnly && (ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement))) {
        // only its type is needed: no code moves
        typeDependencies.set(reference.name, statement);
        continue;
      }
      moved.add(statement);
      valueDependencies.push(statement);
      pending.push(statement);
    }
  }
  for (const [typeName, statement] of typeDependencies)
    if (moved.has(statement)) typeDependencies.delete(typeName);

  // --- parameters and result: can structured clone carry them? -----------------------------
  const signature = checker.getSignatureFromDeclaration(target.fn);
  const parameters = target.fn.parameters.map((parameter, index) => {
    const type = checker.getTypeAtLocation(parameter);
    const label = ts.isIdentifier(parameter.name) ? parameter.name.text : `parameter ${index + 1}`;
    const problem = cloneProblem(parameter.dotDotDotToken ? elementType(type, checker) : type, checker);
    if (problem) {
      throw new Refuse(
        `\`${name}\`'s parameter \`${label}\` is ${problem}: structured clone cannot carry it to a worker`,
      );
    }
    return {
      node: parameter,
      name: ts.isIdentifier(parameter.name) ? parameter.name.text : `arg${index}`,
      rest: parameter.dotDotDotToken !== undefined,
      optional: parameter.questionToken !== undefined || parameter.initializer !== undefined,
      buffer: parameter.dotDotDotToken ? undefined : bufferKind(checker.getNonNullableType(type)),
    };
  });
  const returnType = signature
    ? checker.getAwaitedType(checker.getReturnTypeOfSignature(signature))
    : undefined;
  if (returnType) {
    const problem = cloneProblem(returnType, checker);
    if (problem)
      throw new Refuse(`\`${name}\` returns ${problem}: structured clone cannot carry it back from a worker`);
  }
  const returnsBuffer = returnType ? bufferKind(checker.getNonNullableType(returnType)) === 'buffer' : false;

  // --- call sites --------------------------------------------------------------------------
  const edits: TextEdit[] = [];
  const notes: string[] = [];
  const sourceRemovals = new Set<ts.Statement>(moved);
  const calls = updateCallSites(project, target, sourceFile, sourceRemovals, esm, edits);

  // Transfer a buffer only when every caller we can see hands over a value it does not use again.
  const exportedBeyondWorkspace = isExported(target.statement) && !isPrivatePackage(project);
  const transferred: string[] = [];
  for (const [index, parameter] of parameters.entries()) {
    if (!parameter.buffer) continue;
    const dead =
      !exportedBeyondWorkspace &&
      calls.references.length > 0 &&
      calls.references.every(
        (reference) => reference.call && argumentIsDeadAfter(reference.call, index, checker),
      );
    if (dead) transferred.push(parameter.name);
  }
  if (parameters.some((p) => p.buffer) && transferred.length === 0) {
    notes.push(
      exportedBeyondWorkspace
        ? 'buffers are copied, not transferred: the function is exported from a published package, whose callers may use them afterwards'
        : 'buffers are copied, not transferred: a caller uses them after the call (or passes them on)',
    );
  }

  // --- the worker module -------------------------------------------------------------------
  // helpers an earlier move put in the worker (imported back from it) are already there
  const workerImportUses = new Map(
    [...importUses].filter(([, use]) => !fromWorker(moduleStatementOf(use.declaration, sourceFile))),
  );
  const workerImports = importLinesFor(workerImportUses, sourceFile, typeScript);
  const typeExports: TextEdit[] = [];
  const typeImportNames: string[] = [];
  for (const [typeName, statement] of typeDependencies) {
    typeImportNames.push(typeName);
    if (!isExported(statement)) {
      typeExports.push({
        file,
        start: statement.getStart(sourceFile),
        end: statement.getStart(sourceFile),
        newText: 'export ',
      });
    }
  }
  if (typeImportNames.length > 0) {
    workerImports.push(
      `import type { ${[...new Set(typeImportNames)].sort().join(', ')} } from '${sourceSpecifier}';`,
    );
  }
  const needsPiscinaInWorker =
    returnsBuffer ||
    (returnType !== undefined && bufferKind(checker.getNonNullableType(returnType)) !== undefined);
  if (needsPiscinaInWorker) workerImports.unshift(`import { Piscina } from 'piscina';`);

  const sharedHelpers: string[] = [];
  const exportedHelpers: string[] = [];
  const dependencyTexts: string[] = [];
  for (const statement of [...valueDependencies].sort((a, b) => a.pos - b.pos)) {
    const names = declaredNames(statement);
    const taken = joining && names.find((n) => joining.names.has(n));
    if (taken) {
      throw new Refuse(
        `\`${taken}\` is declared in ${path.basename(file)} and in ${path.basename(workerFile)}: rename one first`,
      );
    }
    const shared =
      isExported(statement) || names.some((n) => usedOutside(n, statement, sourceFile, moved, checker));
    let body = textWithComments(statement, sourceFile).trim();
    if (shared) {
      sharedHelpers.push(...names);
      if (isExported(statement)) exportedHelpers.push(...names);
      else body = addExport(statement, sourceFile, body);
    }
    dependencyTexts.push(body);
  }

  const fnText = functionTextForWorker(target, sourceFile);
  const taskType = typeScript
    ? `: { ${parameters
        .map(
          (p, index) =>
            `${p.name}${p.optional ? '?' : ''}: ${parameterTypeText(p.node, index, name, sourceFile)}`,
        )
        .join('; ')} }`
    : '';
  const taskPattern = parameters.length === 0 ? '' : `{ ${parameters.map((p) => p.name).join(', ')} }`;
  const callArguments = parameters
    .map((p) => {
      const value =
        p.buffer === 'buffer'
          ? `Buffer.from(${p.name}.buffer, ${p.name}.byteOffset, ${p.name}.byteLength)`
          : p.name;
      return p.rest ? `...${value}` : value;
    })
    .join(', ');
  const isAsync = hasModifier(target.fn, ts.SyntaxKind.AsyncKeyword);
  const runnerName = `run${name[0]!.toUpperCase()}${name.slice(1)}`;
  const relativeSource = `./${path.basename(file)}`;
  // the first function moved is the worker's default export; later ones are named exports that
  // the pool runs by name (`pool.run(task, { name })`)
  const runnerLines = [
    `/** Runs in a worker thread of the pool in ${relativeSource}: one task object in, the result out. */`,
    `export ${joining ? '' : 'default '}${isAsync ? 'async ' : ''}function ${runnerName}(${taskPattern ? `${taskPattern}${taskType}` : ''}) {`,
  ];
  if (returnType && bufferKind(checker.getNonNullableType(returnType))) {
    runnerLines.push(
      `  const result = ${isAsync ? 'await ' : ''}${name}(${callArguments});`,
      '  // Transfer the bytes back instead of copying them, unless they share a pooled ArrayBuffer.',
      '  return ArrayBuffer.isView(result) && result.byteLength === result.buffer.byteLength',
      `    ? ${typeScript ? '(Piscina.move(result) as typeof result)' : 'Piscina.move(result)'}`,
      '    : result;',
    );
  } else {
    runnerLines.push(`  return ${name}(${callArguments});`);
  }
  runnerLines.push('}');
  const workerBody = [...dependencyTexts.flatMap((t) => [t, '']), `export ${fnText}`, '', ...runnerLines, ''];
  const workerText = [
    `// \`${name}\` from ${relativeSource}, run in worker threads by the piscina pool created there`,
    `// (moved by \`concurrency-lens offload\`). Never import ${relativeSource} from here: each worker`,
    '// would start a pool of its own.',
    ...workerImports,
    '',
    ...workerBody,
  ].join('\n');

  // The worker must not reach the pool's module through what it imports.
  const cycle = importsBack(project, sourceFile, workerImportUses);
  if (cycle) {
    throw new Refuse(
      `the worker would import ${cycle}, which imports ${path.basename(file)} back: each worker would start a pool of its own`,
    );
  }

  // --- the source module -------------------------------------------------------------------
  const poolName = joining?.poolName ?? uniqueName(sourceFile, `${camel(base)}Pool`);
  const addedImports: string[] = [];
  const sharedImports: string[] = [];
  if (sharedHelpers.length > 0) {
    sharedImports.push(`import { ${sharedHelpers.join(', ')} } from '${workerSpecifier}';`);
    if (exportedHelpers.length > 0) sharedImports.push(`export { ${exportedHelpers.join(', ')} };`);
  }
  const newPoolLines = (): string[] => {
    const piscinaName =
      existingNamedImport(sourceFile, 'piscina', 'Piscina') ??
      (addedImports.push(`import { Piscina } from 'piscina';`), 'Piscina');
    const parallelismName =
      existingNamedImport(sourceFile, 'node:os', 'availableParallelism') ??
      existingNamedImport(sourceFile, 'os', 'availableParallelism') ??
      (addedImports.push(`import { availableParallelism } from 'node:os';`), 'availableParallelism');
    let filenameExpression: string;
    if (esm) {
      filenameExpression = `new URL('./${workerRuntimeName}', import.meta.url).href`;
    } else {
      const pathName =
        existingDefaultOrNamespaceImport(sourceFile, ['node:path', 'path']) ??
        (addedImports.push(`import * as path from 'node:path';`), 'path');
      filenameExpression = `${pathName}.join(__dirname, '${workerRuntimeName}')`;
    }
    addedImports.push(...sharedImports);
    return [
      ...addedImports,
      '',
      `// One pool for this module: worker threads run \`${name}\` off the main thread (${workerRuntimeName}).`,
      `const ${poolName} = new ${piscinaName}({`,
      `  filename: ${filenameExpression},`,
      `  maxThreads: ${parallelismName}(),`,
      `  maxQueue: 'auto',`,
      '});',
    ];
  };
  const poolLines = joining ? sharedImports : newPoolLines();

  // Imports the moved code used and nothing left in the file uses any more.
  const removedImports = unusedImportEdits(sourceFile, importUses, moved, target, checker, file);

  const insertAt = afterImports(sourceFile);
  const sourceEdits: TextEdit[] = [...removedImports.edits, ...typeExports];
  // the last import may be one the moved code took along: the pool takes its place
  const replacedImport = removedImports.edits.find((e) => e.start < insertAt && e.end >= insertAt);
  if (replacedImport) replacedImport.newText = poolLines.length > 0 ? `${poolLines.join('\n')}\n` : '';
  else if (poolLines.length > 0) {
    const poolText = `${insertAt === 0 ? '' : '\n'}${poolLines.join('\n')}\n${insertAt === 0 ? '\n' : ''}`;
    sourceEdits.push({ file, start: insertAt, end: insertAt, newText: poolText });
  }
  for (const statement of valueDependencies) {
    const [start, end] = removalRange(statement, sourceFile);
    sourceEdits.push({ file, start, end, newText: '' });
  }
  const wrapper = wrapperText({
    target,
    sourceFile,
    parameters,
    poolName,
    typeScript,
    returnsBuffer,
    transferred,
    workerSpecifier,
    runName: joining ? runnerName : undefined,
  });
  sourceEdits.push({
    file,
    start: target.statement.getStart(sourceFile),
    end: target.statement.end,
    newText: wrapper,
  });
  edits.push(...sourceEdits);

  // --- package.json ------------------------------------------------------------------------
  const packageEdit = addPiscinaDependency(project);
  if (packageEdit) edits.push(packageEdit);
  else if (!project.packageJson)
    notes.push('no package.json found: add piscina to the dependencies yourself');
  if (project.explicitFiles) {
    notes.push(`the tsconfig lists its files: add ${path.basename(workerFile)} to "files" so it is compiled`);
  }

  if (joining) edits.push(...joining.additions(workerImports, workerBody));
  return {
    ok: true,
    edits: mergeInsertions(edits),
    creations: joining ? [] : [{ file: workerFile, text: workerText }],
    workerFile,
    poolName,
    updated: calls.updated,
    notUpdated: calls.notUpdated,
    transferred,
    notes,
  };
}

/** A worker module an earlier move wrote, which the function joins. */
interface JoinedWorker {
  /** names declared or imported at its top level */
  names: Set<string>;
  /** the pool the source module already has for it */
  poolName: string;
  /** the edits adding the function's imports (those not there yet) and code to the worker */
  additions(imports: string[], body: string[]): TextEdit[];
}

/**
 * The existing worker module for the source file, when there is one: it must be one `offload`
 * wrote (its header says so) and the source module must hold its pool; undefined when there is
 * no worker module yet.
 */
function existingWorker(
  project: TransformProject,
  workerFile: string,
  sourceFile: ts.SourceFile,
  workerRuntimeName: string,
  name: string,
): JoinedWorker | undefined {
  const text = project.readFile(workerFile);
  if (text === undefined) return undefined;
  const workerName = path.basename(workerFile);
  if (!text.includes('`concurrency-lens offload`'))
    throw new Refuse(`${workerName} already exists and was not written by offload; merge by hand`);
  let poolName: string | undefined;
  for (const statement of sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer && skipParentheses(declaration.initializer);
      if (
        ts.isIdentifier(declaration.name) &&
        init &&
        ts.isNewExpression(init) &&
        init.getText(sourceFile).includes(`${workerRuntimeName}'`)
      )
        poolName = declaration.name.text;
    }
  }
  if (!poolName)
    throw new Refuse(
      `${workerName} exists but ${path.basename(sourceFile.fileName)} has no pool for it; merge by hand`,
    );
  const worker = ts.createSourceFile(workerFile, text, ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  for (const statement of worker.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      if (clause.namedBindings && ts.isNamespaceImport(clause.namedBindings))
        names.add(clause.namedBindings.name.text);
      else if (clause.namedBindings)
        for (const element of clause.namedBindings.elements) names.add(element.name.text);
    } else names.add(declaredNames(statement).join('\0'));
  }
  for (const joined of [...names])
    if (joined.includes('\0')) for (const n of joined.split('\0')) names.add(n);
  if (names.has(name)) throw new Refuse(`\`${name}\` is already in ${workerName}`);
  const imports = worker.statements.filter(ts.isImportDeclaration);
  const importsEnd = imports.at(-1)?.getEnd();
  return {
    names,
    poolName,
    additions(importLines, body) {
      // an import of a name the worker has already would declare it twice
      const fresh = importLines.flatMap((line) => {
        const lineFile = ts.createSourceFile('line.ts', line, ts.ScriptTarget.Latest, true);
        const parsed = lineFile.statements[0];
        if (!parsed || !ts.isImportDeclaration(parsed) || !parsed.importClause) return [line];
        const clause = parsed.importClause;
        const local = [
          clause.name?.text,
          ...(clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)
            ? [clause.namedBindings.name.text]
            : []),
        ].filter((n): n is string => n !== undefined);
        if (local.some((n) => names.has(n))) return [];
        if (!clause.namedBindings || !ts.isNamedImports(clause.namedBindings)) return [line];
        const kept = clause.namedBindings.elements.filter((e) => !names.has(e.name.text));
        if (kept.length === clause.namedBindings.elements.length) return [line];
        if (kept.length === 0 && local.length === 0) return [];
        return [
          `${line.slice(0, clause.namedBindings.getStart(lineFile))}{ ${kept.map((e) => e.getText(lineFile)).join(', ')} }${line.slice(clause.namedBindings.getEnd())}`,
        ];
      });
      const edits: TextEdit[] = [];
      if (fresh.length > 0) {
        const at = importsEnd ?? worker.statements[0]?.getStart(worker) ?? text.length;
        const newText = importsEnd === undefined ? `${fresh.join('\n')}\n` : `\n${fresh.join('\n')}`;
        edits.push({ file: workerFile, start: at, end: at, newText });
      }
      const separator = text.endsWith('\n') ? '\n' : '\n\n';
      edits.push({
        file: workerFile,
        start: text.length,
        end: text.length,
        newText: `${separator}${body.join('\n')}`,
      });
      return edits;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Finding and checking the function

function findTarget(sourceFile: ts.SourceFile, name: string, checker: ts.TypeChecker): Target {
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) {
      if (!statement.body) throw new Refuse(`\`${name}\` has overloads; move its implementation by hand`);
      const overloads = sourceFile.statements.filter(
        (s) => ts.isFunctionDeclaration(s) && s.name?.text === name && !s.body,
      );
      if (overloads.length > 0)
        throw new Refuse(`\`${name}\` has overloads; move its implementation by hand`);
      return { statement, fn: statement, symbol: checker.getSymbolAtLocation(statement.name)! };
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name) continue;
        const init = declaration.initializer && skipParentheses(declaration.initializer);
        if (!init || !(ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
          throw new Refuse(`\`${name}\` is not a function declaration or a function assigned to a const`);
        }
        if (!(statement.declarationList.flags & ts.NodeFlags.Const)) {
          throw new Refuse(
            `\`${name}\` is declared with let/var and could be reassigned; declare it with const`,
          );
        }
        if (statement.declarationList.declarations.length !== 1) {
          throw new Refuse(`\`${name}\` is declared together with other names; split its declaration first`);
        }
        if (declaration.type) {
          throw new Refuse(
            `\`${name}\` has a declared type; its wrapper returns a Promise, so change that type first`,
          );
        }
        return { statement, fn: init, symbol: checker.getSymbolAtLocation(declaration.name)! };
      }
    }
  }
  // Not at module scope: say why it cannot move when we find it nested.
  let nested: FunctionLike | undefined;
  const visit = (node: ts.Node): void => {
    if (nested) return;
    if (ts.isFunctionDeclaration(node) && node.name?.text === name) nested = node;
    else if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === name &&
      node.initializer &&
      (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))
    )
      nested = node.initializer;
    else if (ts.isMethodDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name) {
      throw new Refuse(
        `\`${name}\` is a method: it uses \`this\` and its class instance, which a worker cannot share`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (nested) {
    const outer = freeReferences(nested, checker, sourceFile).find(
      (r) => !moduleStatementOf(r.declaration, sourceFile),
    );
    if (outer) {
      throw new Refuse(
        `\`${name}\` is a closure over \`${outer.name}\`, a local of the enclosing function: a worker cannot see it`,
      );
    }
    throw new Refuse(`\`${name}\` is declared inside another function; move it to module scope first`);
  }
  throw new Refuse(`no function named \`${name}\` at the top level of ${path.basename(sourceFile.fileName)}`);
}

function checkMovable(target: Target, name: string, sourceFile: ts.SourceFile): void {
  const fn = target.fn;
  if (fn.asteriskToken) {
    throw new Refuse(
      `\`${name}\` is a generator: its caller pulls values one at a time, which a pooled task cannot do`,
    );
  }
  const visit = (node: ts.Node, ownThis: boolean): void => {
    if (ownThis && node.kind === ts.SyntaxKind.ThisKeyword) {
      throw new Refuse(
        `\`${name}\` uses \`this\` (line ${lineOf(node, sourceFile)}): a worker has no access to the caller's object`,
      );
    }
    if (ownThis && node.kind === ts.SyntaxKind.SuperKeyword) {
      throw new Refuse(`\`${name}\` uses \`super\`: a worker has no access to the caller's object`);
    }
    if (
      ownThis &&
      ts.isIdentifier(node) &&
      node.text === 'arguments' &&
      !ts.isPropertyAccessExpression(node.parent)
    ) {
      throw new Refuse(`\`${name}\` reads \`arguments\`; name its parameters instead`);
    }
    // a nested function or class has its own `this`; an arrow function shares ours
    const nestedThis =
      ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isClassLike(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isAccessor(node);
    ts.forEachChild(node, (child) => visit(child, ownThis && !nestedThis));
  };
  ts.forEachChild(fn, (child) => visit(child, true));
}

interface FreeReference {
  name: string;
  symbol: ts.Symbol;
  declaration: ts.Declaration;
  typeOnly: boolean;
}

/** Identifiers inside `node` bound outside it (in this file): imports, module declarations, outer locals. */
function freeReferences(node: ts.Node, checker: ts.TypeChecker, sourceFile: ts.SourceFile): FreeReference[] {
  const found = new Map<ts.Symbol, FreeReference>();
  const visit = (child: ts.Node): void => {
    if (ts.isIdentifier(child) && isReferencePosition(child)) {
      const symbol = ts.isShorthandPropertyAssignment(child.parent)
        ? checker.getShorthandAssignmentValueSymbol(child.parent)
        : checker.getSymbolAtLocation(child);
      const declaration = symbol?.declarations?.[0];
      if (
        symbol &&
        declaration &&
        declaration.getSourceFile() === sourceFile &&
        !(declaration.pos >= node.pos && declaration.end <= node.end) &&
        isBinding(declaration)
      ) {
        const typeOnly = inTypePosition(child);
        const existing = found.get(symbol);
        if (existing) existing.typeOnly &&= typeOnly;
        else found.set(symbol, { name: child.text, symbol, declaration, typeOnly });
      }
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return [...found.values()];
}

function isReferencePosition(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if (ts.isQualifiedName(parent) && parent.right === identifier) return false;
  if (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isAccessor(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === identifier
  )
    return false;
  if (ts.isBindingElement(parent) && parent.propertyName === identifier) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isJsxAttribute(parent)) return false;
  return true;
}

function isBinding(declaration: ts.Declaration): boolean {
  return (
    ts.isVariableDeclaration(declaration) ||
    ts.isFunctionDeclaration(declaration) ||
    ts.isClassDeclaration(declaration) ||
    ts.isEnumDeclaration(declaration) ||
    ts.isInterfaceDeclaration(declaration) ||
    ts.isTypeAliasDeclaration(declaration) ||
    ts.isParameter(declaration) ||
    ts.isBindingElement(declaration) ||
    ts.isImportSpecifier(declaration) ||
    ts.isImportClause(declaration) ||
    ts.isNamespaceImport(declaration) ||
    ts.isImportEqualsDeclaration(declaration) ||
    ts.isModuleDeclaration(declaration) ||
    ts.isTypeParameterDeclaration(declaration)
  );
}

function inTypePosition(node: ts.Node): boolean {
  for (let current: ts.Node = node; current.parent; current = current.parent) {
    const parent = current.parent;
    if (parent.kind >= ts.SyntaxKind.FirstTypeNode && parent.kind <= ts.SyntaxKind.LastTypeNode) return true;
    if (ts.isHeritageClause(parent)) return parent.token === ts.SyntaxKind.ImplementsKeyword;
    if (ts.isStatement(parent) || ts.isExpression(parent) || ts.isBlock(parent) || ts.isSourceFile(parent))
      return false;
  }
  return false;
}

/** The statement at module scope that declares `declaration`; undefined for a function's local. */
function moduleStatementOf(declaration: ts.Node, sourceFile: ts.SourceFile): ts.Statement | undefined {
  let current: ts.Node = declaration;
  while (current.parent && current.parent !== sourceFile) {
    if (
      ts.isFunctionLike(current.parent) ||
      ts.isBlock(current.parent) ||
      ts.isClassLike(current.parent) ||
      ts.isModuleBlock(current.parent)
    ) {
      return undefined;
    }
    current = current.parent;
  }
  return current.parent === sourceFile ? (current as ts.Statement) : undefined;
}

const MUTATING_METHODS = new Set([
  'set',
  'add',
  'delete',
  'clear',
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'copyWithin',
]);

/** A module constant whose contents something changes (`cache.set(…)`, `state.count++`, `list.push(…)`). */
function isMutated(symbol: ts.Symbol, sourceFile: ts.SourceFile, checker: ts.TypeChecker): boolean {
  let mutated = false;
  const visit = (node: ts.Node): void => {
    if (mutated) return;
    if (ts.isIdentifier(node) && checker.getSymbolAtLocation(node) === symbol) {
      let outer: ts.Node = node;
      while (
        (ts.isPropertyAccessExpression(outer.parent) || ts.isElementAccessExpression(outer.parent)) &&
        outer.parent.expression === outer
      ) {
        const access = outer.parent;
        if (
          ts.isPropertyAccessExpression(access) &&
          MUTATING_METHODS.has(access.name.text) &&
          ts.isCallExpression(access.parent) &&
          access.parent.expression === access
        ) {
          mutated = true;
          return;
        }
        outer = access;
      }
      if (outer !== node && isWriteTarget(outer)) mutated = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return mutated;
}

function isWriteTarget(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.left === node) {
    return (
      parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    );
  }
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) {
    return (
      parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken
    );
  }
  return ts.isDeleteExpression(parent);
}

// ---------------------------------------------------------------------------------------------
// Call sites

interface Reference {
  file: ts.SourceFile;
  node: ts.Identifier;
  call: ts.CallExpression | undefined;
}

interface CallSiteResult {
  references: Reference[];
  updated: SiteNote[];
  notUpdated: SiteNote[];
}

/**
 * Makes every call of the function await its Promise. A synchronous caller is made async when
 * that is safe (a named function whose own callers can follow, or a test callback), up the chain;
 * anything else is listed.
 */
function updateCallSites(
  project: TransformProject,
  target: Target,
  sourceFile: ts.SourceFile,
  removed: ReadonlySet<ts.Statement>,
  esm: boolean,
  edits: TextEdit[],
): CallSiteResult {
  const { checker } = project;
  const files = projectSourceFiles(project);
  const result: CallSiteResult = { references: [], updated: [], notUpdated: [] };
  const madeAsync = new Set<ts.Node>();
  const awaited = new Set<ts.CallExpression>();
  const queue: { symbol: ts.Symbol; declaration: ts.Node; first: boolean }[] = [
    { symbol: target.symbol, declaration: target.statement, first: true },
  ];
  const seen = new Set<ts.Symbol>();
  while (queue.length > 0) {
    const { symbol, declaration, first } = queue.shift()!;
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    for (const reference of referencesTo(symbol, declaration, files, checker)) {
      if (
        reference.file === sourceFile &&
        [...removed].some((s) => reference.node.pos >= s.pos && reference.node.end <= s.end)
      ) {
        continue; // inside the moved code: the worker's own copy
      }
      if (first) result.references.push(reference);
      const site = siteOf(reference.node, reference.file);
      if (!reference.call) {
        result.notUpdated.push({
          ...site,
          reason: `\`${reference.node.text}\` is passed as a value here, not called: whoever calls it now gets a Promise`,
        });
        continue;
      }
      const call = reference.call;
      if (awaited.has(call)) continue;
      const parent = skipParenthesesUp(call);
      if (ts.isAwaitExpression(parent)) continue;
      const enclosing = enclosingFunction(call);
      if (!enclosing) {
        const topLevelAwait =
          esm && reference.file === sourceFile ? true : esm && emitsEsm(project, reference.file);
        if (topLevelAwait && supportsTopLevelAwait(project.options)) {
          edits.push(awaitEdit(call, reference.file));
          awaited.add(call);
          result.updated.push({ ...site, reason: 'awaited at the top level' });
        } else {
          result.notUpdated.push({
            ...site,
            reason: 'top-level code in a CommonJS module cannot await: the value is a Promise now',
          });
        }
        continue;
      }
      if (hasModifier(enclosing, ts.SyntaxKind.AsyncKeyword) || madeAsync.has(enclosing)) {
        edits.push(awaitEdit(call, reference.file));
        awaited.add(call);
        result.updated.push({ ...site, reason: 'awaited' });
        continue;
      }
      const canBecomeAsync = asyncCandidate(enclosing, checker);
      if (typeof canBecomeAsync === 'string') {
        result.notUpdated.push({ ...site, reason: canBecomeAsync });
        continue;
      }
      edits.push(awaitEdit(call, reference.file), ...makeAsyncEdits(enclosing, reference.file));
      awaited.add(call);
      madeAsync.add(enclosing);
      result.updated.push({ ...site, reason: `awaited; ${describeFunction(enclosing)} made async` });
      if (canBecomeAsync)
        queue.push({ symbol: canBecomeAsync.symbol, declaration: canBecomeAsync.declaration, first: false });
    }
  }
  return result;
}

function referencesTo(
  symbol: ts.Symbol,
  declaration: ts.Node,
  files: readonly ts.SourceFile[],
  checker: ts.TypeChecker,
): Reference[] {
  const name = symbol.getName();
  const references: Reference[] = [];
  for (const file of files) {
    if (!file.text.includes(name)) continue;
    const visit = (node: ts.Node): void => {
      if (
        ts.isIdentifier(node) &&
        node.text === name &&
        !(node.pos >= declaration.pos && node.end <= declaration.end && file === declaration.getSourceFile())
      ) {
        let found = checker.getSymbolAtLocation(node);
        if (found && found.flags & ts.SymbolFlags.Alias) {
          // import { f } / import { f as g }: the alias itself is not a use
          if (
            ts.isImportSpecifier(node.parent) ||
            ts.isImportClause(node.parent) ||
            ts.isExportSpecifier(node.parent)
          )
            found = undefined;
          else found = checker.getAliasedSymbol(found);
        }
        if (found === symbol) {
          let callee: ts.Node = node;
          if (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) callee = node.parent;
          const parent = callee.parent;
          const call = ts.isCallExpression(parent) && parent.expression === callee ? parent : undefined;
          references.push({ file, node, call });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  // imports renamed (import { f as g }) are found by symbol; the name filter above misses them
  return references;
}

function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current) && 'body' in current) return current as ts.FunctionLikeDeclaration;
    if (ts.isClassStaticBlockDeclaration(current)) return undefined;
  }
  return undefined;
}

/**
 * Can `fn` become async without breaking its callers? A named function declaration or const
 * function (its callers are followed in turn), or a test callback: returns what to follow. Else why not.
 */
function asyncCandidate(
  fn: ts.FunctionLikeDeclaration,
  checker: ts.TypeChecker,
): { symbol: ts.Symbol; declaration: ts.Node } | null | string {
  const where = describeFunction(fn);
  if (fn.asteriskToken) return `inside ${where}, a generator: it cannot await`;
  if (ts.isConstructorDeclaration(fn) || ts.isAccessor(fn)) return `inside ${where}, which cannot be async`;
  if (ts.isFunctionDeclaration(fn) && fn.name) {
    const symbol = checker.getSymbolAtLocation(fn.name);
    return symbol ? { symbol, declaration: fn } : `inside ${where}`;
  }
  if (
    (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) &&
    ts.isVariableDeclaration(fn.parent) &&
    ts.isIdentifier(fn.parent.name)
  ) {
    if (fn.parent.type) return `inside ${where}, whose declared type says it returns synchronously`;
    const symbol = checker.getSymbolAtLocation(fn.parent.name);
    return symbol ? { symbol, declaration: fn.parent } : `inside ${where}`;
  }
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isCallExpression(fn.parent)) {
    const callee = fn.parent.expression;
    const calleeName = ts.isIdentifier(callee)
      ? callee.text
      : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)
        ? callee.expression.text
        : undefined;
    if (calleeName && TEST_CALLBACK_FUNCTIONS.has(calleeName)) return null; // test runners await a returned Promise
    if (ignoresReturnValue(fn.parent, fn)) return null; // a route or request handler: nobody reads what it returns
    return `inside a callback passed to \`${callee.getText()}\`: making it async would change what that receives`;
  }
  if (ts.isMethodDeclaration(fn)) return `inside the method ${where}: its callers are not followed`;
  return `inside ${where}`;
}

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'all', 'use', 'head', 'options']);

/**
 * Callbacks whose return value their caller ignores, so making them async changes nothing it sees:
 * Express-style route handlers (`app.get('/path', …, handler)`), `http.createServer(handler)` and
 * `server.on('request', handler)`.
 */
function ignoresReturnValue(call: ts.CallExpression, fn: ts.Node): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  const first = call.arguments[0];
  const isLast = call.arguments[call.arguments.length - 1] === fn;
  if (
    ROUTE_METHODS.has(method) &&
    first &&
    ts.isStringLiteralLike(first) &&
    first.text.startsWith('/') &&
    isLast
  ) {
    return true;
  }
  if (method === 'createServer' && isLast) return true;
  return method === 'on' && first !== undefined && ts.isStringLiteralLike(first) && first.text === 'request';
}

function makeAsyncEdits(fn: ts.FunctionLikeDeclaration, file: ts.SourceFile): TextEdit[] {
  const edits: TextEdit[] = [];
  const modifiers = ts.canHaveModifiers(fn) ? (ts.getModifiers(fn) ?? []) : [];
  const lastExportModifier = [...modifiers]
    .reverse()
    .find((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword);
  let at: number;
  if (lastExportModifier) at = skipSpaces(file.text, lastExportModifier.end);
  else at = fn.getStart(file);
  edits.push({ file: file.fileName, start: at, end: at, newText: 'async ' });
  if (fn.type && !isPromiseTypeNode(fn.type)) {
    edits.push({
      file: file.fileName,
      start: fn.type.getStart(file),
      end: fn.type.end,
      newText: `Promise<${fn.type.getText(file)}>`,
    });
  }
  return edits;
}

function awaitEdit(call: ts.CallExpression, file: ts.SourceFile): TextEdit {
  const parent = skipParenthesesUp(call);
  const needsParentheses =
    ts.isPropertyAccessExpression(parent) ||
    ts.isElementAccessExpression(parent) ||
    (ts.isCallExpression(parent) && parent.expression !== call && false) ||
    ts.isNonNullExpression(parent) ||
    ts.isTaggedTemplateExpression(parent) ||
    (ts.isCallExpression(parent) && parent.expression === call);
  const start = call.getStart(file);
  if (needsParentheses) {
    return { file: file.fileName, start, end: call.end, newText: `(await ${call.getText(file)})` };
  }
  return { file: file.fileName, start, end: start, newText: 'await ' };
}

/** Whether the argument at `index` is never read again by the caller after the call. */
function argumentIsDeadAfter(call: ts.CallExpression, index: number, checker: ts.TypeChecker): boolean {
  const argument = call.arguments[index];
  if (!argument) return true;
  const expression = skipParentheses(argument);
  if (
    ts.isCallExpression(expression) ||
    ts.isNewExpression(expression) ||
    ts.isArrayLiteralExpression(expression)
  ) {
    return true; // a fresh value nobody else holds
  }
  if (!ts.isIdentifier(expression)) return false;
  const symbol = checker.getSymbolAtLocation(expression);
  const declaration = symbol?.valueDeclaration;
  if (!symbol || !declaration) return false;
  // declared outside a loop that contains the call: the next iteration reads it again
  for (let current: ts.Node = call; current && current !== declaration.parent; current = current.parent) {
    if (
      ts.isIterationStatement(current, false) &&
      !(declaration.pos >= current.pos && declaration.end <= current.end)
    )
      return false;
  }
  const scope = enclosingFunction(call) ?? call.getSourceFile();
  let readLater = false;
  const visit = (node: ts.Node): void => {
    if (readLater) return;
    if (
      node.pos >= call.end &&
      ts.isIdentifier(node) &&
      node.text === expression.text &&
      checker.getSymbolAtLocation(node) === symbol
    ) {
      readLater = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  // a parameter or module variable also lives on in the caller's caller
  if (ts.isParameter(declaration) || moduleStatementOf(declaration, call.getSourceFile())) return false;
  return !readLater;
}

// ---------------------------------------------------------------------------------------------
// Texts

function wrapperText(input: {
  target: Target;
  sourceFile: ts.SourceFile;
  parameters: { node: ts.ParameterDeclaration; name: string; rest: boolean; buffer: string | undefined }[];
  poolName: string;
  typeScript: boolean;
  returnsBuffer: boolean;
  transferred: string[];
  workerSpecifier: string;
  /** the worker's named export to run (functions moved after the first) */
  runName?: string;
}): string {
  const { target, sourceFile, parameters, poolName, typeScript } = input;
  const fn = target.fn;
  const name = target.symbol.getName();
  const parameterTexts = parameters.map((p) => {
    if (ts.isIdentifier(p.node.name)) return p.node.getText(sourceFile);
    // a destructured parameter is passed whole
    const typePart = p.node.type ? `: ${p.node.type.getText(sourceFile)}` : '';
    const init = p.node.initializer ? ` = ${p.node.initializer.getText(sourceFile)}` : '';
    return `${p.rest ? '...' : ''}${p.name}${p.node.questionToken ? '?' : ''}${typePart}${init}`;
  });
  const typeParameters = fn.typeParameters
    ? `<${fn.typeParameters.map((t) => t.getText(sourceFile)).join(', ')}>`
    : '';
  let returnAnnotation = '';
  if (typeScript) {
    if (fn.type) {
      returnAnnotation = `: ${isPromiseTypeNode(fn.type) ? fn.type.getText(sourceFile) : `Promise<${fn.type.getText(sourceFile)}>`}`;
    } else {
      returnAnnotation = `: Promise<Awaited<ReturnType<typeof import('${input.workerSpecifier}').${name}>>>`;
    }
  }
  const task = parameters.length === 0 ? '{}' : `{ ${parameters.map((p) => p.name).join(', ')} }`;
  const transferList = input.transferred.map((parameterName) => {
    const parameter = parameters.find((p) => p.name === parameterName)!;
    return parameter.buffer === 'array-buffer' ? parameterName : `${parameterName}.buffer`;
  });
  const body: string[] = [];
  const options: string[] = [];
  if (transferList.length > 0) {
    // A Buffer carved from Node's shared pool is a slice of a larger ArrayBuffer: moving that
    // would detach its neighbours, so only buffers that own their whole ArrayBuffer move.
    const ownsWhole = input.transferred
      .map((parameterName) => parameters.find((p) => p.name === parameterName)!)
      .filter((p) => p.buffer !== 'array-buffer')
      .map((p) => `${p.name}.byteLength === ${p.name}.buffer.byteLength`);
    const list = `[${transferList.join(', ')}]`;
    const guard = typeScript
      ? '(buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer'
      : '(buffer) => buffer instanceof ArrayBuffer';
    body.push(
      '  // The callers never read these bytes after the call: move them to the worker instead of copying.',
      `  const transferList = (${ownsWhole.length > 0 ? `${ownsWhole.join(' && ')} ? ${list} : []` : list}).filter(${guard});`,
    );
    options.push('transferList');
  }
  if (input.runName) options.push(`name: '${input.runName}'`);
  const runOptions = options.length > 0 ? `, { ${options.join(', ')} }` : '';
  if (input.returnsBuffer) {
    body.push(
      `  const result = await ${poolName}.run(${task}${runOptions});`,
      '  // structured clone delivers a Uint8Array: give callers their Buffer back (no copy)',
      '  return Buffer.from(result.buffer, result.byteOffset, result.byteLength);',
    );
  } else {
    body.push(`  return ${poolName}.run(${task}${runOptions});`);
  }
  const modifiers = ts.canHaveModifiers(target.statement) ? (ts.getModifiers(target.statement) ?? []) : [];
  const exportPrefix = modifiers
    .filter((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword)
    .map((m) => `${m.getText(sourceFile)} `)
    .join('');
  const header = `// Runs in the worker pool (${input.workerSpecifier}); the code moved there by \`concurrency-lens offload\`.`;
  if (ts.isFunctionDeclaration(target.statement)) {
    return `${exportPrefix}async function ${name}${typeParameters}(${parameterTexts.join(', ')})${returnAnnotation} {\n  ${header.trimStart()}\n${body.join('\n')}\n}`;
  }
  return `${exportPrefix}const ${name} = async ${typeParameters}(${parameterTexts.join(', ')})${returnAnnotation} => {\n  ${header.trimStart()}\n${body.join('\n')}\n};`;
}

function functionTextForWorker(target: Target, sourceFile: ts.SourceFile): string {
  const statement = target.statement;
  if (ts.isFunctionDeclaration(statement)) {
    const modifiers = ts.getModifiers(statement) ?? [];
    const kept = modifiers.find(
      (m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword,
    );
    const start = kept ? kept.getStart(sourceFile) : skipExportModifiers(statement, sourceFile);
    return sourceFile.text.slice(start, statement.end);
  }
  return sourceFile.text
    .slice(statement.declarationList.getStart(sourceFile), statement.end)
    .replace(/;?$/, ';');
}

function skipExportModifiers(statement: ts.FunctionDeclaration, sourceFile: ts.SourceFile): number {
  const modifiers = ts.getModifiers(statement) ?? [];
  const last = modifiers[modifiers.length - 1];
  return last ? skipSpaces(sourceFile.text, last.end) : statement.getStart(sourceFile);
}

function parameterTypeText(
  parameter: ts.ParameterDeclaration,
  index: number,
  fnName: string,
  sourceFile: ts.SourceFile,
): string {
  if (parameter.type) return parameter.type.getText(sourceFile);
  if (parameter.dotDotDotToken) return 'unknown[]';
  return `Parameters<typeof ${fnName}>[${index}]`;
}

function importLinesFor(
  importUses: Map<ts.Symbol, { declaration: ts.Node; valueUse: boolean }>,
  sourceFile: ts.SourceFile,
  typeScript: boolean,
): string[] {
  const byStatement = new Map<ts.Statement, { declaration: ts.Node; valueUse: boolean }[]>();
  for (const use of importUses.values()) {
    const statement = moduleStatementOf(use.declaration, sourceFile)!;
    const list = byStatement.get(statement) ?? [];
    list.push(use);
    byStatement.set(statement, list);
  }
  const lines: string[] = [];
  for (const [statement, uses] of [...byStatement].sort(([a], [b]) => a.pos - b.pos)) {
    if (ts.isImportEqualsDeclaration(statement)) {
      lines.push(statement.getText(sourceFile));
      continue;
    }
    const declaration = statement as ts.ImportDeclaration;
    const module = declaration.moduleSpecifier.getText(sourceFile);
    const attributes = declaration.attributes ? ` ${declaration.attributes.getText(sourceFile)}` : '';
    const typeImport = (valueUse: boolean, statementTypeOnly: boolean) =>
      typeScript && (!valueUse || statementTypeOnly);
    const statementTypeOnly = declaration.importClause?.isTypeOnly ?? false;
    const named: string[] = [];
    for (const use of uses) {
      const node = use.declaration;
      const typeOnly = typeImport(use.valueUse, statementTypeOnly);
      if (ts.isImportClause(node) && node.name) {
        lines.push(`import ${typeOnly ? 'type ' : ''}${node.name.text} from ${module}${attributes};`);
      } else if (ts.isNamespaceImport(node)) {
        lines.push(`import ${typeOnly ? 'type ' : ''}* as ${node.name.text} from ${module}${attributes};`);
      } else if (ts.isImportSpecifier(node)) {
        const specifierTypeOnly = typeOnly || node.isTypeOnly;
        const text = node.propertyName
          ? `${node.propertyName.getText(sourceFile)} as ${node.name.text}`
          : node.name.text;
        named.push(`${specifierTypeOnly && typeScript ? 'type ' : ''}${text}`);
      }
    }
    if (named.length > 0 && typeScript && named.every((n) => n.startsWith('type '))) {
      lines.push(`import type { ${named.map((n) => n.slice(5)).join(', ')} } from ${module}${attributes};`);
    } else if (named.length > 0) lines.push(`import { ${named.join(', ')} } from ${module}${attributes};`);
  }
  return lines;
}

function unusedImportEdits(
  sourceFile: ts.SourceFile,
  importUses: Map<ts.Symbol, { declaration: ts.Node; valueUse: boolean }>,
  moved: ReadonlySet<ts.Statement>,
  target: Target,
  checker: ts.TypeChecker,
  file: string,
): { edits: TextEdit[] } {
  const stillUsed = (symbol: ts.Symbol): boolean => {
    let used = false;
    const visit = (node: ts.Node): void => {
      if (used) return;
      if (node === target.statement) {
        // the wrapper keeps the signature: parameter and return types stay in the file
        for (const kept of [...(target.fn.typeParameters ?? []), ...target.fn.parameters, target.fn.type])
          if (kept) visit(kept);
        return;
      }
      if (ts.isImportDeclaration(node) || moved.has(node as ts.Statement)) return;
      if (ts.isIdentifier(node)) {
        const found = ts.isShorthandPropertyAssignment(node.parent)
          ? checker.getShorthandAssignmentValueSymbol(node.parent)
          : checker.getSymbolAtLocation(node);
        if (found === symbol) used = true;
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    return used;
  };
  const unused = new Set<ts.Node>();
  for (const [symbol, use] of importUses) if (!stillUsed(symbol)) unused.add(use.declaration);
  const edits: TextEdit[] = [];
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    const bindings: ts.Node[] = [];
    if (clause.name) bindings.push(clause);
    if (clause.namedBindings) {
      if (ts.isNamespaceImport(clause.namedBindings)) bindings.push(clause.namedBindings);
      else bindings.push(...clause.namedBindings.elements);
    }
    const kept = bindings.filter((b) => !unused.has(b));
    if (kept.length === bindings.length) continue;
    if (kept.length === 0) {
      const [start, end] = removalRange(statement, sourceFile, false);
      edits.push({ file, start, end, newText: '' });
      continue;
    }
    const defaultPart = clause.name && kept.includes(clause) ? clause.name.text : undefined;
    const namespace = kept.find((b) => ts.isNamespaceImport(b)) as ts.NamespaceImport | undefined;
    const named = kept
      .filter((b): b is ts.ImportSpecifier => ts.isImportSpecifier(b))
      .map((s) => s.getText(sourceFile));
    const parts = [
      defaultPart,
      namespace ? namespace.getText(sourceFile) : undefined,
      named.length > 0 ? `{ ${named.join(', ')} }` : undefined,
    ].filter(Boolean);
    edits.push({
      file,
      start: clause.getStart(sourceFile),
      end: clause.end,
      newText: `${clause.isTypeOnly ? 'type ' : ''}${parts.join(', ')}`,
    });
  }
  return { edits };
}

function addPiscinaDependency(project: TransformProject): TextEdit | undefined {
  if (!project.packageJson) return undefined;
  const text = project.readFile(project.packageJson);
  if (text === undefined) return undefined;
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const dependencies = (manifest.dependencies ?? {}) as Record<string, string>;
  if (dependencies.piscina) return undefined;
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const version = installedPiscinaVersion(project) ?? '5.3.2';
  manifest.dependencies = Object.fromEntries(
    Object.entries({ ...dependencies, piscina: `^${version}` }).sort(([a], [b]) => a.localeCompare(b)),
  );
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const newText = `${JSON.stringify(manifest, null, indent).replace(/\n/g, eol)}${text.endsWith('\n') ? eol : ''}`;
  return { file: project.packageJson, start: 0, end: text.length, newText };
}

function installedPiscinaVersion(project: TransformProject): string | undefined {
  for (let dir = path.dirname(project.packageJson!); ; dir = path.dirname(dir)) {
    const text = project.readFile(path.join(dir, 'node_modules', 'piscina', 'package.json'));
    if (text) {
      try {
        return (JSON.parse(text) as { version?: string }).version;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isPrivatePackage(project: TransformProject): boolean {
  if (!project.packageJson) return true;
  try {
    const manifest = JSON.parse(project.readFile(project.packageJson) ?? '{}') as { private?: boolean };
    return manifest.private === true;
  } catch {
    return false;
  }
}

/** Does a project module the worker imports (transitively) import the source file back? */
function importsBack(
  project: TransformProject,
  sourceFile: ts.SourceFile,
  importUses: Map<ts.Symbol, { declaration: ts.Node; valueUse: boolean }>,
): string | undefined {
  const resolve = (specifier: string, from: ts.SourceFile): ts.SourceFile | undefined => {
    const resolved = ts.resolveModuleName(specifier, from.fileName, project.options, ts.sys).resolvedModule;
    if (!resolved || resolved.isExternalLibraryImport) return undefined;
    return project.program.getSourceFile(resolved.resolvedFileName);
  };
  const starts = new Map<ts.SourceFile, string>();
  for (const use of importUses.values()) {
    if (!use.valueUse) continue;
    const statement = moduleStatementOf(use.declaration, sourceFile);
    if (statement && ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const target = resolve(statement.moduleSpecifier.text, sourceFile);
      if (target) starts.set(target, statement.moduleSpecifier.text);
    }
  }
  for (const [start, specifier] of starts) {
    const seen = new Set<ts.SourceFile>();
    const stack = [start];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === sourceFile) return specifier;
      if (seen.has(current)) continue;
      seen.add(current);
      for (const statement of current.statements) {
        if (
          (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
          statement.moduleSpecifier &&
          ts.isStringLiteral(statement.moduleSpecifier) &&
          !(ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly)
        ) {
          const next = resolve(statement.moduleSpecifier.text, current);
          if (next) stack.push(next);
        }
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function isEsSyntax(sourceFile: ts.SourceFile): boolean {
  if (/\.[cm]?tsx?$/.test(sourceFile.fileName)) return true;
  return sourceFile.statements.some(
    (s) =>
      ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s) || isExported(s),
  );
}

function importSpecifierExtension(
  sourceFile: ts.SourceFile,
  project: TransformProject,
  extension: string,
): string {
  const relative = sourceFile.statements
    .filter(
      (s): s is ts.ImportDeclaration => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier),
    )
    .map((s) => (s.moduleSpecifier as ts.StringLiteral).text)
    .filter((s) => s.startsWith('.'));
  const resolution = project.options.moduleResolution;
  const needsExtension =
    resolution === ts.ModuleResolutionKind.Node16 ||
    resolution === ts.ModuleResolutionKind.NodeNext ||
    (resolution === undefined &&
      (project.options.module === ts.ModuleKind.Node16 ||
        project.options.module === ts.ModuleKind.NodeNext)) ||
    !/\.[cm]?tsx?$/.test(sourceFile.fileName);
  if (relative.length > 0 && relative.every((s) => !/\.[cm]?[jt]sx?$/.test(s)) && !needsExtension) return '';
  if (project.options.allowImportingTsExtensions && relative.some((s) => /\.[cm]?tsx?$/.test(s)))
    return extension;
  return runtimeExtension({ ...project, options: { ...project.options, noEmit: false } }, extension);
}

function supportsTopLevelAwait(options: ts.CompilerOptions): boolean {
  const module = options.module ?? ts.ModuleKind.CommonJS;
  return module >= ts.ModuleKind.ES2022 || module === ts.ModuleKind.System;
}

function afterImports(sourceFile: ts.SourceFile): number {
  let end = 0;
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) end = statement.end;
    else break;
  }
  if (end === 0) {
    // after a leading comment block / shebang, before the first statement
    const first = sourceFile.statements[0];
    if (!first) return sourceFile.text.length;
    const comments = ts.getLeadingCommentRanges(sourceFile.text, first.pos) ?? [];
    const header = comments.length > 0 ? comments[comments.length - 1]!.end : 0;
    return header === 0 ? 0 : header;
  }
  return end;
}

/** Statement range including its leading comments and the line break after it. */
function removalRange(statement: ts.Node, sourceFile: ts.SourceFile, withComments = true): [number, number] {
  const text = sourceFile.text;
  // the first statement's leading comment is the file's header: it stays
  const comments =
    withComments && statement !== sourceFile.statements[0]
      ? (ts.getLeadingCommentRanges(text, statement.pos) ?? [])
      : [];
  let start = comments.length > 0 ? comments[0]!.pos : statement.getStart(sourceFile);
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  let end = statement.end;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  // drop one blank line too, so no double gap is left behind
  if (start >= 2 && text[start - 1] === '\n' && text[start - 2] === '\n' && text[end] === '\n') end++;
  return [start, end];
}

function textWithComments(statement: ts.Node, sourceFile: ts.SourceFile): string {
  const comments = ts.getLeadingCommentRanges(sourceFile.text, statement.pos) ?? [];
  const start = comments.length > 0 ? comments[0]!.pos : statement.getStart(sourceFile);
  return sourceFile.text.slice(start, statement.end);
}

function addExport(statement: ts.Statement, sourceFile: ts.SourceFile, text: string): string {
  const start = statement.getStart(sourceFile);
  const comments = ts.getLeadingCommentRanges(sourceFile.text, statement.pos) ?? [];
  const textStart = comments.length > 0 ? comments[0]!.pos : start;
  const offset = start - textStart;
  return `${text.slice(0, offset)}export ${text.slice(offset)}`;
}

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) =>
      ts.isIdentifier(d.name) ? [d.name.text] : [],
    );
  }
  const name = (statement as ts.DeclarationStatement).name;
  return name && ts.isIdentifier(name) ? [name.text] : [];
}

/** Is the module-level `name` declared by `statement` used by code that stays in the file? */
function usedOutside(
  name: string,
  statement: ts.Statement,
  sourceFile: ts.SourceFile,
  moved: ReadonlySet<ts.Statement>,
  checker: ts.TypeChecker,
): boolean {
  const nameNode = ts.isVariableStatement(statement)
    ? statement.declarationList.declarations[0]!.name
    : (statement as ts.DeclarationStatement).name;
  const symbol = nameNode && checker.getSymbolAtLocation(nameNode);
  if (!symbol) return true;
  for (const other of sourceFile.statements) {
    if (moved.has(other)) continue;
    let used = false;
    const visit = (node: ts.Node): void => {
      if (used) return;
      if (ts.isIdentifier(node) && node.text === name && checker.getSymbolAtLocation(node) === symbol)
        used = true;
      else if (
        ts.isShorthandPropertyAssignment(node) &&
        node.name.text === name &&
        checker.getShorthandAssignmentValueSymbol(node) === symbol
      )
        used = true;
      ts.forEachChild(node, visit);
    };
    visit(other);
    if (used) return true;
  }
  return false;
}

function isExported(statement: ts.Node): boolean {
  return (
    ts.canHaveModifiers(statement) &&
    (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function isPromiseTypeNode(type: ts.TypeNode): boolean {
  return ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'Promise';
}

function skipParentheses(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node)) node = node.expression;
  return node;
}

function skipParenthesesUp(node: ts.Node): ts.Node {
  let parent = node.parent;
  while (ts.isParenthesizedExpression(parent)) parent = parent.parent;
  return parent;
}

function elementType(type: ts.Type, checker: ts.TypeChecker): ts.Type {
  return checker.isArrayType(type) ? (checker.getTypeArguments(type as ts.TypeReference)[0] ?? type) : type;
}

function existingNamedImport(sourceFile: ts.SourceFile, module: string, name: string): string | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (statement.moduleSpecifier.text !== module || statement.importClause?.isTypeOnly) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      const specifier = bindings.elements.find(
        (e) => (e.propertyName ?? e.name).text === name && !e.isTypeOnly,
      );
      if (specifier) return specifier.name.text;
    }
  }
  return undefined;
}

function existingDefaultOrNamespaceImport(sourceFile: ts.SourceFile, modules: string[]): string | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!modules.includes(statement.moduleSpecifier.text) || statement.importClause?.isTypeOnly) continue;
    const clause = statement.importClause;
    if (clause?.name) return clause.name.text;
    if (clause?.namedBindings && ts.isNamespaceImport(clause.namedBindings))
      return clause.namedBindings.name.text;
  }
  return undefined;
}

function uniqueName(sourceFile: ts.SourceFile, wanted: string): string {
  const taken = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) taken.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  let candidate = wanted;
  for (let i = 2; taken.has(candidate); i++) candidate = `${wanted}${i}`;
  return candidate;
}

function camel(base: string): string {
  const words = base.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words
    .map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
  return /^[A-Za-z_$]/.test(joined) ? joined : `_${joined}`;
}

function describeFunction(fn: ts.FunctionLikeDeclaration): string {
  if (fn.name && ts.isIdentifier(fn.name)) return `\`${fn.name.text}\``;
  if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name))
    return `\`${fn.parent.name.text}\``;
  return 'the enclosing function';
}

function siteOf(node: ts.Node, file: ts.SourceFile): { file: string; line: number; column: number } {
  const position = file.getLineAndCharacterOfPosition(node.getStart(file));
  return { file: file.fileName, line: position.line + 1, column: position.character + 1 };
}

function lineOf(node: ts.Node, file: ts.SourceFile): number {
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

/** Insertions at one offset in one file are concatenated in the order they were made. */
function mergeInsertions(edits: TextEdit[]): TextEdit[] {
  const merged: TextEdit[] = [];
  for (const edit of edits) {
    const same = merged.find(
      (m) =>
        m.file === edit.file && m.start === edit.start && m.end === edit.start && edit.end === edit.start,
    );
    if (same) same.newText += edit.newText;
    else merged.push({ ...edit });
  }
  return merged;
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at]!)) at++;
  return at;
}

/**
 * The module-level function that contains `offset` (a diagnostic, the cursor): the name "Move to
 * worker pool" would move, or undefined. Parses `text` alone: cheap enough for a lightbulb.
 */
export function movableFunctionAt(fileName: string, text: string, offset: number): string | undefined {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  for (const statement of sourceFile.statements) {
    if (offset < statement.getStart(sourceFile) || offset > statement.end) continue;
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body && !statement.asteriskToken) {
      return statement.name.text;
    }
    if (ts.isVariableStatement(statement) && statement.declarationList.flags & ts.NodeFlags.Const) {
      const [declaration] = statement.declarationList.declarations;
      const init = declaration?.initializer && skipParentheses(declaration.initializer);
      if (
        declaration &&
        ts.isIdentifier(declaration.name) &&
        init &&
        (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
      ) {
        return declaration.name.text;
      }
    }
    return undefined;
  }
  return undefined;
}
