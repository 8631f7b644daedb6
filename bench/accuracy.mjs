#!/usr/bin/env node
// Accuracy on real code nobody here wrote: scans every package of the labelled set
// (bench/accuracy/manifest.json, fetched with `npm pack` by bench/accuracy/fetch.mjs when missing)
// with the CLI, one package at a time, and scores the SARIF against the labels, separately for
// applications and libraries: recall on positives and the share of look-alike negatives flagged,
// per category and per rule, with the misses listed.
//
//   node bench/accuracy.mjs [--dest DIR] [--cli bin/concurrency-lens.js] [--json [file]]
//                           [--sarif out.sarif] [--quiet] [--sample N --seed S [--role application]
//                                                             [--all-findings]]
//                           [--only pkg1,pkg2]   (a subset of the packages and their labels)
//                           [--manifest file]    (another label set, e.g. the one a sample was drawn on)
//                           [--heldout | --no-heldout]  (only the held-out part, or all but it)
//                           [--results merged.sarif]   (score a SARIF saved with --sarif, no scan)
//                           [--batch NAME]       (only one held-out batch, e.g. 2026-12-07b)
//
// Matching (bench/accuracy/score.mjs, the same as ../shared/tools/score.mjs, kept in the repo so a
// clone runs it alone):
//   positive: found when a result of one of the label's rules starts within [line-2, endLine+2]
//             of the same file;
//   negative: violated when any result of a rule of the label's category lands in that range.
// --sample N --seed S prints N random findings (applications by default) that no label covers, with
// code context, for a precision judgement (same generator and order as sample-findings.mjs);
// --all-findings draws from every finding instead (as a sample of all findings would), each one on a
// label shown with the label's verdict.
// Held-out packages and labels (`heldout: true` in the manifest) measure how the judgement
// generalises: nobody tunes on them. The whole-set tables include them; a separate section scores
// them alone (and the rest alone), and their misses are not listed unless --heldout is given.
// Held-out labels come in batches (`batch` on packages and labels; the hand-written packages and the
// first, unnamed batch are groups of their own): each group is also scored alone, so a batch added
// after others tuned on the earlier held-out misses shows how the judgement generalises now.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDest, fetchSet, readManifest, repoRoot } from './accuracy/fetch.mjs';
import {
  checkLabels,
  classifyFindings,
  heldoutGroup,
  LabelError,
  resultsOf,
  sample,
  scoreLabels,
  selectBatch,
  selectHeldout,
  summarise,
  tally,
} from './accuracy/score.mjs';

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
    else if (flag === '--manifest') args.manifest = path.resolve(value());
    else if (flag === '--heldout') args.heldout = 'only';
    else if (flag === '--no-heldout') args.heldout = 'exclude';
    else if (flag === '--batch') args.batch = value();
    else if (flag === '--all-findings') args.allFindings = true;
    else if (flag === '--results') args.results = path.resolve(value());
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
    .filter((l) => l.startsWith('//') && !l.includes('----------'))
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

