// No process of a profiled run outlives it, and nothing is written among the user's sources: after
// a successful run whose function starts detached children (and an orphaned grandchild), after the
// function kills the profiler itself, and after the CLI is SIGKILLed mid-profile. Real processes,
// found in /proc by a marker on their command lines (Linux).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { profileFunction } from '../../src/profiler/run.js';
import { fixture, processesWith } from './helpers.js';

const linux = process.platform === 'linux';
const repo = join(__dirname, '..', '..');

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(relative(dir, full));
    }
  };
  walk(dir);
  return found.sort();
}

describe('profiler cleanup', { skip: !linux && 'walks /proc' }, () => {
  let project: string;
  let file: string;
  before(() => {
    // a user's project: sources plus a node_modules folder (where the run's temp files go)
    project = mkdtempSync(join(tmpdir(), 'cl-cleanup-'));
    mkdirSync(join(project, 'src'));
    mkdirSync(join(project, 'node_modules'));
    file = join(project, 'src', 'spawns.mjs');
    copyFileSync(fixture('spawns.mjs'), file);
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  const sources = () => tree(project).filter((path) => !path.startsWith('node_modules'));
  const runDirs = () => {
    try {
      return readdirSync(join(project, 'node_modules', '.cache', 'concurrency-lens'));
    } catch {
      return [];
    }
  };

  it('a function that starts detached children and an orphaned grandchild: none alive 2 s after the run', async () => {
    const marker = `cl-test-detached-${process.pid}`;
    let sawRunDir = false;
    const result = await profileFunction({
      file,
      functionName: 'startsDetachedChildren',
      budgetMs: 200,
      warmupMs: 10,
      env: { SPAWN_MARKER: marker },
      onProgress: (event) => {
        if (event.type === 'spawned') sawRunDir = runDirs().length > 0;
      },
    });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.ok(sawRunDir, 'the run works in node_modules/.cache/concurrency-lens');
    await sleep(2000);
    assert.deepEqual(processesWith(marker), [], 'no process of the run is left');
    assert.deepEqual(sources(), ['src/spawns.mjs'], 'nothing written among the sources');
    assert.deepEqual(runDirs(), [], 'the run folder is removed');
  });

  it('a function that kills its parent: the harness and its children die within 2 s', async () => {
    const marker = `cl-test-kills-parent-${process.pid}`;
    const parent = spawn(
      process.execPath,
      [join(repo, 'bin', 'concurrency-lens.js'), 'profile', file, '-f', 'killsItsParent'],
      { env: { ...process.env, SPAWN_MARKER: marker }, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      parent.once('exit', (_, signal) => resolve(signal)),
    );
    assert.equal(await exited, 'SIGKILL', 'the function killed the CLI');
    await sleep(2000);
    assert.deepEqual(processesWith(marker), [], 'no process of the run is left');
    assert.deepEqual(processesWith(file), [], 'the harness is gone');
    assert.deepEqual(sources(), ['src/spawns.mjs']);
    assert.deepEqual(runDirs(), [], 'the watchdog removed the run folder');
  });

  it('the CLI SIGKILLed mid-profile: no process of the run alive 2 s later, nothing left behind', async () => {
    const marker = `cl-test-cli-killed-${process.pid}`;
    const cli = spawn(
      process.execPath,
      [join(repo, 'bin', 'concurrency-lens.js'), 'profile', file, '-f', 'startsChildrenAndSpins'],
      { env: { ...process.env, SPAWN_MARKER: marker }, stdio: 'ignore' },
    );
    // wait until the function runs: both its children are up
    for (let i = 0; i < 200 && processesWith(marker).length < 2; i++) await sleep(50);
    assert.equal(processesWith(marker).length, 2, 'the function started its children');
    cli.kill('SIGKILL');
    await sleep(2000);
    assert.deepEqual(processesWith(marker), [], 'no process of the run is left');
    assert.deepEqual(sources(), ['src/spawns.mjs']);
    assert.deepEqual(runDirs(), [], 'the watchdog removed the run folder');
  });

  it('a stale run folder of a dead profiler is removed by the next run', async () => {
    const stale = join(project, 'node_modules', '.cache', 'concurrency-lens', 'run-999999999-deadbeef');
    mkdirSync(stale, { recursive: true });
    const result = await profileFunction({
      file,
      functionName: 'startsDetachedChildren',
      runs: 1,
      warmupMs: 0,
    });
    assert.ok(result.ok);
    assert.deepEqual(runDirs(), []);
  });
});
