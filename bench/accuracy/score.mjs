// Scoring of the labelled real-code set, without I/O beyond reading sampled files: SARIF results
// against labels, per category and per rule. The matching is that of ../shared/tools/score.mjs:
//   positive: found when a result of one of the label's rules starts within [line-2, endLine+2] of
//             the same file;
//   negative: flagged when any result of a rule of the label's category lands in that range.
// Used by bench/accuracy.mjs and tested by test/bench/accuracy-score.test.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A label set that cannot be scored fairly. */
export class LabelError extends Error {}
function problem(message) {
  throw new LabelError(message);
}

export const TOLERANCE = 2;
export const CATEGORIES = ['main-thread', 'worker-data', 'worker-lifecycle', 'unbounded-queue'];
export const RULE_CATEGORY = {
  'blocking-call': 'main-thread',
  'cpu-heavy-loop': 'main-thread',
  'non-cloneable-message': 'worker-data',
  'copy-instead-of-transfer': 'worker-data',
  'use-after-transfer': 'worker-data',
  'unhandled-worker-error': 'worker-lifecycle',
  'unguarded-self-spawn': 'worker-lifecycle',
  'worker-per-task': 'worker-lifecycle',
  'oversized-pool': 'worker-lifecycle',
  'unbounded-array-queue': 'unbounded-queue',
  'unbounded-fan-out': 'unbounded-queue',
  'ignored-backpressure': 'unbounded-queue',
  'unbounded-queue-option': 'unbounded-queue',
};

