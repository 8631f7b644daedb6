// Scan worker thread: analyses batches of files sent by the scan coordinator (src/cli/scan.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { AnalysisOptions } from '../analysis/types.js';
import { analyzePaths } from './analyze-paths.js';

export interface ScanWorkerData {
  options: AnalysisOptions;
  root: string;
}

export type ScanWorkerRequest = { batchId: number; files: string[] };

const { options, root } = workerData as ScanWorkerData;

parentPort!.on('message', (request: ScanWorkerRequest) => {
  parentPort!.postMessage({ batchId: request.batchId, analyses: analyzePaths(request.files, options, root) });
});
