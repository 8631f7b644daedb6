// `scan --fix` / `scan --fix-dry-run`: apply the safe fixes of a scan (src/fixes/fix-all.ts).
// --fix writes the files and re-scans until no safe fix is left (overlapping fixes wait for the
// next pass; at most MAX_PASSES), then the caller reports what remains. --fix-dry-run applies one
// pass in memory and prints a unified diff; nothing is written.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Finding, TextEdit } from '../analysis/types.js';
import { changedTexts, unifiedDiff } from '../fixes/apply.js';
import { safeFixEdits } from '../fixes/fix-all.js';
import type { ScanResult } from './scan.js';

const MAX_PASSES = 10;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The new texts after one pass of safe fixes. */
export function fixPass(
  findings: readonly Finding[],
): Map<string, { before: string | undefined; after: string }> {
  const edits: TextEdit[] = safeFixEdits(findings);
  return changedTexts({ edits, creations: [] }, readText);
}

/** A unified diff of one pass of safe fixes ('' when there is none). */
export function fixDiff(findings: readonly Finding[], relative: (file: string) => string): string {
  const texts = fixPass(findings);
  return texts.size === 0 ? '' : unifiedDiff(texts, relative);
}

function fixable(findings: readonly Finding[]): number {
  return findings.filter((f) => !f.suppressed && f.fixes?.some((fix) => fix.safe)).length;
}

export interface FixOutcome {
  /** the scan after the last pass */
  result: ScanResult;
  filesChanged: Set<string>;
  /** findings with a safe fix that are gone */
  fixesApplied: number;
}

/** Applies safe fixes, writing the files, re-scanning after each pass. */
export async function applySafeFixes(
  first: ScanResult,
  rescan: () => Promise<ScanResult>,
): Promise<FixOutcome> {
  let result = first;
  const filesChanged = new Set<string>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const texts = fixPass(result.findings);
    const changed = [...texts].filter(([, { before, after }]) => before !== after);
    if (changed.length === 0) break;
    for (const [file, { after }] of changed) {
      writeFileSync(file, after);
      filesChanged.add(file);
    }
    result = await rescan();
  }
  return { result, filesChanged, fixesApplied: fixable(first.findings) - fixable(result.findings) };
}
