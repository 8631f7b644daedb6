// Writes a report file for `--output`, turning the ways that fails (a parent that is a file, a
// folder in the way, a full disk, no permission) into one line for the user instead of a stack.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EEXIST: 'a part of the path is a file, not a folder',
};

/** Writes `text` to `file`, creating missing folders; returns why it could not, or undefined. */
export function writeReport(file: string, text: string): string | undefined {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  }
}
