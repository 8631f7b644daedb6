// The profiler's data model: the result shape shared by the CLI, the extension and the report
// webview, plus the pure classification and recommendation. No I/O here, no `vscode` import.

/** CPU/wall thresholds and the serialization share worth acting on (see docs/profiler.md). */
export interface ProfilerThresholds {
  /** below this CPU/wall ratio a function is I/O-bound */
  ioBound: number;
  /** above this CPU/wall ratio a function is CPU-bound */
  cpuBound: number;
  /** structured-clone cost, as a fraction of one run's wall time, worth acting on */
  serializationFraction: number;
}

export const DEFAULT_THRESHOLDS: Readonly<ProfilerThresholds> = Object.freeze({
  ioBound: 0.4,
  cpuBound: 0.7,
  serializationFraction: 0.15,
});

export type Classification = 'io-bound' | 'mixed' | 'cpu-bound';

export type RecommendationKind =
  | 'keep-on-main-thread'
  | 'move-to-worker-pool'
  | 'move-with-transfer'
  | 'split-io-and-cpu';

export interface Recommendation {
  kind: RecommendationKind;
  /** short imperative title, e.g. "Move to worker pool" */
  text: string;
  /** the measurement that justifies it, one or two sentences */
  reason: string;
}

export type ProfileErrorKind =
  /** the function (or the module while loading) threw or rejected */
  | 'threw'
  /** no run finished within the time limit, or the function can never settle */
  | 'timeout'
  /** the child exited before reporting (process.exit, a signal, a native crash) */
  | 'exited'
  /** the child hit its heap cap or the RSS cap */
  | 'out-of-memory'
  /** no top-level function or exported member by that name */
  | 'not-found'
  /** esbuild could not bundle the file (syntax error, unresolved relative import) */
  | 'bundle-failed'
  /** the arguments could not be built: bad JSON, args module without a factory, factory threw */
  | 'bad-args'
  /** the caller aborted the run */
  | 'cancelled'
  /** the node executable could not be started */
  | 'spawn-failed';

export interface ProfileError {
  kind: ProfileErrorKind;
  message: string;
  /** source-mapped stack of the user's error, when there is one */
  stack?: string;
  /** where the child was when it failed */
  phase?: ProfilePhase;
  /** measured runs completed before the failure */
  completedRuns?: number;
}

export type ProfilePhase =
  | 'starting'
  | 'loading'
  | 'args'
  | 'warmup'
  | 'measure'
  | 'serialization'
  | 'pool-trial';

export interface RunSample {
  wallMs: number;
  /** user + system CPU of the whole child process during the run */
  cpuMs: number;
}

export interface SerializationCost {
  /** bytes of `v8.serialize(args)`: what postMessage / workerData / pool.run would copy */
  argsBytes: number;
  /** serialize + deserialize time of the arguments, ms */
  argsMs: number;
  resultBytes: number;
  resultMs: number;
  /** (argsMs + resultMs) / wallMs of one run */
  fraction: number;
  /** bytes in ArrayBuffers / typed arrays / SharedArrayBuffers inside the arguments (movable by transfer) */
  transferableBytes: number;
  /** one real postMessage of the arguments and of the result through a worker_threads MessageChannel, ms */
  channelRoundTripMs?: number;
  /** constructor names of class instances in the arguments or result: a clone drops their prototype */
  lostPrototypes?: string[];
  /** the arguments or the result cannot be cloned at all (functions, symbols, handles) */
  cloneError?: string;
}

export interface PoolTrial {
  workers: number;
  tasks: number;
  /** the same tasks run one after another on the main thread */
  mainThreadMs: number;
  /** the tasks run on a warmed-up piscina pool */
  poolMs: number;
  /** mainThreadMs / poolMs */
  speedup: number;
  /** round trip minus in-worker compute, per task, measured one task at a time */
  ipcOverheadMsPerTask: number;
  /** time to start the pool's workers and load the function in them */
  poolStartupMs: number;
}

export interface PidusageSummary {
  /** average CPU % of the child during the measured runs (100 = one core) */
  cpuPercent: number;
  /** highest RSS seen over the child's life */
  peakRssBytes: number;
  samples: number;
}

