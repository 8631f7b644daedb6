// Builds the postcode -> warehouse index in a background thread at start-up (imported by server.ts).
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

type GeoIndex = Record<string, string[]>;

const REGIONS_FILE = process.env.REGIONS_FILE ?? '/var/data/regions.csv';
const MAX_ATTEMPTS = 5;

let index: GeoIndex | undefined;

export function geoIndexStatus(): 'ready' | 'building' {
  return index ? 'ready' : 'building';
}

// Correct twin of warm-cache.ts: the spawn only happens on the main thread, and a crashed
// builder is reported and restarted with exponential back-off.
function spawnBuilder(attempt: number): void {
  const builder = new Worker(new URL(import.meta.url), { workerData: { regionsFile: REGIONS_FILE } });
  builder.once('message', (built: GeoIndex) => {
    index = built;
  });
  builder.once('error', (err) => console.error(`geo index build failed (attempt ${attempt})`, err));
  builder.once('exit', (code) => {
    if (code !== 0 && attempt < MAX_ATTEMPTS) {
      setTimeout(() => spawnBuilder(attempt + 1), 2 ** attempt * 1_000).unref();
    }
  });
}

function buildIndex(file: string): GeoIndex {
  const built: GeoIndex = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [postcode, warehouse] = line.split(',');
    if (postcode && warehouse) (built[postcode] ??= []).push(warehouse.trim());
  }
  return built;
}

if (isMainThread) {
  spawnBuilder(1);
} else {
  parentPort!.postMessage(buildIndex((workerData as { regionsFile: string }).regionsFile));
}
