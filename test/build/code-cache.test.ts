// The code-cache loader (dist/code-cache.js, src/shared/code-cache.ts) that starts the CLI, the
// language server and the scan process: the bundle runs as if Node had loaded it, the cache is
// written, taken on the next start, and a damaged or stale cache only costs a normal compile.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const loader = path.resolve(__dirname, '../../dist/code-cache.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'cl-code-cache-'));
const cacheDir = path.join(work, 'cache');
const bundle = path.join(work, 'bundle.js');
// A stand-in bundle: reports what it sees of its module environment and how it was compiled.
writeFileSync(
  bundle,
  [
    'const { codeCacheUse } = require(process.env.LOADER);',
    "const helper = require('./helper.js');",
    'console.log(JSON.stringify({',
    '  argv: process.argv.slice(1), filename: __filename, dirname: __dirname,',
    '  helper: helper.value, cache: codeCacheUse.get(__filename),',
    '}));',
  ].join('\n'),
);
writeFileSync(path.join(work, 'helper.js'), 'exports.value = 42;\n');
after(() => rmSync(work, { recursive: true, force: true }));

function run(): { argv: string[]; filename: string; dirname: string; helper: number; cache: string } {
  const output = execFileSync(process.execPath, [loader, bundle, '--stdio', 'x'], {
    env: { ...process.env, LOADER: loader, CONCURRENCY_LENS_CODE_CACHE: cacheDir },
    encoding: 'utf8',
  });
  return JSON.parse(output);
}

describe('code-cache loader', () => {
  it('runs the bundle as the main module, writes the cache at exit and takes it next time', () => {
    const first = run();
    assert.deepEqual(first.argv, [bundle, '--stdio', 'x']);
    assert.equal(first.filename, bundle);
    assert.equal(first.dirname, work);
    assert.equal(first.helper, 42, 'require resolves from the bundle’s folder');
    assert.equal(first.cache, 'no cache');
    const written = readdirSync(cacheDir);
    assert.equal(written.length, 1);
    assert.match(written[0]!, /^bundle\.js-\d+-\d+-v[\d.]+-\w+\.bin$/);
    assert.equal(run().cache, 'cache accepted');
  });

  it('compiles as usual over a damaged cache and writes a good one; a new build replaces the old cache', () => {
    const [name] = readdirSync(cacheDir);
    writeFileSync(path.join(cacheDir, name!), 'not V8 code');
    const damaged = run();
    assert.equal(damaged.cache, 'cache rejected');
    assert.equal(damaged.helper, 42);
    assert.equal(run().cache, 'cache accepted');
    // another build of the bundle (other size): its cache replaces the old one
    writeFileSync(bundle, `${'// rebuilt\n'}${require('node:fs').readFileSync(bundle, 'utf8')}`);
    assert.equal(run().cache, 'no cache');
    const after = readdirSync(cacheDir);
    assert.equal(after.length, 1, `one cache per bundle: ${after.join(', ')}`);
    assert.notEqual(after[0], name);
    assert.equal(run().cache, 'cache accepted');
  });
});
