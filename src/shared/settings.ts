// The extension's settings (`concurrencyLens.*`) as the server reads them, per workspace folder.
// package.json's `contributes.configuration` is the user-facing declaration of the same keys.
import type { SeveritySetting } from '../analysis/types.js';

export const configurationSection = 'concurrencyLens';

export type RuleSeverityOverride = SeveritySetting | 'default';

export interface Settings {
  enable: boolean;
  /** per-rule severity; overrides `.concurrency-lens.json`; 'default' keeps the configured severity */
  rules: Record<string, RuleSeverityOverride>;
  /** glob patterns (workspace-relative) never analysed, on top of `.gitignore` and `files.exclude` */
  exclude: string[];
  workspaceScan: { onStartup: boolean; maxFiles: number };
  /** milliseconds a single file's analysis may take before the status item warns */
  timeBudgetMs: number;
  /** quiet period after an edit before the file is analysed again */
  debounceMs: number;
  /** null: take the value from `.concurrency-lens.json` or the engine default */
  mainThreadRulesInTests: boolean | null;
  mainThreadRulesInScripts: boolean | null;
  /** read packages in node_modules that run-time code calls; null: as `.concurrency-lens.json` says */
  dependencies: boolean | null;
  maxFileBytes: number | null;
  thresholds: {
    ioBound: number | null;
    cpuBound: number | null;
    serializationFraction: number | null;
    heavyLoopIterations: number | null;
  };
}

export const defaultSettings: Settings = {
  enable: true,
  rules: {},
  exclude: [],
  workspaceScan: { onStartup: true, maxFiles: 5000 },
  timeBudgetMs: 250,
  debounceMs: 100,
  mainThreadRulesInTests: null,
  mainThreadRulesInScripts: null,
  dependencies: null,
  maxFileBytes: null,
  thresholds: { ioBound: null, cpuBound: null, serializationFraction: null, heavyLoopIterations: null },
};

/**
 * An `"on" | "off" | "default"` setting (an enum, so the Settings UI can edit it), or a boolean as
 * earlier versions wrote it; null for "default": the value from `.concurrency-lens.json`.
 */
function onOffDefault(value: unknown): boolean | null {
  if (value === 'on' || value === true) return true;
  if (value === 'off' || value === false) return false;
  return null;
}

/** Fills what a (possibly partial or malformed) configuration object leaves out. */
export function normalizeSettings(raw: unknown): Settings {
  const value = isRecord(raw) ? raw : {};
  const scan = isRecord(value.workspaceScan) ? value.workspaceScan : {};
  const thresholds = isRecord(value.thresholds) ? value.thresholds : {};
  const rules: Record<string, RuleSeverityOverride> = {};
  if (isRecord(value.rules)) {
    for (const [id, severity] of Object.entries(value.rules)) {
      if (severity === 'off' || severity === 'info' || severity === 'warning' || severity === 'error')
        rules[id] = severity;
    }
  }
  return {
    enable: typeof value.enable === 'boolean' ? value.enable : defaultSettings.enable,
    rules,
    exclude: Array.isArray(value.exclude)
      ? value.exclude.filter((g): g is string => typeof g === 'string')
      : [],
    workspaceScan: {
      onStartup:
        typeof scan.onStartup === 'boolean' ? scan.onStartup : defaultSettings.workspaceScan.onStartup,
      maxFiles: positiveNumber(scan.maxFiles) ?? defaultSettings.workspaceScan.maxFiles,
    },
    timeBudgetMs: positiveNumber(value.timeBudgetMs) ?? defaultSettings.timeBudgetMs,
    debounceMs: nonNegativeNumber(value.debounceMs) ?? defaultSettings.debounceMs,
    mainThreadRulesInTests: onOffDefault(value.mainThreadRulesInTests),
    mainThreadRulesInScripts: onOffDefault(value.mainThreadRulesInScripts),
    dependencies: onOffDefault(value.dependencies),
    maxFileBytes: positiveNumber(value.maxFileBytes) ?? null,
    thresholds: {
      ioBound: nonNegativeNumber(thresholds.ioBound) ?? null,
      cpuBound: nonNegativeNumber(thresholds.cpuBound) ?? null,
      serializationFraction: nonNegativeNumber(thresholds.serializationFraction) ?? null,
      heavyLoopIterations: positiveNumber(thresholds.heavyLoopIterations) ?? null,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegativeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** `concurrencyLens.profiler.*`: read by the extension only (the server never runs code). */
export interface ProfilerSettings {
  /** off in untrusted workspaces whatever this says (a restricted setting) */
  enable: boolean;
  /** measured runs at least (the profiler measures for at least half a second) */
  runs: number;
  timeoutMs: number;
  /** the node executable that runs the profiled code; empty: `node` on PATH */
  nodePath: string;
}

export const defaultProfilerSettings: ProfilerSettings = {
  enable: true,
  runs: 5,
  timeoutMs: 10_000,
  nodePath: '',
};

export function normalizeProfilerSettings(raw: unknown): ProfilerSettings {
  const value = isRecord(raw) ? raw : {};
  return {
    enable: typeof value.enable === 'boolean' ? value.enable : defaultProfilerSettings.enable,
    runs: Math.round(positiveNumber(value.runs) ?? defaultProfilerSettings.runs),
    timeoutMs: positiveNumber(value.timeoutMs) ?? defaultProfilerSettings.timeoutMs,
    nodePath: typeof value.nodePath === 'string' ? value.nodePath.trim() : defaultProfilerSettings.nodePath,
  };
}
