// Warms the product-price cache in a background thread when the service starts (imported by server.ts).
import { fileURLToPath } from 'node:url';
import { Worker, parentPort, workerData } from 'node:worker_threads';

const __filename = fileURLToPath(import.meta.url);

// Problem: nothing stops the worker from running this line too when it loads this file, so every
// worker starts another worker: threads multiply until the process runs out of memory.
const warmer = new Worker(__filename, { workerData: { skus: 50_000 } }); // expect: unguarded-self-spawn
warmer.on('error', (err) => console.error('cache warm-up failed', err));
warmer.on('exit', (code) => console.info(`cache warm-up finished (exit code ${code})`));

export const priceCache = new Map<string, number>();
warmer.on('message', (entries: Array<[string, number]>) => {
  for (const [sku, price] of entries) priceCache.set(sku, price);
});

if (parentPort) {
  const { skus } = workerData as { skus: number };
  const entries: Array<[string, number]> = [];
  for (let i = 0; i < skus; i++) entries.push([`SKU-${i}`, Math.round(Math.random() * 10_000) / 100]);
  parentPort.postMessage(entries);
}
