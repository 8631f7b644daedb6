// The `concurrency-lens scan` binary on hostile input: deep files (with and without a tsconfig),
// special files, unwritable reports, a closed pipe, absurd options. Each run must end with a clear
// result within its time limit: analysed, or a one-line note or error, never a stack or a hang.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { allRules } from '../../src/analysis/rules/index.js';
import type { SkippedFile } from '../../src/analysis/types.js';
import { formatText } from '../../src/cli/format-text.js';
import { toSarif } from '../../src/cli/sarif.js';
import { DEEP_FILES } from '../helpers/deep-files.js';
import { tempProject } from '../helpers/temp-project.js';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/concurrency-lens.js');
/** Every run ends well within this; a hang is killed and fails the test. */
const TIMEOUT_MS = 60_000;

function cli(args: string[], cwd = repo) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: TIMEOUT_MS,
  });
  assert.equal(result.signal, null, `timed out or killed: ${args.join(' ')}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HANDLER = "app.get('/a', (req, res) => res.send(require('fs').readFileSync('x')));\n";
const NO_STACK = /\n\s+at |internal error/;

describe('scan: deep files', () => {
  for (const typed of [false, true]) {
    it(`analyses the four deep files in full ${typed ? 'with' : 'without'} a tsconfig, on 1 or 2 threads alike`, () => {
      const dir = tempProject({
        ...DEEP_FILES,
        ...(typed ? { 'tsconfig.json': '{ "compilerOptions": { "allowJs": true } }' } : {}),
      });
      const runs = ['1', '2'].map((jobs) => cli(['scan', dir, '--format', 'json', '--jobs', jobs]));
      for (const { code, stdout, stderr } of runs) {
        assert.equal(code, 1, stderr); // the blocking call at the end of each file
        assert.doesNotMatch(stderr, NO_STACK);
        const report = JSON.parse(stdout);
        assert.equal(report.filesAnalyzed, 4);
        assert.deepEqual(
          report.findings.map((f: { file: string; ruleId: string }) => `${f.file} ${f.ruleId}`),
          [
            'callbacks.js blocking-call',
            'chain.js blocking-call',
            'concat.js blocking-call',
            'ifs.js blocking-call',
          ],
        );
        // Typed: kept out of the type checker (too deep for it), analysed on syntax with a note.
        assert.deepEqual(
          report.skipped.map((s: { reason: string; partial: boolean }) => `${s.reason} ${s.partial}`),
          typed ? ['too-deep true', 'too-deep true', 'too-deep true', 'too-deep true'] : [],
        );
      }
      assert.deepEqual(JSON.parse(runs[0]!.stdout).findings, JSON.parse(runs[1]!.stdout).findings);
    });
  }
});

describe('scan: special files', () => {
  it('notes a FIFO and a dangling link in a folder, a FIFO and /dev/zero on the command line', () => {
    const dir = tempProject({ 'src/app.js': HANDLER });
    execFileSync('mkfifo', [path.join(dir, 'src/pipe.js')]);
    symlinkSync(path.join(dir, 'gone.js'), path.join(dir, 'src/dangling.js'));
    const inFolder = cli(['scan', dir, '--format', 'json']);
    assert.equal(inFolder.code, 1);
    const report = JSON.parse(inFolder.stdout);
    assert.equal(report.filesAnalyzed, 1);
    assert.deepEqual(
      report.skipped.map((s: { file: string; reason: string }) => `${s.file} ${s.reason}`),
      ['src/dangling.js broken-link', 'src/pipe.js not-a-file'],
    );
    const named = cli(['scan', path.join(dir, 'src/pipe.js'), '/dev/zero']);
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /pipe\.js: skipped — a named pipe \(FIFO\): not read/);
    assert.match(named.stdout, /zero: skipped — a character device: not read/);
    assert.match(named.stdout, /0 files analysed/);
  });

  it('says clearly that a folder or a FIFO given as --config is not a file', () => {
    const dir = tempProject({ 'app.js': HANDLER });
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
    for (const [config, kind] of [
      [dir, 'a directory'],
      [path.join(dir, 'pipe.json'), 'a named pipe \\(FIFO\\)'],
    ] as const) {
      const { code, stderr } = cli(['scan', dir, '--config', config]);
      assert.equal(code, 2);
      assert.match(
        stderr,
        new RegExp(
          `^concurrency-lens: invalid configuration: .*: ${kind}, not a regular file; expected a JSON file\\n$`,
        ),
      );
    }
  });
});

describe('scan: typed mode filters files like an untyped scan', () => {
  it('keeps files over maxFileBytes out of the typed program, with the same note', () => {
    const dir = tempProject({
      'app.js': HANDLER,
      'big.js': `${'const a = [1, 2, 3].map((v) => v * 2);\n'.repeat(200)}`, // ~8 KB
      'tsconfig.json': '{ "compilerOptions": { "allowJs": true } }',
      '.concurrency-lens.json': JSON.stringify({ maxFileBytes: 4096 }),
    });
    for (const flag of [[], ['--no-type-check']]) {
      const { code, stdout, stderr } = cli(['scan', dir, '--format', 'json', ...flag]);
      assert.equal(code, 1, stderr);
      const report = JSON.parse(stdout);
      assert.equal(report.filesAnalyzed, 1);
      assert.deepEqual(
        report.skipped.map((s: { file: string; reason: string }) => `${s.file} ${s.reason}`),
        ['big.js too-large'],
      );
    }
  });
});

describe('scan: output', () => {
  it('reports an unwritable --output in one line with exit 2 (under a file, onto a folder, a full disk)', () => {
    const dir = tempProject({ 'app.js': HANDLER, 'file.txt': '' });
    for (const [output, why] of [
      [path.join(dir, 'file.txt/report.json'), 'a part of the path is a file, not a folder'],
      [dir, 'it is a folder'],
      ['/dev/full', 'no space left on the device'],
    ]) {
      const { code, stdout, stderr } = cli(['scan', dir, '--format', 'json', '--output', output!]);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.equal(stderr, `concurrency-lens: cannot write the report to ${output}: ${why}\n`);
    }
  });

  it('summarises on stderr what the --output report holds', () => {
    const dir = tempProject({ 'app.js': HANDLER });
    const out = path.join(dir, 'out/report.json');
    const { code, stderr } = cli(['scan', dir, '--format', 'json', '--output', out]);
    assert.equal(code, 1);
    assert.match(stderr, /^1 problem \(0 errors, 1 warning, 0 info\) · 1 file analysed/);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).findings.length, 1);
  });

  it('ends quietly when the reader of stdout goes away (scan | head)', () => {
    const dir = tempProject({ 'app.js': HANDLER.repeat(2000) }); // ~2,000 findings: more than a pipe holds
    const result = spawnSync(
      'bash',
      ['-c', `node ${JSON.stringify(bin)} scan ${JSON.stringify(dir)} | head -n 1`],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
        timeout: TIMEOUT_MS,
      },
    );
    assert.equal(result.status, 0);
    assert.match(result.stdout, /app\.js:1:\d+ warning/);
    assert.equal(result.stderr, '');
  });
});

describe('scan: options', () => {
  it('caps --jobs at the number of CPUs', () => {
    const dir = tempProject({ 'app.js': HANDLER });
    const { code, stderr } = cli(['scan', dir, '--jobs', '100000']);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `concurrency-lens: --jobs 100000 capped at ${os.availableParallelism()} (the number of CPUs)\n`,
    );
  });

  it('reports config errors in one line each, naming the key and the allowed values', () => {
    for (const [config, message] of [
      [
        { rules: { 'blocking-call': 'fatal' } },
        'rules.blocking-call: must be one of error, warning, info, off (got "fatal")',
      ],
      [
        { thresholds: { ioBound: 0.9 } },
        'thresholds.ioBound (0.9) must not be above thresholds.cpuBound (0.7)',
      ],
    ] as const) {
      const dir = tempProject({ 'app.js': HANDLER, '.concurrency-lens.json': JSON.stringify(config) });
      const { code, stderr } = cli(['scan', dir]);
      assert.equal(code, 2);
      assert.equal(stderr.split('\n').length, 2, stderr); // one line and its end
      assert.ok(
        stderr.startsWith(
          `concurrency-lens: invalid configuration: ${path.join(dir, '.concurrency-lens.json')}: ${message}`,
        ),
        stderr,
      );
    }
  });
});

describe('notes in every format', () => {
  const lost: SkippedFile = { file: '/p/a.js', reason: 'internal-error', detail: 'analysis failed: boom' };
  const partial: SkippedFile = {
    file: '/p/b.js',
    reason: 'internal-error',
    partial: true,
    detail: "rule x failed (boom); the other rules' findings are kept",
  };

  it('SARIF: a lost analysis is an error notification and an unsuccessful run, a partial one a note', () => {
    const log = toSarif({
      findings: [],
      skipped: [lost, partial],
      rules: allRules,
      root: '/p',
      version: '0',
    });
    const invocation = log.runs[0]!.invocations![0]!;
    assert.equal(invocation.executionSuccessful, false);
    assert.deepEqual(
      invocation.toolExecutionNotifications!.map((n) => [n.level, n.message.text]),
      [
        ['error', 'skipped (internal-error): analysis failed: boom'],
        [
          'note',
          "partially analysed (internal-error): rule x failed (boom); the other rules' findings are kept",
        ],
      ],
    );
    const clean = toSarif({ findings: [], skipped: [partial], rules: allRules, root: '/p', version: '0' });
    assert.equal(clean.runs[0]!.invocations![0]!.executionSuccessful, true);
  });

  it('text: one note line per file', () => {
    const text = formatText({
      findings: [],
      skipped: [lost, partial],
      filesAnalyzed: 1,
      durationMs: 1,
      cwd: '/p',
      color: false,
    });
    assert.match(
      text,
      /^note: a\.js: skipped — analysis failed: boom\nnote: b\.js: partially analysed — rule x failed/,
    );
  });
});
