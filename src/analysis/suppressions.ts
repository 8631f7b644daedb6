// Inline suppressions: `// concurrency-lens-ignore-next-line <rule-id>[, <rule-id>] -- reason`
// and `// concurrency-lens-ignore-file [<rule-id>…] -- reason`. Suppressed findings are kept
// (SARIF marks them suppressed); front ends hide them.
import type { Finding, Suppression } from './types.js';

export interface SuppressionDirectives {
  /** rule ids suppressed for the whole file; '*' for all */
  file?: { rules: string[] | '*'; justification?: string };
  /** 1-based line → rule ids suppressed on that line ('*' for all) */
  lines: Record<number, { rules: string[] | '*'; justification?: string }>;
}

const DIRECTIVE = /\/[/*]\s*concurrency-lens-ignore-(next-line|file)\b([^\n*]*)/g;

export function parseSuppressions(text: string): SuppressionDirectives {
  const directives: SuppressionDirectives = { lines: {} };
  if (!text.includes('concurrency-lens-ignore')) return directives;
  for (const match of text.matchAll(DIRECTIVE)) {
    const [, kind, rest = ''] = match;
    const [rulePart = '', ...reasonParts] = rest.split(/\s--\s?/);
    const ids = rulePart
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const entry = {
      rules: ids.length > 0 ? ids : ('*' as const),
      justification: reasonParts.join(' -- ').trim() || undefined,
    };
    if (kind === 'file') {
      directives.file = entry;
    } else {
      const directiveLine = lineOfOffset(text, match.index ?? 0) + 1; // 1-based
      directives.lines[directiveLine + 1] = entry;
    }
  }
  return directives;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line; // 0-based
}

function covers(rules: string[] | '*', ruleId: string): boolean {
  return rules === '*' || rules.includes(ruleId);
}

export function suppressionFor(finding: Finding, directives: SuppressionDirectives): Suppression | undefined {
  if (directives.file && covers(directives.file.rules, finding.ruleId)) {
    return { kind: 'file', justification: directives.file.justification };
  }
  const line = directives.lines[finding.range.start.line];
  if (line && covers(line.rules, finding.ruleId))
    return { kind: 'next-line', justification: line.justification };
  return undefined;
}
