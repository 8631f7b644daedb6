// Reads and analyses a batch of files: the engine's entry point for paths on disk, used by the
// CLI (its worker threads and, for small scans, its main thread) and the language server's scan
// process. Never throws for a bad file: it becomes a skipped entry with a note.
import path from 'node:path';
import { analyzeFile, type FileAnalysis } from './analyzer.js';
import { PackageLocator } from './package-role.js';
import { readSourceFile } from './read-source.js';
import type { AnalysisOptions } from './types.js';

export interface BatchScope {
  /**
   * Every file's findings are finalized with these same options (a CLI scan): a file outside any
   * package.json then belongs to no application (`mode` unset), so its summary can leave out the
   * run-time method calls, which only judge application packages (see ProjectIndex.holds).
   */
  uniformOptions?: boolean;
}

export function analyzePaths(
  files: string[],
  options: AnalysisOptions,
  root: string | undefined,
  scope: BatchScope = {},
): FileAnalysis[] {
  const outsidePackages =
    scope.uniformOptions && options.mode === undefined ? filesOutsidePackages() : undefined;
  return files.map((file) => analyzePath(file, options, root, outsidePackages?.(file)));
}

export function analyzePath(
  file: string,
  options: AnalysisOptions,
  root: string | undefined,
  outsidePackages = false,
): FileAnalysis {
  const read = readSourceFile(file, options.maxFileBytes);
  if ('skipped' in read) return { file, findings: [], durationMs: 0, skipped: { file, ...read.skipped } };
  return analyzeFile({
    fileName: file,
    text: read.text,
    options,
    root,
    byteLength: read.byteLength,
    methodCalls: !outsidePackages,
  });
}

/**
 * Is a file outside every package.json? Looked up to the file system's root (not only to the scan
 * root): whatever roots the project index judges with, it finds no package for such a file.
 */
function filesOutsidePackages(): (file: string) => boolean {
  const packages = new PackageLocator();
  return (file) => packages.packageOf(path.resolve(file)) === undefined;
}
