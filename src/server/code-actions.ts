// Code actions for our diagnostics, collected into typed buckets and returned in this order (as
// vscode-eslint's CodeActionResult does): 1. fixes (safe; the first is the preferred quick fix),
// 2. suggestions (fixes that may change behaviour), 3. "Ignore <rule> for this line",
// 4. "Ignore <rule> in this file", 5. "Show documentation for <rule>".
// Pure: the caller passes the document, the diagnostics and the findings they came from.
import {
  type CodeAction,
  CodeActionKind,
  type Diagnostic,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, Fix } from '../analysis/types.js';
import { safeFixEdits } from '../fixes/fix-all.js';
import { commands, type DiagnosticData } from '../shared/protocol.js';
import { diagnosticSource } from './diagnostics.js';

const nextLineDirective = /^([ \t]*)\/\/\s*concurrency-lens-ignore-next-line\b([^\n]*)$/;
const fileDirective = /^[ \t]*\/\/\s*concurrency-lens-ignore-file\b([^\n]*)$/m;
export const reasonPlaceholder = 'reason';

export interface CodeActionInput {
  document: TextDocument;
  diagnostics: Diagnostic[];
  /** the findings currently shown for the document, with their result id */
  findings: readonly Finding[];
  resultId: string | undefined;
  /** converts a fix's edits (possibly in other files) into a workspace edit; undefined when it cannot */
  fixToEdit: (fix: Fix) => WorkspaceEdit | undefined;
  /** the edit turning a rule off in the folder's .concurrency-lens.json; undefined when it cannot */
  disableRule?: (ruleId: string) => WorkspaceEdit | undefined;
}

/** The actions for a set of diagnostics, by kind; `all()` gives them in menu order. */
class CodeActionResult {
  readonly fixes: CodeAction[] = [];
  readonly suggestions: CodeAction[] = [];
  readonly disableLine: CodeAction[] = [];
  readonly disableFile: CodeAction[] = [];
  readonly docs: CodeAction[] = [];

  all(): CodeAction[] {
    return [...this.fixes, ...this.suggestions, ...this.disableLine, ...this.disableFile, ...this.docs];
  }
}

