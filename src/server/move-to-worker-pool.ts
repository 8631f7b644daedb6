// "Move to worker pool" in the language server: the code action offered on cpu-heavy-loop and
// blocking-call diagnostics inside a module-level function, and the command that runs the
// transform (src/fixes/move-to-worker-pool.ts) over the open buffers and asks the client to apply
// the result as ONE workspace edit marked `needsConfirmation` (VS Code opens the refactor preview;
// one undo reverts it). It is a refactor, never a quick fix, so fix-all never applies it.
import { readFileSync } from 'node:fs';
import {
  type AnnotatedTextEdit,
  type CodeAction,
  CodeActionKind,
  type Connection,
  CreateFile,
  type Diagnostic,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  type TextDocuments,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { movableFunctionAt, moveToWorkerPool } from '../fixes/move-to-worker-pool.js';
import { notUpdatedMessage } from '../shared/offload-messages.js';
import {
  type MoveToWorkerPoolArgs,
  type MoveToWorkerPoolCommandResult,
  moveToWorkerPoolServerCommand,
} from '../shared/protocol.js';
import { diagnosticSource } from './diagnostics.js';
import { pathToUri, uriToPath } from './uri.js';

/** Rules whose finding means "this function's work belongs off the main thread". */
const OFFLOAD_RULES = new Set(['cpu-heavy-loop', 'blocking-call']);
const annotationId = 'concurrency-lens.move-to-worker-pool';

export function moveToWorkerPoolActions(
  document: TextDocument,
  diagnostics: readonly Diagnostic[],
  fileName: string,
  /** the VS Code client runs its own command (it applies the edit itself); other editors the server's */
  command: string = moveToWorkerPoolServerCommand,
): CodeAction[] {
  const offered = new Map<string, Diagnostic[]>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== diagnosticSource) continue;
    const ruleId = typeof diagnostic.code === 'string' ? diagnostic.code : undefined;
    if (!ruleId || !OFFLOAD_RULES.has(ruleId)) continue;
    const name = movableFunctionAt(fileName, document.getText(), document.offsetAt(diagnostic.range.start));
    if (!name) continue;
    offered.set(name, [...(offered.get(name) ?? []), diagnostic]);
  }
  return [...offered].map(([functionName, covered]) => {
    const args: MoveToWorkerPoolArgs = { uri: document.uri, functionName };
    return {
      title: `Move \`${functionName}\` to a worker pool`,
      kind: CodeActionKind.RefactorMove,
      diagnostics: covered,
      command: { title: 'Move to worker pool', command, arguments: [args] },
    };
  });
}

export async function runMoveToWorkerPool(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  args: MoveToWorkerPoolArgs | undefined,
  folderOf: (file: string) => string | undefined,
): Promise<MoveToWorkerPoolCommandResult> {
  const refuse = (reason: string): MoveToWorkerPoolCommandResult => {
    void connection.window.showErrorMessage(`Move to worker pool: ${reason}`);
    return { ok: false, reason };
  };
  const file = args?.uri ? uriToPath(args.uri) : undefined;
  if (!args || !file) return refuse('no file given');
  const openTexts = new Map(
    documents.all().flatMap((document) => {
      const path = uriToPath(document.uri);
      return path ? [[path, document.getText()] as const] : [];
    }),
  );
  let functionName = args.functionName;
  if (!functionName) {
    const document = documents.get(args.uri);
    const text = document?.getText() ?? openTexts.get(file);
    if (document && text !== undefined && args.position) {
      functionName = movableFunctionAt(file, text, document.offsetAt(args.position));
    }
    if (!functionName)
      return refuse('put the cursor inside a function declared at the top level of the file');
  }
  const result = moveToWorkerPool({
    file,
    functionName,
    readFile: (name) => openTexts.get(name),
    root: folderOf(file),
  });
  if (!result.ok) return refuse(result.reason);

  const edit = toWorkspaceEdit(result, openTexts, documents, functionName);
  const notUpdated = result.notUpdated.map(
    (note) => `${note.file}:${note.line}:${note.column} ${note.reason}`,
  );
  const moved = { ok: true, functionName, workerUri: pathToUri(result.workerFile), notUpdated };
  if (args.returnEdit) return { ...moved, edit };
  const applied = await connection.workspace.applyEdit({
    label: `Move \`${functionName}\` to a worker pool`,
    edit,
  });
  if (applied.applied && notUpdated.length > 0) {
    void connection.window.showWarningMessage(notUpdatedMessage(functionName, notUpdated));
  }
  return { ...moved, applied: applied.applied, failureReason: applied.failureReason };
}

function toWorkspaceEdit(
  result: Extract<ReturnType<typeof moveToWorkerPool>, { ok: true }>,
  openTexts: ReadonlyMap<string, string>,
  documents: TextDocuments<TextDocument>,
  functionName: string,
): WorkspaceEdit {
  const documentChanges: WorkspaceEdit['documentChanges'] = [];
  for (const creation of result.creations) {
    const uri = pathToUri(creation.file);
    documentChanges.push(CreateFile.create(uri, { overwrite: false, ignoreIfExists: false }, annotationId));
    documentChanges.push(
      TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(uri, null), [
        annotated({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, creation.text),
      ]),
    );
  }
  const byFile = new Map<string, typeof result.edits>();
  for (const edit of result.edits) byFile.set(edit.file, [...(byFile.get(edit.file) ?? []), edit]);
  for (const [file, edits] of byFile) {
    const uri = pathToUri(file);
    const open = documents.get(uri);
    // offsets refer to the text the transform read: the open buffer, else the file on disk
    const text = openTexts.get(file) ?? readText(file);
    const document = open ?? TextDocument.create(uri, 'typescript', 0, text);
    documentChanges.push(
      TextDocumentEdit.create(
        OptionalVersionedTextDocumentIdentifier.create(uri, open ? open.version : null),
        edits.map((edit) =>
          annotated(
            { start: document.positionAt(edit.start), end: document.positionAt(edit.end) },
            edit.newText,
          ),
        ),
      ),
    );
  }
  return {
    documentChanges,
    changeAnnotations: {
      [annotationId]: {
        label: `Move \`${functionName}\` to a worker pool`,
        description: 'concurrency-lens offload',
        needsConfirmation: true,
      },
    },
  };
}

function annotated(range: AnnotatedTextEdit['range'], newText: string): AnnotatedTextEdit {
  return { range, newText, annotationId };
}

function readText(file: string): string {
  // the transform just read it, so it exists; a synchronous read keeps this simple
  return readFileSync(file, 'utf8');
}
