// The npm package as a user gets it: `npm pack` of a copy of the repository (its `prepack` builds
// dist/ there, so the repository's own dist/ is untouched), the tarball installed into an empty
// folder (its dependencies from the registry), then `npx concurrency-lens scan` on the demo.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const repo = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
/** what the package may hold: the CLI's bundles and launcher, schemas, docs and the manifest files */
const allowed =
  /^(bin\/|dist\/(cli|scan-worker|server|server-scan-child|profiler-harness|code-cache)\.js$|schemas\/|docs\/|(README|CHANGELOG)\.md$|LICENSE$|package\.json$)/;

describe('npm package', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'cl-npm-package-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('packs only what the CLI needs, installs from the tarball and scans the demo with npx', () => {
    const copy = path.join(work, 'repo');
    const skip = new Set(['node_modules', 'dist', '.git', '.vscode-test', '.cache', '.cl-tmp']);
    cpSync(repo, copy, {
      recursive: true,
      filter: (source) => !skip.has(path.basename(source)) || path.dirname(source) !== repo,
    });
    symlinkSync(realpathSync(path.join(repo, 'node_modules')), path.join(copy, 'node_modules'), 'junction');

    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: copy, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((file) => file.path).sort();
    assert.deepEqual(
      files.filter((file) => !allowed.test(file)),
      [],
      'files the package should not carry',
    );
    for (const needed of [
      'bin/concurrency-lens.js',
      'dist/cli.js',
      'dist/code-cache.js',
      'dist/scan-worker.js',
      'dist/server.js',
      'LICENSE',
      'README.md',
    ]) {
      assert.ok(files.includes(needed), `${needed} is missing from the package`);
    }
    assert.ok(!files.some((file) => file.endsWith('.map')), 'source maps are for development');

    const app = path.join(work, 'app');
    mkdirSync(app);
    execFileSync(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, packed[0]!.filename)],
      { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const scan = spawnSync(
      npx,
      [
        '--no-install',
        'concurrency-lens',
        'scan',
        path.join(repo, 'examples/demo-service'),
        '--format',
        'json',
      ],
      { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    assert.equal(scan.status, 1, `exit 1 (findings) expected:\n${scan.stderr}`);
    const report = JSON.parse(scan.stdout) as { findings: { ruleId: string }[] };
    const rules = new Set(report.findings.map((finding) => finding.ruleId));
    for (const rule of ['blocking-call', 'cpu-heavy-loop', 'unbounded-fan-out'])
      assert.ok(rules.has(rule), `no ${rule} finding`);
    const version = spawnSync(npx, ['--no-install', 'concurrency-lens', '--version'], {
      cwd: app,
      encoding: 'utf8',
    });
    assert.equal(
      version.stdout.trim(),
      JSON.parse(execFileSync(npm, ['pkg', 'get', 'version'], { cwd: repo, encoding: 'utf8' })),
    );
  });
});
