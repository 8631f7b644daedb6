// Draws media/icon.png (128x128, the Marketplace icon): a lens over three thread lanes, the middle
// lane blocked. Shapes are distance functions, sampled 4x4 per pixel for smooth edges; the PNG is
// written with node:zlib. Run: node scripts/make-icon.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4;

const segment = (px, py, ax, ay, bx, by) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
};
const roundedBox = (px, py, x0, y0, x1, y1, r) => {
  const qx = Math.max(x0 + r - px, 0, px - (x1 - r));
  const qy = Math.max(y0 + r - py, 0, py - (y1 - r));
  return Math.hypot(qx, qy) - r;
};

const lens = { x: 54, y: 56, r: 31 };
// Layers from bottom to top: [inside(x, y) → boolean, rgba]
const layers = [
  [(x, y) => roundedBox(x, y, 4, 4, 124, 124, 22) <= 0, [24, 34, 58, 255]],
  ...[36, 56, 76].map((lane) => [
    (x, y) => Math.abs(y - lane) <= 3 && x >= 16 && x <= 112,
    lane === 56 ? [0, 0, 0, 0] : [84, 110, 160, 255],
  ]),
  // the middle lane: flowing on the left, stopped by a block in the lens
  [(x, y) => Math.abs(y - 56) <= 3 && x >= 16 && x <= 44, [84, 110, 160, 255]],
  [(x, y) => roundedBox(x, y, 46, 45, 66, 67, 4) <= 0, [255, 176, 32, 255]],
  [(x, y) => Math.abs(y - 56) <= 3 && x >= 68 && x <= 112, [60, 76, 110, 255]],
  // the lens: ring and handle
  [(x, y) => Math.abs(Math.hypot(x - lens.x, y - lens.y) - lens.r) <= 5, [95, 212, 255, 255]],
  [(x, y) => segment(x, y, 78, 80, 106, 108) <= 7, [95, 212, 255, 255]],
];

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const x = px + (sx + 0.5) / SAMPLES;
        const y = py + (sy + 0.5) / SAMPLES;
        let color = [0, 0, 0, 0];
        for (const [inside, rgba] of layers) if (rgba[3] > 0 && inside(x, y)) color = rgba;
        // premultiplied, so transparent samples do not darken the edges
        for (let c = 0; c < 3; c++) sum[c] += (color[c] * color[3]) / 255;
        sum[3] += color[3];
      }
    }
    const n = SAMPLES * SAMPLES;
    const alpha = sum[3] / n;
    const offset = (py * SIZE + px) * 4;
    for (let c = 0; c < 3; c++)
      pixels[offset + c] = alpha === 0 ? 0 : Math.round((sum[c] / n) * (255 / alpha));
    pixels[offset + 3] = Math.round(alpha);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(rows, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = path.join(import.meta.dirname, '..', 'media', 'icon.png');
writeFileSync(out, png);
console.log(`${out}: ${png.length} bytes`);
