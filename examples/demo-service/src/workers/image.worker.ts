// Piscina worker (see imagePool in pools.ts). Runs on its own thread, so synchronous,
// CPU-heavy code is exactly what belongs here: none of it blocks the event loop.
import { deflateSync } from 'node:zlib';
import { Piscina } from 'piscina';

export interface ImageTask {
  op: 'resize' | 'blur' | 'sharpen' | 'watermark';
  pixels: Uint8ClampedArray;
  width: number;
  height: number;
  size?: number;
  radius?: number;
}

function boxBlur(src: Uint8ClampedArray, width: number, height: number, radius: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let channel = 0; channel < 4; channel++) {
        let sum = 0;
        let count = 0;
        for (let dx = -radius; dx <= radius; dx++) {
          const sx = Math.min(width - 1, Math.max(0, x + dx));
          sum += src[(y * width + sx) * 4 + channel];
          count++;
        }
        out[(y * width + x) * 4 + channel] = sum / count;
      }
    }
  }
  return out;
}

function downscale(src: Uint8ClampedArray, width: number, height: number, size: number) {
  const scale = Math.min(1, size / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 4;
      out.set(src.subarray(from, from + 4), (y * w + x) * 4);
    }
  }
  return { pixels: out, width: w, height: h };
}

export default function processImage(task: ImageTask) {
  let { pixels, width, height } = task;
  if (task.op === 'resize') ({ pixels, width, height } = downscale(pixels, width, height, task.size ?? 256));
  if (task.op === 'blur') pixels = boxBlur(pixels, width, height, task.radius ?? 2);
  // A real service would encode PNG here; deflate stands in for it. The result is copied into a
  // fresh (unpooled) array so that it can be moved back to the main thread instead of cloned.
  const encoded = new Uint8Array(deflateSync(pixels));
  return Piscina.move(encoded);
}
