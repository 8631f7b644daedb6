// extensionTestsPath entry: the extension host require()s this bundle and awaits `run()`.
// Mocha's reporter output goes nowhere here, so each result is logged with a `[test]` prefix (the
// runner relays those lines) and the whole run is written to CONCURRENCY_LENS_TEST_RESULTS.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

interface Results {
  passes: number;
  pending: number;
  failures: Array<{ title: string; error: string }>;
  tests: Array<{ title: string; state: string; durationMs?: number }>;
  durationMs: number;
  vscodeVersion: string;
  node: string;
}

export function run(): Promise<void> {
  const grep = process.env.CONCURRENCY_LENS_TEST_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    color: false,
    reporter: Mocha.reporters.Base,
    ...(grep ? { grep } : {}),
  });
  // The multi-root tests need a window opened on a .code-workspace (run.mjs --multi-root); the
  // others need the single fixture folder. Each run loads its own files.
  const multiRoot = process.env.CONCURRENCY_LENS_TEST_SUITE === 'multi-root';
  for (const file of readdirSync(__dirname).sort()) {
    if (!file.endsWith('.test.js')) continue;
    if ((file === 'multi-root.test.js') === multiRoot) mocha.addFile(path.join(__dirname, file));
  }
  const started = Date.now();
  const results: Results = {
    passes: 0,
    pending: 0,
    failures: [],
    tests: [],
    durationMs: 0,
    vscodeVersion: vscode.version,
    node: process.version,
  };
  const write = () => {
    const file = process.env.CONCURRENCY_LENS_TEST_RESULTS;
    if (!file) return;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2));
  };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      results.durationMs = Date.now() - started;
      write();
      console.log(`[test] ${results.passes} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
    runner.on('pass', (test) => {
      results.passes++;
      results.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
      console.log(`[test]   ok   ${test.fullTitle()} (${test.duration} ms)`);
    });
    runner.on('pending', (test) => {
      results.pending++;
      results.tests.push({ title: test.fullTitle(), state: 'pending' });
    });
    runner.on('fail', (test, error: Error) => {
      results.failures.push({ title: test.fullTitle(), error: error.stack ?? String(error) });
      results.tests.push({ title: test.fullTitle(), state: 'failed' });
      console.log(`[test]   FAIL ${test.fullTitle()}: ${error.message}`);
      write();
    });
  });
}
