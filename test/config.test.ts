import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultOptions, loadConfig, optionsFromConfig, validateConfig } from '../src/analysis/config.js';
import { allRules } from '../src/analysis/rules/index.js';
import { findingsOf } from './helpers/analyze.js';

describe('configuration', () => {
  it('defaults every rule to its catalog severity', () => {
    const options = defaultOptions();
    for (const rule of allRules)
      assert.equal(options.rules[rule.meta.id]?.severity, rule.meta.defaultSeverity);
    assert.equal(options.thresholds.ioBound, 0.4);
    assert.equal(options.thresholds.cpuBound, 0.7);
    assert.equal(options.thresholds.serializationFraction, 0.15);
  });

  it('applies per-rule severity, options and thresholds', () => {
    const options = optionsFromConfig({
      rules: { 'blocking-call': 'error', [allRules[0]!.meta.id]: { severity: 'info', options: { x: 1 } } },
      thresholds: { cpuBound: 0.8 },
    });
    assert.equal(options.rules[allRules[0]!.meta.id]?.severity, 'info');
    assert.deepEqual(options.rules[allRules[0]!.meta.id]?.options, { x: 1 });
    assert.equal(options.thresholds.cpuBound, 0.8);
    assert.equal(options.thresholds.ioBound, 0.4);
  });

  it('turns a rule off and changes its severity in findings', () => {
    const code = "import { readFileSync } from 'fs';\napp.get('/x', () => readFileSync('a'));";
    assert.equal(
      findingsOf('blocking-call', code, 'src/a.ts', { config: { rules: { 'blocking-call': 'off' } } }).length,
      0,
    );
    const [finding] = findingsOf('blocking-call', code, 'src/a.ts', {
      config: { rules: { 'blocking-call': 'error' } },
    });
    assert.equal(finding?.severity, 'error');
  });

  it('rejects unknown keys, unknown rules and bad values with readable messages', () => {
    assert.deepEqual(validateConfig({ rules: { 'blocking-call': 'warning' } }), []);
    assert.match(
      validateConfig({ rulez: {} }).join('\n'),
      /^rulez: unknown key \(allowed: \$schema, rules, include, /,
    );
    assert.match(
      validateConfig({ rules: { nope: 'off' } }).join('\n'),
      /^rules\.nope: unknown rule \(known: /,
    );
    assert.match(validateConfig({ thresholds: { ioBound: 2 } }).join('\n'), /must be <= 1/);
  });

  it('names the key and the allowed values, one line per problem', () => {
    assert.deepEqual(validateConfig({ rules: { 'blocking-call': 'fatal' } }), [
      'rules.blocking-call: must be one of error, warning, info, off (got "fatal")',
    ]);
    assert.deepEqual(validateConfig({ rules: { 'blocking-call': { severity: 'warning', level: 2 } } }), [
      'rules.blocking-call.level: unknown key (allowed: severity, options)',
    ]);
    assert.deepEqual(validateConfig({ thresholds: { ioBund: 0.1 } }), [
      'thresholds.ioBund: unknown key (allowed: ioBound, cpuBound, serializationFraction, heavyLoopIterations)',
    ]);
    for (const line of validateConfig({ rulez: 1, maxFileBytes: 'big', rules: { 'blocking-call': 'x' } }))
      assert.doesNotMatch(line, /\n/);
  });

  it('rejects an ioBound threshold above cpuBound', () => {
    assert.match(
      validateConfig({ thresholds: { ioBound: 0.8 } }).join('\n'),
      /thresholds\.ioBound \(0\.8\) must not be above thresholds\.cpuBound \(0\.7\)/,
    );
    assert.deepEqual(validateConfig({ thresholds: { ioBound: 0.5, cpuBound: 0.5 } }), []);
  });

  it('reports a folder or a FIFO given as the config file in one line, without reading it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-config-'));
    const folder = loadConfig(dir, true);
    assert.deepEqual(folder.errors, [`${dir}: a directory, not a regular file; expected a JSON file`]);
    const fifo = path.join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const piped = loadConfig(fifo, true); // would wait forever for a writer if it were opened for reading
    assert.deepEqual(piped.errors, [
      `${fifo}: a named pipe (FIFO), not a regular file; expected a JSON file`,
    ]);
  });

  it('finds .concurrency-lens.json in a parent folder and reports invalid JSON', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'cl-config-'));
    mkdirSync(path.join(root, 'src/deep'), { recursive: true });
    writeFileSync(
      path.join(root, '.concurrency-lens.json'),
      JSON.stringify({ mainThreadRulesInTests: true }),
    );
    const loaded = loadConfig(path.join(root, 'src/deep'));
    assert.equal(loaded.configFile, path.join(root, '.concurrency-lens.json'));
    assert.equal(loaded.options.mainThreadRulesInTests, true);
    writeFileSync(path.join(root, '.concurrency-lens.json'), '{ "rules": ');
    const broken = loadConfig(root);
    assert.match(broken.errors[0]!, /not valid JSON/);
    assert.equal(broken.options.mainThreadRulesInTests, false);
  });
});
