// The workspace scan's worker thread (bundled as dist/server-scan-thread.js): reads and analyses
// the files the server sends, and posts the analyses back. It runs at a lower scheduling priority
// than the server's main thread, so the editor's own work (the extension host, and analyses of the
// file being edited on the server's main thread) gets the cores first while a scan runs.
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { FileAnalysis } from '../analysis/analyzer.js';
import type { AnalysisOptions } from '../analysis/types.js';
import { analyzePaths } from '../cli/analyze-paths.js';

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

/** Nice value of the scan thread (0 normal, 19 lowest). */
const SCAN_NICE = 10;

// Linux keeps a nice value per thread, so this lowers only this thread. Elsewhere it would lower
// the whole server process, which could not raise itself back: there the scan keeps normal priority.
if (process.platform === 'linux') {
  try {
    os.setPriority(0, SCAN_NICE);
  } catch {
    // not permitted here: run at normal priority
  }
}

parentPort!.on('message', (request: ScanBatchRequest) => {
  const analyses = analyzePaths(request.files, request.options, request.root);
  parentPort!.postMessage({ id: request.id, analyses } satisfies ScanBatchResponse);
});
