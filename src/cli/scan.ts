// The scan coordinator: splits files into batches, analyses them in worker threads (a fixed pool
// created once, fed a bounded number of batches at a time, with 'error' and 'exit' handled — our
// own advice), then combines the per-file summaries in a project index and finalizes findings.
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { analyzePath, analyzePaths } from '../analysis/analyze-paths.js';
import { analyzeFile, type FileAnalysis } from '../analysis/analyzer.js';
import { retryOnLargeStack } from '../analysis/large-stack.js';
import { createTypedProject, type TypedProject } from '../analysis/program.js';
import { ProjectIndex } from '../analysis/project.js';
import type { AnalysisOptions, Finding, SkippedFile } from '../analysis/types.js';
import type { ScanWorkerData, ScanWorkerMessage } from './scan-worker.js';

export interface ScanOptions {
  files: string[];
  options: AnalysisOptions;
  root: string;
  /** threads to use (this one included); 1 analyses in the calling thread; default `defaultJobs()` */
  jobs?: number;
  /** called after each batch with the number of files done */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * Build a TypeScript program from this tsconfig.json and give rules the type checker. The
   * program lives in one thread, so a typed scan analyses in the calling thread.
   */
  tsconfig?: string;
  /**
   * False when the files were named one by one (an editor's save hook, a pre-commit hook): their
   * callers are not in the scan, so exported functions and methods count as callable at run time.
   */
  callersInView?: boolean;
}

export interface ScanResult {
  findings: Finding[];
  skipped: SkippedFile[];
  filesAnalyzed: number;
  durationMs: number;
}

const BATCH_SIZE = 40;
/** A scan finalizes every file with the same options (see BatchScope). */
const UNIFORM = { uniformOptions: true } as const;
/** Files at least this big get a batch of their own, scheduled first. */
const LARGE_FILE_BYTES = 512 * 1024;
/** Below this many files, starting workers (each loads the compiler) costs more than it saves. */
const MIN_FILES_PER_WORKER = 150;

/**
 * Threads for a scan when `--jobs` is not given: half the logical CPUs, at least one (ESLint's
 * `--concurrency auto` uses the same rule). Parsing is memory-bound: two threads on the two
 * hyper-threads of one core, or on the two vCPUs of a small cloud VM, each run at about half
 * speed, so they finish no sooner and hold two heaps. Measured on a 2-vCPU VM (bench/scan.mjs):
 * the 3,280-file corpus took longer on 2 threads than on 1, at ~550 MB peak RSS instead of ~400 MB.
 */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism() >> 1);
}

export async function scan(scanOptions: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const { files, options } = scanOptions;
  const requestedJobs = scanOptions.jobs ?? defaultJobs();
  const jobs = Math.max(1, Math.min(requestedJobs, Math.ceil(files.length / MIN_FILES_PER_WORKER)));
  const typed = scanOptions.tsconfig ? createTypedProject(scanOptions.tsconfig, files, options) : undefined;
  const notes: SkippedFile[] = [];
  if (typed && 'failure' in typed) {
    notes.push({
      file: scanOptions.tsconfig!,
      reason: 'internal-error',
      partial: true,
      detail: `${typed.failure}; every file analysed without types`,
    });
  }
  const firstTry =
    typed && !('failure' in typed)
      ? analyzeTyped(scanOptions, typed)
      : jobs <= 1 || !workerScriptPath()
        ? analyzeInThread(scanOptions)
        : await analyzeInWorkers(scanOptions, jobs, workerScriptPath()!);
  // Files that ran out of stack get a second try on a large stack (not from source: no bundle).
  const script = workerScriptPath();
  const retried = script ? await retryOnLargeStack(firstTry, script, options, scanOptions.root) : firstTry;
  const analyses = typed && !('failure' in typed) ? withTypelessNotes(retried, typed) : retried;

  const index = new ProjectIndex(undefined, [scanOptions.root], {
    callersInView: scanOptions.callersInView,
  });
  for (const analysis of analyses) if (analysis.summary) index.update(analysis.summary);
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [...notes];
  for (const analysis of analyses) {
    // Root causes only: call-site informations are for editors (the root finding lists them).
    for (const finding of index.finalize(analysis, options)) if (!finding.callSiteOf) findings.push(finding);
    if (analysis.skipped) skipped.push(analysis.skipped);
  }
  // packages in node_modules given up (past the bounds of dependency reading): a note, not a failure
  for (const [dir, note] of index.dependencyIndex?.notes ?? [])
    skipped.push({ file: dir, reason: 'too-large', partial: true, detail: note });
  findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.column - b.range.start.column,
  );
  return {
    findings,
    skipped,
    filesAnalyzed: files.length - analyses.filter((a) => a.skipped && !a.skipped.partial).length,
    durationMs: performance.now() - started,
  };
}

function analyzeInThread({ files, options, root, onProgress, signal }: ScanOptions): FileAnalysis[] {
  const results: FileAnalysis[] = [];
  for (let i = 0; i < files.length; i += BATCH_SIZE) {
    signal?.throwIfAborted();
    results.push(...analyzePaths(files.slice(i, i + BATCH_SIZE), options, root, UNIFORM));
    onProgress?.(results.length, files.length);
  }
  return results;
}

