// Fuzz harness: mutates real source files and scans them the ways a user would, then prints what
// went wrong. For each batch of mutated files (and the same files unmutated, the control) it runs
//   - a per-file timing pass over mutated and control files, in a child process over the bundled
//     engine (dist/cli.js), which names the file when one is slow or hangs; and
//   - the real CLI (`bin/concurrency-lens.js scan --format json`) over the mutated files untyped,
//     with `--jobs 2`, and typed (a tsconfig.json in the folder), each in a fresh process with a
//     time limit of 10x the control files' analysis time;
// and reports crashes (exit 2, a signal, a stack on stderr, "analysis failed" notes), hangs (a file
// over 10x its unmutated control and over the floor, or a run over its time limit), dropped files
// (written but neither analysed nor noted), findings that differ between 1 and 2 threads, the
// worst per-file time and the peak RSS of each mode (the kernel's high-water mark, worker
// threads included).
//
// Usage: node bench/fuzz.mjs [--seed n] [--count n] [--batch n] [--modes untyped,jobs2,typed]
//          [--kinds a,b,…] [--source dir] [--keep] [--check]
//   --source: folder of real .js/.ts files (default: the perf corpus in /tmp/cl-perf-corpus if
//             present, else this repo's node_modules); --check: exit 1 on any crash, hang or drop.
// Build first (npm run build): it measures the bundled code, as users run it.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin/concurrency-lens.js');
/** A file slower than this many times its control is a hang, if also slower than HANG_FLOOR_MS. */
const HANG_RATIO = 10;
const HANG_FLOOR_MS = 1000;
/** Source files larger than this are not taken (a batch stays quick; size limits are tested elsewhere). */
const MAX_SOURCE_BYTES = 256 * 1024;

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '500' },
    batch: { type: 'string', default: '500' },
    modes: { type: 'string', default: 'untyped,jobs2,typed' },
    kinds: { type: 'string' },
    source: { type: 'string' },
    keep: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'time-one': { type: 'string' }, // internal: the per-file timing child
  },
});

// ---- the per-file timing child ---------------------------------------------------------------
if (values['time-one']) {
  const api = createRequire(import.meta.url)(path.join(repo, 'dist/cli.js'));
  const options = api.defaultOptions();
  // writeSync: process.exit() below must not drop lines still queued on the pipe.
  const files = readFileSync(values['time-one'], 'utf8').split('\n').filter(Boolean);
  for (const file of files) {
    writeSync(1, `start ${file}\n`);
    const started = performance.now();
    const analysis = api.analyzePath(file, options, path.dirname(file));
    const ms = performance.now() - started;
    const failed = analysis.skipped?.reason === 'internal-error' && !analysis.skipped.partial;
    writeSync(
      1,
      `${JSON.stringify({ file, ms, failed, detail: failed ? analysis.skipped.detail : undefined })}\n`,
    );
  }
  process.exit(0);
}

// ---- mutations ---------------------------------------------------------------------------------
/** mulberry32: small, seedable, the same sequence on every machine. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '=>',
  '`',
  "'",
  '"',
  '/*',
  '*/',
  '//',
  '${',
  '\\',
  '<',
  '>',
  'function ',
  'async ',
  'await ',
  'yield ',
  'class ',
  'new ',
  'return ',
  'if (',
  'for (;;) ',
  'while (x) ',
  '\u0000',
  '\r',
  '\u2028',
  '\uFEFF',
  '\uD800',
  '#!',
  '@',
  '?.',
  '??',
  '...',
  '\n',
];
const SNIPPETS = [
  'new Worker(__filename, { workerData: x });\n',
  "app.get('/a', (req, res) => res.send(require('fs').readFileSync('x')));\n",
  'worker.postMessage({ fn: () => 1, buf }, [buf.buffer]);\n',
  'for (let i = 0; i < 1e9; i++) total += i;\n',
  "const queue = []; emitter.on('data', (d) => queue.push(d));\n",
  'await Promise.all(items.map((i) => fetch(i)));\n',
  'stream.write(chunk);\n',
  '// concurrency-lens-ignore-next-line\n',
  '// concurrency-lens-ignore-file blocking-call -- reason\n',
  "const { Worker, parentPort } = require('node:worker_threads');\n",
];

