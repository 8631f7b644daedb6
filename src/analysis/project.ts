// The project index: cross-file facts kept per file so an editor can update one file at a time
// and a scan can combine the summaries of many files without parsing anything twice.
// - worker entries: files another file runs with new Worker / piscina / tinypool / workerpool;
// - exported functions that block, and who calls them from run-time code.
// `finalize` turns a file's pending findings into final ones with these facts.
import type { FileAnalysis, FileSummary, ImportedCall } from './analyzer.js';
import type { PendingTemplate } from './context.js';
import { callSiteMessage, capRelated, MAX_RELATED } from './context.js';
import { allRules } from './rules/index.js';
import { suppressionFor } from './suppressions.js';
import type { AnalysisOptions, Finding, Rule } from './types.js';

export class ProjectIndex {
  private readonly summaries = new Map<string, FileSummary>();
  private readonly byModuleKey = new Map<string, FileSummary>();
  /** moduleKey → files whose summaries name it as a worker target */
  private readonly workerSpawners = new Map<string, Set<string>>();
  /** moduleKey → export name → files calling it from run-time code */
  private readonly runtimeCallers = new Map<string, Map<string, Set<string>>>();
  private readonly rulesById: Map<string, Rule>;

  constructor(rules: readonly Rule[] = allRules) {
    this.rulesById = new Map(rules.map((r) => [r.meta.id, r]));
  }

  update(summary: FileSummary): void {
    this.remove(summary.file);
    this.summaries.set(summary.file, summary);
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
    this.summaries.delete(file);
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

  /** Final findings of a file: pending conditions resolved, cross-file call chains added. */
  finalize(analysis: FileAnalysis, options: AnalysisOptions): Finding[] {
    const summary = analysis.summary;
    if (!summary) return analysis.findings.map(stripCondition);
    const workerEntry = this.isWorkerEntry(summary);
    const final: Finding[] = [];
    for (const finding of analysis.findings) {
      const condition = finding.condition;
      if (condition?.unlessWorkerEntry && workerEntry) continue;
      if (condition?.ifExportCalledAtRuntime) {
        const callers = this.runtimeCallsOf(summary, condition.ifExportCalledAtRuntime);
        if (callers.length === 0) continue;
        final.push(this.withCallers(stripCondition(finding), condition.template, callers));
        continue;
      }
      final.push(stripCondition(finding));
    }
    if (!workerEntry || summary.hasMainThreadSwitch) {
      for (const call of summary.importedCalls) {
        const finding = this.crossFileFinding(summary, call, options);
        if (finding) final.push(finding);
      }
    }
    return final;
  }

  /** Run-time calls from other files to these exports of `summary`'s file, at most MAX_RELATED. */
  private runtimeCallsOf(
    summary: FileSummary,
    exportNames: string[],
  ): { file: string; call: ImportedCall }[] {
    const calledExports = this.runtimeCallers.get(summary.moduleKey);
    const result: { file: string; call: ImportedCall }[] = [];
    for (const name of exportNames) {
      for (const file of calledExports?.get(name) ?? []) {
        for (const call of this.summaries.get(file)?.importedCalls ?? []) {
          if (call.exportName !== name || !candidateKeys(call.moduleKey).includes(summary.moduleKey))
            continue;
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
  private withCallers(
    finding: Finding,
    template: PendingTemplate | undefined,
    callers: { file: string; call: ImportedCall }[],
  ): Finding {
    const first = callers[0]!;
    const rule = this.rulesById.get(finding.ruleId);
    const text = template && rule?.meta.messages[template.messageId];
    const origin = first.call.chainLabels[0];
    const where = `in \`${first.call.exportName}()\`, called from ${origin ? `the ${origin} in ` : ''}${relativeName(finding.file, first.file)}`;
    const message = text
      ? text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) =>
          k === 'where' ? where : String(template.data[k] ?? ''),
        )
      : finding.message;
    const related = capRelated([
      ...(finding.related ?? []),
      ...callers.map(({ file, call }) => ({
        file,
        range: call.range,
        message: call.chainLabels[0] ? `called from the ${call.chainLabels[0]}` : 'called at run time',
      })),
    ]);
    return { ...finding, message, related };
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

  private summaryByModuleKey(key: string): FileSummary | undefined {
    return this.byModuleKey.get(key);
  }
}

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
