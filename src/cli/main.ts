// `concurrency-lens` command line: scan (static analysis, text/json/sarif) and profile (run a
// function in a child process and measure it). Exit codes: 0 clean, 1 findings / failed
// profile, 2 usage or configuration error, an unwritable report, or a file the engine failed on.
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../analysis/config.js';
import { listSourceFiles } from '../analysis/list-files.js';
import { findTsconfig } from '../analysis/program.js';
import { allRules } from '../analysis/rules/index.js';
import type { Finding, Severity } from '../analysis/types.js';
import { runProfileCommand } from '../profiler/cli.js';
import { BaselineError, baselineKey, fingerprintFindings, readBaseline } from './baseline.js';
import { applySafeFixes, fixDiff } from './fix.js';
import { formatSummary, formatText } from './format-text.js';
import { startLanguageServer } from './lsp.js';
import { runOffloadCommand } from './offload.js';
import { writeReport } from './output.js';
import { isLostAnalysis, toSarif } from './sarif.js';
import { scan } from './scan.js';

// Re-exported for bench/scan.mjs and bench/fuzz.mjs, which measure the bundled code.
export { default as typescript } from 'typescript';
export { analyzePath } from '../analysis/analyze-paths.js';
export { scriptKindOf } from '../analysis/analyzer.js';
export { defaultOptions } from '../analysis/config.js';
export { defaultJobs } from './scan.js';
export { listSourceFiles, scan };

declare const CLI_VERSION: string | undefined;
const VERSION = typeof CLI_VERSION === 'string' ? CLI_VERSION : '0.1.0';

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  cwd: string;
}

const HELP = `concurrency-lens ${VERSION} — find, measure and fix concurrency mistakes in Node.js code

Usage:
  concurrency-lens scan [paths…] [options]     static analysis (default path: .)
  concurrency-lens profile <file> --function <name> [options]
                                               measure a function's CPU/wall ratio and clone cost
  concurrency-lens offload <file> --function <name> [--dry-run]
                                               move a function into a piscina worker pool
  concurrency-lens rules                       list the rules
  concurrency-lens lsp --stdio                 language server for editors other than VS Code
  concurrency-lens --help | --version

scan options:
  --format text|json|sarif   output format (default text)
  --output <file>            write the report to a file instead of stdout
  --config <file>            configuration file (default: .concurrency-lens.json found upwards)
  --max-warnings <n>         exit 1 only when warnings exceed n (errors always fail)
  --jobs <n>                 threads to analyse on (default: half the logical CPUs, at least 1)
  --shard <i>/<n>            analyse only the i-th of n shards of the file list (CI fan-out)
  --baseline <sarif>         report only findings that are not in this baseline
  --write-baseline <file>    save the findings as a baseline (SARIF) and exit 0
  --fix                      apply the safe fixes (behaviour kept), re-scan, report what is left
  --fix-dry-run              print the safe fixes as a unified diff; change nothing
  --no-gitignore             do not apply .gitignore files
  --no-type-check            skip the type checker even when a tsconfig.json is found
                             (files named one by one are always analysed without it)
  --no-color                 plain text output

Run 'concurrency-lens profile --help' / 'offload --help' for their options.
Docs: https://github.com/concurrency-lens/concurrency-lens#readme
`;

class UsageError extends Error {}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(HELP);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        io.stdout(`${VERSION}\n`);
        return 0;
      case 'scan':
        return await scanCommand(rest, io);
      case 'profile':
        return await runProfileCommand(rest, io);
      case 'lsp': {
        const started = startLanguageServer(rest, io);
        if (started === 'usage') throw new UsageError("lsp takes one option: '--stdio'");
        return started;
      }
      case 'offload':
        return await runOffloadCommand(rest, io);
      case 'rules':
        for (const rule of allRules) {
          io.stdout(
            `${rule.meta.id.padEnd(26)} ${rule.meta.category.padEnd(17)} ${rule.meta.defaultSeverity.padEnd(8)} ${rule.meta.description}\n`,
          );
        }
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`concurrency-lens: ${(error as Error).message}\nRun 'concurrency-lens --help' for usage.\n`);
      return 2;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')
  );
}

