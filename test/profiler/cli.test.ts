// The `profile` subcommand: exit codes, JSON contract, text summary.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runProfileCommand } from '../../src/profiler/cli.js';
import { fixture } from './helpers.js';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runProfileCommand(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const workloads = fixture('workloads.mjs');

describe('concurrency-lens profile', () => {
  it('prints the JSON contract and exits 0', async () => {
    const { code, stdout } = await run([
      workloads,
      '--function',
      'cpuLoop',
      '--args',
      '[5]',
      '--runs',
      '3',
      '--format',
      'json',
    ]);
    assert.equal(code, 0);
    const result = JSON.parse(stdout);
    for (const key of [
      'cpuRatio',
      'classification',
      'wallMs',
      'cpuMs',
      'serialization',
      'recommendation',
      'runs',
      'pidusage',
    ]) {
      assert.ok(key in result, `missing ${key}`);
    }
    for (const key of ['argsBytes', 'argsMs', 'resultBytes', 'resultMs', 'fraction']) {
      assert.equal(typeof result.serialization[key], 'number', key);
    }
    assert.equal(result.classification, 'cpu-bound');
    assert.equal(result.runs.length, 3);
    assert.equal(typeof result.recommendation.kind, 'string');
    assert.equal(result.error, undefined);
  });

  it('--cpu-prof writes a V8 CPU profile of the runs, mapped to the source file, and lists hot lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-cpuprof-'));
    try {
      const output = join(dir, 'smooth.cpuprofile');
      const { code, stdout } = await run([
        workloads,
        '-f',
        'smooth',
        '--args-module',
        fixture('typed-array-args.mjs'),
        '--budget',
        '300',
        '--cpu-prof',
        output,
        '--format',
        'json',
      ]);
      assert.equal(code, 0);
      const result = JSON.parse(stdout);
      assert.equal(result.cpuProfile, output, 'the JSON names the profile');
      const profile = JSON.parse(readFileSync(output, 'utf8'));
      assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 1, 'nodes');
      assert.ok(profile.endTime > profile.startTime);
      assert.equal(profile.samples.length, profile.timeDeltas.length);
      const ids = new Set(profile.nodes.map((node: { id: number }) => node.id));
      assert.ok(
        profile.samples.every((id: number) => ids.has(id)),
        'every sample names a node',
      );
      const smooth = profile.nodes.find(
        (node: { callFrame: { functionName: string } }) => node.callFrame.functionName === 'smooth',
      );
      assert.ok(smooth, 'the function appears in the profile');
      assert.equal(smooth.callFrame.url, pathToFileURL(workloads).href, 'mapped to the source file');
      const declared = readFileSync(workloads, 'utf8')
        .split('\n')
        .findIndex((line) => line.includes('function smooth('));
      assert.equal(smooth.callFrame.lineNumber, declared, 'at the declaration line (0-based)');
      // the inner loop's line carries most of the self time
      const [hottest] = result.hotLines;
      const loopLine =
        readFileSync(workloads, 'utf8')
          .split('\n')
          .findIndex((line) => line.includes('sum += Math.sqrt')) + 1;
      assert.equal(hottest.file, workloads);
      assert.equal(hottest.line, loopLine, JSON.stringify(result.hotLines));
      assert.equal(hottest.functionName, 'smooth');
      assert.ok(hottest.selfMs > 0 && hottest.fraction > 0.5, `${hottest.selfMs} ms, ${hottest.fraction}`);
      assert.ok(result.hotLines.length <= 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a one-line summary in text format', async () => {
    const { code, stdout } = await run([workloads, '-f', 'onlyTimers', '--args', '10', '--runs', '3']);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^CPU \d\.\d\d · (I\/O-bound|Mixed|CPU-bound) · [\d.]+ [µm]?s\/call · clone \S+ \(\d+ B\) · [A-Z][^·]+$/m,
    );
    assert.match(stdout, /^ {2}why {7}CPU is /m);
  });

  it('exits 1 with error {kind, message} in the JSON when the function fails', async () => {
    const { code, stdout } = await run([workloads, '--function', 'throws', '--format', 'json']);
    assert.equal(code, 1);
    const result = JSON.parse(stdout);
    assert.equal(result.error.kind, 'threw');
    assert.match(result.error.message, /boom/);
  });

  it('exits 1 on a timeout', async () => {
    const { code, stdout } = await run([
      workloads,
      '--function',
      'neverReturns',
      '--timeout',
      '800',
      '--format',
      'json',
    ]);
    assert.equal(code, 1);
    assert.equal(JSON.parse(stdout).error.kind, 'timeout');
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [
      [],
      [workloads],
      [workloads, '--function', 'cpuLoop', '--args', '{not json'],
      [workloads, '--function', 'cpuLoop', '--runs', '0'],
      [workloads, '--function', 'cpuLoop', '--format', 'xml'],
      [workloads, '--function', 'cpuLoop', '--bogus'],
      ['missing-file.ts', '--function', 'x'],
      [workloads, '--function', 'cpuLoop', '--args', '[]', '--args-module', fixture('big-args.mjs')],
    ]) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, /Usage: concurrency-lens profile/);
    }
  });

  it('prints help with exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--args-module/);
  });
});