export interface ProfileTiming {
  bundleMs: number;
  /** spawn to the function being ready (node start-up + module load + args) */
  startupMs: number;
  /** call to result, end to end */
  totalMs: number;
}

export interface ChildLog {
  stdout: string;
  stderr: string;
  /** true when the log was longer than the kept tail */
  truncated: boolean;
}

interface ProfileBase {
  file: string;
  function: string;
  /** node executable and its version (`process.version` of the child) */
  node: { path: string; version?: string };
  timing: ProfileTiming;
  log: ChildLog;
}

export interface ProfileSuccess extends ProfileBase {
  ok: true;
  /**
   * process CPU / wall over the measured span (all measured runs), with the time the main thread
   * was runnable but waiting for a CPU held by another process (machine load, Linux) taken out of
   * the wall time: the ratio the function has on an idle machine
   */
  cpuRatio: number;
  /** process CPU / wall over the same span, without the run-queue correction */
  rawCpuRatio: number;
  /** main thread's time waiting for a CPU over the span (machine load), ms; Linux only */
  runQueueWaitMs?: number;
  classification: Classification;
  /** mean wall time per run, ms */
  wallMs: number;
  /** mean CPU time per run, ms */
  cpuMs: number;
  /** main thread's own CPU / wall (Linux only): lower than cpuRatio when work runs on libuv or worker threads */
  mainThreadCpuRatio?: number;
  warmupRuns: number;
  runs: RunSample[];
  serialization: SerializationCost;
  recommendation: Recommendation;
  pidusage: PidusageSummary;
  /** the child's own peak RSS (process.resourceUsage().maxRSS) */
  maxRssBytes: number;
  poolTrial?: PoolTrial;
  /** the pool trial was asked for but could not run */
  poolTrialError?: string;
  thresholds: ProfilerThresholds;
}

export interface ProfileFailure extends ProfileBase {
  ok: false;
  error: ProfileError;
}

export type ProfileResult = ProfileSuccess | ProfileFailure;

export function classify(
  cpuRatio: number,
  thresholds: ProfilerThresholds = DEFAULT_THRESHOLDS,
): Classification {
  if (cpuRatio < thresholds.ioBound) return 'io-bound';
  if (cpuRatio > thresholds.cpuBound) return 'cpu-bound';
  return 'mixed';
}

export interface RecommendationInput {
  cpuRatio: number;
  /** mean wall time per run, ms */
  wallMs: number;
  serialization: Pick<SerializationCost, 'fraction' | 'transferableBytes' | 'cloneError' | 'lostPrototypes'> &
    Partial<Pick<SerializationCost, 'argsBytes' | 'resultBytes'>>;
  mainThreadCpuRatio?: number;
  poolTrial?: Pick<PoolTrial, 'speedup' | 'workers'>;
}

/** Below this per-call time a worker round trip (~0.05–0.2 ms) eats the gain: batch calls. */
const SMALL_TASK_MS = 1;
/**
 * Below this message size a high clone share is the fixed cost of any message on a very short
 * call, not the data: transfer or shared memory would not help, batching would.
 */
const SMALL_MESSAGE_BYTES = 4096;

