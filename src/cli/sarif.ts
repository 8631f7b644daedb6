// SARIF 2.1.0 output: rule metadata in tool.driver.rules (with helpUri), results always present,
// suppressed findings kept with `suppressions`, skipped files as tool execution notifications.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { explainRule } from '../analysis/explain.js';
import type { Finding, Rule, Severity, SkippedFile } from '../analysis/types.js';
import { FINGERPRINT_KEY } from './baseline.js';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifInput {
  findings: Finding[];
  skipped: SkippedFile[];
  rules: readonly Rule[];
  /** results' URIs are relative to this directory (uriBaseId %SRCROOT%) */
  root: string;
  version: string;
  /** stable identities of the findings (baseline.ts), written to `partialFingerprints` */
  fingerprints?: ReadonlyMap<Finding, string>;
  /** set when the findings were compared with a baseline: they are the new ones */
  baselineState?: 'new';
}

export function toSarif({
  findings,
  skipped,
  rules,
  root,
  version,
  fingerprints,
  baselineState,
}: SarifInput): Log {
  const ruleIndex = new Map(rules.map((rule, i) => [rule.meta.id, i]));
  const uri = (file: string): string => path.relative(root, file).split(path.sep).join('/');
  const descriptors: ReportingDescriptor[] = rules.map((rule) => ({
    id: rule.meta.id,
    name: rule.meta.id
      .split('-')
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join(''),
    shortDescription: { text: rule.meta.description },
    fullDescription: { text: explainRule(rule) },
    helpUri: rule.meta.docsUrl,
    help: { text: explainRule(rule), markdown: explainRule(rule) },
    defaultConfiguration: { level: LEVEL[rule.meta.defaultSeverity] },
    properties: { category: rule.meta.category, tags: ['concurrency', rule.meta.category] },
  }));
  const results: Result[] = findings.map((finding) => {
    const result: Result = {
      ruleId: finding.ruleId,
      level: LEVEL[finding.severity],
      message: { text: finding.message },
      // what the message says, as data: consumers decide by these, never by the text
      properties: { messageId: finding.messageId, data: finding.data },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uri(finding.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: finding.range.start.line,
              startColumn: finding.range.start.column,
              endLine: finding.range.end.line,
              endColumn: finding.range.end.column,
            },
          },
        },
      ],
    };
    const index = ruleIndex.get(finding.ruleId);
    if (index !== undefined) result.ruleIndex = index;
    const fingerprint = fingerprints?.get(finding);
    if (fingerprint) result.partialFingerprints = { [FINGERPRINT_KEY]: fingerprint };
    if (baselineState) result.baselineState = baselineState;
    if (finding.related?.length) {
      result.relatedLocations = finding.related.map((related, id) => ({
        id,
        message: { text: related.message },
        physicalLocation: {
          artifactLocation: { uri: uri(related.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: related.range.start.line, startColumn: related.range.start.column },
        },
      }));
    }
    if (finding.suppressed) {
      result.suppressions = [
        {
          kind: 'inSource',
          status: 'accepted',
          ...(finding.suppressed.justification ? { justification: finding.suppressed.justification } : {}),
        },
      ];
    }
    return result;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Concurrency Lens',
            version,
            informationUri: 'https://github.com/concurrency-lens/concurrency-lens',
            rules: descriptors,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(root).href}/` } },
        invocations: [
          {
            // A file the engine failed on is an error of the run (its findings are missing), as
            // sarif-js-sdk reports internal errors; skipped input is a warning, a partial one a note.
            executionSuccessful: !skipped.some(isLostAnalysis),
            toolExecutionNotifications: skipped.map((s) => ({
              level: isLostAnalysis(s) ? 'error' : s.partial ? 'note' : 'warning',
              message: { text: `${s.partial ? 'partially analysed' : 'skipped'} (${s.reason}): ${s.detail}` },
              locations: [
                { physicalLocation: { artifactLocation: { uri: uri(s.file), uriBaseId: '%SRCROOT%' } } },
              ],
            })),
          },
        ],
        results,
      },
    ],
  };
}

/** A file whose analysis failed inside the engine: its findings are lost (the CLI exits 2). */
export function isLostAnalysis(skipped: SkippedFile): boolean {
  return skipped.reason === 'internal-error' && !skipped.partial;
}
