// Test helpers: analyse in-memory files through the real engine (analyzer + project index).
import path from 'node:path';
import { analyzeFile } from '../../src/analysis/analyzer.js';
import { defaultOptions, optionsFromConfig, type ProjectConfig } from '../../src/analysis/config.js';
import { MAX_MESSAGE_LENGTH } from '../../src/analysis/context.js';
import { explainFinding } from '../../src/analysis/explain.js';
import { ProjectIndex } from '../../src/analysis/project.js';
import { allRules } from '../../src/analysis/rules/index.js';
import type { Finding } from '../../src/analysis/types.js';

export const ROOT = '/project';
/** No message may be longer (the median target, 110, is checked over the demo and the rule tests). */
export { MAX_MESSAGE_LENGTH };

export interface AnalyzeOptions {
  config?: ProjectConfig;
  /** keep suppressed findings (default false: only active findings) */
  includeSuppressed?: boolean;
}

/** Analyses files given as { 'src/app.ts': code } and returns the final findings of all files. */
export function analyzeFiles(files: Record<string, string>, opts: AnalyzeOptions = {}): Finding[] {
  const options = opts.config ? optionsFromConfig(opts.config) : defaultOptions();
  const index = new ProjectIndex();
  const analyses = Object.entries(files).map(([name, text]) =>
    analyzeFile({ fileName: path.join(ROOT, name), text, options, root: ROOT }),
  );
  for (const analysis of analyses) if (analysis.summary) index.update(analysis.summary);
  const findings = analyses.flatMap((analysis) => index.finalize(analysis, options));
  // Every finding a test produces must fit a Problems row (see test/messages.test.ts).
  for (const finding of findings) {
    if (finding.message.length > MAX_MESSAGE_LENGTH)
      throw new Error(`message over ${MAX_MESSAGE_LENGTH} characters: ${finding.message}`);
    // code quoted twice shows as ``rows`` in the row
    if (/(^|\s)``\w/.test(finding.message)) throw new Error(`code quoted twice: ${finding.message}`);
  }
  return findings
    .filter((f) => opts.includeSuppressed || !f.suppressed)
    .map((f) => ({ ...f, file: path.relative(ROOT, f.file) }));
}

/** Findings of one rule in a single file named `fileName` (default src/app.ts). */
export function findingsOf(
  ruleId: string,
  code: string,
  fileName = 'src/app.ts',
  opts: AnalyzeOptions = {},
): Finding[] {
  return analyzeFiles({ [fileName]: code }, opts).filter((f) => f.ruleId === ruleId);
}

/** "line:column" of each finding, sorted, for compact assertions. */
export function positions(findings: Finding[]): string[] {
  return findings
    .map((f) => `${f.range.start.line}:${f.range.start.column}`)
    .sort((a, b) => {
      const [la, ca] = a.split(':').map(Number);
      const [lb, cb] = b.split(':').map(Number);
      return la! - lb! || ca! - cb!;
    });
}

/** Lines (1-based) that findings start on, sorted and unique. */
export function lines(findings: Finding[]): number[] {
  return [...new Set(findings.map((f) => f.range.start.line))].sort((a, b) => a - b);
}

/** A finding's message and its explanation (why and what to do), as the hover shows them. */
export function explained(finding: Finding): string {
  const rule = allRules.find((r) => r.meta.id === finding.ruleId);
  return rule ? explainFinding(finding, rule) : finding.message;
}
