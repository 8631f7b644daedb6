// The project index: cross-file facts kept per file so an editor can update one file at a time
// and a scan can combine the summaries of many files without parsing anything twice.
// - worker entries: files another file runs with new Worker / piscina / tinypool / workerpool;
// - exported functions that block, and who calls them from run-time code.
// `finalize` turns a file's pending findings into final ones with these facts.
import type { FileAnalysis, FileSummary, ImportedCall, PackageCall } from './analyzer.js';
import { callSiteMessage, capRelated, MAX_RELATED } from './context.js';
import { dependencyFinding } from './dependencies/findings.js';
import { DependencyIndex, type DependencyOptions } from './dependencies/index.js';
import type { Assumption } from './model/phase.js';
import { type PackageInfo, PackageLocator, type PackageRole, roleOf } from './package-role.js';
import { allRules } from './rules/index.js';
import { suppressionFor } from './suppressions.js';
import { type AnalysisOptions, type Finding, formatMessage, type PackageMode, type Rule } from './types.js';

export class ProjectIndex {
  private readonly summaries = new Map<string, FileSummary>();
  private readonly byModuleKey = new Map<string, FileSummary>();
  /** moduleKey → files whose summaries name it as a worker target */
  private readonly workerSpawners = new Map<string, Set<string>>();
  /** moduleKey → export name → files calling it from run-time code */
  private readonly runtimeCallers = new Map<string, Map<string, Set<string>>>();
  private readonly rulesById: Map<string, Rule>;
  private packages: PackageLocator;
  /**
   * Whether the run-time callers of the indexed files are in view: false for files named one by
   * one on the command line, and in an editor until its workspace scan has run. Then an
   * application's exported functions and methods count as callable at run time (issue 13: "where
   * the callers cannot be seen at all"), instead of quiet for want of a known caller.
   */
  private callersInView = true;
  /** package folder ('' without package.json) → files whose start-up code starts something long-lived */
  private readonly longLived = new Map<string, Set<string>>();
  /** package folder → whether its entry points start something long-lived (cleared on changes) */
  private readonly packageStarts = new Map<string, boolean>();
  /** `moduleKey#export` called from run-time code, and `packageDir#method` likewise: see propagate() */
  private runtimeExports = new Set<string>();
  private runtimeMethods = new Set<string>();
  /** packages read from node_modules (created on the first call into one) */
  private dependencies: DependencyIndex | undefined;
  private readonly dependencyOptions: DependencyOptions | undefined;
  /** the scanned folders: packages are looked for in node_modules up to them (see locate.ts) */
  private roots: readonly string[];
  /** the mode the run-time sets were computed for; undefined when a summary changed since */
  private propagatedFor: { mode: PackageMode | undefined } | undefined;

  /**
   * @param roots the folders scanned (workspace folders): package.json files above them are not
   * read, since the callers of code outside the scan are unseen
   */
  constructor(
    rules: readonly Rule[] = allRules,
    roots: readonly string[] = [],
    options: { callersInView?: boolean; dependencies?: DependencyOptions } = {},
  ) {
    this.rulesById = new Map(rules.map((r) => [r.meta.id, r]));
    this.packages = new PackageLocator(roots);
    this.callersInView = options.callersInView ?? true;
    this.dependencyOptions = options.dependencies;
    this.roots = roots;
  }

  /** Packages in node_modules read so far (notes on those given up, cache statistics). */
  get dependencyIndex(): DependencyIndex | undefined {
    return this.dependencies;
  }

  /** The editor's workspace folders changed: package roles are looked up within the new ones. */
  setRoots(roots: readonly string[]): void {
    this.packages = new PackageLocator(roots);
    this.roots = roots;
    this.dependencies = undefined;
    this.packageStarts.clear();
    this.propagatedFor = undefined;
    this.longLived.clear();
    for (const summary of this.summaries.values())
      if (summary.startsLongLived) addTo(this.longLived, this.packageDirOf(summary.file), summary.file);
  }

