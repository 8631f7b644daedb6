import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classify,
  DEFAULT_THRESHOLDS,
  formatBytes,
  formatMs,
  type ProfileSuccess,
  percent,
  recommend,
  summaryLine,
} from '../../src/profiler/model.js';

const cheapClone = { fraction: 0.01, transferableBytes: 0 };

describe('classify', () => {
  it('splits at the default thresholds: < 0.4 I/O-bound, > 0.7 CPU-bound, mixed between', () => {
    assert.equal(classify(0), 'io-bound');
    assert.equal(classify(0.399), 'io-bound');
    assert.equal(classify(0.4), 'mixed');
    assert.equal(classify(0.7), 'mixed');
    assert.equal(classify(0.701), 'cpu-bound');
    assert.equal(classify(1.3), 'cpu-bound');
  });

  it('honours configured thresholds', () => {
    const thresholds = { ...DEFAULT_THRESHOLDS, ioBound: 0.2, cpuBound: 0.9 };
    assert.equal(classify(0.3, thresholds), 'mixed');
    assert.equal(classify(0.85, thresholds), 'mixed');
    assert.equal(classify(0.95, thresholds), 'cpu-bound');
  });
});

describe('recommend', () => {
  it('keeps I/O-bound work on the main thread', () => {
    const result = recommend({ cpuRatio: 0.05, wallMs: 20, serialization: cheapClone });
    assert.equal(result.kind, 'keep-on-main-thread');
    assert.match(result.reason, /CPU is 0\.05 of wall time/);
  });

  it('moves CPU-bound work with cheap messages to a worker pool', () => {
    const result = recommend({ cpuRatio: 0.97, wallMs: 85, serialization: cheapClone });
    assert.equal(result.kind, 'move-to-worker-pool');
    assert.equal(result.text, 'Move to worker pool');
  });

  it('asks for transfer when cloning costs more than the serialization threshold', () => {
    const result = recommend({
      cpuRatio: 0.95,
      wallMs: 2,
      serialization: { fraction: 0.4, transferableBytes: 8e6 },
    });
    assert.equal(result.kind, 'move-with-transfer');
    assert.match(result.reason, /transfer the buffers/);
    const noBuffers = recommend({
      cpuRatio: 0.95,
      wallMs: 2,
      serialization: { fraction: 0.4, transferableBytes: 0 },
    });
    assert.equal(noBuffers.kind, 'move-with-transfer');
    assert.match(noBuffers.reason, /SharedArrayBuffer/);
  });

  it('does not ask for transfer when the message is tiny and only the call is short', () => {
    const result = recommend({
      cpuRatio: 0.99,
      wallMs: 0.04,
      serialization: { fraction: 0.37, transferableBytes: 0, argsBytes: 8, resultBytes: 4 },
    });
    assert.equal(result.kind, 'move-to-worker-pool');
    assert.match(result.reason, /batches/);
  });

  it('splits mixed work', () => {
    assert.equal(
      recommend({ cpuRatio: 0.5, wallMs: 40, serialization: cheapClone }).kind,
      'split-io-and-cpu',
    );
  });

  it('keeps work that already runs off the main thread', () => {
    const result = recommend({
      cpuRatio: 0.95,
      wallMs: 40,
      serialization: cheapClone,
      mainThreadCpuRatio: 0.05,
    });
    assert.equal(result.kind, 'keep-on-main-thread');
    assert.match(result.reason, /off the main thread/);
  });

  it('mentions lost prototypes, uncloneable values, tiny calls and the pool trial', () => {
    const result = recommend({
      cpuRatio: 0.99,
      wallMs: 0.05,
      serialization: { fraction: 0.01, transferableBytes: 0, lostPrototypes: ['Matrix'], cloneError: 'fn' },
      poolTrial: { speedup: 1.8, workers: 2 },
    });
    assert.match(result.reason, /batches/);
    assert.match(result.reason, /prototype of Matrix/);
    assert.match(result.reason, /cannot be cloned/);
    assert.match(result.reason, /1\.80x with 2 workers/);
  });
});

describe('summaryLine', () => {
  it('reads like the CodeLens', () => {
    const result = {
      ok: true,
      cpuRatio: 0.97,
      classification: 'cpu-bound',
      serialization: { argsBytes: 1_200_000, resultBytes: 58_000, fraction: 0.03 },
      recommendation: { kind: 'move-to-worker-pool', text: 'Move to worker pool', reason: '' },
    } as unknown as ProfileSuccess;
    assert.equal(summaryLine(result), 'CPU 0.97 · CPU-bound · clone 3% (1.2 MB) · Move to worker pool');
  });

  it('names the error kind on failure', () => {
    const line = summaryLine({
      ok: false,
      error: { kind: 'timeout', message: 'no result within 100 ms\nmore' },
    } as Parameters<typeof summaryLine>[0]);
    assert.equal(line, 'Profile failed (timeout): no result within 100 ms');
  });
});

describe('formatting helpers', () => {
  it('formats percentages, bytes and durations', () => {
    assert.equal(percent(0.004), '<1%');
    assert.equal(percent(0.153), '15%');
    assert.equal(percent(42), '>999%');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MB');
    assert.equal(formatMs(0.0123), '12.3 µs');
    assert.equal(formatMs(2.5), '2.50 ms');
    assert.equal(formatMs(85.2), '85 ms');
    assert.equal(formatMs(1520), '1.52 s');
  });
});
