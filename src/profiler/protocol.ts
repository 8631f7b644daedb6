// What the parent (run.ts) and the child (harness.ts) say to each other. The config goes in a
// JSON file named on the child's command line; progress comes back over IPC; the final report is
// written synchronously to a result file, so it survives a process.exit() that would drop a
// pending IPC message. The child's stdout/stderr stay free for the user's own output.
import type {
  CpuSource,
  PoolTrial,
  ProfileError,
  ProfilePhase,
  RunSample,
  SerializationCost,
} from './model.js';

/** Global slot the bundle's entry fills with the target module, the target and the args module. */
export const BUNDLE_GLOBAL = 'concurrency-lens.profile';
/** Global slot the code appended to the target file fills with the named top-level binding. */
export const TARGET_GLOBAL = 'concurrency-lens.target';

export interface HarnessConfig {
  /** absolute path of the bundled ESM entry */
  bundlePath: string;
  /** absolute path of the pool-trial worker module (re-exports the target as a piscina task) */
  poolWorkerPath: string;
  /** dotted path of the function in the target module, e.g. `fib` or `Matrix.multiply` */
  functionPath: string;
  /** JSON arguments, when no args module is used */
  args?: unknown[];
  /** the bundle holds an args module whose default export builds the arguments */
  hasArgsModule: boolean;
  /** measured runs to do; when set, the time budget is ignored */
  runs?: number;
  minRuns: number;
  maxRuns: number;
  /** measure until this much wall time has passed (and minRuns are done) */
  budgetMs: number;
  /** warm up until this much wall time has passed (at least one run) */
  warmupMs: number;
  poolTrial: boolean;
  /** wall time the pool trial's main-thread phase may take */
  poolTrialBudgetMs: number;
  /** module id or path of piscina, resolved by the parent */
  piscinaPath?: string;
  resultPath: string;
  /** when set, the measured runs are sampled by V8's profiler and the profile is written here */
  cpuProfilePath?: string;
}

/** A V8 script position (0-based) with the script's id. */
export interface BundlePosition {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

export interface HarnessReport {
  ok: boolean;
  nodeVersion: string;
  error?: ProfileError;
  warmupRuns?: number;
  runs?: RunSample[];
  /** calls timed together in each run (1 unless one call is below the per-call floor); samples are per call */
  callsPerRun?: number;
  /** wall and process CPU over the whole measured span (all runs and the loop between them), ms */
  spanWallMs?: number;
  spanCpuMs?: number;
  /** main thread's CPU over the measured runs, ms: process.threadCpuUsage() or /proc (Linux) */
  mainThreadCpuMs?: number;
  mainThreadCpuSource?: Exclude<CpuSource, 'process'>;
  /** main thread's time runnable but waiting for a CPU over the measured runs, from /proc (Linux), ms */
  runQueueWaitMs?: number;
  /** with a CPU profile: where V8 says the profiled function is, in the bundle */
  profiledFunctionLocation?: BundlePosition;
  serialization?: SerializationCost;
  poolTrial?: PoolTrial;
  poolTrialError?: string;
  maxRssBytes?: number;
}

export type HarnessMessage =
  | { type: 'phase'; phase: ProfilePhase; at: number }
  /** sent when the measured runs start and end, with the child's own clock for cross-checks */
  | { type: 'measure'; edge: 'start' | 'end'; runs: number }
  | { type: 'done' };
