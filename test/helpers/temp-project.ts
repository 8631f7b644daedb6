// A throw-away project folder on disk, for tests that run real files through the CLI or the engine.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Writes files given as { 'src/app.ts': text } into a new temporary folder and returns its path. */
export function tempProject(files: Record<string, string>, prefix = 'cl-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
