// Reads a source file from disk for analysis, the one way every front end does it (CLI, scan
// workers, the server's scan process, typed programs): only regular files, never more than the
// size limit (checked on the open file before a byte is read, so /dev/zero or a FIFO cannot make
// it grow or wait), and UTF-16 files with a byte-order mark decoded rather than called binary.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { SkippedFile } from './types.js';

export interface SourceText {
  text: string;
  /** size of the file in bytes */
  byteLength: number;
}

export type ReadOutcome = SourceText | { skipped: Pick<SkippedFile, 'reason' | 'detail'> };

// O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever. It changes nothing for
// regular files, and anything else is refused after fstat, before reading.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Reads `file` if it is a regular file within `maxBytes`; otherwise says why not. Never throws. */
export function readSourceFile(file: string, maxBytes: number): ReadOutcome {
  let fd: number | undefined;
  try {
    // stat before open: opening some device files has effects of its own (tapes, terminals).
    const refused = refusal(statSync(file), maxBytes);
    if (refused) return { skipped: refused };
    fd = openSync(file, OPEN_FLAGS);
    const stats = fstatSync(fd);
    const stillRefused = refusal(stats, maxBytes);
    if (stillRefused) return { skipped: stillRefused };
    const bytes = Buffer.allocUnsafe(stats.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break; // shrank while we read: take what is there
      read += n;
    }
    return { text: decodeSource(bytes.subarray(0, read)), byteLength: read };
  } catch (error) {
    return { skipped: { reason: 'read-error', detail: describe(error) } };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The same as readSourceFile, without blocking the thread (the language server's reads). */
export async function readSourceFileAsync(file: string, maxBytes: number): Promise<ReadOutcome> {
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await open(file, OPEN_FLAGS);
    const stats = await handle.stat();
    const refused = refusal(stats, maxBytes);
    if (refused) return { skipped: refused };
    const bytes = Buffer.allocUnsafe(stats.size);
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { text: decodeSource(bytes.subarray(0, read)), byteLength: read };
  } catch (error) {
    return { skipped: { reason: 'read-error', detail: describe(error) } };
  } finally {
    await handle?.close();
  }
}

function refusal(
  stats: import('node:fs').Stats,
  maxBytes: number,
): Pick<SkippedFile, 'reason' | 'detail'> | undefined {
  if (!stats.isFile()) return { reason: 'not-a-file', detail: `${fileTypeOf(stats)}, not a regular file` };
  if (stats.size > maxBytes) {
    return {
      reason: 'too-large',
      detail: `${(stats.size / 1048576).toFixed(1)} MB is over the ${(maxBytes / 1048576).toFixed(0)} MB limit (maxFileBytes)`,
    };
  }
  return undefined;
}

/** What kind of file system entry a stat describes, for notes. */
export function fileTypeOf(stats: import('node:fs').Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * Text of a source file: UTF-16 when it starts with a UTF-16 byte-order mark (editors on Windows
 * save that), else UTF-8. The mark itself is kept as U+FEFF, as a UTF-8 read keeps its own, so
 * offsets agree with what the editor shows.
 */
export function decodeSource(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return bytes.toString('utf8');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