export function codeActionsFor(input: CodeActionInput): CodeAction[] {
  const result = new CodeActionResult();
  const ours = input.diagnostics.filter((diagnostic) => diagnostic.source === diagnosticSource);
  const fileIgnoreOffered = new Set<string>();
  const docsOffered = new Set<string>();
  const lineIgnoreOffered = new Set<string>();
  for (const diagnostic of ours) {
    const ruleId = ruleIdOf(diagnostic);
    if (!ruleId) continue;
    const finding = findingFor(diagnostic, input);
    for (const fix of finding?.fixes ?? []) {
      const edit = input.fixToEdit(fix);
      if (!edit) continue;
      // Only a safe fix can be the preferred one (applied by "auto fix" without a menu).
      const preferred = fix.safe && result.fixes.length === 0;
      (fix.safe ? result.fixes : result.suggestions).push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: preferred || undefined,
        edit,
      });
    }
    const lineKey = `${ruleId}:${diagnostic.range.start.line}`;
    if (!lineIgnoreOffered.has(lineKey)) {
      lineIgnoreOffered.add(lineKey);
      result.disableLine.push(ignoreLineAction(input.document, diagnostic, ruleId));
    }
    if (!fileIgnoreOffered.has(ruleId)) {
      fileIgnoreOffered.add(ruleId);
      result.disableFile.push(ignoreFileAction(input.document, diagnostic, ruleId));
      const disable = input.disableRule?.(ruleId);
      if (disable) {
        result.disableFile.push({
          title: `Disable ${ruleId} in .concurrency-lens.json`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: disable,
        });
      }
    }
    if (!docsOffered.has(ruleId)) {
      docsOffered.add(ruleId);
      result.docs.push({
        title: `Show documentation for ${ruleId}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        command: {
          title: `Show documentation for ${ruleId}`,
          command: commands.openRuleDocs,
          arguments: [ruleId],
        },
      });
    }
  }
  return result.all();
}

/** `source.fixAll.concurrency-lens`: what `editor.codeActionsOnSave` runs. Safe fixes only. */
export const fixAllKind = `${CodeActionKind.SourceFixAll}.concurrency-lens`;

/**
 * One action applying every safe fix of the document's findings together (overlapping ones wait
 * for the next run, as ESLint's fix-all does). Suggestions and "Move to worker pool" are never in
 * it: they change behaviour. Undefined when there is nothing to fix.
 */
export function fixAllAction(
  findings: readonly Finding[],
  fixToEdit: (fix: Fix) => WorkspaceEdit | undefined,
): CodeAction | undefined {
  const edits = safeFixEdits(findings);
  if (edits.length === 0) return undefined;
  const edit = fixToEdit({ title: 'fix all', safe: true, edits });
  if (!edit) return undefined;
  return { title: 'Fix all safe Concurrency Lens problems', kind: fixAllKind, edit };
}

function ruleIdOf(diagnostic: Diagnostic): string | undefined {
  const data = diagnostic.data as Partial<DiagnosticData> | undefined;
  if (typeof data?.ruleId === 'string') return data.ruleId;
  return typeof diagnostic.code === 'string' ? diagnostic.code : undefined;
}

function findingFor(diagnostic: Diagnostic, input: CodeActionInput): Finding | undefined {
  const data = diagnostic.data as Partial<DiagnosticData> | undefined;
  if (data && data.resultId === input.resultId && typeof data.index === 'number') {
    const finding = input.findings[data.index];
    if (finding && finding.ruleId === data.ruleId) return finding;
  }
  // Stale data (the file changed since): match by rule and start position.
  return input.findings.find(
    (finding) =>
      finding.ruleId === ruleIdOf(diagnostic) &&
      finding.range.start.line - 1 === diagnostic.range.start.line &&
      finding.range.start.column - 1 === diagnostic.range.start.character,
  );
}

function eolOf(document: TextDocument): string {
  return document.getText().includes('\r\n') ? '\r\n' : '\n';
}

function lineText(document: TextDocument, line: number): string {
  return document
    .getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } })
    .replace(/\r?\n$/, '');
}

/**
 * Adds `ruleId` to an existing directive's rule list (`whole` is the directive, `rest` what follows
 * its keyword): where to insert, as an offset into `whole`, and what.
 */
function addToDirective(whole: string, rest: string, ruleId: string): { offset: number; newText: string } {
  const separator = rest.search(/\s--\s?/);
  const ids = (separator === -1 ? rest : rest.slice(0, separator)).trimEnd();
  return {
    offset: whole.length - rest.length + ids.length,
    newText: ids.trim() ? `, ${ruleId}` : ` ${ruleId}`,
  };
}

function quickFix(
  title: string,
  diagnostic: Diagnostic,
  document: TextDocument,
  edit: LspTextEdit,
): CodeAction {
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: { changes: { [document.uri]: [edit] } },
  };
}

export function ignoreLineAction(document: TextDocument, diagnostic: Diagnostic, ruleId: string): CodeAction {
  const line = diagnostic.range.start.line;
  const title = `Ignore ${ruleId} for this line`;
  const previous = line > 0 ? nextLineDirective.exec(lineText(document, line - 1)) : null;
  if (previous) {
    // The line is already covered by a directive for other rules: add this rule to its list.
    const [whole, , rest = ''] = previous;
    const { offset, newText } = addToDirective(whole, rest, ruleId);
    const at = { line: line - 1, character: offset };
    return quickFix(title, diagnostic, document, { range: { start: at, end: at }, newText });
  }
  const indentation = /^[ \t]*/.exec(lineText(document, line))?.[0] ?? '';
  const comment = `${indentation}// concurrency-lens-ignore-next-line ${ruleId} -- `;
  const edit: LspTextEdit = {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    newText: `${comment}${reasonPlaceholder}${eolOf(document)}`,
  };
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: { changes: { [document.uri]: [edit] } },
    // After the edit, select the placeholder so the user types the reason straight over it.
    command: {
      title: 'Select reason',
      command: commands.selectRange,
      arguments: [
        document.uri,
        { line, character: comment.length },
        { line, character: comment.length + reasonPlaceholder.length },
      ],
    },
  };
}

export function ignoreFileAction(document: TextDocument, diagnostic: Diagnostic, ruleId: string): CodeAction {
  const title = `Ignore ${ruleId} in this file`;
  const text = document.getText();
  const existing = fileDirective.exec(text);
  if (existing) {
    const [whole, rest = ''] = existing;
    const { offset, newText } = addToDirective(whole, rest, ruleId);
    const at = document.positionAt((existing.index ?? 0) + offset);
    return quickFix(title, diagnostic, document, { range: { start: at, end: at }, newText });
  }
  // The directive goes first, after a shebang line if there is one (a shebang must stay on line 1),
  // with a `-- reason` placeholder that is selected afterwards, as for a line.
  const line = text.startsWith('#!') ? 1 : 0;
  const eol = eolOf(document);
  const needsLeadingEol = line === 1 && document.lineCount === 1;
  const comment = `// concurrency-lens-ignore-file ${ruleId} -- `;
  const directive = `${comment}${reasonPlaceholder}${eol}`;
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: {
      changes: {
        [document.uri]: [
          needsLeadingEol
            ? {
                range: { start: document.positionAt(text.length), end: document.positionAt(text.length) },
                newText: `${eol}${directive}`,
              }
            : {
                range: { start: { line, character: 0 }, end: { line, character: 0 } },
                newText: directive,
              },
        ],
      },
    },
    command: {
      title: 'Select reason',
      command: commands.selectRange,
      arguments: [
        document.uri,
        { line, character: comment.length },
        { line, character: comment.length + reasonPlaceholder.length },
      ],
    },
  };
}
