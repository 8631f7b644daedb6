// The project index: cross-file facts kept per file so an editor can update one file at a time
// and a scan can combine the summaries of many files without parsing anything twice.
// - worker entries: files another file runs with new Worker / piscina / tinypool / workerpool;
// - exported functions that block, and who calls them from run-time code.
// `finalize` turns a file's pending findings into final ones with these facts.
import type { FileAnalysis, FileSummary, ImportedCall, PackageCall } from './analyzer.js';
import { asyncApiCallFinding, type SyncHelper } from './async-api-calls.js';
import { callSiteMessage, capRelated, formatRowMessage, MAX_MESSAGE_LENGTH, MAX_RELATED } from './context.js';
import { dependencyFinding } from './dependencies/findings.js';
import { DependencyIndex, type DependencyOptions } from './dependencies/index.js';
import type { Assumption } from './model/phase.js';
import { bareMethod } from './model/receivers.js';
import { type PackageInfo, PackageLocator, type PackageRole, roleOf } from './package-role.js';
import { type PackagePrograms, packagePrograms } from './programs.js';
import { allRules } from './rules/index.js';
import { suppressionFor } from './suppressions.js';
import {
  type AnalysisOptions,
  type Finding,
  formatMessage,
  type PackageMode,
  type Range,
  type Rule,
} from './types.js';

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
  /**
   * The same, called at all: from start-up code, run-time code, or code those call (what a
   * callback registered under an `onceCalled` condition needs)
   */
  private calledExports = new Set<string>();
  /** every `moduleKey#export` some file is seen calling, from any code (one-shot programs too) */
  private knownCalledExports = new Set<string>();
  /** `key#method` → the first run-time call that made it run time (file, place, the handler behind it) */
  private methodOrigins = new Map<string, { file: string; range: Range; label: string }>();
  private calledMethods = new Set<string>();
  /** class → its parent class, over all files (see FileSummary.superclasses), with the run-time sets */
  private superclasses = new Map<string, string>();
  /** package folder → its programs (see programs.ts), computed with the run-time sets */
  private programsByDir = new Map<string, PackagePrograms | undefined>();
  /** package folder → its sync helper methods by name (see asyncApiCallFindings), per propagation */
  private syncHelpersByDir = new Map<string, Map<string, { file: string; helper: SyncHelper }>>();
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
    const entries = [...info.entries, ...info.bins].filter((key) =>
      candidateKeys(key).some((k) => this.byModuleKey.has(k)),
    );
    if (entries.length === 0) return true;
    const seen = new Set<string>();
    const queue = [...entries];
    while (queue.length > 0 && seen.size < MAX_REACHABLE_FILES) {
      for (const key of candidateKeys(queue.pop()!)) {
        const summary = this.byModuleKey.get(key);
        if (!summary || seen.has(summary.file)) continue;
        seen.add(summary.file);
        if (starting.has(summary.file)) return true;
        queue.push(
          ...summary.imports,
          ...summary.staticImports,
          ...summary.deferredImports,
          ...(summary.commandImports ?? []),
        );
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
    const exportCalled = (name: string): boolean => {
      const id = `${summary?.moduleKey}#${name}`;
      if (this.runtimeExports.has(id)) return true;
      // an export no file is seen calling (a re-export through an object, a plugin hook) may be
      // called by code we cannot follow: what it sets up counts as set up
      return when.onceCalled === true && (this.calledExports.has(id) || !this.knownCalledExports.has(id));
    };
    if (summary && when.exports.some(exportCalled)) return true;
    // a method named like a built-in one (`Project.prototype.push`) is never linked to its calls
    // (see BUILTIN_METHODS): its callers are unseen, as in a library
    if (when.methods.some((name) => UNLINKED_COLLECTION_METHODS.has(bareMethod(name)))) return true;
    const keys = [...this.methodKeysOf(file), `*${this.packageDirOf(file)}`];
    return when.methods.some((name) =>
      keys.some((key) =>
        methodIds(key, name).some(
          (id) => this.runtimeMethods.has(id) || (when.onceCalled === true && this.calledMethods.has(id)),
        ),
      ),
    );
  }

  /**
   * The ids a method call records at `key`: `key#name` for an unknown receiver; for a receiver of
   * a known class (`run@Session`), that class and its ancestors (`key#run@Session`,
   * `key#run@Base`) and `key#run@*`, which methods of no known class accept.
   */
  private callIds(key: string, name: string): string[] {
    const at = name.indexOf('@');
    if (at < 0) return [`${key}#${name}`];
    const bare = name.slice(0, at);
    const ids = [`${key}#${name}`, `${key}#${bare}@*`];
    let cls = this.superclasses.get(name.slice(at + 1));
    for (let depth = 0; cls !== undefined && depth < MAX_CLASS_DEPTH; depth++) {
      ids.push(`${key}#${bare}@${cls}`);
      cls = this.superclasses.get(cls);
    }
    return ids;
  }

  /**
   * Where a method call by name can land: the programs loading the file (a daemon's
   * `session.connect()` does not reach the CLI client's `connect` method), or the whole package
   * when its programs are not known.
   */
  private methodKeysOf(file: string): string[] {
    const dir = this.packageDirOf(file);
    return this.programsByDir.get(dir)?.keysOf.get(file) ?? [dir];
  }

  /** Is this file loaded only by one-shot command-line programs (run once, blocking nobody)? */
  private isOneShot(file: string): boolean {
    return this.programsByDir.get(this.packageDirOf(file))?.oneShot.has(file) ?? false;
  }

  /** The programs of every package in the index (only when its callers are in view). */
  private computePrograms(mode: PackageMode | undefined): void {
    this.programsByDir = new Map();
    if (!this.callersInView) return;
    const byDir = new Map<string, FileSummary[]>();
    for (const summary of this.summaries.values()) {
      const dir = this.packageDirOf(summary.file);
      if (dir === '') continue;
      const list = byDir.get(dir);
      if (list) list.push(summary);
      else byDir.set(dir, [summary]);
    }
    for (const [dir, files] of byDir) {
      const info = this.packages.packageOf(files[0]!.file);
      if (!info) continue;
      const isApplication = this.roleOf(files[0]!.file, mode) === 'application';
      const resolve = (key: string): FileSummary | undefined => {
        // `require('..')` from bin/: the package's own folder loads its `main`
        if (key === info.dir && info.main !== undefined) key = info.main;
        for (const candidate of candidateKeys(key)) {
          const summary = this.byModuleKey.get(candidate);
          if (summary) return summary;
        }
        return undefined;
      };
      this.programsByDir.set(dir, packagePrograms(files, info.bins, info.entries, isApplication, resolve));
    }
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
    this.syncHelpersByDir = new Map();
    this.methodOrigins = new Map();
    this.computePrograms(mode);
    this.superclasses = new Map();
    for (const summary of this.summaries.values())
      for (const [child, parent] of summary.superclasses ?? []) this.superclasses.set(child, parent);
    this.calledExports = new Set();
    this.calledMethods = new Set();
    this.knownCalledExports = new Set();
    for (const summary of this.summaries.values()) {
      for (const call of summary.importedCalls)
        for (const key of candidateKeys(call.moduleKey))
          this.knownCalledExports.add(`${key}#${call.exportName}`);
      for (const id of summary.startupCalls.exports) {
        const hash = id.lastIndexOf('#');
        for (const key of candidateKeys(id.slice(0, hash)))
          this.knownCalledExports.add(`${key}${id.slice(hash)}`);
      }
      if (this.isOneShot(summary.file)) continue;
      for (const id of summary.startupCalls.exports) {
        const hash = id.lastIndexOf('#');
        for (const key of candidateKeys(id.slice(0, hash))) this.calledExports.add(`${key}${id.slice(hash)}`);
      }
      const dir = this.packageDirOf(summary.file);
      const guest = this.programsByDir.get(dir)?.guests.has(summary.file) === true;
      const keys = [dir, ...this.methodKeysOf(summary.file), ...(guest ? [`*${dir}`] : [])];
      for (const name of summary.startupCalls.methods)
        for (const key of keys) for (const id of this.callIds(key, name)) this.calledMethods.add(id);
    }
    /** adds ids to a set; true when any was new */
    const addAll = (set: Set<string>, ids: string[]): boolean => {
      let added = false;
      for (const id of ids) {
        if (set.has(id)) continue;
        set.add(id);
        added = true;
      }
      return added;
    };
    for (let round = 0; round < MAX_PROPAGATION_ROUNDS; round++) {
      let changed = false;
      for (const summary of this.summaries.values()) {
        // a one-shot command's run time serves nobody: its calls make nothing run time
        if (this.isOneShot(summary.file)) continue;
        const file = summary.file;
        for (const call of summary.importedCalls) {
          const ids = candidateKeys(call.moduleKey).map((key) => `${key}#${call.exportName}`);
          if (!call.when || this.holds(call.when, file, mode)) {
            if (addAll(this.runtimeExports, ids)) changed = true;
            if (addAll(this.calledExports, ids)) changed = true;
          } else if (this.holds({ ...call.when, onceCalled: true }, file, mode)) {
            // code that runs (at start-up, say) without being run time: its callees run too
            if (addAll(this.calledExports, ids)) changed = true;
          }
        }
        const dir = this.packageDirOf(file);
        // a guest (a plugin loaded by path) calls into whichever program loads it
        const guest = this.programsByDir.get(dir)?.guests.has(file) === true;
        const keys = [...new Set([dir, ...this.methodKeysOf(file), ...(guest ? [`*${dir}`] : [])])];
        for (const call of summary.methodCalls) {
          const ids = keys.flatMap((key) => this.callIds(key, call.name));
          if (!call.when || this.holds(call.when, file, mode)) {
            if (call.origin)
              for (const id of ids)
                if (!this.methodOrigins.has(id)) this.methodOrigins.set(id, { file, ...call.origin });
            if (addAll(this.runtimeMethods, ids)) changed = true;
            if (addAll(this.calledMethods, ids)) changed = true;
          } else if (this.holds({ ...call.when, onceCalled: true }, file, mode)) {
            if (addAll(this.calledMethods, ids)) changed = true;
          }
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
    const oneShot = this.isOneShot(summary.file);
    const final: Finding[] = [];
    for (const finding of analysis.findings) {
      const condition = finding.condition;
      // only one-shot command-line programs load this file: as in a `bin` script, nobody waits
      if (oneShot && this.rulesById.get(finding.ruleId)?.meta.mainThreadOnly) continue;
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
      const origin =
        callers.length === 0 && role === 'application' ? this.methodOrigin(summary.file, when) : undefined;
      if (callers.length > 0) {
        final.push(this.withCallers(stripCondition(finding), callers));
      } else if (origin) {
        final.push(this.withMethodOrigin(stripCondition(finding), origin));
      } else if (role === 'library') {
        final.push(this.asLibraryFinding(stripCondition(finding), when));
      } else {
        final.push(stripCondition(finding));
      }
    }
    if ((!workerEntry || summary.hasMainThreadSwitch) && !oneShot) {
      for (const call of summary.importedCalls) {
        if (call.when && !this.holds(call.when, summary.file, options.mode)) continue;
        const finding = this.crossFileFinding(summary, call, options);
        if (finding) final.push(finding);
      }
      if (role !== 'application') final.push(...this.asyncApiCallFindings(summary, options));
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
    const api = when.exports[0] ?? (when.methods[0] && bareMethod(when.methods[0]));
    const severity = when.asyncApi ? finding.severity : 'info';
    if (api === undefined) return { ...finding, severity };
    const where = `in the public API \`${api === 'default' ? 'default export' : api}()\``;
    return { ...this.withWhere(finding, where), severity };
  }

  /** The finding with `{{where}}` filled anew, in its data and its message. */
  /** The message with `where` said anew: the first of `wheres` that fits one Problems row. */
  private withWhere(finding: Finding, ...wheres: string[]): Finding {
    const text = this.rulesById.get(finding.ruleId)?.meta.messages[finding.messageId];
    if (text === undefined || !('where' in finding.data)) return finding;
    const fits = (where: string) =>
      formatMessage(text, { ...finding.data, where }).length <= MAX_MESSAGE_LENGTH;
    const data = { ...finding.data, where: wheres.find(fits) ?? wheres[wheres.length - 1]! };
    return { ...finding, data, message: formatRowMessage(text, data) };
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

  /** The run-time call (by method name, from another file) that makes code under `when` run time. */
  private methodOrigin(
    file: string,
    when: Assumption,
  ): { name: string; file: string; range: Range; label: string } | undefined {
    const keys = this.methodKeysOf(file);
    for (const name of when.methods) {
      for (const key of keys) {
        for (const id of methodIds(key, name)) {
          const origin = this.methodOrigins.get(id);
          if (origin && origin.file !== file) return { name: bareMethod(name), ...origin };
        }
      }
    }
    return undefined;
  }

  /**
   * A finding in a method, kept because another file calls it by name from run-time code: the
   * message says from where ("called from the `'data'` event handler in daemon.js:12"), and the
   * call is a related location.
   */
  private withMethodOrigin(
    finding: Finding,
    origin: { name: string; file: string; range: Range; label: string },
  ): Finding {
    const place = `${relativeName(finding.file, origin.file)}:${origin.range.start.line}`;
    const where = `in \`${origin.name}()\`, called from the ${origin.label} in ${place}`;
    const related = capRelated([
      ...(finding.related ?? []),
      {
        file: origin.file,
        range: origin.range,
        message: `\`${origin.name}()\` called from the ${origin.label}`,
      },
    ]);
    // too long for one row: the related location says from where
    return { ...this.withWhere(finding, where, `in \`${origin.name}()\`, called from ${place}`), related };
  }

  /**
   * A finding in an exported function, kept because other files call it at run time: the
   * message says from where, and the run-time call sites are its related locations.
   */
  private withCallers(finding: Finding, callers: { file: string; call: ImportedCall }[]): Finding {
    const first = callers[0]!;
    const origin = first.call.chainLabels[0];
    const fromFile = relativeName(finding.file, first.file);
    const where = `in \`${first.call.exportName}()\`, called from ${origin ? `the ${origin} in ` : ''}${fromFile}`;
    const related = capRelated([
      ...(finding.related ?? []),
      ...callers.map(({ file, call }) => ({
        file,
        range: call.range,
        message: call.chainLabels[0] ? `called from the ${call.chainLabels[0]}` : 'called at run time',
      })),
    ]);
    return {
      ...this.withWhere(finding, where, `in \`${first.call.exportName}()\`, called from ${fromFile}`),
      related,
    };
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

  /**
   * In a library (or code whose callers are unseen), an API that looks asynchronous calling a
   * method of the same package whose body blocks (async-api-calls.ts). Methods are linked by name
   * within the package, as method calls are in propagate().
   */
  private asyncApiCallFindings(summary: FileSummary, options: AnalysisOptions): Finding[] {
    const calls = summary.asyncApiCalls ?? [];
    if (calls.length === 0) return [];
    const rule = this.rulesById.get('blocking-call');
    const severity = options.rules['blocking-call']?.severity ?? rule?.meta.defaultSeverity ?? 'warning';
    if (!rule || severity === 'off') return [];
    const helpers = this.syncHelpersOf(this.packageDirOf(summary.file));
    const findings: Finding[] = [];
    for (const call of calls) {
      const helper = helpers.get(call.name);
      if (!helper || (call.when && !isRunTimeApi(call.when))) continue;
      // `start()` calling `storage.init()`: starting up, not serving
      const setsUp = SETUP_API.test(call.name) && !MAKES_FILESYSTEM_ENTRY.test(call.name);
      if (setsUp || STARTS_UP.test(call.name) || STARTS_UP.test(call.api)) continue;
      const finding = asyncApiCallFinding(summary.file, call, helper, rule, severity);
      const suppression = suppressionFor(finding, summary.suppressions);
      if (suppression) finding.suppressed = suppression;
      findings.push(finding);
    }
    return findings;
  }

  /** Sync helper methods of a package by name (computed once per propagation). */
  private syncHelpersOf(dir: string): Map<string, { file: string; helper: SyncHelper }> {
    let helpers = this.syncHelpersByDir.get(dir);
    if (helpers) return helpers;
    helpers = new Map();
    for (const summary of this.summaries.values()) {
      if (!summary.syncHelpers?.length || this.packageDirOf(summary.file) !== dir) continue;
      if (this.isWorkerEntry(summary)) continue;
      for (const helper of summary.syncHelpers)
        if (!helpers.has(helper.name)) helpers.set(helper.name, { file: summary.file, helper });
    }
    this.syncHelpersByDir.set(dir, helpers);
    return helpers;
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

/** Names of APIs that start something up or load it once (`start()`, `storage.init()`, `loadConfig()`). */
const STARTS_UP = /^(start|init|initialize|setup|load|register|main|boot)([A-Z_]|$)/;

/**
 * Is code reached from this API run time in a library (or a file whose callers are unseen)? Not
 * when every way in is set-up, or named synchronous on purpose (`readJsonSync()`).
 */
function isRunTimeApi(when: Assumption): boolean {
  const names = [...when.exports, ...when.methods.map(bareMethod)].map(
    (name) => name.split('.').pop() ?? name,
  );
  // `readJsonSync()`, and `mkdirp.sync()`-style twins named just `sync`
  if (names.some((name) => /Sync$|^sync$/.test(name))) return false;
  // a listener a factory or constructor registers runs later, each time its event comes
  if (when.later) return true;
  // a factory's own body builds the object (set-up); the methods it returns are the run-time API
  if (when.factory) return false;
  return (
    names.length === 0 || !names.every((name) => SETUP_API.test(name) && !MAKES_FILESYSTEM_ENTRY.test(name))
  );
}

/**
 * Methods named like an array's (`Project.prototype.push`, a queue's `shift()`): calls by these
 * names are not linked (see BUILTIN_METHODS in analyzer.ts), so a program's own collection-like
 * method of that name counts as called, as if its callers were unseen. Other built-in names
 * (`parse`, `log`, `test`) are not: a method named so is linked by calls on a known receiver only.
 */
const UNLINKED_COLLECTION_METHODS: ReadonlySet<string> = new Set([
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
]);

/** Ancestors followed from a receiver's class (a cycle of `extends` in broken code ends there). */
const MAX_CLASS_DEPTH = 8;

/**
 * The ids that make a method run time (see ProjectIndex.callIds): a method of class C (`run@C`)
 * by calls on unknown receivers and on C's instances; a method of no known class by calls on
 * unknown receivers and on any class's instances.
 */
function methodIds(key: string, name: string): string[] {
  return name.includes('@')
    ? [`${key}#${bareMethod(name)}`, `${key}#${name}`]
    : [`${key}#${name}`, `${key}#${name}@*`];
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
