// Reads and analyses a batch of files. Runs in scan worker threads and, for small scans, in the
// main thread; never throws for a bad file (it becomes a skipped entry).
import { readFileSync, statSync } from 'node:fs';
import { analyzeFile, type FileAnalysis } from '../analysis/analyzer.js';
import type { AnalysisOptions } from '../analysis/types.js';

export function analyzePaths(
  files: string[],
  options: AnalysisOptions,
  root: string | undefined,
): FileAnalysis[] {
  return files.map((file) => analyzePath(file, options, root));
}

function analyzePath(file: string, options: AnalysisOptions, root: string | undefined): FileAnalysis {
  try {
    // Check the size before reading: a 2 GB log named .js must not be loaded into memory.
    const size = statSync(file).size;
    if (size > options.maxFileBytes) {
      return {
        file,
        findings: [],
        durationMs: 0,
        skipped: {
          file,
          reason: 'too-large',
          detail: `${(size / 1048576).toFixed(1)} MB is over the ${(options.maxFileBytes / 1048576).toFixed(0)} MB limit (maxFileBytes)`,
        },
      };
    }
    const text = readFileSync(file, 'utf8');
    return analyzeFile({ fileName: file, text, options, root, byteLength: size });
  } catch (error) {
    return {
      file,
      findings: [],
      durationMs: 0,
      skipped: { file, reason: 'read-error', detail: error instanceof Error ? error.message : String(error) },
    };
  }
}
