// The `concurrency-lens` binary as users run it: built bundle, real child processes, real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { tempProject } from '../helpers/temp-project.js';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/concurrency-lens.js');

function cli(args: string[], cwd = repo) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HANDLER = [
  "import { readFileSync } from 'node:fs';",
  "app.get('/a', (req, res) => res.send(readFileSync('x')));",
  '',
].join('\n');

function validateSarif(log: unknown): string | undefined {
  const schemaFile = path.join(repo, 'test/fixtures/sarif/sarif-schema-2.1.0.json');
  // The official schema is draft-04: drop its $schema and rename `id` for Ajv 8 (no keyword changed meaning).
  const { $schema: _draft04, id, ...body } = JSON.parse(readFileSync(schemaFile, 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile({ $id: id, ...body });
  return validate(log) ? undefined : ajv.errorsText(validate.errors);
}

describe('concurrency-lens scan', () => {
  it('prints compiler-style findings with a summary and exits 1', () => {
    const dir = tempProject({ 'src/app.ts': HANDLER });
    const { code, stdout } = cli(['scan', dir]);
    assert.equal(code, 1);
    assert.match(
      stdout,
      /src\/app\.ts:2:38 warning `fs\.readFileSync\(\)` blocks the event loop .* blocking-call/,
    );
    assert.match(stdout, /1 problem \(0 errors, 1 warning, 0 info\)/);
  });

  it('exits 0 on clean code', () => {
    const dir = tempProject({ 'src/app.ts': 'export const x = 1;\n' });
    const { code, stdout } = cli(['scan', dir]);
    assert.equal(code, 0);
    assert.match(stdout, /0 problems/);
  });

  it('exits 2 on usage and configuration errors', () => {
    assert.equal(cli(['scan', '--format', 'xml']).code, 2);
    assert.equal(cli(['scan', '/nonexistent/path']).code, 2);
    assert.equal(cli(['frobnicate']).code, 2);
    const dir = tempProject({
      '.concurrency-lens.json': '{"rules": {"no-such-rule": "off"}}',
      'a.ts': HANDLER,
    });
    const bad = cli(['scan', dir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /rules\.no-such-rule: unknown rule \(known: /);
    const broken = tempProject({ '.concurrency-lens.json': '{ not json', 'a.ts': HANDLER });
    assert.match(cli(['scan', broken]).stderr, /not valid JSON/);
  });

  it('writes SARIF 2.1.0 that validates against the official schema, suppressed results kept', () => {
    const dir = tempProject({
      'src/app.ts': HANDLER,
      'src/quiet.ts': [
        "import { readFileSync } from 'node:fs';",
        "app.get('/b', (req, res) => {",
        '  // concurrency-lens-ignore-next-line blocking-call -- small file, read once per deploy',
        "  res.send(readFileSync('y'));",
        '});',
      ].join('\n'),
    });
    const out = path.join(dir, 'report.sarif');
    const { code } = cli(['scan', dir, '--format', 'sarif', '--output', out]);
    assert.equal(code, 1);
    const log = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(validateSarif(log), undefined);
    const run = log.runs[0];
    assert.ok(run.tool.driver.rules.every((r: { helpUri?: string }) => r.helpUri?.includes('/docs/rules/')));
    const results = run.results as {
      ruleId: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      suppressions?: unknown[];
    }[];
    const byFile = Object.fromEntries(
      results.map((r) => [r.locations[0]!.physicalLocation.artifactLocation.uri, r]),
    );
    assert.equal(byFile['src/app.ts']?.ruleId, 'blocking-call');
    assert.equal(byFile['src/app.ts']?.locations[0]?.physicalLocation.region.startLine, 2);
    // the message as data, and the why/what-to-do as rule help
    const app = byFile['src/app.ts'] as unknown as {
      properties: { messageId: string; data: { api: string } };
    };
    assert.equal(app.properties.messageId, 'blocking');
    assert.equal(app.properties.data.api, 'fs.readFileSync()');
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'blocking-call');
    assert.match(rule.help.markdown, /no other request, timer or I\/O callback runs/);
    assert.match(rule.fullDescription.text, /worker pool/);
    assert.equal(byFile['src/quiet.ts']?.suppressions?.length, 1);
  });

  it('emits results: [] for a clean scan (results always present)', () => {
    const dir = tempProject({ 'a.ts': 'export {};\n' });
    const log = JSON.parse(cli(['scan', dir, '--format', 'sarif']).stdout);
    assert.deepEqual(log.runs[0].results, []);
    assert.equal(validateSarif(log), undefined);
  });

  it('respects .gitignore, config excludes and node_modules; scans a readable dist/', () => {
    const dir = tempProject({
      '.gitignore': 'generated/\n',
      '.concurrency-lens.json': JSON.stringify({ exclude: ['legacy/**'] }),
      'generated/a.ts': HANDLER,
      'legacy/b.ts': HANDLER,
      'node_modules/pkg/c.js': HANDLER,
      'dist/d.js': HANDLER,
      'src/e.ts': HANDLER,
    });
    const { stdout } = cli(['scan', dir, '--format', 'json']);
    const files = (JSON.parse(stdout).findings as { file: string }[]).map((f) => f.file).sort();
    assert.deepEqual(files, ['dist/d.js', 'src/e.ts']);
  });

  it('skips minified, binary and oversized files with a note and goes on', () => {
    const minified = `var a=1;${'function f(a,b){return a+b}'.repeat(110)}\n`;
    const dir = tempProject({
      'bundle.js': minified,
      'blob.js': `\u0000\u0001binary${'x'.repeat(100)}`,
      'big.js': `// ${'x'.repeat(6000)}\n`,
      'ok.ts': HANDLER,
      '.concurrency-lens.json': JSON.stringify({ maxFileBytes: 4000 }),
    });
    const { stdout, code } = cli(['scan', dir, '--format', 'json']);
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    const reasons = Object.fromEntries(
      (report.skipped as { file: string; reason: string }[]).map((s) => [s.file, s.reason]),
    );
    assert.deepEqual(reasons, { 'big.js': 'too-large', 'blob.js': 'binary', 'bundle.js': 'minified' });
    assert.equal(report.findings.length, 1);
    const text = cli(['scan', dir]).stdout;
    assert.match(text, /note: .*bundle\.js: skipped — looks minified/);
  });

  it('analyses what it can of malformed code and says so', () => {
    const dir = tempProject({ 'broken.ts': `${HANDLER}\nfunction (((\n` });
    const report = JSON.parse(cli(['scan', dir, '--format', 'json']).stdout);
    assert.equal(report.skipped[0].reason, 'parse-error');
    assert.equal(report.skipped[0].partial, true);
    assert.equal(report.findings.length, 1);
  });

  it('honours --max-warnings and --shard', () => {
    const dir = tempProject({ 'a.ts': HANDLER, 'b.ts': HANDLER });
    assert.equal(cli(['scan', dir, '--max-warnings', '2']).code, 0);
    assert.equal(cli(['scan', dir, '--max-warnings', '1']).code, 1);
    const first = JSON.parse(cli(['scan', dir, '--format', 'json', '--shard', '1/2']).stdout).findings.length;
    const second = JSON.parse(cli(['scan', dir, '--format', 'json', '--shard', '2/2']).stdout).findings
      .length;
    assert.deepEqual([first, second], [1, 1]);
  });

  it('gives the same findings with worker threads as in one thread', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 320; i++)
      files[`src/f${i}.ts`] = i % 10 === 0 ? HANDLER : `export const v${i} = ${i};\n`;
    const dir = tempProject(files);
    const one = JSON.parse(cli(['scan', dir, '--format', 'json', '--jobs', '1']).stdout).findings;
    const two = JSON.parse(cli(['scan', dir, '--format', 'json', '--jobs', '2']).stdout).findings;
    assert.equal(one.length, 32);
    assert.deepEqual(two, one);
  });
});
