// Public API of the analysis engine (pure: no `vscode` import), used by the CLI and the language server.
export {
  analyzeFile,
  type FileAnalysis,
  type FileSummary,
  moduleKeyOf,
  scriptKindOf,
  unanalysableReason,
} from './analyzer.js';
export {
  CONFIG_FILE_NAME,
  defaultOptions,
  findConfigFile,
  loadConfig,
  optionsFromConfig,
  validateConfig,
} from './config.js';
export { ProjectIndex } from './project.js';
export { allRules, ruleById } from './rules/index.js';
export * from './types.js';
