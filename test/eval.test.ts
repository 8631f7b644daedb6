// Labelled evaluation set (test/fixtures/eval): every rule's positives carry `// expect: <rule-id>`
// on the line a finding should start on, its look-alike negatives carry `// ok: <rule-id>`.
// Per rule: recall = positives found / positives, false-positive rate = negatives flagged / negatives.
// A positive also counts as found when a finding of the rule names its line in a call chain
// (a main-thread finding reported at the handler's call site).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultOptions } from '../src/analysis/config.js';
import { listSourceFiles } from '../src/analysis/list-files.js';
import { allRules } from '../src/analysis/rules/index.js';
import type { Finding } from '../src/analysis/types.js';
import { scan } from '../src/cli/scan.js';

const root = path.resolve(__dirname, 'fixtures/eval');
const MIN_RECALL = 0.9;
const MAX_FP_RATE = 0.05;

interface Label {
  file: string;
  line: number;
  ruleId: string;
  kind: 'expect' | 'ok';
}

function labelsOf(files: string[]): Label[] {
  const labels: Label[] = [];
  const marker = /\/\/ (expect|ok): ([\w-]+(?:\s*,\s*[\w-]+)*)/;
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const m = marker.exec(text);
        if (!m) return;
        for (const ruleId of m[2]!.split(',').map((s) => s.trim())) {
          labels.push({
            file: path.relative(root, file),
            line: i + 1,
            ruleId,
            kind: m[1] as 'expect' | 'ok',
          });
        }
      });
  }
  return labels;
}

function lineKeys(f: Finding): string[] {
  const keys = [`${path.relative(root, f.file)}:${f.range.start.line}`];
  for (const r of f.related ?? []) keys.push(`${path.relative(root, r.file)}:${r.range.start.line}`);
  return keys;
}

describe('evaluation set', () => {
  it('meets recall and false-positive targets for every rule', async () => {
    const { files } = await listSourceFiles([root], { baseDir: root });
    const labels = labelsOf(files);
    const result = await scan({ files, options: defaultOptions(), root, jobs: 1 });
    const findings = result.findings.filter((f) => !f.suppressed);

    const at = new Map<string, Set<string>>(); // rule -> primary "file:line" keys
    const anywhere = new Map<string, Set<string>>(); // rule -> primary and related keys
    for (const f of findings) {
      const keys = lineKeys(f);
      if (!at.has(f.ruleId)) at.set(f.ruleId, new Set());
      if (!anywhere.has(f.ruleId)) anywhere.set(f.ruleId, new Set());
      at.get(f.ruleId)!.add(keys[0]!);
      for (const k of keys) anywhere.get(f.ruleId)!.add(k);
    }
    const labelled = new Set(labels.map((l) => `${l.ruleId} ${l.file}:${l.line}`));

    const rows: string[] = [];
    const failures: string[] = [];
    const details: string[] = [];
    for (const rule of allRules) {
      const id = rule.meta.id;
      const pos = labels.filter((l) => l.ruleId === id && l.kind === 'expect');
      const neg = labels.filter((l) => l.ruleId === id && l.kind === 'ok');
      const found = pos.filter((l) => anywhere.get(id)?.has(`${l.file}:${l.line}`));
      const flagged = neg.filter((l) => at.get(id)?.has(`${l.file}:${l.line}`));
      const stray = [...(at.get(id) ?? [])].filter((k) => !labelled.has(`${id} ${k}`));
      const recall = pos.length ? found.length / pos.length : 1;
      const fpRate = neg.length ? flagged.length / neg.length : 0;
      rows.push(
        `${id.padEnd(26)} ${String(found.length).padStart(3)}/${String(pos.length).padEnd(3)} recall ${recall.toFixed(2)}   ` +
          `${String(flagged.length).padStart(3)}/${String(neg.length).padEnd(3)} fp ${fpRate.toFixed(2)}   stray ${stray.length}`,
      );
      for (const l of pos) if (!found.includes(l)) details.push(`  missed  ${id} ${l.file}:${l.line}`);
      for (const l of flagged) details.push(`  flagged ${id} ${l.file}:${l.line}`);
      for (const k of stray) details.push(`  stray   ${id} ${k}`);
      if (pos.length < 6 || neg.length < 6)
        failures.push(`${id}: too few labelled cases (${pos.length}+/${neg.length}-)`);
      if (recall < MIN_RECALL) failures.push(`${id}: recall ${recall.toFixed(2)} < ${MIN_RECALL}`);
      if (fpRate > MAX_FP_RATE)
        failures.push(`${id}: false-positive rate ${fpRate.toFixed(2)} > ${MAX_FP_RATE}`);
    }
    const unknown = labels.filter((l) => !allRules.some((r) => r.meta.id === l.ruleId));
    assert.deepEqual(unknown, [], 'labels name existing rules');
    console.log(
      ['rule                       found/pos          flagged/neg', ...rows, ...details].join('\n'),
    );
    assert.deepEqual(failures, []);
  });
});
