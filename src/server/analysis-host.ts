// The server's view of the project: the engine's cross-file index plus, for every file analysed,
// its result and the findings shown for it. Synchronous and free of LSP types so it can be driven
// from document pulls, workspace scans and tests alike.
import { createHash } from 'node:crypto';
import type ts from 'typescript';
import { analyzeFile, type FileAnalysis, ProjectIndex, unanalysableReason } from '../analysis/index.js';
import type { AnalysisOptions, Finding } from '../analysis/types.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface FileState {
  file: string;
  /** version of the editor buffer analysed; undefined when the text came from disk */
  version: number | undefined;
  /** options generation the file was analysed with; stale when it differs from the host's */
  generation: number;
  options: AnalysisOptions;
  result: FileAnalysis;
  /** what the user sees: not suppressed, rule not off, severity as configured */
  findings: Finding[];
  /** content hash of `findings`; equal ids mean equal diagnostics */
  resultId: string;
  durationMs: number;
  /** CPU time of this process during the analysis (analyses made in this thread only) */
  cpuMs?: number;
}

export interface AnalysisOutcome {
  state: FileState;
  /** other files whose findings changed because this file's summary changed */
  changedDependents: FileState[];
}

export class AnalysisHost {
  /** the workspace folders: package roles are looked up within them (see PackageLocator) */
  private roots: readonly string[] = [];
  /** false until a workspace scan has put the callers of every file in the index */
  private callersInView = false;
  private index = this.newIndex();
  private readonly files = new Map<string, FileState>();
  /** files whose failure is already in the log: one entry per file until it analyses cleanly again */
  private readonly reportedFailures = new Set<string>();
  private readonly reportedSkips = new Set<string>();
  private currentGeneration = 0;
  analyses = 0;

  constructor(private readonly log: Logger) {}

  get generation(): number {
    return this.currentGeneration;
  }

  /** Settings or a config file changed: every stored result is stale from now on. */
  invalidate(): void {
    this.currentGeneration++;
  }

  get(file: string): FileState | undefined {
    return this.files.get(file);
  }

  all(): IterableIterator<FileState> {
    return this.files.values();
  }

  get size(): number {
    return this.files.size;
  }

  isCurrent(file: string, version: number | undefined): boolean {
    const state = this.files.get(file);
    return state !== undefined && state.generation === this.currentGeneration && state.version === version;
  }

  /** `root`: the workspace folder, against which the engine judges file kinds (tests, bin scripts) */
  analyze(
    file: string,
    text: string,
    options: AnalysisOptions,
    root: string | undefined,
    version?: number,
    /** a tree of `text` parsed ahead (incrementally, for open documents) */
    sourceFile?: () => ts.SourceFile,
  ): AnalysisOutcome {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    let result: FileAnalysis;
    try {
      const parsed = sourceFile && !unanalysableReason(text, options) ? sourceFile() : undefined;
      result = analyzeFile({ fileName: file, text, options, root, sourceFile: parsed });
    } catch (error) {
      result = {
        file,
        findings: [],
        durationMs: performance.now() - started,
        skipped: { file, reason: 'internal-error', detail: describeError(error) },
      };
      if (!this.reportedFailures.has(file)) {
        this.reportedFailures.add(file);
        this.log.error(`${file}: analysis failed, no findings shown for it. ${describeError(error, true)}`);
      }
    }
    const outcome = this.record(file, result, options, version);
    const cpu = process.cpuUsage(cpuBefore);
    // the whole job: incremental parse, analysis and cross-file finalization
    outcome.state.durationMs = performance.now() - started;
    outcome.state.cpuMs = (cpu.user + cpu.system) / 1000;
    return outcome;
  }

  /**
   * Takes in an analysis made elsewhere (the workspace scan's worker thread) or by `analyze`:
   * updates the project index and the file's visible findings.
   */
  record(file: string, result: FileAnalysis, options: AnalysisOptions, version?: number): AnalysisOutcome {
    if (result.summary) this.index.update(result.summary);
    else this.index.remove(file);
    if (result.skipped?.reason === 'internal-error' && !result.skipped.partial) {
      if (!this.reportedFailures.has(file)) {
        this.reportedFailures.add(file);
        this.log.error(`${file}: analysis failed, no findings shown for it. ${result.skipped.detail}`);
      }
    } else if (this.reportedFailures.delete(file)) {
      this.log.info(`${file}: analyses cleanly again`);
    }
    if (
      result.skipped &&
      (result.skipped.reason !== 'internal-error' || result.skipped.partial) &&
      !this.reportedSkips.has(file)
    ) {
      this.reportedSkips.add(file);
      this.log.info(
        `${file}: ${result.skipped.partial ? 'partly analysed' : 'skipped'} (${result.skipped.reason}): ${result.skipped.detail}`,
      );
    }
    this.analyses++;
    const findings = this.visibleFindings(result, options);
    const state: FileState = {
      file,
      version,
      generation: this.currentGeneration,
      options,
      result,
      findings,
      resultId: resultIdOf(findings),
      durationMs: result.durationMs,
    };
    this.files.set(file, state);
    return { state, changedDependents: this.refreshDependents(file) };
  }

