// Baselines, for adopting the scanner on an existing codebase: `scan --write-baseline <file>` saves
// today's findings as SARIF, and `scan --baseline <file>` then reports only findings that are not
// in it. A finding is matched by its rule and a fingerprint of what it points at (the file's path
// and the text of the reported line, whitespace collapsed, with a counter for identical lines), so
// it survives lines added or removed above it; editing the reported line makes it new again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Log } from 'sarif';
import type { Finding } from '../analysis/types.js';

/** the key in SARIF `partialFingerprints`; bump the version when the recipe changes */
export const FINGERPRINT_KEY = 'concurrencyLens/v1';

/** Fingerprints of findings, by finding. Files are read once; an unreadable file hashes no line text. */
export function fingerprintFindings(findings: readonly Finding[], root: string): Map<Finding, string> {
  const lines = new Map<string, string[]>();
  const linesOf = (file: string): string[] => {
    let cached = lines.get(file);
    if (!cached) {
      try {
        cached = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        cached = [];
      }
      lines.set(file, cached);
    }
    return cached;
  };
  const seen = new Map<string, number>();
  const fingerprints = new Map<Finding, string>();
  const ordered = [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.column - b.range.start.column,
  );
  for (const finding of ordered) {
    const relative = path.relative(root, finding.file).split(path.sep).join('/');
    const line = (linesOf(finding.file)[finding.range.start.line - 1] ?? '').trim().replace(/\s+/g, ' ');
    const hash = createHash('sha256')
      .update(`${finding.ruleId}\0${relative}\0${line}`)
      .digest('hex')
      .slice(0, 32);
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    fingerprints.set(finding, `${hash}:${occurrence}`);
  }
  return fingerprints;
}

export class BaselineError extends Error {}

/** The rule + fingerprint keys of a baseline SARIF file written by `--write-baseline`. */
export function readBaseline(file: string): Set<string> {
  let log: Log;
  try {
    log = JSON.parse(readFileSync(file, 'utf8')) as Log;
  } catch (error) {
    throw new BaselineError(`cannot read the baseline ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(log?.runs)) throw new BaselineError(`${file} is not a SARIF log (no "runs")`);
  const keys = new Set<string>();
  let withoutFingerprint = 0;
  for (const run of log.runs) {
    for (const result of run.results ?? []) {
      const fingerprint = result.partialFingerprints?.[FINGERPRINT_KEY];
      if (result.ruleId && fingerprint) keys.add(baselineKey(result.ruleId, fingerprint));
      else withoutFingerprint++;
    }
  }
  if (withoutFingerprint > 0 && keys.size === 0) {
    throw new BaselineError(
      `${file} has no results with a '${FINGERPRINT_KEY}' fingerprint: write it with 'concurrency-lens scan --write-baseline'`,
    );
  }
  return keys;
}

export function baselineKey(ruleId: string, fingerprint: string): string {
  return `${ruleId}\0${fingerprint}`;
}
