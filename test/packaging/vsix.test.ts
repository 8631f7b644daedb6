// `npm run package:all`: one .vsix per VS Code target, each holding the extension's bundles, docs
// and media, and esbuild with exactly one native binary: its own platform's (scripts/package.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const repo = path.resolve(__dirname, '../..');
const expected: Record<string, string> = {
  'linux-x64': '@esbuild/linux-x64/bin/esbuild',
  'linux-arm64': '@esbuild/linux-arm64/bin/esbuild',
  'darwin-x64': '@esbuild/darwin-x64/bin/esbuild',
  'darwin-arm64': '@esbuild/darwin-arm64/bin/esbuild',
  'win32-x64': '@esbuild/win32-x64/esbuild.exe',
  'win32-arm64': '@esbuild/win32-arm64/esbuild.exe',
  'alpine-x64': '@esbuild/linux-x64/bin/esbuild',
};

/** a .vsix is a zip; python3 (which CI has, unlike unzip) reads it */
function zip(vsix: string, member?: string): string {
  const script = member
    ? 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())'
    : 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))';
  return execFileSync('python3', ['-c', script, vsix, ...(member ? [member] : [])], { encoding: 'utf8' });
}
const entries = (vsix: string) => zip(vsix).split('\n').filter(Boolean);

describe('per-platform .vsix packages', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'cl-vsix-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('builds all seven targets, each with only its own esbuild binary', () => {
    // the dist/ the test run built; the manifest and file choice are what is tested here
    execFileSync(process.execPath, ['scripts/package.mjs', '--all', '--no-build', '--out', out], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const built = readdirSync(out).sort();
    assert.deepEqual(
      built,
      Object.keys(expected)
        .map((target) => `concurrency-lens-${target}-0.1.0.vsix`)
        .sort(),
    );
    for (const [target, binary] of Object.entries(expected)) {
      const files = entries(path.join(out, `concurrency-lens-${target}-0.1.0.vsix`));
      const modules = files.filter((file) => file.startsWith('extension/node_modules/'));
      assert.deepEqual(
        modules.sort(),
        [
          'extension/node_modules/esbuild/LICENSE.md',
          'extension/node_modules/esbuild/lib/main.js',
          'extension/node_modules/esbuild/package.json',
          `extension/node_modules/${binary}`,
          `extension/node_modules/${binary.replace(/\/(bin\/esbuild|esbuild\.exe)$/, '/package.json')}`,
        ].sort(),
        `${target}: node_modules`,
      );
      for (const needed of [
        'extension/dist/extension.js',
        'extension/dist/language-client.js',
        'extension/dist/server.js',
        'extension/dist/code-cache.js',
        'extension/dist/server-scan-child.js',
        'extension/dist/profiler-harness.js',
        'extension/docs/rules/blocking-call.md',
        'extension/media/profile-report.js',
        'extension/media/icon.png',
        'extension/LICENSE.txt',
      ]) {
        assert.ok(files.includes(needed), `${target}: ${needed} missing`);
      }
      const manifest = zip(path.join(out, `concurrency-lens-${target}-0.1.0.vsix`), 'extension.vsixmanifest');
      assert.match(manifest, new RegExp(`TargetPlatform="${target}"`), `${target}: manifest target`);
      assert.ok(
        !files.some((file) => /\.map$|^extension\/(src|test)\//.test(file)),
        `${target}: sources or maps`,
      );
    }
  });
});
