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

/** `too-short`: one call is below the per-call floor, where timers and message overheads swamp it */
export type Classification = 'io-bound' | 'mixed' | 'cpu-bound' | 'too-short';

export type RecommendationKind =
  | 'keep-on-main-thread'
  /** clone + post of the arguments and result cost more than the call computes */
  | 'keep-moving-costs-more'
  | 'too-short-to-measure'
  | 'move-to-worker-pool'
  | 'move-with-transfer'
  | 'split-io-and-cpu';

/**
 * Where the CPU time of the ratio comes from:
 * - `thread`: the main thread's own CPU time, `process.threadCpuUsage()` (Node 22.15+ / 23.9+);
 * - `schedstat`: the main thread's own CPU time from `/proc/self/task/<tid>/schedstat` (Linux),
 *   exact to one scheduler tick (a few ms) over the measured span;
 * - `process`: the whole process's CPU time, an approximation that also counts GC helper threads
 *   and the libuv pool, so it can exceed 1.0 for single-threaded code.
 */
export type CpuSource = 'thread' | 'schedstat' | 'process';

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

/** A source line of the user's code with the CPU time sampled on it (self time), from the CPU profile. */
export interface HotLine {
  /** absolute path of the user's file */
  file: string;
  /** 1-based line in that file */
  line: number;
  /** the function the line belongs to, as V8 names it */
  functionName: string;
  /** self time on the line over the measured runs, ms */
  selfMs: number;
  /** selfMs as a share of all sampled time */
  fraction: number;
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
   * CPU / wall over the measured span (all measured runs): the main thread's own CPU where it can
   * be read (see cpuSource), with the time the main thread was runnable but waiting for a CPU held
   * by another process (machine load, Linux) taken out of the wall time: the ratio the function
   * has on an idle machine
   */
  cpuRatio: number;
  /** what cpuRatio's CPU time is: the main thread's own, or the whole process's (an approximation) */
  cpuSource: CpuSource;
  /** the whole process's CPU / wall over the span (with the run-queue correction): counts GC and libuv threads */
  processCpuRatio: number;
  /** cpuRatio's CPU over the raw wall time, without the run-queue correction */
  rawCpuRatio: number;
  /** main thread's time waiting for a CPU over the span (machine load), ms; Linux only */
  runQueueWaitMs?: number;
  classification: Classification;
  /** mean wall time per run, ms */
  wallMs: number;
  /** mean CPU time per run, ms */
  cpuMs: number;
  warmupRuns: number;
  /** per-call samples of the measured runs (a run is a batch of callsPerRun calls) */
  runs: RunSample[];
  /** calls timed together in each run: more than 1 when one call is below the per-call floor */
  callsPerRun: number;
  serialization: SerializationCost;
  recommendation: Recommendation;
  pidusage: PidusageSummary;
  /** the child's own peak RSS (process.resourceUsage().maxRSS) */
  maxRssBytes: number;
  poolTrial?: PoolTrial;
  /** the pool trial was asked for but could not run */
  poolTrialError?: string;
  /** the V8 CPU profile of the measured runs (`.cpuprofile`, source-mapped to the user's files), when asked for */
  cpuProfile?: string;
  /** the user's lines with the most self time in the CPU profile, top 10 */
  hotLines?: HotLine[];
  thresholds: ProfilerThresholds;
}

export interface ProfileFailure extends ProfileBase {
  ok: false;
  error: ProfileError;
}

export type ProfileResult = ProfileSuccess | ProfileFailure;

/**
 * Below this wall time per call (ms) the measurement is mostly the harness's own timer calls, and
 * any worker round trip (~50–200 µs) costs more than the call: such a function is only worth
 * moving in batches.
 */
export const TOO_SHORT_MS = 0.05;

export function classify(
  cpuRatio: number,
  thresholds: ProfilerThresholds = DEFAULT_THRESHOLDS,
  wallMsPerCall?: number,
): Classification {
  if (wallMsPerCall !== undefined && wallMsPerCall < TOO_SHORT_MS) return 'too-short';
  if (cpuRatio < thresholds.ioBound) return 'io-bound';
  if (cpuRatio > thresholds.cpuBound) return 'cpu-bound';
  return 'mixed';
}

