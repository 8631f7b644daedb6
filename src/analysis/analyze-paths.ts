// Reads and analyses a batch of files: the engine's entry point for paths on disk, used by the
// CLI (its worker threads and, for small scans, its main thread) and the language server's scan
// process. Never throws for a bad file: it becomes a skipped entry with a note.
import { analyzeFile, type FileAnalysis } from './analyzer.js';
import { readSourceFile } from './read-source.js';
import type { AnalysisOptions } from './types.js';

export function analyzePaths(
  files: string[],
  options: AnalysisOptions,
  root: string | undefined,
): FileAnalysis[] {
  return files.map((file) => analyzePath(file, options, root));
}

export function analyzePath(file: string, options: AnalysisOptions, root: string | undefined): FileAnalysis {
  const read = readSourceFile(file, options.maxFileBytes);
  if ('skipped' in read) return { file, findings: [], durationMs: 0, skipped: { file, ...read.skipped } };
  return analyzeFile({ fileName: file, text: read.text, options, root, byteLength: read.byteLength });
}
