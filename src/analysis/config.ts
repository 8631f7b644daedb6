// Project configuration: `.concurrency-lens.json`, validated against schemas/concurrency-lens.schema.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import schema from '../../schemas/concurrency-lens.schema.json';
import { allRules } from './rules/index.js';
import type { AnalysisOptions, RuleSettings, SeveritySetting, Thresholds } from './types.js';

export const CONFIG_FILE_NAME = '.concurrency-lens.json';

export const DEFAULT_THRESHOLDS: Thresholds = {
  ioBound: 0.4,
  cpuBound: 0.7,
  serializationFraction: 0.15,
  heavyLoopIterations: 1_000_000,
};

export interface ProjectConfig {
  rules?: Record<string, SeveritySetting | { severity?: SeveritySetting; options?: Record<string, unknown> }>;
  include?: string[];
  exclude?: string[];
  thresholds?: Partial<Thresholds>;
  mainThreadRulesInTests?: boolean;
  mainThreadRulesInScripts?: boolean;
  maxFileBytes?: number;
}

export interface LoadedConfig {
  options: AnalysisOptions;
  config: ProjectConfig;
  /** absolute path of the config file read, if any */
  configFile?: string;
  /** human-readable problems; a front end reports them and falls back to defaults */
  errors: string[];
}

export function defaultOptions(): AnalysisOptions {
  return {
    rules: Object.fromEntries(allRules.map((r) => [r.meta.id, { severity: r.meta.defaultSeverity }])),
    thresholds: { ...DEFAULT_THRESHOLDS },
    mainThreadRulesInTests: false,
    mainThreadRulesInScripts: false,
    maxFileBytes: 10 * 1024 * 1024,
  };
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Validates a parsed config object; returns error messages (empty when valid). */
export function validateConfig(config: unknown): string[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validator(config)) {
    const unknownRules = Object.keys((config as ProjectConfig).rules ?? {}).filter(
      (id) => !allRules.some((r) => r.meta.id === id),
    );
    return unknownRules.map(
      (id) => `rules: unknown rule '${id}' (known: ${allRules.map((r) => r.meta.id).join(', ')})`,
    );
  }
  return (validator.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}

/** Merges a project config into analysis options. */
export function optionsFromConfig(
  config: ProjectConfig,
  base: AnalysisOptions = defaultOptions(),
): AnalysisOptions {
  const rules: Record<string, RuleSettings> = { ...base.rules };
  for (const [id, setting] of Object.entries(config.rules ?? {})) {
    const current = rules[id] ?? { severity: 'warning' };
    rules[id] =
      typeof setting === 'string'
        ? { ...current, severity: setting }
        : { severity: setting.severity ?? current.severity, options: setting.options ?? current.options };
  }
  return {
    rules,
    thresholds: { ...base.thresholds, ...config.thresholds },
    mainThreadRulesInTests: config.mainThreadRulesInTests ?? base.mainThreadRulesInTests,
    mainThreadRulesInScripts: config.mainThreadRulesInScripts ?? base.mainThreadRulesInScripts,
    maxFileBytes: config.maxFileBytes ?? base.maxFileBytes,
  };
}

/** Reads a config file (explicit path) or finds `.concurrency-lens.json` in `dir` or its ancestors. */
export function loadConfig(dirOrFile: string, explicit = false): LoadedConfig {
  const configFile = explicit ? path.resolve(dirOrFile) : findConfigFile(dirOrFile);
  if (!configFile) return { options: defaultOptions(), config: {}, errors: [] };
  if (!existsSync(configFile)) {
    return { options: defaultOptions(), config: {}, configFile, errors: [`${configFile}: file not found`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (error) {
    return {
      options: defaultOptions(),
      config: {},
      configFile,
      errors: [`${configFile}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  const errors = validateConfig(parsed).map((e) => `${configFile}: ${e}`);
  if (errors.length > 0) return { options: defaultOptions(), config: {}, configFile, errors };
  const config = parsed as ProjectConfig;
  return { options: optionsFromConfig(config), config, configFile, errors: [] };
}

export function findConfigFile(dir: string): string | undefined {
  let current = path.resolve(dir);
  for (;;) {
    const candidate = path.join(current, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