function analyzeTyped(
  { files, options, root, onProgress, signal }: ScanOptions,
  typed: TypedProject,
): FileAnalysis[] {
  const results: FileAnalysis[] = [];
  for (const [i, file] of files.entries()) {
    if (i % BATCH_SIZE === 0) signal?.throwIfAborted();
    const sourceFile = typed.program.getSourceFile(file);
    if (!sourceFile) {
      // Kept out of the program (too deep, too large, not a file): analysed as an untyped scan would.
      // (scan() adds the note once the analysis is final: this one may yet be retried.)
      results.push(analyzePath(file, options, root));
    } else {
      const analysis = analyzeFile({
        fileName: file,
        text: sourceFile.text,
        options,
        root,
        sourceFile,
        checker: typed.checker,
      });
      // The checker failed inside a rule or the analysis: the file's syntax-only analysis loses less.
      if (analysis.skipped?.reason === 'internal-error' || analysis.skipped?.reason === 'too-deep') {
        const untyped = analyzePath(file, options, root);
        results.push(
          untyped.skipped
            ? untyped
            : withNote(
                untyped,
                'internal-error',
                `analysed without types: the typed analysis failed (${analysis.skipped.detail})`,
              ),
        );
      } else {
        results.push(analysis);
      }
    }
    if ((i + 1) % BATCH_SIZE === 0 || i === files.length - 1) onProgress?.(i + 1, files.length);
  }
  return results;
}

/** Files kept out of the typed program but analysed without types: a note says why. */
function withTypelessNotes(analyses: FileAnalysis[], typed: TypedProject): FileAnalysis[] {
  return analyses.map((analysis) => {
    const why = typed.excluded.get(path.resolve(analysis.file));
    return why && !analysis.skipped
      ? withNote(analysis, 'too-deep', `analysed without types: ${why}`)
      : analysis;
  });
}

/** A file analysed in full, with a note on how. */
function withNote(analysis: FileAnalysis, reason: SkippedFile['reason'], detail: string): FileAnalysis {
  return { ...analysis, skipped: { file: analysis.file, reason, partial: true, detail } };
}

/** The bundled worker next to this bundle (dist/scan-worker.js); undefined when running from source. */
function workerScriptPath(): string | undefined {
  const candidate = path.join(__dirname, 'scan-worker.js');
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * Batches for parallel analysis: very large files alone and first (the longest task must start
 * early or it ends last), the rest in path order, which keeps neighbouring files together.
 */
function planBatches(files: string[]): string[][] {
  const large: { file: string; size: number }[] = [];
  const rest: string[] = [];
  for (const file of files) {
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      // unreadable: analysePaths reports it
    }
    if (size >= LARGE_FILE_BYTES) large.push({ file, size });
    else rest.push(file);
  }
  large.sort((a, b) => b.size - a.size);
  const batches = large.map((l) => [l.file]);
  for (let i = 0; i < rest.length; i += BATCH_SIZE) batches.push(rest.slice(i, i + BATCH_SIZE));
  return batches;
}

/**
 * Analyses on `jobs` threads: this thread plus `jobs - 1` workers (each thread loads the compiler
 * once, so using this thread too saves one copy of it in memory). Every thread takes the next batch
 * from a shared counter, so none waits for another to hand out work.
 */
async function analyzeInWorkers(
  scanOptions: ScanOptions,
  jobs: number,
  script: string,
): Promise<FileAnalysis[]> {
  const { files, options, root, onProgress, signal } = scanOptions;
  const batches = planBatches(files);
  const nextBatch = new Int32Array(new SharedArrayBuffer(4));
  const results: FileAnalysis[][] = new Array(batches.length);
  let doneFiles = 0;
  const record = (batchId: number, analyses: FileAnalysis[]): void => {
    results[batchId] = analyses;
    doneFiles += analyses.length;
    onProgress?.(doneFiles, files.length);
  };
  const stopTakingWork = (): void => {
    Atomics.store(nextBatch, 0, batches.length);
  };
  const workers: Worker[] = [];
  const finished: Promise<void>[] = [];
  for (let i = 0; i < jobs - 1; i++) {
    const worker = new Worker(script, {
      workerData: { options, root, batches, nextBatch } satisfies ScanWorkerData,
    });
    workers.push(worker);
    finished.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: ScanWorkerMessage) => {
          if ('done' in message) resolve();
          else record(message.batchId, message.analyses);
        });
        worker.on('error', (error) => reject(new Error(`scan worker failed: ${error.message}`)));
        worker.on('exit', (code) =>
          reject(new Error(`scan worker exited with code ${code} before finishing`)),
        );
      }),
    );
  }
  try {
    // This thread takes batches too, yielding between them so worker results and cancellation are seen.
    for (;;) {
      signal?.throwIfAborted();
      const batchId = Atomics.add(nextBatch, 0, 1);
      if (batchId >= batches.length) break;
      record(batchId, analyzePaths(batches[batchId]!, options, root, UNIFORM));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason ?? new Error('scan cancelled')), {
        once: true,
      });
    });
    await Promise.race([Promise.all(finished), aborted]);
    return results.flat();
  } finally {
    stopTakingWork();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