function main() {
  const args = parseArgs(process.argv.slice(2));
  // --manifest: an older label set (e.g. `git show <commit>:bench/accuracy/manifest.json`), to
  // redraw a recorded precision sample exactly.
  const manifest = selectBatch(
    selectHeldout(args.manifest ? readManifest(args.manifest) : readManifest(), args.heldout),
    args.batch,
  );
  if (args.batch && !manifest.packages.length) fail(`--batch: no package in batch ${args.batch}`);
  if (args.only) {
    // A quicker loop while working on a rule: only these packages and their labels.
    for (const name of args.only)
      if (!manifest.packages.some((p) => p.name === name)) fail(`--only: no package ${name} in the manifest`);
    manifest.packages = manifest.packages.filter((p) => args.only.includes(p.name));
    manifest.labels = manifest.labels.filter((l) => args.only.includes(l.package));
  }
  const roleOf = new Map(manifest.packages.map((p) => [p.name, p.role]));
  const packageOf = new Map(manifest.packages.map((p) => [p.name, p]));
  try {
    checkLabels(manifest, roleOf);
  } catch (err) {
    if (err instanceof LabelError) fail(err.message);
    throw err;
  }
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
  const failures = [];
  if (args.results) {
    // A merged SARIF written earlier with --sarif: scored again (e.g. against labels added since)
    // without scanning; each result belongs to the package whose folder holds its file.
    const merged = JSON.parse(fs.readFileSync(args.results, 'utf8'));
    for (const run of merged.runs ?? [])
      for (const r of run.results ?? []) {
        const location = r.locations?.[0]?.physicalLocation?.artifactLocation;
        if (location?.uri?.startsWith('file://')) location.uri = location.uri.slice('file://'.length);
      }
    const dirs = manifest.packages
      .map((p) => ({ name: p.name, dir: `${path.join(args.dest, p.name)}/` }))
      .sort((a, b) => b.dir.length - a.dir.length);
    for (const r of resultsOf(merged, args.dest)) {
      const owner = dirs.find((d) => r.file.startsWith(d.dir));
      if (owner) results.push({ ...r, package: owner.name, role: roleOf.get(owner.name) });
    }
  }
  for (const { name } of args.results ? [] : manifest.packages) {
    let scanned;
    try {
      scanned = scanPackage(args.cli, args.dest, name);
    } catch (err) {
      // One package the CLI cannot scan must not hide the others: it scores as no findings
      // (its positives missed) and is named in the report.
      console.error(`accuracy: ${err.message}`);
      failures.push({ package: name, error: err.message });
      continue;
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
    // Hand-written packages (`local`) are not real code: precision samples draw from the rest.
    const handWritten = new Set(manifest.packages.filter((p) => p.local).map((p) => p.name));
    const pool = results.filter((r) => r.role === args.role && !handWritten.has(r.package));
    console.log(sample(pool, manifest.labels, args.dest, args.sample, args.seed, { all: args.allFindings }));
    return;
  }

  const report = {
    labels: manifest.labels.length,
    findings: {},
    roles: {},
    misses: [],
    failures,
    timingsMs: timings,
  };
  const lines = [];
  for (const role of ['application', 'library']) {
    const labels = manifest.labels.filter((l) => roleOf.get(l.package) === role);
    const roleResults = results.filter((r) => r.role === role && !r.suppressed);
    const details = scoreLabels(labels, roleResults, args.dest);
    const summary = summarise(details);
    report.roles[role] = summary;
    report.findings[role] = roleResults.length;
    report.landing = report.landing ?? {};
    report.landing[role] = classifyFindings(roleResults, labels, args.dest);
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
  // Held-out labels apart from the rest (only when the run has both).
  const heldoutDetails = all.filter((d) => d.label.heldout);
  if (heldoutDetails.length && heldoutDetails.length < all.length) {
    report.heldout = {};
    report.seen = {};
    for (const role of ['application', 'library']) {
      const ofRole = all.filter((d) => roleOf.get(d.label.package) === role);
      report.heldout[role] = summarise(ofRole.filter((d) => d.label.heldout));
      report.seen[role] = tally(ofRole.filter((d) => !d.label.heldout));
    }
    report.heldout.all = tally(heldoutDetails);
    report.seen.all = tally(all.filter((d) => !d.label.heldout));
    lines.push('', 'held-out labels (packages added to measure generalisation; not to tune on):');
    for (const role of ['application', 'library'])
      lines.push(
        '',
        table(`  held-out ${role === 'library' ? 'libraries' : 'applications'}`, report.heldout[role]),
      );
    lines.push(
      '',
      'held-out vs the rest:',
      row('  held-out applications', report.heldout.application.all),
      row('  held-out libraries', report.heldout.library.all),
      row('  held-out all', report.heldout.all),
      row('  rest applications', report.seen.application),
      row('  rest libraries', report.seen.library),
      row('  rest all', report.seen.all),
    );
  }
  // Each held-out group alone (batches, hand-written, the first batch), per role.
  const groups = new Map();
  for (const d of heldoutDetails) {
    const key = heldoutGroup(d.label, packageOf);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  if (groups.size) {
    report.heldoutGroups = {};
    lines.push('', 'held-out groups:');
    for (const [key, details] of groups) {
      report.heldoutGroups[key] = {};
      for (const role of ['application', 'library']) {
        const ofRole = details.filter((d) => roleOf.get(d.label.package) === role);
        if (!ofRole.length) continue;
        report.heldoutGroups[key][role] = tally(ofRole);
        lines.push(row(`  ${key} ${role === 'library' ? 'libs' : 'apps'}`.slice(0, 27), tally(ofRole)));
      }
    }
    for (const [key, details] of groups) {
      if (!key.startsWith('batch ')) continue;
      const summary = summarise(details);
      report.heldoutGroups[key].all = summary;
      lines.push('', table(`  ${key}, per rule (both roles)`, summary));
    }
  }

  if (args.json) {
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (args.json === '-') process.stdout.write(text);
    else fs.writeFileSync(args.json, text);
    if (args.json === '-') return;
  }
  for (const role of ['application', 'library']) {
    const l = report.landing[role];
    lines.push(
      `${role === 'library' ? 'library' : 'application'} findings: ${l.onPositive} on labelled positives, ${l.onNegative} on labelled look-alikes, ${l.unlabelled} on no label`,
    );
  }
  console.log(lines.join('\n'));
  for (const f of failures)
    console.log(`\nSCAN FAILED for ${f.package}: its labels score as if it had no findings`);
  if (!args.quiet) {
    // Held-out misses stay out of the list unless asked for (--heldout): they are not to tune on.
    const heldoutIds = new Set(manifest.labels.filter((l) => l.heldout).map((l) => l.id));
    const listed = report.misses.filter((m) => args.heldout === 'only' || !heldoutIds.has(m.id));
    if (listed.length < report.misses.length)
      console.log(
        `\n(${report.misses.length - listed.length} held-out labels missed or flagged are not listed; --heldout lists them)`,
      );
    const missed = listed.filter((m) => m.kind === 'positive');
    const flagged = listed.filter((m) => m.kind === 'negative');
    if (missed.length) console.log('\nmissed positives:');
    for (const m of missed) console.log(`  ${m.id} ${m.rules.join(',')} ${m.at}  (${m.why})`);
    if (flagged.length) console.log('\nflagged negatives:');
    for (const m of flagged) console.log(`  ${m.id} ${m.at} <- ${m.by.join(' ')}  (${m.why})`);
  }
}

main();
