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
  // Lines are counted as the matches go (they come in order): one pass over the text, where
  // counting from the start for each directive made 50,000 of them take 29 s.
  let line = 0;
  let counted = 0;
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
      const offset = match.index ?? 0;
      for (let i = text.indexOf('\n', counted); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
      counted = offset;
      directives.lines[line + 2] = entry; // `line` is 0-based: the next line, 1-based
    }
  }
  return directives;
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
