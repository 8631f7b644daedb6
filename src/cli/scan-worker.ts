// Scan worker thread: takes batches from the shared work counter until none are left, posting each
// batch's analyses back to the coordinator (src/cli/scan.ts). Pulling work through a
// SharedArrayBuffer counter means no thread waits for another to hand it the next batch.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzePaths } from '../analysis/analyze-paths.js';
import { answerLargeStackRequest } from '../analysis/large-stack.js';
import type { AnalysisOptions } from '../analysis/types.js';

export interface ScanWorkerData {
  options: AnalysisOptions;
  root: string;
  batches: string[][];
  /** Int32Array over a SharedArrayBuffer: index 0 is the next batch to take */
  nextBatch: Int32Array;
}

export type ScanWorkerMessage =
  | { batchId: number; analyses: ReturnType<typeof analyzePaths> }
  | { done: true };

// The same bundle also serves the second try of files that ran out of stack (large-stack.ts).
if (!answerLargeStackRequest()) {
  const { options, root, batches, nextBatch } = workerData as ScanWorkerData;
  for (;;) {
    const batchId = Atomics.add(nextBatch, 0, 1);
    if (batchId >= batches.length) break;
    parentPort!.postMessage({
      batchId,
      analyses: analyzePaths(batches[batchId]!, options, root, { uniformOptions: true }),
    } satisfies ScanWorkerMessage);
  }
  parentPort!.postMessage({ done: true } satisfies ScanWorkerMessage);
}