export function recommend(
  input: RecommendationInput,
  thresholds: ProfilerThresholds = DEFAULT_THRESHOLDS,
): Recommendation {
  const classification = classify(input.cpuRatio, thresholds);
  const ratio = input.cpuRatio.toFixed(2);
  const clonePct = percent(input.serialization.fraction);
  const notes: string[] = [];
  if (input.wallMs < SMALL_TASK_MS && classification !== 'io-bound') {
    notes.push(
      `One call takes only ${formatMs(input.wallMs)}; send work to a worker in batches, not one call at a time.`,
    );
  }
  if (input.serialization.cloneError) {
    notes.push(
      `The arguments or result cannot be cloned (${input.serialization.cloneError}): pass plain data.`,
    );
  }
  if (input.serialization.lostPrototypes?.length) {
    notes.push(
      `A clone drops the prototype of ${input.serialization.lostPrototypes.join(', ')}: rebuild instances in the worker.`,
    );
  }
  if (input.poolTrial) {
    notes.push(
      `Pool trial on this machine: ${input.poolTrial.speedup.toFixed(2)}x with ${input.poolTrial.workers} workers.`,
    );
  }
  const withNotes = (reason: string) => [reason, ...notes].join(' ');

  if (classification === 'io-bound') {
    return {
      kind: 'keep-on-main-thread',
      text: 'Keep on main thread (async)',
      reason: withNotes(
        `CPU is ${ratio} of wall time: the function mostly waits on I/O, so a worker would add start-up and copy costs and free nothing.`,
      ),
    };
  }
  if (
    input.mainThreadCpuRatio !== undefined &&
    input.mainThreadCpuRatio < thresholds.ioBound &&
    classification === 'cpu-bound'
  ) {
    return {
      kind: 'keep-on-main-thread',
      text: 'Keep on main thread (async)',
      reason: withNotes(
        `The process is busy (CPU ${ratio} of wall) but the main thread only ${input.mainThreadCpuRatio.toFixed(2)}: the work already runs off the main thread (libuv pool or workers).`,
      ),
    };
  }
  const messageBytes =
    (input.serialization.argsBytes ?? Number.POSITIVE_INFINITY) + (input.serialization.resultBytes ?? 0);
  const serializationHeavy =
    input.serialization.fraction > thresholds.serializationFraction && messageBytes >= SMALL_MESSAGE_BYTES;
  if (classification === 'mixed') {
    return {
      kind: 'split-io-and-cpu',
      text: 'Split I/O and CPU parts',
      reason: withNotes(
        `CPU is ${ratio} of wall time: part waiting, part computing. Keep the I/O on the main thread and move only the CPU part to a worker pool${
          serializationHeavy ? `, passing buffers by transfer (copying costs ${clonePct} of a run)` : ''
        }.`,
      ),
    };
  }
  if (serializationHeavy) {
    const transferable = input.serialization.transferableBytes > 0;
    return {
      kind: 'move-with-transfer',
      text: 'Move to worker pool with transfer',
      reason: withNotes(
        `CPU is ${ratio} of wall time, but copying the arguments and result costs ${clonePct} of a run: ${
          transferable
            ? 'transfer the buffers (transferList / Piscina.move) or share them (SharedArrayBuffer)'
            : 'send a smaller message, or keep the data in a SharedArrayBuffer and send its index'
        } instead of cloning.`,
      ),
    };
  }
  const copyNote =
    input.serialization.fraction > thresholds.serializationFraction
      ? `messages are small (${formatBytes(messageBytes)}), so copying is a fixed per-call cost (${clonePct} of a run)`
      : `copying costs only ${clonePct} of a run`;
  return {
    kind: 'move-to-worker-pool',
    text: 'Move to worker pool',
    reason: withNotes(
      `CPU is ${ratio} of wall time: the function blocks the event loop for ${formatMs(input.wallMs)} per call; a worker pool keeps the main thread responsive and ${copyNote}.`,
    ),
  };
}

const CLASS_LABELS: Record<Classification, string> = {
  'io-bound': 'I/O-bound',
  mixed: 'Mixed',
  'cpu-bound': 'CPU-bound',
};

export function classificationLabel(classification: Classification): string {
  return CLASS_LABELS[classification];
}

/** One line for a CodeLens or a status bar: `CPU 0.97 · CPU-bound · clone 3% (1.2 MB) · Move to worker pool`. */
export function summaryLine(result: ProfileResult): string {
  if (!result.ok) return `Profile failed (${result.error.kind}): ${firstLine(result.error.message)}`;
  const s = result.serialization;
  return [
    `CPU ${result.cpuRatio.toFixed(2)}`,
    classificationLabel(result.classification),
    `clone ${percent(s.fraction)} (${formatBytes(s.argsBytes + s.resultBytes)})`,
    result.recommendation.text,
  ].join(' · ');
}

export function percent(fraction: number): string {
  const value = fraction * 100;
  if (value > 0 && value < 1) return '<1%';
  if (value > 999) return '>999%';
  return `${Math.round(value)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  if (ms >= 0.1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

function firstLine(text: string): string {
  const index = text.indexOf('\n');
  return index === -1 ? text : text.slice(0, index);
}
