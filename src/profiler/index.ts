// Public API of the profiler for the CLI and the VS Code integration. Pure Node: no `vscode` import.
export {
  type BundleOptions,
  type BundleOutput,
  bundleTarget,
  isValidFunctionPath,
  ProfilerError,
} from './bundle.js';
export { type CommandIO, formatText, PROFILE_USAGE, runProfileCommand } from './cli.js';
export * from './model.js';
export { killTree, type ProfileOptions, type ProfileProgress, profileFunction } from './run.js';