/** Each kind: (text, random) -> text. */
const MUTATIONS = {
  truncate: (text, r) => text.slice(0, Math.floor(r() * text.length)),
  'delete-spans': (text, r) => {
    let out = text;
    for (let i = 0, n = 1 + Math.floor(r() * 8); i < n && out.length > 0; i++) {
      const at = Math.floor(r() * out.length);
      out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 200));
    }
    return out;
  },
  'insert-tokens': (text, r) => {
    let out = text;
    for (let i = 0, n = 1 + Math.floor(r() * 20); i < n; i++) {
      const at = Math.floor(r() * (out.length + 1));
      out = out.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + out.slice(at);
    }
    return out;
  },
  'duplicate-span': (text, r) => {
    const from = Math.floor(r() * text.length);
    const span = text.slice(from, from + Math.floor(r() * 4000));
    const at = Math.floor(r() * (text.length + 1));
    return text.slice(0, at) + span.repeat(1 + Math.floor(r() * 5)) + text.slice(at);
  },
  'swap-lines': (text, r) => {
    const lines = text.split('\n');
    for (let i = 0, n = 1 + Math.floor(r() * 30); i < n; i++) {
      const a = Math.floor(r() * lines.length);
      const b = Math.floor(r() * lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
    }
    return lines.join('\n');
  },
  nest: (text, r) => {
    // Deep nesting of the kinds that overflowed stacks before: callbacks, chains, concatenations, ifs.
    const depth = 50 + Math.floor(r() * 1200);
    const shapes = [
      () => `${'f(() => {\n'.repeat(Math.min(depth, 300))}g();\n${'});\n'.repeat(Math.min(depth, 300))}`,
      () => `x = y${'\n  .then((v) => v)'.repeat(depth)};\n`,
      () => `s = ${Array.from({ length: depth * 2 }, (_, i) => `'t${i}'`).join(' +\n  ')};\n`,
      () => `${'if (a) {\n'.repeat(depth)}h();\n${'}\n'.repeat(depth)}`,
      () => `v = ${'['.repeat(Math.min(depth, 600))}1${']'.repeat(Math.min(depth, 600))};\n`,
    ];
    const at = text.indexOf('\n', Math.floor(r() * text.length)) + 1;
    return text.slice(0, at) + shapes[Math.floor(r() * shapes.length)]() + text.slice(at);
  },
  'concurrency-snippets': (text, r) => {
    const lines = text.split('\n');
    for (let i = 0, n = 1 + Math.floor(r() * 10); i < n; i++) {
      lines.splice(Math.floor(r() * (lines.length + 1)), 0, SNIPPETS[Math.floor(r() * SNIPPETS.length)]);
    }
    return lines.join('\n');
  },
  'line-endings': (text, r) => (r() < 0.5 ? text.replace(/\r?\n/g, '\r') : text.replace(/\r?\n/g, '\r\n')),
  'many-suppressions': (text, r) =>
    text.replace(/\n/g, () =>
      r() < 0.5 ? '\n// concurrency-lens-ignore-next-line blocking-call -- x\n' : '\n',
    ),
  encoding: (text, r) => {
    // Returned as bytes: UTF-16 with a BOM (either order) or stray bytes that are not UTF-8.
    const choice = Math.floor(r() * 3);
    if (choice === 0) return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    if (choice === 1) {
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      return le.swap16();
    }
    const bytes = Buffer.from(text);
    for (let i = 0; i < 10 && bytes.length > 0; i++)
      bytes[Math.floor(r() * bytes.length)] = 0x80 + Math.floor(r() * 0x7f);
    return bytes;
  },
};

// ---- the run -------------------------------------------------------------------------------------
const seed = Number(values.seed);
const count = Number(values.count);
const batchSize = Number(values.batch);
const modes = values.modes.split(',');
const kinds = values.kinds ? values.kinds.split(',') : Object.keys(MUTATIONS);
for (const kind of kinds)
  if (!MUTATIONS[kind])
    throw new Error(`unknown mutation kind ${kind}: ${Object.keys(MUTATIONS).join(', ')}`);
if (!existsSync(path.join(repo, 'dist/cli.js'))) throw new Error('build first: npm run build');

const sourceDir =
  values.source ??
  (existsSync('/tmp/cl-perf-corpus') ? '/tmp/cl-perf-corpus' : path.join(repo, 'node_modules'));
const sources = listSources(sourceDir);
if (sources.length === 0) throw new Error(`no .js/.ts files under ${sourceDir}`);
const random = prng(seed);
const work = mkdtempSync(path.join(os.tmpdir(), 'cl-fuzz-'));
const rssHook = path.join(work, 'rss-on-exit.cjs');
writeFileSync(
  rssHook,
  "process.on('exit', () => process.stderr.write(`\\n@@maxrss ${process.resourceUsage().maxRSS}\\n`));\n",
);