  /** The workspace scan has run (true) or not (false): see `callersInView`. */
  setCallersInView(inView: boolean): void {
    if (inView === this.callersInView) return;
    this.callersInView = inView;
    this.propagatedFor = undefined;
  }

  update(summary: FileSummary): void {
    this.remove(summary.file);
    this.propagatedFor = undefined;
    this.packageStarts.clear();
    this.summaries.set(summary.file, summary);
    if (summary.startsLongLived) addTo(this.longLived, this.packageDirOf(summary.file), summary.file);
    this.byModuleKey.set(summary.moduleKey, summary);
    for (const target of summary.workerTargets) addTo(this.workerSpawners, target, summary.file);
    for (const call of summary.importedCalls) {
      for (const key of candidateKeys(call.moduleKey)) {
        const byExport = this.runtimeCallers.get(key) ?? new Map<string, Set<string>>();
        addTo(byExport, call.exportName, summary.file);
        this.runtimeCallers.set(key, byExport);
      }
    }
  }

  remove(file: string): void {
    const old = this.summaries.get(file);
    if (!old) return;
    this.propagatedFor = undefined;
    this.packageStarts.clear();
    this.summaries.delete(file);
    this.longLived.get(this.packageDirOf(file))?.delete(file);
    if (this.byModuleKey.get(old.moduleKey) === old) this.byModuleKey.delete(old.moduleKey);
    for (const target of old.workerTargets) this.workerSpawners.get(target)?.delete(file);
    for (const call of old.importedCalls) {
      for (const key of candidateKeys(call.moduleKey))
        this.runtimeCallers.get(key)?.get(call.exportName)?.delete(file);
    }
  }

  summaryOf(file: string): FileSummary | undefined {
    return this.summaries.get(file);
  }

  /** Is this file run as a worker by some file in the index? */
  isWorkerEntry(summary: FileSummary): boolean {
    return (this.workerSpawners.get(summary.moduleKey)?.size ?? 0) > 0 && !summary.hasMainThreadSwitch;
  }

  /**
   * Files whose final findings depend on `file`: its run-time importers, the files it spawns or
   * that spawn it, and the files it imports. Map look-ups only: editors call this on every edit.
   */
  dependentsOf(file: string): string[] {
    const summary = this.summaries.get(file);
    if (!summary) return [];
    const dependents = new Set<string>();
    for (const importers of this.runtimeCallers.get(summary.moduleKey)?.values() ?? []) {
      for (const importer of importers) dependents.add(importer);
    }
    for (const spawner of this.workerSpawners.get(summary.moduleKey) ?? []) dependents.add(spawner);
    for (const target of summary.workerTargets) {
      const spawned = this.byModuleKey.get(target);
      if (spawned) dependents.add(spawned.file);
    }
    for (const call of summary.importedCalls) {
      for (const key of candidateKeys(call.moduleKey)) {
        const imported = this.byModuleKey.get(key);
        if (imported) dependents.add(imported.file);
      }
    }
    dependents.delete(file);
    return [...dependents];
  }

  private packageDirOf(file: string): string {
    return this.packages.packageOf(file)?.dir ?? '';
  }

  /** Application, library, or unseen (no package.json): see package-role.ts. */
  roleOf(file: string, mode: PackageMode | undefined): PackageRole {
    if (mode === 'application' || mode === 'library') return mode;
    const info = this.packages.packageOf(file);
    if (!info) return roleOf(info, false, mode);
    let starts = this.packageStarts.get(info.dir);
    if (starts === undefined) {
      starts = this.entriesStartLongLived(info);
      this.packageStarts.set(info.dir, starts);
    }
    const role = roleOf(info, starts, mode);
    // an application whose callers are out of view is judged as if it had no package.json
    return role === 'application' && !this.callersInView ? 'unseen' : role;
  }

