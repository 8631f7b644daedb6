// Suggestion for unguarded-self-spawn: put the spawn in `if (isMainThread) { … }`.
// The statement holding the spawn goes in the branch, with the statements after it that use what
// it declares (`const worker = new Worker(__filename); worker.on(…)`), so no name leaves its
// scope. Never safe: the worker then no longer starts a worker of its own, which is the point but
// changes what runs. Not offered when the run holds an `export`/`import` (not allowed in a block)
// or a statement that does not use the spawn's names (it may be worker code: `module.exports = …`),
// when something before it uses what it declares, or for Web Workers (no `isMainThread`).
import ts from 'typescript';
import { boundNames, mentionsAny } from '../analysis/ast.js';
import type { WorkerSpawn } from '../analysis/model/threads.js';
import type { Fix } from '../analysis/types.js';
import { builtinExport, enclosingStatement, statementList, wrapStatements } from './statements.js';

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((d) => boundNames(d.name));
  if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name)
    return [statement.name.text];
  return [];
}

function isModuleSyntax(statement: ts.Statement): boolean {
  return (
    ts.isImportDeclaration(statement) ||
    ts.isImportEqualsDeclaration(statement) ||
    ts.isExportDeclaration(statement) ||
    ts.isExportAssignment(statement) ||
    (ts.canHaveModifiers(statement) &&
      (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
  );
}

export function mainThreadGuardSuggestion(
  sourceFile: ts.SourceFile,
  spawn: WorkerSpawn,
  file: string,
): Fix | undefined {
  if (spawn.kind === 'web-worker') return undefined;
  const statement = enclosingStatement(spawn.node);
  const list = statement?.parent && statementList(statement.parent);
  if (!statement || !list) return undefined;
  const first = list.indexOf(statement);
  let last = first;
  // grow the run until nothing after it uses a name declared in it
  for (let changed = true; changed; ) {
    changed = false;
    const names = list.slice(first, last + 1).flatMap(declaredNames);
    if (names.length === 0) break;
    for (let i = list.length - 1; i > last; i--) {
      if (mentionsAny(list[i]!, names)) {
        last = i;
        changed = true;
        break;
      }
    }
  }
  const run = list.slice(first, last + 1);
  if (run.some(isModuleSyntax)) return undefined;
  const names = run.flatMap(declaredNames);
  // a statement in between that has nothing to do with the spawn may be worker code (`module.exports = …`)
  if (run.slice(1).some((s) => !mentionsAny(s, names))) return undefined;
  if (names.length > 0 && list.slice(0, first).some((s) => mentionsAny(s, names))) return undefined;
  const guard = builtinExport(sourceFile, file, 'worker_threads', 'isMainThread');
  if (!guard) return undefined;
  return {
    title: 'Start the worker only on the main thread (if (isMainThread))',
    safe: false,
    edits: [...guard.edits, wrapStatements(sourceFile, run, `if (${guard.text})`, file)],
  };
}
