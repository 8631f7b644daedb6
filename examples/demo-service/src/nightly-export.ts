import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { db, type LedgerRow } from './services.js';

// The CSV job: every night the whole ledger is written to a file and gzipped.

const HEADER = 'date,account,amount,currency\n';

function toCsvLine(row: LedgerRow): string {
  return `${row.date},${row.account},${row.amount.toFixed(2)},${row.currency}\n`;
}

// Problem: write() returns false once the stream's buffer is full; ignoring it means the whole
// ledger ends up buffered in memory, because rows are produced faster than the disk takes them.
export async function exportLedger(path: string): Promise<void> {
  const rows = await db.ledger.all();
  const out = createWriteStream(path);
  out.write(HEADER);
  for (const row of rows) {
    out.write(toCsvLine(row)); // expect: ignored-backpressure
  }
  out.end();
  await once(out, 'finish');
}

// Correct twin: when write() says the buffer is full, wait for 'drain' before producing more.
export async function exportLedgerStreaming(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write(HEADER);
  for await (const row of db.ledger.stream()) {
    if (!out.write(toCsvLine(row))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

// Problem: the same mistake in a producer callback: 'data' keeps flowing whatever gzip says.
export function archiveExport(src: string, dest: string): void {
  const input = createReadStream(src);
  const gzip = createGzip();
  gzip.pipe(createWriteStream(dest));
  input.on('data', (chunk) => {
    gzip.write(chunk); // expect: ignored-backpressure
  });
  input.on('end', () => gzip.end());
}

// Correct twin: pipeline() pauses the reader whenever gzip or the file falls behind.
export async function archiveExportSafely(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip(), createWriteStream(dest));
}

export function scheduleNightlyExport(dir: string): NodeJS.Timeout {
  return setInterval(
    async () => {
      const file = `${dir}/ledger-${new Date().toISOString().slice(0, 10)}.csv`;
      await exportLedgerStreaming(file);
      await archiveExportSafely(file, `${file}.gz`);
      await exportLedger(`${file}.legacy`);
      archiveExport(`${file}.legacy`, `${file}.legacy.gz`);
    },
    24 * 60 * 60 * 1000,
  );
}
