// The workspace scan's child process (bundled as dist/server-scan-child.js): reads and analyses
// the files the server sends and sends the analyses back. It runs at a lower scheduling priority
// than everything of the editor's, with all its work on one thread (`--single-threaded`, set by
// the server when it forks this), so that the priority covers the garbage collector too: on a
// worker thread the GC's helper threads ran at normal priority and took a core from the editor.
import os from 'node:os';
import { analyzePaths } from '../analysis/analyze-paths.js';
import type { FileAnalysis } from '../analysis/analyzer.js';
import { answerLargeStackRequest, retryOnLargeStack } from '../analysis/large-stack.js';
import type { AnalysisOptions } from '../analysis/types.js';
import { SCAN_NICE } from './scan-priority.js';

export interface ScanBatchRequest {
  id: number;
  files: string[];
  options: AnalysisOptions;
  root: string | undefined;
}

export interface ScanBatchResponse {
  id: number;
  analyses: FileAnalysis[];
}

// This bundle also runs as the large-stack worker that re-analyses files that ran out of stack.
if (!answerLargeStackRequest()) {
  try {
    os.setPriority(0, SCAN_NICE);
  } catch {
    // not permitted here: run at normal priority
  }

  process.on('message', async (request: ScanBatchRequest) => {
    const firstTry = analyzePaths(request.files, request.options, request.root);
    const analyses = await retryOnLargeStack(firstTry, __filename, request.options, request.root);
    process.send!({ id: request.id, analyses } satisfies ScanBatchResponse);
  });
  // The server went away: nothing left to do.
  process.on('disconnect', () => process.exit(0));
}