  /**
   * Does a file the package's entry points load (main, bin, exports, and what they import, in the
   * scan) start something long-lived? A script the package only forks does not make it a server.
   * Without entry points any file counts.
   */
  private entriesStartLongLived(info: PackageInfo): boolean {
    const starting = this.longLived.get(info.dir);
    if (!starting || starting.size === 0) return false;
    const entries = info.entries.filter((key) => candidateKeys(key).some((k) => this.byModuleKey.has(k)));
    if (entries.length === 0) return true;
    const seen = new Set<string>();
    const queue = [...entries];
    while (queue.length > 0 && seen.size < MAX_REACHABLE_FILES) {
      for (const key of candidateKeys(queue.pop()!)) {
        const summary = this.byModuleKey.get(key);
        if (!summary || seen.has(summary.file)) continue;
        seen.add(summary.file);
        if (starting.has(summary.file)) return true;
        queue.push(...summary.imports);
      }
    }
    return false;
  }

  /**
   * Does code run time by assumption in `file` run at run time? Where callers cannot be seen (a
   * library's API, no package.json) it does; in an application only when some run-time code
   * calls one of its exports from another file, or one of its methods by name.
   */
  private holds(when: Assumption, file: string, mode: PackageMode | undefined): boolean {
    if (!this.callersInView || this.roleOf(file, mode) !== 'application') return true;
    const summary = this.summaries.get(file);
    if (summary && when.exports.some((name) => this.runtimeExports.has(`${summary.moduleKey}#${name}`)))
      return true;
    const dir = this.packageDirOf(file);
    return when.methods.some((name) => this.runtimeMethods.has(`${dir}#${name}`));
  }

  /**
   * Which exports and methods are called at run time, across files: from code that is run time,
   * then from code that is run time because of those calls, until nothing changes (a fixpoint
   * over the summaries; each round is linear in the calls, and chains of files are short).
   */
  private propagate(mode: PackageMode | undefined): void {
    if (this.propagatedFor && this.propagatedFor.mode === mode) return;
    this.runtimeExports = new Set();
    this.runtimeMethods = new Set();
    for (let round = 0; round < MAX_PROPAGATION_ROUNDS; round++) {
      let changed = false;
      for (const summary of this.summaries.values()) {
        for (const call of summary.importedCalls) {
          if (call.when && !this.holds(call.when, summary.file, mode)) continue;
          for (const key of candidateKeys(call.moduleKey)) {
            const id = `${key}#${call.exportName}`;
            if (!this.runtimeExports.has(id)) {
              this.runtimeExports.add(id);
              changed = true;
            }
          }
        }
        const dir = this.packageDirOf(summary.file);
        for (const call of summary.methodCalls) {
          const id = `${dir}#${call.name}`;
          if (this.runtimeMethods.has(id) || (call.when && !this.holds(call.when, summary.file, mode)))
            continue;
          this.runtimeMethods.add(id);
          changed = true;
        }
      }
      if (!changed) break;
    }
    this.propagatedFor = { mode };
  }

  /** Final findings of a file: pending conditions resolved, cross-file call chains added. */
  finalize(analysis: FileAnalysis, options: AnalysisOptions): Finding[] {
    const summary = analysis.summary;
    if (!summary) return analysis.findings.map(stripCondition);
    this.propagate(options.mode);
    const role = this.roleOf(summary.file, options.mode);
    const workerEntry = this.isWorkerEntry(summary);
    const final: Finding[] = [];
    for (const finding of analysis.findings) {
      const condition = finding.condition;
      if (condition?.unlessWorkerEntry && workerEntry) continue;
      // an API documented `@blocking` is synchronous on purpose; its callers decide
      if (condition?.blockingByDesign && role !== 'application') continue;
      const when = condition?.ifRuntime;
      if (!when) {
        final.push(stripCondition(finding));
        continue;
      }
      if (!this.holds(when, summary.file, options.mode)) continue;
      if (role !== 'application' && !isRunTimeApi(when)) continue;
      if (finding.callSiteOf) {
        final.push(stripCondition(finding));
        continue;
      }
      const callers = this.runtimeCallsOf(summary, when.exports, options.mode);
      if (callers.length > 0) {
        final.push(this.withCallers(stripCondition(finding), callers));
      } else if (role === 'library') {
        final.push(this.asLibraryFinding(stripCondition(finding), when));
      } else {
        final.push(stripCondition(finding));
      }
    }
    if (!workerEntry || summary.hasMainThreadSwitch) {
      for (const call of summary.importedCalls) {
        if (call.when && !this.holds(call.when, summary.file, options.mode)) continue;
        const finding = this.crossFileFinding(summary, call, options);
        if (finding) final.push(finding);
      }
      for (const call of summary.packageCalls ?? []) {
        if (call.when && !this.holds(call.when, summary.file, options.mode)) continue;
        if (call.when && role !== 'application' && !isRunTimeApi(call.when)) continue;
        // an API documented `@blocking` is synchronous on purpose; its callers decide
        if (call.blockingByDesign && role !== 'application') continue;
        const finding = this.packageCallFinding(summary, call, options, role);
        if (finding) final.push(finding);
      }
    }
    return final;
  }

