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

  it('asks for transfer only when the arguments hold transferable buffers, and names their size', () => {
    const buffers = recommend({
      cpuRatio: 0.95,
      wallMs: 20,
      serialization: {
        fraction: 0.4,
        transferableBytes: 8e6,
        argsBytes: 8e6,
        argsMs: 6,
        resultBytes: 8,
        resultMs: 0.01,
      },
    });
    assert.equal(buffers.kind, 'move-with-transfer');
    assert.match(buffers.reason, /7\.6 MB of the arguments are in transferable buffers/);
    const strings = recommend({
      cpuRatio: 0.95,
      wallMs: 20,
      serialization: {
        fraction: 0.4,
        transferableBytes: 0,
        argsBytes: 8e6,
        argsMs: 6,
        resultBytes: 8,
        resultMs: 0.01,
      },
    });
    assert.equal(strings.kind, 'move-to-worker-pool');
    assert.match(strings.reason, /nothing in the arguments is transferable/);
  });

  it('keeps a function whose clone and post cost more than it computes', () => {
    const result = recommend({
      cpuRatio: 1,
      wallMs: 0.0001,
      serialization: {
        fraction: 4000,
        transferableBytes: 0,
        argsBytes: 12e6,
        argsMs: 400,
        resultBytes: 4,
        resultMs: 0.001,
        channelRoundTripMs: 420,
      },
    });
    assert.equal(result.kind, 'keep-moving-costs-more');
    assert.equal(result.text, 'Keep — moving costs more than it saves');
    assert.match(result.reason, /420 ms per call/);
    const bigButCheap = recommend({
      cpuRatio: 1,
      wallMs: 5,
      serialization: {
        fraction: 2,
        transferableBytes: 0,
        argsBytes: 4e6,
        argsMs: 10,
        resultBytes: 4,
        resultMs: 0,
      },
    });
    assert.equal(bigButCheap.kind, 'keep-moving-costs-more');
  });

  it('moves a big typed array with heavy per-byte work even though copying it is dear, by transfer', () => {
    const result = recommend({
      cpuRatio: 1,
      wallMs: 5,
      serialization: {
        fraction: 2,
        transferableBytes: 8e6,
        argsBytes: 8e6,
        argsMs: 10,
        resultBytes: 8,
        resultMs: 0,
      },
    });
    assert.equal(result.kind, 'move-with-transfer');
  });

  it('calls a function below the per-call floor too short to measure, with batching advice', () => {
    const result = recommend({
      cpuRatio: 1,
      wallMs: 0.0002,
      serialization: {
        fraction: 50,
        transferableBytes: 0,
        argsBytes: 11,
        argsMs: 0.01,
        resultBytes: 4,
        resultMs: 0.01,
      },
    });
    assert.equal(result.kind, 'too-short-to-measure');
    assert.match(result.reason, /batch many calls into one task/);
    assert.equal(classify(1, DEFAULT_THRESHOLDS, 0.0002), 'too-short');
    assert.equal(classify(1, DEFAULT_THRESHOLDS, 0.2), 'cpu-bound');
  });

  it('does not ask for transfer when the message is tiny and only the call is short', () => {
    const result = recommend({
      cpuRatio: 0.99,
      wallMs: 0.4,
      serialization: { fraction: 0.1, transferableBytes: 0, argsBytes: 8, resultBytes: 4 },
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
      cpuRatio: 0.05,
      wallMs: 40,
      serialization: cheapClone,
      processCpuRatio: 0.95,
    });
    assert.equal(result.kind, 'keep-on-main-thread');
    assert.match(result.reason, /off the main thread/);
  });

  it('mentions lost prototypes, uncloneable values, tiny calls and the pool trial', () => {
    const result = recommend({
      cpuRatio: 0.99,
      wallMs: 0.5,
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
      wallMs: 85,
      classification: 'cpu-bound',
      poolTrial: { speedup: 1.8 },
      serialization: { argsBytes: 1_200_000, resultBytes: 58_000, fraction: 0.03 },
      recommendation: { kind: 'move-to-worker-pool', text: 'Move to worker pool', reason: '' },
    } as unknown as ProfileSuccess;
    assert.equal(
      summaryLine(result),
      'CPU 0.97 · CPU-bound · 85 ms/call · clone 3% (1.2 MB) · pool 1.80x · Move to worker pool',
    );
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
