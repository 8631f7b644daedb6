// The bundle keeps the profiled file's own location: `import.meta.url`, `import.meta.dirname` and
// `import.meta.filename` are written into it as the file's path, whatever characters the path has
// (`$$`, `$&`, `$'` are replacement patterns of String.replace, not text).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { bundleTarget } from '../../src/profiler/bundle.js';

const dir = mkdtempSync(path.join(os.tmpdir(), "cl-bundle-$$-$&-$'-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bundle: the file location', () => {
  it('writes import.meta.url, dirname and filename as the path itself, `$` patterns included', async () => {
    const file = path.join(dir, 'where.mjs');
    writeFileSync(
      file,
      'export function where() { return [import.meta.url, import.meta.dirname, import.meta.filename]; }\n',
    );
    const bundle = await bundleTarget({ file, functionPath: 'where', tempRoot: dir });
    try {
      const text = readFileSync(bundle.bundlePath, 'utf8');
      assert.ok(text.includes(JSON.stringify(pathToFileURL(file).href)), 'import.meta.url');
      assert.ok(text.includes(JSON.stringify(dir)), 'import.meta.dirname');
      assert.ok(text.includes(JSON.stringify(file)), 'import.meta.filename');
    } finally {
      await bundle.cleanup();
    }
  });
});
