// Project configuration: `.concurrency-lens.json`, validated against schemas/concurrency-lens.schema.json.
import { existsSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import schema from '../../schemas/concurrency-lens.schema.json';
import { readSourceFile } from './read-source.js';
import { allRules } from './rules/index.js';
import type { AnalysisOptions, PackageMode, RuleSettings, SeveritySetting, Thresholds } from './types.js';

export const CONFIG_FILE_NAME = '.concurrency-lens.json';
/** A configuration file larger than this is surely not one. */
const MAX_CONFIG_BYTES = 1 << 20;

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
  mode?: PackageMode;
  dependencies?: boolean;
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

/**
 * Validates a parsed config object; returns one line per problem, naming the key and what it
 * accepts (empty when valid).
 */
export function validateConfig(config: unknown): string[] {
  // verbose: errors carry the offending value and the schema around it (for the allowed keys)
  validator ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  if (!validator(config)) return describeSchemaErrors(validator.errors ?? []);
  const problems = Object.keys((config as ProjectConfig).rules ?? {})
    .filter((id) => !allRules.some((r) => r.meta.id === id))
    .map((id) => `rules.${id}: unknown rule (known: ${allRules.map((r) => r.meta.id).join(', ')})`);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...(config as ProjectConfig).thresholds };
  if (thresholds.ioBound > thresholds.cpuBound) {
    problems.push(
      `thresholds.ioBound (${thresholds.ioBound}) must not be above thresholds.cpuBound (${thresholds.cpuBound}): a function cannot be I/O-bound and CPU-bound at once`,
    );
  }
  return problems;
}

/** Ajv's errors as one line per key: what is wrong, what was given, what is allowed. */
function describeSchemaErrors(errors: ErrorObject[]): string[] {
  const lines = new Set<string>();
  for (const error of errors) {
    // A rule setting is a severity or an object: report only the branch that matches the value's shape.
    if (error.keyword === 'oneOf') continue;
    if (/^\/rules\/[^/]+$/.test(error.instancePath)) {
      const isObject = typeof error.data === 'object' && error.data !== null;
      if (isObject ? error.keyword === 'enum' : error.keyword === 'type') continue;
    }
    const key = error.instancePath.slice(1).split('/').join('.');
    const got = ` (got ${JSON.stringify(error.data)})`;
    if (error.keyword === 'additionalProperties') {
      const unknown = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      lines.add(`${key ? `${key}.` : ''}${unknown}: unknown key (allowed: ${allowed.join(', ')})`);
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      lines.add(`${key}: must be one of ${allowed.join(', ')}${got}`);
    } else {
      lines.add(`${key || '(root)'}: ${error.message ?? 'is invalid'}${got}`);
    }
  }
  return [...lines];
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
    mode: config.mode ?? base.mode,
    dependencies: config.dependencies ?? base.dependencies,
  };
}

/** Reads a config file (explicit path) or finds `.concurrency-lens.json` in `dir` or its ancestors. */
export function loadConfig(dirOrFile: string, explicit = false): LoadedConfig {
  const configFile = explicit ? path.resolve(dirOrFile) : findConfigFile(dirOrFile);
  if (!configFile) return { options: defaultOptions(), config: {}, errors: [] };
  if (!existsSync(configFile)) {
    return { options: defaultOptions(), config: {}, configFile, errors: [`${configFile}: file not found`] };
  }
  // Bounded and regular files only: a FIFO or a folder given as --config must not hang or stack-trace.
  const read = readSourceFile(configFile, MAX_CONFIG_BYTES);
  if ('skipped' in read) {
    const why =
      read.skipped.reason === 'not-a-file'
        ? `${read.skipped.detail}; expected a JSON file`
        : read.skipped.detail;
    return { options: defaultOptions(), config: {}, configFile, errors: [`${configFile}: ${why}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text.replace(/^\uFEFF/, ''));
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
