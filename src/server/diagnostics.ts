// Engine findings → LSP diagnostics. Pure: no connection, no state.
import {
  type Diagnostic,
  type DiagnosticRelatedInformation,
  DiagnosticSeverity,
  type Range,
} from 'vscode-languageserver';
import type { Range as EngineRange, Finding, Severity } from '../analysis/types.js';
import type { DiagnosticData } from '../shared/protocol.js';
import { pathToUri } from './uri.js';

export const diagnosticSource = 'concurrency-lens';

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Engine ranges are 1-based lines and columns; LSP positions are 0-based. */
export function toLspRange(range: EngineRange): Range {
  return {
    start: { line: Math.max(0, range.start.line - 1), character: Math.max(0, range.start.column - 1) },
    end: { line: Math.max(0, range.end.line - 1), character: Math.max(0, range.end.column - 1) },
  };
}

export function toDiagnostic(
  finding: Finding,
  index: number,
  resultId: string,
  docsUri: (ruleId: string) => string | undefined,
): Diagnostic {
  const data: DiagnosticData = {
    ruleId: finding.ruleId,
    messageId: finding.messageId,
    messageData: finding.data,
    index,
    resultId,
  };
  const target = docsUri(finding.ruleId);
  const diagnostic: Diagnostic = {
    range: toLspRange(finding.range),
    severity: severities[finding.severity],
    source: diagnosticSource,
    code: finding.ruleId,
    message: finding.message,
    data,
  };
  if (target) diagnostic.codeDescription = { href: target };
  if (finding.related?.length) {
    diagnostic.relatedInformation = finding.related.map(
      (related): DiagnosticRelatedInformation => ({
        location: { uri: pathToUri(related.file), range: toLspRange(related.range) },
        message: related.message,
      }),
    );
  }
  return diagnostic;
}
