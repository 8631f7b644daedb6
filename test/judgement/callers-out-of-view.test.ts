// Where the callers of a file cannot be seen (a file named on its own on the command line, a file
// opened in the editor before the workspace scan has run), an application's exported functions
// are callable at run time, as in a library (issue 13 item 1); once the index knows the callers,
// they decide. And the package role is looked up within the folder scanned / the workspace
// folders: a workspace copied under another package's folder (the editor tests' sandbox under
// this repository's .vscode-test/) is not judged by that package.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultOptions } from '../../src/analysis/config.js';
import { PackageLocator } from '../../src/analysis/package-role.js';
import { AnalysisHost } from '../../src/server/analysis-host.js';
import { tempProject } from '../helpers/temp-project.js';

const bin = path.resolve(__dirname, '../../bin/concurrency-lens.js');
const scanJson = (args: string[], cwd: string) =>
  JSON.parse(
    spawnSync(process.execPath, [bin, 'scan', ...args, '--format', 'json'], { cwd, encoding: 'utf8' }).stdout,
  ) as { findings: { ruleId: string; file: string; severity: string }[] };

const HASH = [
  "import crypto from 'node:crypto';",
  'export function hashPassword(password: string): Buffer {',
  "  return crypto.scryptSync(password, 'salt', 64);",
  '}',
  '',
].join('\n');
const ROUTES = [
  "import http from 'node:http';",
  "import { hashPassword } from './hash';",
  'http.createServer((req, res) => res.end(hashPassword(String(req.url)))).listen(8080);',
  '',
].join('\n');
/** an exported function nothing calls, in an application: quiet once every caller is known */
const UNUSED = [
  "import fs from 'node:fs';",
  'export function readAll(): string {',
  "  return fs.readFileSync('/etc/hosts', 'utf8');",
  '}',
  '',
].join('\n');

/** an application (private, starts a server) holding a workspace folder `app/` */
function repoAboveWorkspace(): string {
  return tempProject({
    'package.json': JSON.stringify({ name: 'outer', private: true, main: 'server.js' }),
    'server.js': "require('http').createServer(() => {}).listen(1);\n",
    'app/src/hash.ts': HASH,
    'app/src/routes.ts': ROUTES,
    'app/src/unused.ts': UNUSED,
  });
}

describe('callers out of view', () => {
  it('CLI: a file named on its own in an application reports its exported blocking function', () => {
    const dir = repoAboveWorkspace();
    const alone = scanJson(['app/src/unused.ts'], dir);
    assert.deepEqual(
      alone.findings.map((f) => `${f.ruleId} ${f.severity}`),
      ['blocking-call warning'],
      'its callers are not in the scan: callable at run time',
    );
    const whole = scanJson(['.'], dir);
    assert.deepEqual(
      whole.findings.map((f) => path.basename(f.file)).sort(),
      ['hash.ts'],
      'the whole application: hash.ts is reached from the request handler, unused.ts from nothing',
    );
  });

  it('package roles are looked up within the roots, not in a package.json above them', () => {
    const dir = repoAboveWorkspace();
    const file = path.join(dir, 'app/src/hash.ts');
    assert.equal(new PackageLocator().packageOf(file)?.dir, dir, 'without roots it climbs');
    assert.equal(new PackageLocator([path.join(dir, 'app')]).packageOf(file), undefined);
    assert.equal(new PackageLocator([dir]).packageOf(file)?.dir, dir);
    assert.equal(
      new PackageLocator([path.join(dir, 'app')]).packageOf(path.join(dir, 'server.js')),
      undefined,
      'a file outside every root: its callers are out of view',
    );
  });

  it('editor: an open file is judged before the workspace scan, and by its callers after it', () => {
    const dir = repoAboveWorkspace();
    const log = { info() {}, warn() {}, error() {} };
    const host = new AnalysisHost(log);
    // the workspace folder is the outer package itself: an application once callers are known
    host.setRoots([dir]);
    const options = defaultOptions();
    const analyze = (name: string) => {
      const file = path.join(dir, name);
      return host.analyze(file, readFileSync(file, 'utf8'), options, dir, 1).state;
    };
    const unused = analyze('app/src/unused.ts');
    const hash = analyze('app/src/hash.ts');
    assert.deepEqual(
      [unused, hash].map((state) => state.findings.map((f) => f.ruleId)),
      [['blocking-call'], ['blocking-call']],
      'opened before the scan: exported functions are callable at run time',
    );
    // the workspace scan: the rest of the files, then the index knows every caller
    analyze('server.js');
    analyze('app/src/routes.ts');
    host.setCallersInView(true);
    const changed = host.refinalizeAll().map((state) => path.basename(state.file));
    assert.ok(changed.includes('unused.ts'), `unused.ts judged again (changed: ${changed.join(', ')})`);
    assert.deepEqual(host.get(unused.file)!.findings, [], 'no run-time caller in an application: quiet');
    const hashFindings = host.get(hash.file)!.findings;
    assert.equal(hashFindings.length, 1);
    assert.match(hashFindings[0]!.message, /routes\.ts/, 'the finding names its run-time caller');
  });
});