  /**
   * A finding in a library's public API, reached by its users, whom we do not see: `info`,
   * unless the API looks asynchronous (async, a callback, a promise, `*Async`) and still blocks.
   */
  private asLibraryFinding(finding: Finding, when: Assumption): Finding {
    const api = when.exports[0] ?? when.methods[0];
    const severity = when.asyncApi ? finding.severity : 'info';
    if (api === undefined) return { ...finding, severity };
    const where = `in the public API \`${api === 'default' ? 'default export' : api}()\``;
    return { ...this.withWhere(finding, where), severity };
  }

  /** The finding with `{{where}}` filled anew, in its data and its message. */
  private withWhere(finding: Finding, where: string): Finding {
    const text = this.rulesById.get(finding.ruleId)?.meta.messages[finding.messageId];
    if (text === undefined || !('where' in finding.data)) return finding;
    const data = { ...finding.data, where };
    return { ...finding, data, message: formatMessage(text, data) };
  }

  /** Run-time calls from other files to these exports of `summary`'s file, at most MAX_RELATED. */
  private runtimeCallsOf(
    summary: FileSummary,
    exportNames: string[],
    mode: PackageMode | undefined,
  ): { file: string; call: ImportedCall }[] {
    const calledExports = this.runtimeCallers.get(summary.moduleKey);
    const result: { file: string; call: ImportedCall }[] = [];
    for (const name of exportNames) {
      for (const file of calledExports?.get(name) ?? []) {
        for (const call of this.summaries.get(file)?.importedCalls ?? []) {
          if (call.exportName !== name || !candidateKeys(call.moduleKey).includes(summary.moduleKey))
            continue;
          if (call.when && !this.holds(call.when, file, mode)) continue;
          result.push({ file, call });
          if (result.length >= MAX_RELATED) return result;
        }
      }
    }
    return result;
  }

  /**
   * A finding in an exported function, kept because other files call it at run time: the
   * message says from where, and the run-time call sites are its related locations.
   */
  private withCallers(finding: Finding, callers: { file: string; call: ImportedCall }[]): Finding {
    const first = callers[0]!;
    const origin = first.call.chainLabels[0];
    const where = `in \`${first.call.exportName}()\`, called from ${origin ? `the ${origin} in ` : ''}${relativeName(finding.file, first.file)}`;
    const related = capRelated([
      ...(finding.related ?? []),
      ...callers.map(({ file, call }) => ({
        file,
        range: call.range,
        message: call.chainLabels[0] ? `called from the ${call.chainLabels[0]}` : 'called at run time',
      })),
    ]);
    return { ...this.withWhere(finding, where), related };
  }

