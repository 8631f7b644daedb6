import os from 'node:os';
import { Piscina } from 'piscina';

const cpus = os.availableParallelism();
const IMAGE_WORKER = new URL('./workers/image.worker.js', import.meta.url).href;
const REPORT_WORKER = new URL('./workers/report.worker.js', import.meta.url).href;

// Correct: created once at start-up, one thread per core, and a bounded queue ('auto' = threads²),
// so a burst of requests gets a fast "busy" error instead of piling up in memory.
export const imagePool = new Piscina({ filename: IMAGE_WORKER, maxThreads: cpus, maxQueue: 'auto' });

// Problem: 64 CPU-bound threads on a 2-8 core machine only add context switches and memory.
export const reportPool = new Piscina({ filename: REPORT_WORKER, maxThreads: 64, maxQueue: 'auto' }); // expect: oversized-pool

// Problem: fed from an HTTP handler (POST /reports/export) with no queue limit: under load every
// pending export sits in memory, and latency grows without bound.
export const exportPool = new Piscina({ filename: REPORT_WORKER, maxThreads: cpus, maxQueue: Infinity }); // expect: unbounded-queue-option

// Correct: leaves one core to the event loop; the queue is bounded.
export const archivePool = new Piscina({
  filename: REPORT_WORKER,
  maxThreads: Math.max(1, cpus - 1),
  maxQueue: 100,
});