async function scanCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      output: { type: 'string' },
      config: { type: 'string' },
      'max-warnings': { type: 'string' },
      jobs: { type: 'string' },
      shard: { type: 'string' },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      fix: { type: 'boolean', default: false },
      'fix-dry-run': { type: 'boolean', default: false },
      'no-gitignore': { type: 'boolean', default: false },
      'no-type-check': { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new UsageError(`--format must be text, json or sarif (got '${format}')`);
  }
  const maxWarnings =
    values['max-warnings'] === undefined
      ? undefined
      : parseCount(values['max-warnings'], '--max-warnings', 0);
  let jobs = values.jobs === undefined ? undefined : parseCount(values.jobs, '--jobs', 1);
  // More threads than CPUs only adds heaps (each loads the compiler): 64 on 2 cores took 2.4 GB.
  const cpus = os.availableParallelism();
  if (jobs !== undefined && jobs > cpus) {
    io.stderr(`concurrency-lens: --jobs ${jobs} capped at ${cpus} (the number of CPUs)\n`);
    jobs = cpus;
  }
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);

  let baseline: Set<string> | undefined;
  try {
    if (values.baseline) baseline = readBaseline(path.resolve(io.cwd, values.baseline));
  } catch (error) {
    if (error instanceof BaselineError) throw new UsageError(error.message);
    throw error;
  }

  const paths = positionals.length > 0 ? positionals : ['.'];
  const configStart = values.config ?? (paths.length === 1 ? path.resolve(io.cwd, paths[0]!) : io.cwd);
  const loaded = loadConfig(
    values.config ? path.resolve(io.cwd, values.config) : configStart,
    values.config !== undefined,
  );
  if (loaded.errors.length > 0) {
    io.stderr(loaded.errors.map((e) => `concurrency-lens: invalid configuration: ${e}\n`).join(''));
    return 2;
  }
  // Reports and globs are relative to the config file's folder, else to the one folder scanned, else cwd.
  const singleDir =
    paths.length === 1 && isDirectory(path.resolve(io.cwd, paths[0]!))
      ? path.resolve(io.cwd, paths[0]!)
      : undefined;
  const baseDir = loaded.configFile ? path.dirname(loaded.configFile) : (singleDir ?? io.cwd);
  const selection = await listSourceFiles(
    paths.map((p) => path.resolve(io.cwd, p)),
    {
      baseDir,
      include: loaded.config.include,
      exclude: loaded.config.exclude,
      respectGitignore: !values['no-gitignore'],
    },
  );
  if (selection.missing.length > 0) {
    throw new UsageError(`no such file or directory: ${selection.missing.join(', ')}`);
  }
  let files = selection.files;
  if (shard) files = files.filter((_, i) => i % shard.count === shard.index - 1);

  // With a tsconfig.json at the root, rules get the type checker (slower, single thread, sharper).
  // Files named one by one (an editor, a pre-commit hook) are analysed without it: the program
  // would be the whole project's, seconds for a fraction of a second's work.
  const namesOnlyFiles = paths.every((p) => !isDirectory(path.resolve(io.cwd, p)));
  const tsconfig = values['no-type-check'] || namesOnlyFiles ? undefined : findTsconfig(baseDir);
  const scanOnce = () =>
    scan({ files, options: loaded.options, root: baseDir, jobs, tsconfig, callersInView: !namesOnlyFiles });
  let scanned = await scanOnce();
  if (values['fix-dry-run']) {
    io.stdout(fixDiff(scanned.findings, (file) => path.relative(baseDir, file)));
    return 0;
  }
  if (values.fix) {
    const fixed = await applySafeFixes(scanned, scanOnce);
    io.stderr(
      `concurrency-lens: ${fixed.fixesApplied} findings fixed in ${fixed.filesChanged.size} files (safe fixes only)\n`,
    );
    scanned = fixed.result;
  }
  // FIFOs, devices, broken links and loops met while listing: notes, not files analysed.
  const listed = { ...scanned, skipped: [...selection.notes, ...scanned.skipped] };
  const fingerprints = fingerprintFindings(listed.findings, baseDir);
  const sarifOf = (findings: Finding[], baselineState?: 'new') =>
    `${JSON.stringify(toSarif({ ...listed, findings, rules: allRules, root: baseDir, version: VERSION, fingerprints, baselineState }), null, 2)}\n`;
  if (values['write-baseline']) {
    const failure = writeReport(path.resolve(io.cwd, values['write-baseline']), sarifOf(listed.findings));
    if (failure) {
      io.stderr(`concurrency-lens: cannot write the baseline to ${values['write-baseline']}: ${failure}\n`);
      return 2;
    }
    io.stderr(
      `concurrency-lens: baseline of ${listed.findings.length} findings written to ${values['write-baseline']}\n`,
    );
    return 0;
  }
  const result = baseline
    ? {
        ...listed,
        findings: listed.findings.filter(
          (finding) => !baseline.has(baselineKey(finding.ruleId, fingerprints.get(finding)!)),
        ),
      }
    : listed;
  if (baseline) {
    io.stderr(
      `concurrency-lens: ${listed.findings.length - result.findings.length} findings in the baseline not shown\n`,
    );
  }

  let report: string;
  if (format === 'sarif') {
    report = sarifOf(result.findings, baseline ? 'new' : undefined);
  } else if (format === 'json') {
    report = `${JSON.stringify(
      {
        version: VERSION,
        filesAnalyzed: result.filesAnalyzed,
        durationMs: Math.round(result.durationMs),
        findings: result.findings.map((f) => ({ ...f, file: path.relative(baseDir, f.file) })),
        skipped: result.skipped.map((s) => ({ ...s, file: path.relative(baseDir, s.file) })),
      },
      null,
      2,
    )}\n`;
  } else {
    report = formatText({
      ...result,
      cwd: io.cwd,
      color: io.isTTY && !values['no-color'] && !values.output && !process.env.NO_COLOR,
    });
  }
  if (values.output) {
    const output = path.resolve(io.cwd, values.output);
    const failure = writeReport(output, report);
    if (failure) {
      io.stderr(`concurrency-lens: cannot write the report to ${values.output}: ${failure}\n`);
      return 2;
    }
    // The report went to the file: stderr gets the summary of what it holds.
    io.stderr(formatSummary(result));
  } else {
    io.stdout(report);
  }
  return Math.max(exitCode(result.findings, maxWarnings), result.skipped.some(isLostAnalysis) ? 2 : 0);
}

/** 1 when an active error exists, or active warnings exceed --max-warnings (default: any warning). */
export function exitCode(findings: Finding[], maxWarnings: number | undefined): number {
  const active = findings.filter((f) => !f.suppressed);
  const count = (severity: Severity) => active.filter((f) => f.severity === severity).length;
  if (count('error') > 0) return 1;
  if (maxWarnings === undefined) return count('warning') > 0 ? 1 : 0;
  return count('warning') > maxWarnings ? 1 : 0;
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function parseCount(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`${flag} must be an integer >= ${min} (got '${text}')`);
  return value;
}

function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard must look like 1/4 (got '${text}')`);
  return { index, count };
}

/** Entry point of the `concurrency-lens` binary. */
export function runCli(): void {
  // `scan | head`: the reader has gone, nobody is left to read the rest; end quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`concurrency-lens: cannot write to stdout: ${error.message}\n`);
    process.exit(2);
  });
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: !!process.stdout.isTTY,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `concurrency-lens: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 2;
    },
  );
}

// `node dist/cli.js …` runs the command; importing the module (tests, bin/) does not.
if (require.main === module) runCli();
