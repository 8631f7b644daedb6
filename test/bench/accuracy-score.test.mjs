// The scorer of the real-code accuracy set (bench/accuracy/score.mjs) on hand-made SARIF: the
// matching rules that every recorded figure rests on, and the labelled set in the repo itself.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fetchSet } from '../../bench/accuracy/fetch.mjs';
import {
  checkLabels,
  classifyFindings,
  heldoutGroup,
  LabelError,
  RULE_CATEGORY,
  resultsOf,
  sample,
  scoreLabels,
  selectBatch,
  selectHeldout,
  summarise,
} from '../../bench/accuracy/score.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dest = '/set';

function label(id, kind, rule, line, endLine = line, file = 'lib/a.js') {
  return {
    id,
    package: 'pkg',
    file,
    line,
    endLine,
    kind,
    category: RULE_CATEGORY[rule],
    rules: [rule],
    why: 'test',
  };
}
function result(rule, line, file = 'lib/a.js', extra = {}) {
  return {
    rule,
    category: RULE_CATEGORY[rule],
    file: `${dest}/pkg/${file}`,
    line,
    message: '',
    suppressed: false,
    ...extra,
  };
}
const verdict = (labels, results) => scoreLabels(labels, results, dest).map((d) => d.ok);

describe('accuracy scorer', () => {
  it('finds a positive only with one of its rules, within two lines of its range', () => {
    const p = label('P1', 'positive', 'blocking-call', 10, 12);
    assert.deepEqual(verdict([p], [result('blocking-call', 14)]), [true]);
    assert.deepEqual(verdict([p], [result('blocking-call', 15)]), [false]);
    assert.deepEqual(verdict([p], [result('blocking-call', 7)]), [false]);
    assert.deepEqual(verdict([p], [result('cpu-heavy-loop', 11)]), [false], 'same category, other rule');
    assert.deepEqual(verdict([p], [result('blocking-call', 11, 'lib/b.js')]), [false], 'other file');
  });

  it('flags a negative with any rule of its category, and only of its category', () => {
    const n = label('N1', 'negative', 'blocking-call', 20);
    assert.deepEqual(verdict([n], [result('cpu-heavy-loop', 22)]), [false]);
    assert.deepEqual(verdict([n], [result('unbounded-array-queue', 20)]), [true]);
    assert.deepEqual(verdict([n], [result('blocking-call', 23)]), [true]);
  });

  it('ignores suppressed results', () => {
    const p = label('P1', 'positive', 'blocking-call', 10);
    const n = label('N1', 'negative', 'blocking-call', 30);
    const suppressed = { suppressed: true };
    assert.deepEqual(
      verdict(
        [p, n],
        [
          result('blocking-call', 10, 'lib/a.js', suppressed),
          result('blocking-call', 30, 'lib/a.js', suppressed),
        ],
      ),
      [false, true],
    );
  });

  it('tallies recall and the share of negatives flagged per category and per rule', () => {
    const labels = [
      label('P1', 'positive', 'blocking-call', 10),
      label('P2', 'positive', 'blocking-call', 40),
      label('N1', 'negative', 'cpu-heavy-loop', 70),
      label('N2', 'negative', 'unbounded-fan-out', 90),
    ];
    const summary = summarise(
      scoreLabels(labels, [result('blocking-call', 10), result('blocking-call', 71)], dest),
    );
    assert.equal(summary.all.recall, 0.5);
    assert.equal(summary.all.flaggedShare, 0.5);
    assert.equal(summary.byCategory['main-thread'].flagged, 1);
    assert.equal(summary.byCategory['unbounded-queue'].flagged, 0);
    assert.equal(summary.byRule['blocking-call'].hit, 1);
    assert.equal(summary.byRule['cpu-heavy-loop'].flaggedShare, 1);
  });

  it('tells findings on labelled positives, on look-alikes and on no label apart', () => {
    const labels = [
      label('P1', 'positive', 'blocking-call', 10),
      label('N1', 'negative', 'cpu-heavy-loop', 30),
    ];
    const counts = classifyFindings(
      [
        result('blocking-call', 11),
        result('cpu-heavy-loop', 11),
        result('blocking-call', 31),
        result('unbounded-array-queue', 30),
        result('blocking-call', 50),
      ],
      labels,
      dest,
    );
    assert.deepEqual(counts, { onPositive: 1, onNegative: 1, unlabelled: 3 });
  });

  it('resolves SARIF locations against their uriBaseId', () => {
    const sarif = {
      runs: [
        {
          originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///set/pkg/' } },
          results: [
            {
              ruleId: 'concurrency-lens/blocking-call',
              message: { text: 'm' },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'lib/a.js', uriBaseId: '%SRCROOT%' },
                    region: { startLine: 3 },
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const [r] = resultsOf(sarif, '/elsewhere');
    assert.equal(r.file, '/set/pkg/lib/a.js');
    assert.equal(r.rule, 'blocking-call');
    assert.equal(r.category, 'main-thread');
  });

  it('refuses labels that cannot be scored fairly', () => {
    const roles = new Map([['pkg', 'application']]);
    const clash = {
      labels: [label('P1', 'positive', 'blocking-call', 10), label('N1', 'negative', 'cpu-heavy-loop', 12)],
    };
    assert.throws(() => checkLabels(clash, roles), LabelError);
    const wrongCategory = {
      labels: [{ ...label('P1', 'positive', 'blocking-call', 10), category: 'worker-data' }],
    };
    assert.throws(() => checkLabels(wrongCategory, roles), LabelError);
    const farApart = {
      labels: [label('P1', 'positive', 'blocking-call', 10), label('N1', 'negative', 'cpu-heavy-loop', 13)],
    };
    assert.doesNotThrow(() => checkLabels(farApart, roles));
  });

  it('samples the same findings for the same seed, none of them on a labelled line', () => {
    const labels = [label('P1', 'positive', 'blocking-call', 10)];
    const results = Array.from({ length: 30 }, (_, i) => result('blocking-call', 5 + i * 3));
    const a = sample(results, labels, dest, 5, 42);
    assert.equal(a, sample(results, labels, dest, 5, 42));
    assert.notEqual(a, sample(results, labels, dest, 5, 43));
    assert.match(a, /^28 unlabelled findings; sample of 5 \(seed 42\)/);
    assert.doesNotMatch(a, /a\.js:(8|11)\n/);
  });

  it('samples from all findings on request, each one on a label shown with its verdict', () => {
    const labels = [
      label('P1', 'positive', 'blocking-call', 10),
      label('N1', 'negative', 'cpu-heavy-loop', 40),
    ];
    const results = [result('blocking-call', 10), result('cpu-heavy-loop', 41), result('blocking-call', 70)];
    const text = sample(results, labels, dest, 3, 7, { all: true });
    assert.match(text, /^3 findings; sample of 3 \(seed 7\)/);
    assert.match(text, /a\.js:10\n\nlabel P1: true \(test\)/);
    assert.match(text, /a\.js:41\n\nlabel N1: false \(test\)/);
    assert.match(text, /a\.js:70\n\nno label: judge it/);
    assert.match(sample(results, labels, dest, 3, 7), /^1 unlabelled findings; sample of 1/);
  });

  it('keeps the held-out part apart: only it, all but it, or the whole set', () => {
    const manifest = {
      packages: [
        { name: 'pkg', version: '1.0.0', role: 'application' },
        { name: 'new', version: '1.0.0', role: 'library', heldout: true },
      ],
      labels: [
        label('P1', 'positive', 'blocking-call', 10),
        { ...label('H1', 'positive', 'blocking-call', 10), package: 'new', heldout: true },
        // a later label in a held-out package that is not itself held out (a precision round's)
        { ...label('S1', 'negative', 'cpu-heavy-loop', 40), package: 'new' },
      ],
    };
    const ids = (m) => [m.packages.map((p) => p.name), m.labels.map((l) => l.id)];
    assert.deepEqual(ids(selectHeldout(manifest, 'only')), [['new'], ['H1']]);
    assert.deepEqual(ids(selectHeldout(manifest, 'exclude')), [['pkg'], ['P1']]);
    assert.equal(selectHeldout(manifest, undefined), manifest);
    assert.equal(manifest.labels.length, 3, 'the input is not changed');
    const roles = new Map(manifest.packages.map((p) => [p.name, p.role]));
    assert.doesNotThrow(() => checkLabels(manifest, roles));
    const stray = {
      ...manifest,
      labels: [{ ...label('H2', 'positive', 'blocking-call', 10), heldout: true }],
    };
    assert.throws(() => checkLabels(stray, roles), /held out but its package pkg is not/);
  });

  it('scores a held-out batch alone and names the group of every held-out label', () => {
    const manifest = {
      packages: [
        { name: 'old', version: '1.0.0', role: 'application', heldout: true },
        { name: 'hand', version: '0.0.0', role: 'application', heldout: true, local: 'fixtures/hand' },
        { name: 'b', version: '1.0.0', role: 'library', heldout: true, batch: '2026-12-07b' },
      ],
      labels: [
        { ...label('H1', 'positive', 'blocking-call', 10), package: 'old', heldout: true },
        { ...label('H2', 'positive', 'blocking-call', 10), package: 'hand', heldout: true },
        {
          ...label('B1', 'negative', 'cpu-heavy-loop', 10),
          package: 'b',
          heldout: true,
          batch: '2026-12-07b',
        },
      ],
    };
    const only = selectBatch(manifest, '2026-12-07b');
    assert.deepEqual([only.packages.map((p) => p.name), only.labels.map((l) => l.id)], [['b'], ['B1']]);
    assert.equal(selectBatch(manifest, undefined), manifest);
    const packageOf = new Map(manifest.packages.map((p) => [p.name, p]));
    assert.deepEqual(
      manifest.labels.map((l) => heldoutGroup(l, packageOf)),
      ['first held-out batch', 'hand-written', 'batch 2026-12-07b'],
    );
    const roles = new Map(manifest.packages.map((p) => [p.name, p.role]));
    assert.doesNotThrow(() => checkLabels(manifest, roles));
    const stray = {
      ...manifest,
      labels: [
        {
          ...label('B2', 'negative', 'cpu-heavy-loop', 10),
          package: 'old',
          heldout: true,
          batch: '2026-12-07b',
        },
      ],
    };
    assert.throws(() => checkLabels(stray, roles), /in batch 2026-12-07b but its package old is not/);
  });

  it('copies a hand-written package kept in the repo afresh, without npm', () => {
    const dest = mkdtempSync(path.join(os.tmpdir(), 'cl-accuracy-test-'));
    try {
      const manifest = {
        packages: [
          {
            name: 'handwritten-lib',
            version: '0.0.0',
            role: 'library',
            local: 'bench/accuracy/fixtures/handwritten-lib',
          },
        ],
      };
      writeFileSync(path.join(dest, 'stale.txt'), 'x');
      fetchSet(dest, manifest, () => {});
      writeFileSync(path.join(dest, 'handwritten-lib', 'left-over.js'), 'x');
      fetchSet(dest, manifest, () => {});
      assert.ok(existsSync(path.join(dest, 'handwritten-lib', 'lib/index.js')));
      assert.ok(!existsSync(path.join(dest, 'handwritten-lib', 'left-over.js')), 'copied afresh');
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  it('accepts the labelled set in the repo', () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, 'bench/accuracy/manifest.json'), 'utf8'));
    const roles = new Map(manifest.packages.map((p) => [p.name, p.role]));
    assert.doesNotThrow(() => checkLabels(manifest, roles));
    assert.ok(manifest.labels.length >= 150, 'at least 150 labels');
    for (const role of ['application', 'library']) {
      assert.ok(
        manifest.packages.filter((p) => p.role === role).length >= 10,
        `at least 10 ${role} packages`,
      );
      assert.ok(
        manifest.packages.every((p) => /^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(p.version)),
        'exact pinned versions',
      );
    }
    for (const kind of ['positive', 'negative']) {
      const categories = new Set(manifest.labels.filter((l) => l.kind === kind).map((l) => l.category));
      assert.equal(categories.size, 4, `${kind}s in all four categories`);
    }
    assert.ok(
      manifest.labels.every((l) => l.why && !l.why.includes('\n')),
      'a one-line why for each label',
    );
    const heldout = selectHeldout(manifest, 'only');
    for (const role of ['application', 'library'])
      assert.ok(
        heldout.packages.filter((p) => p.role === role).length >= 5,
        `at least 5 held-out ${role} packages`,
      );
    assert.ok(heldout.labels.length >= 60, 'at least 60 held-out labels');
  });
});
