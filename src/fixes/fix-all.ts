// Fix-all: the safe fixes of a set of findings that can be applied together. Shared by
// `scan --fix` and the editor's `source.fixAll.concurrency-lens` action. Pure: no file system.
// As in ESLint, a fix that overlaps one already taken waits for the next pass (after a re-scan);
// identical edits (two fixes adding the same import) are applied once.
import type { Finding, TextEdit } from '../analysis/types.js';

function sameEdit(a: TextEdit, b: TextEdit): boolean {
  return a.file === b.file && a.start === b.start && a.end === b.end && a.newText === b.newText;
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.file !== b.file) return false;
  // two insertions at the same offset would depend on their order: treat them as overlapping
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end;
}

/** The edits of every active finding's first safe fix, without conflicts, in no particular order. */
export function safeFixEdits(findings: readonly Finding[]): TextEdit[] {
  const taken: TextEdit[] = [];
  for (const finding of findings) {
    if (finding.suppressed) continue;
    const fix = finding.fixes?.find((f) => f.safe);
    if (!fix) continue;
    const fresh = fix.edits.filter((edit) => !taken.some((t) => sameEdit(t, edit)));
    if (fresh.some((edit) => taken.some((t) => overlaps(t, edit)))) continue;
    taken.push(...fresh);
  }
  return taken;
}
