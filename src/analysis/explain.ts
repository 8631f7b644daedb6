// The long form of a finding: why it matters and what to do, as Markdown. The message a rule
// reports is one short sentence (what and where); this is what a hover, SARIF rule help and the
// docs show next to it. Pure data in, text out: the server and the CLI both use it.
import { CALL_SITE_MESSAGE_ID } from './context.js';
import { type Finding, formatMessage, type Rule } from './types.js';

/** The `info` at a call site: the warning itself sits on the work that blocks. */
const CALL_SITE_EXPLANATION =
  'This call reaches work that blocks the event loop at {{at}}, where the warning is (one finding per root cause). Fix it there; this line is where a request waits for it.';

/** The explanation of one finding, filled with its data, followed by the docs link. */
export function explainFinding(finding: Finding, rule: Rule): string {
  const template =
    finding.messageId === CALL_SITE_MESSAGE_ID
      ? CALL_SITE_EXPLANATION
      : (rule.meta.explanations[finding.messageId] ?? '');
  const parts = [`**${finding.message}** (${finding.ruleId})`];
  if (template) parts.push(formatMessage(template, finding.data));
  if (rule.meta.docsUrl) parts.push(`[Documentation for ${rule.meta.id}](${rule.meta.docsUrl})`);
  return parts.join('\n\n');
}

/**
 * The rule's explanations without a finding, for rule-level help (SARIF): each message's template
 * with its placeholders shown as `<name>`.
 */
export function explainRule(rule: Rule): string {
  const sections: string[] = [rule.meta.description];
  const seen = new Set<string>();
  for (const [messageId, template] of Object.entries(rule.meta.explanations)) {
    const text = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => `<${key}>`);
    if (seen.has(text)) continue;
    seen.add(text);
    const message = (rule.meta.messages[messageId] ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, '<$1>');
    sections.push(`**${message}**\n\n${text}`);
  }
  sections.push(`See ${rule.meta.docsUrl}`);
  return sections.join('\n\n');
}
