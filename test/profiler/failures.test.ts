// Every way the profiled code can fail gives its own error kind, and no process outlives the run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { profileFunction } from '../../src/profiler/run.js';
import { fixture, fixtures, isAlive, processesWith, profileFail, quick } from './helpers.js';

const workloads = fixture('workloads.mjs');
const childPids: number[] = [];

async function expectKind(kind: string, options: Parameters<typeof profileFail>[0]) {
  const result = await profileFail(options);
  assert.equal(result.error.kind, kind, result.error.message);
  if (result.pid !== undefined) childPids.push(result.pid);
  return result;
}

describe('profiler failures', () => {
  after(() => {
    // harness children of every test in this file are gone, and so are their temp dirs
    assert.deepEqual(childPids.filter(isAlive), []);
    // run folders are named run-<profiler pid>-<random>, in node_modules/.cache/concurrency-lens/
    const ours = `run-${process.pid}-`;
    assert.deepEqual(processesWith(ours), []);
    const cache = join(fixtures, '..', '..', '..', 'node_modules', '.cache', 'concurrency-lens');
    const left = existsSync(cache) ? readdirSync(cache).filter((name) => name.startsWith(ours)) : [];
    assert.deepEqual(left, []);
  });

  it('a function that throws: threw, with a source-mapped stack at the user line', async () => {
    const result = await expectKind('threw', { file: fixture('matrix.ts'), functionName: 'failsTyped' });
    assert.match(result.error.message, /typed failure/);
    assert.match(result.error.stack ?? '', /matrix\.ts:36:/);
    assert.doesNotMatch(result.error.stack ?? '', /harness/);
  });

  it('a function that throws in JS: threw, in warm-up', async () => {
    const result = await expectKind('threw', { file: workloads, functionName: 'throws' });
    assert.match(result.error.message, /TypeError: boom from the fixture/);
    assert.equal(result.error.phase, 'warmup');
  });

  it('a function that never returns: timeout, and the process tree is killed', async () => {
    const marker = `cl-grandchild-${randomBytes(6).toString('hex')}`;
    const started = performance.now();
    const result = await expectKind('timeout', {
      file: workloads,
      functionName: 'spawnsGrandchildAndHangs',
      args: [marker],
      timeoutMs: 1500,
    });
    assert.ok(performance.now() - started < 5000);
    assert.match(result.error.message, /1500 ms/);
    assert.ok(result.pid !== undefined && !isAlive(result.pid), 'the harness child is gone');
    // SIGKILL to the group is delivered at once, but give the kernel a moment to reap the grandchild
    for (let i = 0; i < 20 && processesWith(marker).length; i++) await sleep(50);
    assert.deepEqual(processesWith(marker), [], 'the grandchild is gone');
  });

  it('a promise that can never settle: timeout, detected without waiting for the limit', async () => {
    const started = performance.now();
    const result = await expectKind('timeout', {
      file: workloads,
      functionName: 'neverSettles',
      timeoutMs: 10_000,
    });
    assert.match(result.error.message, /never settle/);
    assert.ok(performance.now() - started < 5000);
  });

  it('a function that calls process.exit: exited, naming the call', async () => {
    const result = await expectKind('exited', { file: workloads, functionName: 'exits' });
    assert.match(result.error.message, /process\.exit\(3\)/);
    assert.match(result.error.message, /workloads\.mjs:\d+/);
  });

  it('a function that exhausts memory: out-of-memory under a capped heap', async () => {
    const result = await expectKind('out-of-memory', {
      file: workloads,
      functionName: 'exhaustsMemory',
      maxOldSpaceMb: 64,
    });
    assert.match(result.error.message, /--max-old-space-size=64/);
    assert.match(result.log.stderr, /heap/i, 'the crash report is kept in the log');
  });

  it('a missing or non-function name: not-found, listing what exists', async () => {
    const missing = await expectKind('not-found', { file: workloads, functionName: 'nope' });
    assert.match(missing.error.message, /onlyTimers/);
    await expectKind('not-found', { file: workloads, functionName: 'notAFunction' });
    await expectKind('not-found', { file: workloads, functionName: 'not a name' });
  });

  it('a file esbuild cannot parse: bundle-failed with the location', async () => {
    const result = await expectKind('bundle-failed', {
      file: fixture('bad-syntax.ts'),
      functionName: 'broken',
    });
    assert.match(result.error.message, /bad-syntax\.ts:2:/);
  });

  it('an args module without a factory, or a missing one: bad-args', async () => {
    await expectKind('bad-args', {
      file: workloads,
      functionName: 'cpuLoop',
      argsModule: fixture('bad-args.mjs'),
    });
    await expectKind('bad-args', {
      file: workloads,
      functionName: 'cpuLoop',
      argsModule: fixture('nope.mjs'),
    });
  });

  it('a node that cannot start: spawn-failed', async () => {
    await expectKind('spawn-failed', {
      file: workloads,
      functionName: 'cpuLoop',
      nodePath: '/nonexistent/node',
    });
  });

  it('a child whose parent is killed with SIGKILL kills itself (no orphan)', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture('orphan-parent.mts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    parent.stdout.setEncoding('utf8');
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (text: string) => {
        output += text;
        const match = /child (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      parent.once('exit', () => reject(new Error(`parent exited early: ${output}`)));
    });
    assert.ok(isAlive(childPid));
    parent.kill('SIGKILL');
    for (let i = 0; i < 40 && isAlive(childPid); i++) await sleep(50);
    assert.ok(!isAlive(childPid), 'the child noticed its parent died and killed itself');
  });

  it('an AbortSignal cancels the run and kills the child', async () => {
    const controller = new AbortController();
    let pid: number | undefined;
    const result = await profileFunction({
      ...quick,
      file: workloads,
      functionName: 'neverReturns',
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'spawned') pid = event.pid;
        if (event.type === 'phase' && event.phase === 'warmup') controller.abort();
      },
    });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.kind, 'cancelled');
    assert.ok(pid !== undefined && !isAlive(pid));
  });
});