  private crossFileFinding(
    summary: FileSummary,
    call: ImportedCall,
    options: AnalysisOptions,
  ): Finding | undefined {
    for (const key of candidateKeys(call.moduleKey)) {
      const target = this.summaryByModuleKey(key);
      if (!target || this.isWorkerEntry(target)) continue;
      const hazard = target.exportHazards[call.exportName];
      if (!hazard) continue;
      const rule = this.rulesById.get(hazard.ruleId);
      const severity = options.rules[hazard.ruleId]?.severity ?? rule?.meta.defaultSeverity ?? 'warning';
      if (!rule || severity === 'off') return undefined;
      // One finding per root cause: the blocking work in the other file carries the warning;
      // this call site gets an information pointing at it.
      const cause = {
        file: target.file,
        range: hazard.range,
        message: `the blocking work inside \`${call.exportName}\``,
      };
      const finding: Finding = {
        ruleId: hazard.ruleId,
        severity: 'info',
        ...callSiteMessage(`${call.calleeText}()`, cause, summary.file),
        file: summary.file,
        range: call.range,
        offset: call.offset,
        related: [cause],
        callSiteOf: cause,
      };
      const suppression = suppressionFor(finding, summary.suppressions);
      if (suppression) finding.suppressed = suppression;
      return finding;
    }
    return undefined;
  }

  /** A run-time call into node_modules whose export blocks (dependencies/): blocking-call at the call. */
  private packageCallFinding(
    summary: FileSummary,
    call: PackageCall,
    options: AnalysisOptions,
    role: PackageRole,
  ): Finding | undefined {
    const rule = this.rulesById.get('blocking-call');
    const severity = options.rules['blocking-call']?.severity ?? rule?.meta.defaultSeverity ?? 'warning';
    if (!rule || severity === 'off' || options.dependencies === false) return undefined;
    this.dependencies ??= new DependencyIndex(this.dependencyOptions, this.roots);
    const found = this.dependencies.hazardOf(summary.file, call.module, call.path);
    if (!found) return undefined;
    const finding = dependencyFinding(summary.file, call, found, rule, severity, role);
    const suppression = suppressionFor(finding, summary.suppressions);
    if (suppression) finding.suppressed = suppression;
    return finding;
  }

  private summaryByModuleKey(key: string): FileSummary | undefined {
    return this.byModuleKey.get(key);
  }
}

/**
 * API names that set up rather than serve: factories, initialisers, and classes (constructing an
 * instance is set-up). A library's API is run time except these.
 */
const SETUP_API = /^(create|make|init|initialize|setup|setUp|configure|bootstrap)([A-Z_]|$)|^[A-Z]/;
/**
 * …but making a directory or a file is I/O done on each call, not building an object:
 * `makeDirectory()`, `createFolder()`, `makeDir()` (file-stream-rotator, adm-zip).
 */
const MAKES_FILESYSTEM_ENTRY =
  /^(create|make)(Dir|Directory|Directories|Folder|Folders|File|Files|Path|Paths|Symlink|Link)([A-Z_]|$)/;

/**
 * Is code reached from this API run time in a library (or a file whose callers are unseen)? Not
 * when every way in is set-up, or named synchronous on purpose (`readJsonSync()`).
 */
function isRunTimeApi(when: Assumption): boolean {
  const names = [...when.exports, ...when.methods].map((name) => name.split('.').pop() ?? name);
  // `readJsonSync()`, and `mkdirp.sync()`-style twins named just `sync`
  if (names.some((name) => /Sync$|^sync$/.test(name))) return false;
  return (
    names.length === 0 || !names.every((name) => SETUP_API.test(name) && !MAKES_FILESYSTEM_ENTRY.test(name))
  );
}

/** Files followed from a package's entry points when judging its role. */
const MAX_REACHABLE_FILES = 5000;

/** Rounds of run-time propagation across files: call chains across more files are cut there. */
const MAX_PROPAGATION_ROUNDS = 12;

/** './lib' may be './lib.ts' or './lib/index.ts'. */
function candidateKeys(moduleKey: string): string[] {
  return [moduleKey, `${moduleKey}/index`];
}

function stripCondition(finding: Finding & { condition?: unknown }): Finding {
  const { condition: _condition, ...rest } = finding;
  return rest;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

function relativeName(from: string, to: string): string {
  const fromParts = from.split(/[\\/]/);
  const toParts = to.split(/[\\/]/);
  let i = 0;
  while (i < fromParts.length - 1 && fromParts[i] === toParts[i]) i++;
  return toParts.slice(i).join('/');
}
