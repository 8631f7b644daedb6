// Plain worker_threads worker, started once per request by POST /images/:id/thumbnail (images.ts).
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { imageId } = workerData as { imageId: string };

// Stand-in for decode + resize + upload: hash the id a few thousand times.
let digest = imageId;
for (let i = 0; i < 5_000; i++) {
  digest = createHash('sha256').update(digest).digest('hex');
}

parentPort!.postMessage(`https://cdn.example.com/thumbnails/${imageId}-${digest.slice(0, 8)}.png`);