export interface RecommendationInput {
  /** CPU / wall of the main thread (or the process, see cpuSource) */
  cpuRatio: number;
  /** mean wall time per run, ms */
  wallMs: number;
  serialization: Pick<SerializationCost, 'fraction' | 'transferableBytes' | 'cloneError' | 'lostPrototypes'> &
    Partial<
      Pick<SerializationCost, 'argsBytes' | 'argsMs' | 'resultBytes' | 'resultMs' | 'channelRoundTripMs'>
    >;
  /** the whole process's CPU / wall, when cpuRatio is the main thread's own */
  processCpuRatio?: number;
  poolTrial?: Pick<PoolTrial, 'speedup' | 'workers'>;
}

/** Below this per-call time a worker round trip (~0.05–0.2 ms) eats the gain: batch calls. */
const SMALL_TASK_MS = 1;
/**
 * Below this message size a high clone share is the fixed cost of any message on a very short
 * call, not the data: transfer or shared memory would not help, batching would.
 */
const SMALL_MESSAGE_BYTES = 4096;
/** Transfer is advised only when buffers make up at least this share of the argument bytes. */
const TRANSFERABLE_SHARE = 0.5;

/**
 * What moving one call to a worker costs on top of the call, ms: the clone of the arguments and
 * the result, or the measured postMessage round trip when that is higher; with transfer, only
 * the part of the arguments that is not in transferable buffers is copied.
 */
export function moveCost(serialization: RecommendationInput['serialization']): {
  cloneMs: number;
  withTransferMs: number;
  transferableShare: number;
} {
  const argsMs = serialization.argsMs ?? 0;
  const resultMs = serialization.resultMs ?? 0;
  const argsBytes = serialization.argsBytes ?? 0;
  const transferableShare =
    argsBytes > 0
      ? Math.min(1, serialization.transferableBytes / argsBytes)
      : serialization.transferableBytes > 0
        ? 1
        : 0;
  // One real round trip calibrates big messages; for a small one it is mostly the channel's
  // first-message set-up and the scheduler's noise, not a per-call cost.
  const big = argsBytes + (serialization.resultBytes ?? 0) >= SMALL_MESSAGE_BYTES;
  const cloneMs = Math.max(argsMs + resultMs, big ? (serialization.channelRoundTripMs ?? 0) : 0);
  return { cloneMs, withTransferMs: argsMs * (1 - transferableShare) + resultMs, transferableShare };
}

