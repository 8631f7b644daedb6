#!/usr/bin/env node
// Accuracy on real code nobody here wrote: scans every package of the labelled set
// (bench/accuracy/manifest.json, fetched with `npm pack` by bench/accuracy/fetch.mjs when missing)
// with the CLI, one package at a time, and scores the SARIF against the labels, separately for
// applications and libraries: recall on positives and the share of look-alike negatives flagged,
// per category and per rule, with the misses listed.
//
//   node bench/accuracy.mjs [--dest DIR] [--cli bin/concurrency-lens.js] [--json [file]]
//                           [--sarif out.sarif] [--quiet] [--sample N --seed S [--role application]]
//                           [--only pkg1,pkg2]   (a subset of the packages and their labels)
//
// Matching (the same as ../shared/tools/score.mjs, copied here so a clone can run it alone):
//   positive: found when a result of one of the label's rules starts within [line-2, endLine+2]
//             of the same file;
//   negative: violated when any result of a rule of the label's category lands in that range.
// --sample N --seed S prints N random findings (applications by default) that no label covers, with
// code context, for a precision judgement (same generator and order as sample-findings.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDest, fetchSet, readManifest, repoRoot } from './accuracy/fetch.mjs';

const TOLERANCE = 2;
const CATEGORIES = ['main-thread', 'worker-data', 'worker-lifecycle', 'unbounded-queue'];
const RULE_CATEGORY = {
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

function parseArgs(argv) {
  const args = {
    dest: defaultDest,
    cli: path.join(repoRoot, 'bin/concurrency-lens.js'),
    role: 'application',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) fail(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--dest') args.dest = path.resolve(value());
    else if (flag === '--cli') args.cli = path.resolve(value());
    else if (flag === '--sarif') args.sarif = path.resolve(value());
    else if (flag === '--json') args.json = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : '-';
    else if (flag === '--quiet') args.quiet = true;
    else if (flag === '--sample') args.sample = Number(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--role') args.role = value();
    else if (flag === '--only') args.only = value().split(',');
    else if (flag === '--help' || flag === '-h') {
      console.log(readFileHeader());
      process.exit(0);
    } else fail(`unknown argument ${flag}`);
  }
  if (args.sample !== undefined && !(args.sample > 0 && Number.isInteger(args.seed)))
    fail('--sample N needs a positive N and an integer --seed');
  return args;
}
function readFileHeader() {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('//'))
    .map((l) => l.replace(/^\/\/ ?/, ''))
    .join('\n');
}
function fail(message) {
  console.error(`accuracy: ${message}`);
  process.exit(2);
}

// ---------- scanning ----------

/** Runs the CLI on one package (cwd = DEST, so the repo's own .gitignore plays no part). */
function scanPackage(cli, dest, name) {
  const out = path.join(os.tmpdir(), `cl-accuracy-${process.pid}-${name.replace(/[@/]/g, '_')}.sarif`);
  const started = process.hrtime.bigint();
  const run = spawnSync(
    process.execPath,
    [cli, 'scan', name, '--no-gitignore', '--format', 'sarif', '--output', out],
    { cwd: dest, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // Exit 1 means "findings above the threshold"; anything else without a report is a failure.
  if (!fs.existsSync(out)) {
    throw new Error(
      `scan of ${name} failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().slice(0, 500)}`,
    );
  }
  const sarif = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  return { sarif, ms };
}

function normPath(p) {
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
function resultsOf(sarif, cwd) {
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

function scoreLabels(labels, results, dest) {
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

function tally(details) {
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

function summarise(details) {
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

function sample(results, labels, dest, n, seed) {
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
  const pool = results.filter((r) => !r.suppressed && !covered(r));
  const picks = [];
  while (picks.length < Math.min(n, pool.length)) {
    const i = Math.floor(rand() * pool.length);
    if (!picks.includes(i)) picks.push(i);
  }
  const lines = [`${pool.length} unlabelled findings; sample of ${picks.length} (seed ${seed}):`, ''];
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
    lines.push(`### ${r.rule} ${path.relative(dest, r.file)}:${r.line}`, r.message, context, '');
  }
  return lines.join('\n');
}

// ---------- report ----------

const fmt = (x) => (x === null ? ' n/a' : x.toFixed(2));
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
function row(name, t) {
  return `${pad(name, 28)}${lpad(t.positives, 4)}${lpad(t.hit, 5)}${lpad(fmt(t.recall), 8)}${lpad(t.negatives, 5)}${lpad(t.flagged, 6)}${lpad(fmt(t.flaggedShare), 8)}`;
}
function table(title, summary) {
  const out = [
    `${title}`,
    `${pad('', 28)}${lpad('P', 4)}${lpad('hit', 5)}${lpad('recall', 8)}${lpad('N', 5)}${lpad('flag', 6)}${lpad('fp', 8)}`,
    row('all', summary.all),
  ];
  for (const [c, t] of Object.entries(summary.byCategory))
    if (t.positives || t.negatives) out.push(row(c, t));
  for (const [r, t] of Object.entries(summary.byRule)) out.push(row(`  ${r}`, t));
  return out.join('\n');
}

/** Labels that cannot be scored fairly are refused: unknown package or rule, duplicate id, or a
 * negative within ±2 lines of a positive of the same category, which no tool could satisfy. */
function checkLabels(manifest, roleOf) {
  const ids = new Set();
  for (const l of manifest.labels) {
    if (ids.has(l.id)) fail(`duplicate label id ${l.id}`);
    ids.add(l.id);
    if (!roleOf.has(l.package)) fail(`label ${l.id} names package ${l.package}, not in the manifest`);
    if (!['positive', 'negative'].includes(l.kind)) fail(`label ${l.id}: kind must be positive or negative`);
    if (!CATEGORIES.includes(l.category)) fail(`label ${l.id}: unknown category ${l.category}`);
    for (const r of l.rules)
      if (RULE_CATEGORY[r] !== l.category) fail(`label ${l.id}: rule ${r} is not in ${l.category}`);
    if (!(l.line > 0 && (l.endLine ?? l.line) >= l.line)) fail(`label ${l.id}: bad line range`);
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
      fail(
        `negative ${n.id} lies within reach of positive ${clash.id}: a finding for one would score against the other`,
      );
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const manifest = readManifest();
  if (args.only) {
    // A quicker loop while working on a rule: only these packages and their labels.
    for (const name of args.only)
      if (!manifest.packages.some((p) => p.name === name)) fail(`--only: no package ${name} in the manifest`);
    manifest.packages = manifest.packages.filter((p) => args.only.includes(p.name));
    manifest.labels = manifest.labels.filter((l) => args.only.includes(l.package));
  }
  const roleOf = new Map(manifest.packages.map((p) => [p.name, p.role]));
  checkLabels(manifest, roleOf);
  try {
    fetchSet(args.dest, manifest);
  } catch (err) {
    fail(err.message);
  }
  for (const l of manifest.labels) {
    if (!fs.existsSync(path.join(args.dest, l.package, l.file)))
      fail(`label ${l.id}: no file ${l.package}/${l.file}`);
  }

  const results = [];
  const timings = {};
  for (const { name } of manifest.packages) {
    let scanned;
    try {
      scanned = scanPackage(args.cli, args.dest, name);
    } catch (err) {
      fail(err.message);
    }
    timings[name] = Math.round(scanned.ms);
    for (const r of resultsOf(scanned.sarif, args.dest))
      results.push({ ...r, package: name, role: roleOf.get(name) });
  }

  if (args.sarif) {
    // One merged SARIF run with absolute URIs, for ../shared/tools/sample-findings.mjs and score.mjs.
    const merged = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'Concurrency Lens' } },
          results: results.map((r) => ({
            ruleId: r.rule,
            message: { text: r.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: `file://${r.file}` },
                  region: { startLine: r.line },
                },
              },
            ],
            ...(r.suppressed ? { suppressions: [{ kind: 'inSource' }] } : {}),
          })),
        },
      ],
    };
    fs.writeFileSync(args.sarif, `${JSON.stringify(merged)}\n`);
  }

  if (args.sample !== undefined) {
    const pool = results.filter((r) => r.role === args.role);
    console.log(sample(pool, manifest.labels, args.dest, args.sample, args.seed));
    return;
  }

  const report = { labels: manifest.labels.length, findings: {}, roles: {}, misses: [], timingsMs: timings };
  const lines = [];
  for (const role of ['application', 'library']) {
    const labels = manifest.labels.filter((l) => roleOf.get(l.package) === role);
    const roleResults = results.filter((r) => r.role === role && !r.suppressed);
    const details = scoreLabels(labels, roleResults, args.dest);
    const summary = summarise(details);
    report.roles[role] = summary;
    report.findings[role] = roleResults.length;
    lines.push(
      table(
        `${role === 'library' ? 'libraries' : 'applications'}: ${roleResults.length} findings, ${labels.length} labels`,
        summary,
      ),
      '',
    );
    for (const d of details) {
      if (d.ok) continue;
      report.misses.push({
        id: d.label.id,
        role,
        kind: d.label.kind,
        rules: d.label.rules,
        at: `${d.label.package}/${d.label.file}:${d.label.line}`,
        by: d.by,
        why: d.label.why,
      });
    }
  }
  const all = scoreLabels(manifest.labels, results, args.dest);
  report.all = summarise(all);
  // Negatives taken from a precision sample were false findings of the build sampled, by
  // construction; the labels found by reading alone give a view free of that bias.
  const read = all.filter((d) => !d.label.source);
  for (const role of ['application', 'library']) {
    report.roles[role].readOnly = tally(read.filter((d) => roleOf.get(d.label.package) === role));
  }
  report.readOnly = tally(read);
  lines.push(table(`all: ${results.length} findings, ${manifest.labels.length} labels`, report.all));
  lines.push(
    '',
    'labels found by reading only (without those taken from precision samples):',
    row('  applications', report.roles.application.readOnly),
    row('  libraries', report.roles.library.readOnly),
    row('  all', report.readOnly),
  );

  if (args.json) {
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (args.json === '-') process.stdout.write(text);
    else fs.writeFileSync(args.json, text);
    if (args.json === '-') return;
  }
  console.log(lines.join('\n'));
  if (!args.quiet) {
    const missed = report.misses.filter((m) => m.kind === 'positive');
    const flagged = report.misses.filter((m) => m.kind === 'negative');
    if (missed.length) console.log('\nmissed positives:');
    for (const m of missed) console.log(`  ${m.id} ${m.rules.join(',')} ${m.at}  (${m.why})`);
    if (flagged.length) console.log('\nflagged negatives:');
    for (const m of flagged) console.log(`  ${m.id} ${m.at} <- ${m.by.join(' ')}  (${m.why})`);
  }
}

main();