export function normPath(p) {
  let s = String(p ?? '');
  if (/^file:/i.test(s)) {
    try {
      s = fileURLToPath(s);
    } catch {
      s = s.replace(/^file:\/*/i, '/');
    }
  } else {
    try {
      s = decodeURIComponent(s);
    } catch {
      // keep as is
    }
  }
  return s.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
}

/** SARIF results as { rule, category, file (absolute), line, message, suppressed }. */
export function resultsOf(sarif, cwd) {
  const results = [];
  for (const run of sarif.runs ?? []) {
    const bases = run.originalUriBaseIds ?? {};
    const baseOf = (id, depth = 0) => {
      const base = bases[id];
      if (!base || depth > 8) return '';
      const uri = normPath(base.uri);
      return base.uriBaseId ? path.posix.join(baseOf(base.uriBaseId, depth + 1), uri) : uri;
    };
    for (const r of run.results ?? []) {
      const rule = String(r.ruleId ?? '')
        .split(/[/:]/)
        .pop();
      const pl = r.locations?.[0]?.physicalLocation;
      const line = pl?.region?.startLine;
      if (!pl || typeof line !== 'number') continue;
      let file = normPath(pl.artifactLocation?.uri);
      if (!path.isAbsolute(file)) {
        const base = pl.artifactLocation?.uriBaseId ? baseOf(pl.artifactLocation.uriBaseId) : '';
        file = path.resolve(base || cwd, file);
      }
      results.push({
        rule,
        category: RULE_CATEGORY[rule] ?? 'unknown',
        file: normPath(file),
        line,
        message: r.message?.text ?? '',
        suppressed: (r.suppressions ?? []).length > 0,
      });
    }
  }
  return results;
}

// ---------- scoring ----------

export function scoreLabels(labels, results, dest) {
  const byFile = new Map();
  for (const r of results) {
    if (r.suppressed) continue;
    if (!byFile.has(r.file)) byFile.set(r.file, []);
    byFile.get(r.file).push(r);
  }
  return labels.map((label) => {
    const file = normPath(path.resolve(dest, label.package, label.file));
    const end = label.endLine ?? label.line;
    const near = (byFile.get(file) ?? []).filter(
      (r) => r.line >= label.line - TOLERANCE && r.line <= end + TOLERANCE,
    );
    if (label.kind === 'positive') {
      const hit = near.find((r) => label.rules.includes(r.rule));
      return { label, ok: Boolean(hit), by: hit ? [`${hit.rule}@${hit.line}`] : [] };
    }
    const bad = near.filter((r) => r.category === label.category);
    return { label, ok: bad.length === 0, by: bad.map((r) => `${r.rule}@${r.line}`) };
  });
}

export function tally(details) {
  const positives = details.filter((d) => d.label.kind === 'positive');
  const negatives = details.filter((d) => d.label.kind === 'negative');
  const hit = positives.filter((d) => d.ok).length;
  const flagged = negatives.filter((d) => !d.ok).length;
  return {
    positives: positives.length,
    hit,
    recall: positives.length ? hit / positives.length : null,
    negatives: negatives.length,
    flagged,
    flaggedShare: negatives.length ? flagged / negatives.length : null,
  };
}

export function summarise(details) {
  const byCategory = Object.fromEntries(
    CATEGORIES.map((c) => [c, tally(details.filter((d) => d.label.category === c))]),
  );
  const byRule = {};
  for (const rule of Object.keys(RULE_CATEGORY)) {
    const ds = details.filter((d) => d.label.rules[0] === rule);
    if (ds.length) byRule[rule] = tally(ds);
  }
  return { all: tally(details), byCategory, byRule };
}

// ---------- sampling (same generator as ../shared/tools/sample-findings.mjs) ----------

/**
 * N random findings (seeded) with code context, for a precision judgement. By default only findings
 * no label covers; with `all`, every finding (as a hidden sample of all findings would draw), each
 * one on a label marked with the label's verdict: on a positive of its rule, true; on a look-alike
 * of its category, false; else to be judged by hand.
 */
export function sample(results, labels, dest, n, seed, { all = false } = {}) {
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const covered = (r) =>
    labels.some(
      (l) =>
        r.file.endsWith(`/${l.package}/${l.file}`) &&
        r.line >= l.line - TOLERANCE &&
        r.line <= (l.endLine ?? l.line) + TOLERANCE,
    );
  const pool = results.filter((r) => !r.suppressed && (all || !covered(r)));
  const verdictOf = (r) => {
    const near = labels.filter(
      (l) =>
        r.file.endsWith(`/${l.package}/${l.file}`) &&
        r.line >= l.line - TOLERANCE &&
        r.line <= (l.endLine ?? l.line) + TOLERANCE,
    );
    const positive = near.find((l) => l.kind === 'positive' && l.rules.includes(r.rule));
    if (positive) return `label ${positive.id}: true (${positive.why})`;
    const negative = near.find((l) => l.kind === 'negative' && l.category === r.category);
    if (negative) return `label ${negative.id}: false (${negative.why})`;
    return 'no label: judge it';
  };
  const picks = [];
  while (picks.length < Math.min(n, pool.length)) {
    const i = Math.floor(rand() * pool.length);
    if (!picks.includes(i)) picks.push(i);
  }
  const lines = [
    `${pool.length} ${all ? '' : 'unlabelled '}findings; sample of ${picks.length} (seed ${seed}):`,
    '',
  ];
  for (const i of picks) {
    const r = pool[i];
    let context;
    try {
      const text = fs.readFileSync(r.file, 'utf8').split('\n');
      const first = Math.max(1, r.line - 7);
      context = text
        .slice(first - 1, r.line + 4)
        .map((t, k) => `${String(first + k).padStart(5)}| ${t.slice(0, 160)}`)
        .join('\n');
    } catch {
      context = '(file unreadable)';
    }
    lines.push(`### ${r.rule} ${path.relative(dest, r.file)}:${r.line}`, r.message);
    if (all) lines.push(verdictOf(r));
    lines.push(context, '');
  }
  return lines.join('\n');
}

/**
 * The held-out part of the set (packages and labels marked `heldout: true`, added to measure how the
 * judgement generalises; nobody tunes on them). mode 'only' keeps just that part, 'exclude' drops it,
 * anything else keeps the whole set. Returns a new manifest; the input is not changed.
 */
export function selectHeldout(manifest, mode) {
  if (mode !== 'only' && mode !== 'exclude') return manifest;
  const keep = (item) => Boolean(item.heldout) === (mode === 'only');
  const packages = manifest.packages.filter(keep);
  const names = new Set(packages.map((p) => p.name));
  return { ...manifest, packages, labels: manifest.labels.filter((l) => keep(l) && names.has(l.package)) };
}

/**
 * One batch of the held-out part (packages and labels with `batch: name`, added together and read
 * together), e.g. to score a batch added after others had tuned on the earlier held-out misses.
 * Returns a new manifest; the input is not changed.
 */
export function selectBatch(manifest, batch) {
  if (!batch) return manifest;
  const packages = manifest.packages.filter((p) => p.batch === batch);
  const names = new Set(packages.map((p) => p.name));
  return {
    ...manifest,
    packages,
    labels: manifest.labels.filter((l) => l.batch === batch && names.has(l.package)),
  };
}

/**
 * The group a held-out label is reported in: its batch, the hand-written packages (`local`), or the
 * first held-out batch (added before batches were named).
 */
export function heldoutGroup(label, packageOf) {
  if (label.batch) return `batch ${label.batch}`;
  return packageOf.get(label.package)?.local ? 'hand-written' : 'first held-out batch';
}

/** Labels that cannot be scored fairly are refused: unknown package or rule, duplicate id, or a
 * negative within ±2 lines of a positive of the same category, which no tool could satisfy. */
export function checkLabels(manifest, roleOf) {
  const ids = new Set();
  const heldoutPackages = new Set((manifest.packages ?? []).filter((p) => p.heldout).map((p) => p.name));
  const batchOf = new Map((manifest.packages ?? []).map((p) => [p.name, p.batch]));
  for (const l of manifest.labels) {
    if (ids.has(l.id)) problem(`duplicate label id ${l.id}`);
    ids.add(l.id);
    if (!roleOf.has(l.package)) problem(`label ${l.id} names package ${l.package}, not in the manifest`);
    if (!['positive', 'negative'].includes(l.kind))
      problem(`label ${l.id}: kind must be positive or negative`);
    if (!CATEGORIES.includes(l.category)) problem(`label ${l.id}: unknown category ${l.category}`);
    for (const r of l.rules)
      if (RULE_CATEGORY[r] !== l.category) problem(`label ${l.id}: rule ${r} is not in ${l.category}`);
    if (!(l.line > 0 && (l.endLine ?? l.line) >= l.line)) problem(`label ${l.id}: bad line range`);
    if (l.heldout && !heldoutPackages.has(l.package))
      problem(`label ${l.id} is held out but its package ${l.package} is not`);
    if (l.batch && batchOf.get(l.package) !== l.batch)
      problem(`label ${l.id} is in batch ${l.batch} but its package ${l.package} is not`);
  }
  for (const n of manifest.labels.filter((l) => l.kind === 'negative')) {
    const clash = manifest.labels.find(
      (p) =>
        p.kind === 'positive' &&
        p.package === n.package &&
        p.file === n.file &&
        p.category === n.category &&
        p.line <= (n.endLine ?? n.line) + TOLERANCE &&
        (p.endLine ?? p.line) >= n.line - TOLERANCE,
    );
    if (clash)
      problem(
        `negative ${n.id} lies within reach of positive ${clash.id}: a finding for one would score against the other`,
      );
  }
}

/**
 * Where the findings land: on a labelled positive (one of its rules, in its range), on a labelled
 * look-alike (its category, in its range), or on no label — the pool precision samples draw from.
 */
export function classifyFindings(results, labels, dest) {
  const byFile = new Map();
  for (const l of labels) {
    const file = normPath(path.resolve(dest, l.package, l.file));
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file).push(l);
  }
  const counts = { onPositive: 0, onNegative: 0, unlabelled: 0 };
  for (const r of results) {
    if (r.suppressed) continue;
    const near = (byFile.get(r.file) ?? []).filter(
      (l) => r.line >= l.line - TOLERANCE && r.line <= (l.endLine ?? l.line) + TOLERANCE,
    );
    if (near.some((l) => l.kind === 'positive' && l.rules.includes(r.rule))) counts.onPositive++;
    else if (near.some((l) => l.kind === 'negative' && l.category === r.category)) counts.onNegative++;
    else counts.unlabelled++;
  }
  return counts;
}
