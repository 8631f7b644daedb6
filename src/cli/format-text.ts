// Compiler-style text output: `file:line:col  severity  message  rule-id`, coloured on a TTY,
// followed by skipped-file notes and a summary line.
import path from 'node:path';
import type { Finding, SkippedFile } from '../analysis/types.js';

const COLORS = { red: 31, yellow: 33, cyan: 36, gray: 90, bold: 1 } as const;

export interface TextInput {
  findings: Finding[];
  skipped: SkippedFile[];
  filesAnalyzed: number;
  durationMs: number;
  cwd: string;
  color: boolean;
}

export function formatText({ findings, skipped, filesAnalyzed, durationMs, cwd, color }: TextInput): string {
  const paint = (code: keyof typeof COLORS, text: string): string =>
    color ? `\u001b[${COLORS[code]}m${text}\u001b[0m` : text;
  const lines: string[] = [];
  const active = findings.filter((f) => !f.suppressed);
  for (const finding of active) {
    const where = `${path.relative(cwd, finding.file) || finding.file}:${finding.range.start.line}:${finding.range.start.column}`;
    const severity =
      finding.severity === 'error'
        ? paint('red', 'error')
        : finding.severity === 'warning'
          ? paint('yellow', 'warning')
          : paint('cyan', 'info');
    lines.push(`${where} ${severity} ${finding.message} ${paint('gray', finding.ruleId)}`);
    for (const related of finding.related ?? []) {
      lines.push(
        paint(
          'gray',
          `    ${path.relative(cwd, related.file)}:${related.range.start.line}:${related.range.start.column} ${related.message}`,
        ),
      );
    }
  }
  for (const skip of skipped) {
    lines.push(
      paint(
        'gray',
        `note: ${path.relative(cwd, skip.file)}: ${skip.partial ? 'partially analysed' : 'skipped'} — ${skip.detail}`,
      ),
    );
  }
  if (lines.length > 0) lines.push('');
  lines.push(summaryLine({ findings, skipped, filesAnalyzed, durationMs }, paint));
  return `${lines.join('\n')}\n`;
}

/** The summary line alone (for stderr when the report went to a file): it counts what the report holds. */
export function formatSummary(
  input: Pick<TextInput, 'findings' | 'skipped' | 'filesAnalyzed' | 'durationMs'>,
): string {
  return `${summaryLine(input, (_, text) => text)}\n`;
}

function summaryLine(
  {
    findings,
    skipped,
    filesAnalyzed,
    durationMs,
  }: Pick<TextInput, 'findings' | 'skipped' | 'filesAnalyzed' | 'durationMs'>,
  paint: (code: keyof typeof COLORS, text: string) => string,
): string {
  const active = findings.filter((f) => !f.suppressed);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of active) counts[f.severity]++;
  const suppressed = findings.length - active.length;
  const summary = [
    `${active.length} problem${active.length === 1 ? '' : 's'} (${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}, ${counts.info} info)`,
    `${filesAnalyzed} file${filesAnalyzed === 1 ? '' : 's'} analysed in ${(durationMs / 1000).toFixed(2)} s`,
    ...(suppressed > 0 ? [`${suppressed} suppressed`] : []),
    ...(skipped.length > 0 ? [`${skipped.length} skipped or partial`] : []),
  ].join(' · ');
  return active.length > 0 ? paint('bold', summary) : summary;
}