console.log(
  `fuzz: seed ${seed}, ${count} files in batches of ${batchSize}, modes ${modes.join(' ')}, kinds ${kinds.join(' ')}, from ${sources.length} files under ${sourceDir}`,
);
const totals = {
  files: 0,
  crashes: [],
  hangs: [],
  dropped: [],
  differing: 0,
  worstMs: { ms: 0 },
  peakRssKb: Object.fromEntries(modes.map((m) => [m, 0])),
  byKind: Object.fromEntries(kinds.map((k) => [k, 0])),
};
const started = performance.now();
for (let done = 0; done < count; done += batchSize) {
  await runBatch(done, Math.min(batchSize, count - done));
}
const seconds = (performance.now() - started) / 1000;

console.log(`\n${totals.files} mutated files, ${seconds.toFixed(0)} s`);
console.log(
  `  by kind: ${Object.entries(totals.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}`,
);
console.log(`  crashes: ${totals.crashes.length}${list(totals.crashes)}`);
console.log(
  `  hangs (>${HANG_RATIO}x control and >${HANG_FLOOR_MS} ms, or over the run's limit): ${totals.hangs.length}${list(totals.hangs)}`,
);
console.log(`  dropped files: ${totals.dropped.length}${list(totals.dropped)}`);
console.log(`  files whose findings differ between 1 and 2 threads: ${totals.differing}`);
console.log(
  `  worst per-file time: ${totals.worstMs.ms.toFixed(0)} ms (${totals.worstMs.file ?? '-'}, control ${totals.worstMs.control?.toFixed(0) ?? '-'} ms)`,
);
console.log(
  `  peak RSS: ${modes.map((m) => `${m} ${(totals.peakRssKb[m] / 1024).toFixed(0)} MB`).join(', ')}`,
);
if (!values.keep) rmSync(work, { recursive: true, force: true });
else console.log(`  files kept in ${work}`);
if (values.check && totals.crashes.length + totals.hangs.length + totals.dropped.length > 0) process.exit(1);

