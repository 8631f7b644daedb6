// Public API of the profiler for the CLI and the VS Code integration. Pure Node: no `vscode` import.
export {
  type BundleOptions,
  type BundleOutput,
  bundleTarget,
  isValidFunctionPath,
  ProfilerError,
} from './bundle.js';
export { type CommandIO, formatText, PROFILE_USAGE, runProfileCommand } from './cli.js';
export { type CpuProfile, hotLines, mapProfileToSources } from './cpu-profile.js';
export * from './model.js';
export { killRunProcesses, RUN_MARKER_ENV } from './process-tree.js';
export { type ProfileOptions, type ProfileProgress, profileFunction } from './run.js';