  /** The file is gone (deleted, or closed and not part of any workspace folder). */
  remove(file: string): FileState[] {
    if (!this.files.delete(file)) return [];
    this.index.remove(file);
    return this.refreshDependents(file);
  }

  /**
   * Re-applies the cross-file conditions to every file. Needed after a workspace scan, because files
   * analysed early in the scan were finalized before the summaries of later files were known.
   */
  refinalizeAll(): FileState[] {
    const changed: FileState[] = [];
    for (const state of this.files.values()) if (this.refinalize(state)) changed.push(state);
    return changed;
  }

  /** The workspace folders changed: package.json files above them are not read. */
  setRoots(roots: readonly string[]): void {
    this.roots = [...roots];
    this.index.setRoots(this.roots);
  }

  /**
   * A workspace scan has run (true): an application's exports are run time only when run-time
   * code calls them. Before it, an open file's callers are unseen, so its exported functions
   * and methods count as callable at run time. Call `refinalizeAll` after changing it.
   */
  setCallersInView(inView: boolean): void {
    this.callersInView = inView;
    this.index.setCallersInView(inView);
  }

  private newIndex(): ProjectIndex {
    return new ProjectIndex(undefined, this.roots, { callersInView: this.callersInView });
  }

  reset(): void {
    this.index = this.newIndex();
    this.files.clear();
    this.reportedFailures.clear();
    this.reportedSkips.clear();
    this.currentGeneration++;
  }

  filesWithFindings(): number {
    let count = 0;
    for (const state of this.files.values()) if (state.findings.length > 0) count++;
    return count;
  }

  counts(): { error: number; warning: number; info: number } {
    const counts = { error: 0, warning: 0, info: 0 };
    for (const state of this.files.values()) for (const finding of state.findings) counts[finding.severity]++;
    return counts;
  }

  private refreshDependents(file: string): FileState[] {
    const changed: FileState[] = [];
    let dependents: string[];
    try {
      dependents = this.index.dependentsOf(file);
    } catch (error) {
      this.log.error(`${file}: could not list dependent files. ${describeError(error, true)}`);
      return changed;
    }
    for (const dependent of dependents) {
      const state = dependent === file ? undefined : this.files.get(dependent);
      if (state && this.refinalize(state)) changed.push(state);
    }
    return changed;
  }

  private refinalize(state: FileState): boolean {
    const findings = this.visibleFindings(state.result, state.options);
    const resultId = resultIdOf(findings);
    if (resultId === state.resultId) return false;
    state.findings = findings;
    state.resultId = resultId;
    return true;
  }

  private visibleFindings(result: FileAnalysis, options: AnalysisOptions): Finding[] {
    let findings: Finding[];
    try {
      findings = this.index.finalize(result, options);
    } catch (error) {
      if (!this.reportedFailures.has(result.file)) {
        this.reportedFailures.add(result.file);
        this.log.error(
          `${result.file}: cross-file pass failed; showing single-file findings. ${describeError(error, true)}`,
        );
      }
      findings = result.findings.map(({ condition: _condition, ...finding }) => finding);
    }
    const visible: Finding[] = [];
    for (const finding of findings) {
      if (finding.suppressed) continue;
      const configured = options.rules[finding.ruleId]?.severity;
      if (configured === 'off') continue;
      visible.push(
        configured && configured !== finding.severity ? { ...finding, severity: configured } : finding,
      );
    }
    return visible;
  }
}

export function resultIdOf(findings: readonly Finding[]): string {
  return createHash('sha1').update(JSON.stringify(findings)).digest('base64url').slice(0, 20);
}

export function describeError(error: unknown, withStack = false): string {
  if (error instanceof Error)
    return withStack && error.stack ? error.stack : `${error.name}: ${error.message}`;
  return String(error);
}
