import { Worker } from 'node:worker_threads';
import type { Express } from 'express';
import { imagePool } from './pools.js';
import { storage } from './services.js';

const THUMBNAIL_WORKER = new URL('./workers/thumbnail.worker.js', import.meta.url);

export function registerImageRoutes(app: Express): void {
  // Problem: a new thread (and a new V8 isolate, ~30 ms and several MB) for every request.
  app.post('/images/:id/thumbnail', (req, res) => {
    const worker = new Worker(THUMBNAIL_WORKER, { workerData: { imageId: req.params.id } }); // expect: worker-per-task
    worker.once('message', (thumbnailUrl: string) => res.json({ thumbnailUrl }));
    worker.once('error', (err) => res.status(500).json({ error: err.message }));
    worker.once('exit', (code) => {
      if (code !== 0 && !res.headersSent) res.status(500).end();
    });
  });

  // Correct twin: the pool from pools.ts, created once; the pixels are moved to the worker, not copied.
  app.post('/images/:id/resize', async (req, res) => {
    const { data: pixels, width, height } = await storage.getImage(req.params.id);
    const inputBytes = pixels.byteLength;
    const size = Number(req.query.size ?? 256);
    const png: Uint8Array = await imagePool.run({ op: 'resize', pixels, width, height, size }, { transferList: [pixels.buffer] });
    res.set('X-Input-Bytes', String(inputBytes)).type('png').send(Buffer.from(png));
  });

  // Problem: no transfer list, so the 48 MB pixel buffer is structured-cloned into the worker.
  app.post('/images/:id/blur', async (req, res) => {
    const { data: pixels, width, height } = await storage.getImage(req.params.id);
    const png: Uint8Array = await imagePool.run({ op: 'blur', pixels, width, height, radius: 4 }); // expect: copy-instead-of-transfer
    res.type('png').send(Buffer.from(png));
  });

  // Problem: the buffer was transferred, so here it is detached and byteLength reads 0.
  app.post('/images/:id/sharpen', async (req, res) => {
    const { data: pixels, width, height } = await storage.getImage(req.params.id);
    const png: Uint8Array = await imagePool.run({ op: 'sharpen', pixels, width, height }, { transferList: [pixels.buffer] });
    res.set('X-Input-Bytes', String(pixels.byteLength)); // expect: use-after-transfer
    res.type('png').send(Buffer.from(png));
  });

  // Problem: a callback cannot cross a thread boundary: the post throws DataCloneError.
  app.post('/images/:id/watermark', async (req, res) => {
    const { data: pixels, width, height } = await storage.getImage(req.params.id);
    const onProgress = (percent: number) => console.debug(`watermark ${req.params.id}: ${percent}%`);
    const png: Uint8Array = await imagePool.run({ op: 'watermark', pixels, width, height, onProgress }, { transferList: [pixels.buffer] }); // expect: non-cloneable-message
    res.type('png').send(Buffer.from(png));
  });
}
