// textDocument/hover over a finding: the finding's short message, then why it matters and what to
// do (the rule's explanation for that message id, filled with the finding's data) and the docs
// link, as Markdown. Pure: the caller passes the document's findings and the rules.
import type { Hover, Position } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import { explainFinding } from '../analysis/explain.js';
import type { Finding, Rule } from '../analysis/types.js';
import { toLspRange } from './diagnostics.js';

export function hoverFor(
  findings: readonly Finding[],
  position: Position,
  rulesById: ReadonlyMap<string, Rule>,
): Hover | undefined {
  const sections: string[] = [];
  let range: Hover['range'];
  for (const finding of findings) {
    if (finding.suppressed) continue;
    const lspRange = toLspRange(finding.range);
    if (!contains(lspRange, position)) continue;
    const rule = rulesById.get(finding.ruleId);
    if (!rule) continue;
    sections.push(explainFinding(finding, rule));
    range ??= lspRange;
  }
  if (sections.length === 0) return undefined;
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range };
}

function contains(range: NonNullable<Hover['range']>, position: Position): boolean {
  const after =
    position.line > range.start.line ||
    (position.line === range.start.line && position.character >= range.start.character);
  const before =
    position.line < range.end.line ||
    (position.line === range.end.line && position.character <= range.end.character);
  return after && before;
}
