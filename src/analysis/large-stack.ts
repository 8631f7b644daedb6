// A second try, on a worker thread with a large stack, for files whose analysis ran out of stack
// (very deep nesting; the parser and some rules recurse): the result then no longer depends on
// which thread first took the file (a worker's stack is four times the main thread's), and is
// nearly always a full analysis. Used by the CLI's scan and the language server's scan process;
// the worker runs the caller's own bundle, which answers with `answerLargeStackRequest`.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { analyzePaths } from './analyze-paths.js';
import type { FileAnalysis } from './analyzer.js';
import type { AnalysisOptions } from './types.js';

/** 64 MB parses 20,000 nested brackets of any kind; the main thread's ~1 MB, a few hundred. */
const LARGE_STACK_MB = 64;

interface LargeStackRequest {
  largeStackRetry: true;
  files: string[];
  options: AnalysisOptions;
  root: string | undefined;
}

/**
 * `analyses` with those flagged `stackExhausted` analysed again on a large-stack worker running
 * `script` (a bundle that calls answerLargeStackRequest first thing). If the worker fails, the
 * first attempt's notes stand.
 */
export async function retryOnLargeStack(
  analyses: FileAnalysis[],
  script: string,
  options: AnalysisOptions,
  root: string | undefined,
): Promise<FileAnalysis[]> {
  const files = analyses.filter((a) => a.stackExhausted).map((a) => a.file);
  if (files.length === 0) return analyses;
  const worker = new Worker(script, {
    workerData: { largeStackRetry: true, files, options, root } satisfies LargeStackRequest,
    resourceLimits: { stackSizeMb: LARGE_STACK_MB },
  });
  try {
    const redone = await new Promise<FileAnalysis[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`exited with code ${code}`)));
    });
    const byFile = new Map(redone.map((a) => [a.file, a]));
    return analyses.map((a) => byFile.get(a.file) ?? a);
  } catch {
    return analyses;
  } finally {
    await worker.terminate();
  }
}

/** In a worker started by retryOnLargeStack: analyses its files, posts them back, returns true. */
export function answerLargeStackRequest(): boolean {
  const request = workerData as LargeStackRequest | undefined;
  if (isMainThread || !request?.largeStackRetry) return false;
  parentPort!.postMessage(analyzePaths(request.files, request.options, request.root));
  return true;
}