async function runBatch(offset, size) {
  const mutated = path.join(work, `batch-${offset}`, 'mutated');
  const control = path.join(work, `batch-${offset}`, 'control');
  const pairs = [];
  for (let i = 0; i < size; i++) {
    const source = sources[Math.floor(random() * sources.length)];
    const kind = kinds[Math.floor(random() * kinds.length)];
    const text = readFileSync(source, 'utf8');
    // Two mutations in a row sometimes: the kinds combine (a truncated file with deep nesting).
    let out = MUTATIONS[kind](text, random);
    if (random() < 0.2 && typeof out === 'string')
      out = MUTATIONS[kinds[Math.floor(random() * kinds.length)]](out, random);
    const name = `${String(offset + i).padStart(5, '0')}-${path.basename(source)}`;
    for (const [dir, content] of [
      [mutated, out],
      [control, text],
    ]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    pairs.push({ name, kind, source });
    totals.byKind[kind]++;
  }
  totals.files += size;
  const tsconfig = JSON.stringify({ compilerOptions: { allowJs: true, checkJs: false, noEmit: true } });

  // Per-file times, mutated against control, in one child each (a hang names its file).
  const times = {};
  for (const dir of [control, mutated])
    times[dir] = await timeFiles(
      dir,
      pairs.map((p) => path.join(dir, p.name)),
    );
  for (const { name, kind } of pairs) {
    const m = times[mutated][name];
    const c = times[control][name];
    if (!m) continue; // counted as a hang by timeFiles
    if (m.failed) totals.crashes.push(`${name} (${kind}): analysis failed: ${m.detail}`);
    if (m.ms > HANG_FLOOR_MS && m.ms > HANG_RATIO * (c?.ms ?? Number.POSITIVE_INFINITY))
      totals.hangs.push(`${name} (${kind}): ${m.ms.toFixed(0)} ms vs ${c.ms.toFixed(0)} ms unmutated`);
    if (m.ms > totals.worstMs.ms) totals.worstMs = { ms: m.ms, file: `${name} (${kind})`, control: c?.ms };
  }

  // The CLI in each mode over the mutated files. Its time limit comes from the unmutated files'
  // analysis time (x10, x3 more for building a typed program, at least two minutes).
  const controlMs = Object.values(times[control]).reduce((sum, t) => sum + t.ms, 0);
  const findingsByMode = {};
  for (const mode of modes) {
    if (mode === 'typed') writeFileSync(path.join(mutated, 'tsconfig.json'), tsconfig);
    else rmSync(path.join(mutated, 'tsconfig.json'), { force: true });
    const args = ['scan', '.', '--format', 'json', ...(mode === 'jobs2' ? ['--jobs', '2'] : ['--jobs', '1'])];
    const limit = Math.max(120_000, HANG_RATIO * controlMs * (mode === 'typed' ? 3 : 1));
    const run = await runCli(args, mutated, limit);
    totals.peakRssKb[mode] = Math.max(totals.peakRssKb[mode], run.maxRssKb);
    const where = `batch ${offset} ${mode}`;
    if (run.timedOut) {
      totals.hangs.push(
        `${where}: over ${(limit / 1000).toFixed(0)} s (control files ${(controlMs / 1000).toFixed(1)} s)`,
      );
      continue;
    }
    if (run.code === 2 || run.signal || /\n\s+at |internal error/.test(run.stderr)) {
      totals.crashes.push(`${where}: exit ${run.code ?? run.signal}: ${run.stderr.trim().split('\n')[0]}`);
      continue;
    }
    let report;
    try {
      report = JSON.parse(run.stdout);
    } catch {
      totals.crashes.push(`${where}: no JSON report (exit ${run.code})`);
      continue;
    }
    const noted = report.skipped.filter((s) => !s.partial && pairs.some((p) => p.name === s.file)).length;
    const accounted = report.filesAnalyzed + noted;
    if (accounted !== size)
      totals.dropped.push(`${where}: ${size - accounted} of ${size} files neither analysed nor noted`);
    for (const skip of report.skipped) {
      if (/^analysis failed/.test(skip.detail)) totals.crashes.push(`${where}: ${skip.file}: ${skip.detail}`);
    }
    findingsByMode[mode] = report.findings;
  }
  if (findingsByMode.untyped && findingsByMode.jobs2) {
    const key = (f) => `${f.file}:${f.range.start.line}:${f.range.start.column}:${f.ruleId}`;
    const one = new Set(findingsByMode.untyped.map(key));
    const two = new Set(findingsByMode.jobs2.map(key));
    const files = new Set(
      [...one]
        .filter((k) => !two.has(k))
        .concat([...two].filter((k) => !one.has(k)))
        .map((k) => k.split(':')[0]),
    );
    totals.differing += files.size;
  }
  process.stdout.write(
    `batch ${offset}-${offset + size - 1}: crashes ${totals.crashes.length}, hangs ${totals.hangs.length}, dropped ${totals.dropped.length} (so far)\n`,
  );
}

function timeFiles(dir, files) {
  const listFile = path.join(dir, '..', `${path.basename(dir)}.list`);
  writeFileSync(listFile, files.join('\n'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--time-one', listFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = {};
    let buffer = '';
    let current;
    // A file that takes longer than this alone is a hang: the child is killed, the rest timed again.
    const perFileLimit = 120_000;
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), perFileLimit);
    };
    arm();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith('start ')) {
          current = line.slice(6);
          arm();
        } else {
          const entry = JSON.parse(line);
          result[path.basename(entry.file)] = entry;
          current = undefined;
        }
        newline = buffer.indexOf('\n');
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      if (current) {
        const name = path.basename(current);
        if (signal === 'SIGKILL') totals.hangs.push(`${name}: over ${perFileLimit / 1000} s alone (killed)`);
        else
          totals.crashes.push(
            `${name}: the engine's process died (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-1)[0]}`,
          );
        const rest = files.slice(files.indexOf(current) + 1);
        if (rest.length > 0) Object.assign(result, await timeFiles(dir, rest));
      }
      resolve(result);
    });
  });
}

function runCli(args, cwd, limitMs) {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const child = spawn(process.execPath, ['--require', rssHook, bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c) => {
      stderr += c;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const rss = /@@maxrss (\d+)/.exec(stderr);
      resolve({
        code,
        signal: timedOut ? null : signal,
        timedOut,
        stdout,
        stderr: stderr.replace(/\n?@@maxrss \d+\n/, ''),
        ms: performance.now() - startedAt,
        maxRssKb: rss ? Number(rss[1]) : 0,
      });
    });
  });
}

function listSources(dir) {
  const found = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.(c|m)?(j|t)sx?$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) {
        const size = statSync(full).size;
        if (size > 0 && size <= MAX_SOURCE_BYTES) found.push(full);
      }
    }
  };
  walk(dir);
  return found;
}

function list(items) {
  return items.length === 0
    ? ''
    : `\n${items
        .slice(0, 20)
        .map((i) => `    ${i}`)
        .join('\n')}${items.length > 20 ? `\n    … ${items.length - 20} more` : ''}`;
}