export function recommend(
  input: RecommendationInput,
  thresholds: ProfilerThresholds = DEFAULT_THRESHOLDS,
): Recommendation {
  const cpuRatio = input.cpuRatio;
  const processRatio = input.processCpuRatio;
  const classification = classify(cpuRatio, thresholds);
  const ratio = cpuRatio.toFixed(2);
  const s = input.serialization;
  const clonePct = percent(s.fraction);
  const cost = moveCost(s);
  // What a worker would take off the main thread per call.
  const computeMs = input.wallMs * Math.min(cpuRatio, 1);
  const notes: string[] = [];
  if (input.wallMs >= TOO_SHORT_MS && input.wallMs < SMALL_TASK_MS && classification !== 'io-bound') {
    notes.push(
      `One call takes only ${formatMs(input.wallMs)}; send work to a worker in batches, not one call at a time.`,
    );
  }
  if (s.cloneError) {
    notes.push(`The arguments or result cannot be cloned (${s.cloneError}): pass plain data.`);
  }
  if (s.lostPrototypes?.length) {
    notes.push(
      `A clone drops the prototype of ${s.lostPrototypes.join(', ')}: rebuild instances in the worker.`,
    );
  }
  if (input.poolTrial) {
    notes.push(
      `Pool trial on this machine: ${input.poolTrial.speedup.toFixed(2)}x with ${input.poolTrial.workers} workers.`,
    );
  }
  const withNotes = (reason: string) => [reason, ...notes].join(' ');
  const tooShortVerdict = (): Recommendation => ({
    kind: 'too-short-to-measure',
    text: 'Too short to measure — batch calls',
    reason: withNotes(
      `One call takes ${formatMs(input.wallMs)}, below the ${formatMs(TOO_SHORT_MS)} floor: any worker round trip (~50–200 µs) costs more than the call. To move this work, batch many calls into one task (an array of inputs per message) and profile the batch function.`,
    ),
  });

  if (classification === 'io-bound') {
    const busyElsewhere = processRatio !== undefined && processRatio > thresholds.cpuBound;
    return {
      kind: 'keep-on-main-thread',
      text: 'Keep on main thread (async)',
      reason: withNotes(
        busyElsewhere
          ? `The process is busy (CPU ${processRatio.toFixed(2)} of wall) but the main thread only ${ratio}: the work already runs off the main thread (libuv pool or workers).`
          : `CPU is ${ratio} of wall time: the function mostly waits on I/O, so a worker would add start-up and copy costs and free nothing.`,
      ),
    };
  }
  const messageBytes = (s.argsBytes ?? Number.POSITIVE_INFINITY) + (s.resultBytes ?? 0);
  // A tiny call with a tiny message: the fix is batching, whatever the round trip costs.
  const tooShort = input.wallMs < TOO_SHORT_MS;
  if (tooShort && messageBytes < SMALL_MESSAGE_BYTES) return tooShortVerdict();
  // Cloning dearer than computing, with no buffers whose transfer would avoid the copy: a pool
  // would make every call slower (the seeds' rule: when IPC time exceeds compute, do not move).
  const transferHelps = cost.transferableShare >= TRANSFERABLE_SHARE && cost.withTransferMs < computeMs;
  if (cost.cloneMs > computeMs && cost.cloneMs >= TOO_SHORT_MS && !transferHelps && !s.cloneError) {
    return {
      kind: 'keep-moving-costs-more',
      text: 'Keep — moving costs more than it saves',
      reason: withNotes(
        `Copying the arguments and result to a worker costs ${formatMs(cost.cloneMs)} per call (clone and post of ${formatBytes((s.argsBytes ?? 0) + (s.resultBytes ?? 0))}), more than the ${formatMs(computeMs)} the call computes: a pool would add time to every call. Move the code that produces the data along with the function, or keep the data in a SharedArrayBuffer and send an index.`,
      ),
    };
  }
  if (tooShort) return tooShortVerdict();
  const serializationHeavy =
    (s.fraction > thresholds.serializationFraction && messageBytes >= SMALL_MESSAGE_BYTES) ||
    cost.cloneMs > computeMs;
  const transferable = cost.transferableShare >= TRANSFERABLE_SHARE;
  if (classification === 'mixed') {
    return {
      kind: 'split-io-and-cpu',
      text: 'Split I/O and CPU parts',
      reason: withNotes(
        `CPU is ${ratio} of wall time: part waiting, part computing. Keep the I/O on the main thread and move only the CPU part to a worker pool${
          serializationHeavy && transferable
            ? `, passing its ${formatBytes(s.transferableBytes)} of buffers by transfer (copying costs ${clonePct} of a run)`
            : ''
        }.`,
      ),
    };
  }
  if (serializationHeavy && transferable) {
    return {
      kind: 'move-with-transfer',
      text: 'Move to worker pool with transfer',
      reason: withNotes(
        `CPU is ${ratio} of wall time, but copying the arguments and result costs ${clonePct} of a run; ${formatBytes(s.transferableBytes)} of the arguments are in transferable buffers: transfer them (transferList / Piscina.move) or share them (SharedArrayBuffer) instead of cloning.`,
      ),
    };
  }
  const copyNote = serializationHeavy
    ? `copying costs ${clonePct} of a run and nothing in the arguments is transferable: send a smaller message, or keep the data in a SharedArrayBuffer and send its index`
    : s.fraction > thresholds.serializationFraction
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
  'too-short': 'Too short to measure',
};

export function classificationLabel(classification: Classification): string {
  return CLASS_LABELS[classification];
}

/**
 * One line for a CodeLens or a status bar:
 * `CPU 0.97 · CPU-bound · 85 ms/call · clone 3% (1.2 MB) · pool 1.80x · Move to worker pool`.
 */
export function summaryLine(result: ProfileResult): string {
  if (!result.ok) return `Profile failed (${result.error.kind}): ${firstLine(result.error.message)}`;
  const s = result.serialization;
  return [
    `CPU ${result.cpuRatio.toFixed(2)}`,
    classificationLabel(result.classification),
    `${formatMs(result.wallMs)}/call`,
    `clone ${percent(s.fraction)} (${formatBytes(s.argsBytes + s.resultBytes)})`,
    ...(result.poolTrial ? [`pool ${result.poolTrial.speedup.toFixed(2)}x`] : []),
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
  if (ms >= 0.001) return `${(ms * 1000).toFixed(1)} µs`;
  return `${(ms * 1e6).toFixed(1)} ns`;
}

function firstLine(text: string): string {
  const index = text.indexOf('\n');
  return index === -1 ? text : text.slice(0, index);
}
