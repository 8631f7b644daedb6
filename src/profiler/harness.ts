// Child-side entry of the profiler (built as dist/profiler-harness.js). Usage:
//   node --enable-source-maps --max-old-space-size=N profiler-harness.js <config.json>
// Loads the bundle, builds the arguments, warms up, measures runs until the budget or the run count,
// measures structured-clone cost, optionally runs the pool trial, and writes the report to the
// result file named in the config. The user's stdout/stderr are left alone: the parent logs them.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v8 from 'node:v8';
import { MessageChannel, Worker } from 'node:worker_threads';
import type {
  CpuSource,
  PoolTrial,
  ProfileError,
  ProfilePhase,
  RunSample,
  SerializationCost,
} from './model.js';
import { killRunProcesses, RUN_MARKER_ENV } from './process-tree.js';
import {
  BUNDLE_GLOBAL,
  type BundlePosition,
  type HarnessConfig,
  type HarnessMessage,
  type HarnessReport,
} from './protocol.js';

type AnyFunction = (...args: unknown[]) => unknown;

interface BundleSlot {
  resolveTarget(): { fn: unknown; thisArg: unknown; available: string[] };
  /** the args module's parts, undefined without one */
  argsShape(): { args: unknown; hasThis: boolean; this: unknown } | undefined;
  /** the function and `this` once the args module's `this` (an instance, or a factory of one) is built */
  withThis(fn: unknown, thisArg: unknown): Promise<{ fn: unknown; thisArg: unknown }>;
}

const config: HarnessConfig = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const realExit: (code?: number | string | null) => never = process.exit.bind(process);
let phase: ProfilePhase = 'starting';
let completedRuns = 0;
let reported = false;

function send(message: HarnessMessage): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(message);
  } catch {
    // the parent is gone; the disconnect handler ends us
  }
}

function setPhase(next: ProfilePhase): void {
  phase = next;
  send({ type: 'phase', phase: next, at: Date.now() });
}

/** Written synchronously so it survives an exit that would drop a pending IPC message. */
function writeReport(report: Omit<HarnessReport, 'nodeVersion'>): void {
  if (reported) return;
  reported = true;
  writeFileSync(config.resultPath, JSON.stringify({ ...report, nodeVersion: process.version }));
}

function fail(kind: ProfileError['kind'], message: string, stack?: string): never {
  writeReport({ ok: false, error: { kind, message, stack, phase, completedRuns } });
  realExit(1);
}

function phaseLabel(): string {
  if (phase === 'measure' || phase === 'warmup') return `${phase} (after ${completedRuns} measured runs)`;
  return phase;
}

/** The user's frames only: the harness's own frames below them say nothing to the user. */
function userStack(stack: string | undefined): string | undefined {
  return stack
    ?.split('\n')
    .filter((line) => !/profiler-harness\.js|[\\/]profiler[\\/]harness\.ts/.test(line))
    .join('\n');
}

function describe(error: unknown): { message: string; stack?: string } {
  if (error instanceof Error)
    return { message: `${error.name}: ${error.message}`, stack: userStack(error.stack) };
  try {
    return { message: `non-Error value thrown: ${JSON.stringify(error)}` };
  } catch {
    return { message: `non-Error value thrown: ${String(error)}` };
  }
}

function isOutOfMemory(error: unknown): boolean {
  return error instanceof RangeError && /allocation failed|out of memory/i.test(error.message);
}

function failWithError(error: unknown, context: string): never {
  const { message, stack } = describe(error);
  fail(isOutOfMemory(error) ? 'out-of-memory' : 'threw', `${context}: ${message}`, stack);
}

// process.exit() inside user code: record where it came from, then really exit.
process.exit = ((code?: number | string | null) => {
  const caller = new Error().stack?.split('\n')[2]?.trim();
  writeReport({
    ok: false,
    error: {
      kind: 'exited',
      message: `process.exit(${code ?? ''}) was called during ${phaseLabel()}${caller ? ` ${caller}` : ''}`,
      phase,
      completedRuns,
    },
  });
  realExit(code ?? undefined);
}) as typeof process.exit;

process.on('exit', (code) => {
  writeReport({
    ok: false,
    error: {
      kind: 'exited',
      message: `the process exited with code ${code} during ${phaseLabel()}`,
      phase,
      completedRuns,
    },
  });
});

// Nothing left on the event loop while we still wait for the function: its promise can never settle.
process.on('beforeExit', () => {
  fail(
    'timeout',
    `the function's promise can never settle: nothing is left on the event loop to resolve it (during ${phaseLabel()})`,
  );
});
process.on('uncaughtException', (error) =>
  failWithError(error, 'uncaught exception outside the awaited call'),
);
process.on('unhandledRejection', (reason) =>
  failWithError(reason, 'unhandled rejection outside the awaited call'),
);

// The IPC channel must not keep us alive (see beforeExit), but losing it means the parent died.
process.channel?.unref();
process.on('disconnect', () => realExit(1));
const watchdogReady = startOrphanWatchdog();

/**
 * A sync infinite loop never yields to the 'disconnect' handler, so a tiny thread watches for the
 * parent's death (even by SIGKILL) and then ends the whole run: every process the function started
 * (found by the run's marker, see process-tree.ts), the run's temp folder, and this process.
 * Resolves once the thread is up: its start-up costs ~30 ms of CPU, which must not land in the
 * measured runs (on a loaded machine it easily would).
 */
function startOrphanWatchdog(): Promise<void> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const killRunProcesses = ${killRunProcesses.toString()};
    setInterval(() => {
      if (process.ppid === workerData.ppid) return;
      try {
        if (workerData.runId) killRunProcesses(workerData.pid, workerData.runId, workerData.pid);
        require('node:fs').rmSync(workerData.runDir, { recursive: true, force: true });
      } finally {
        process.kill(workerData.pid, 'SIGKILL');
      }
    }, 100);
    parentPort.postMessage('ready');
  `;
  const watchdog = new Worker(source, {
    eval: true,
    workerData: {
      ppid: process.ppid,
      pid: process.pid,
      runId: process.env[RUN_MARKER_ENV],
      runDir: dirname(config.resultPath),
    },
  });
  watchdog.unref();
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 2000);
    fallback.unref();
    watchdog.once('message', () => {
      clearTimeout(fallback);
      watchdog.removeAllListeners('message');
      // an unref'd worker's port still keeps the loop alive while it has a listener
      watchdog.unref();
      resolve();
    });
    watchdog.once('error', () => resolve());
  });
}

/**
 * The one call site of the user's function. It has seen several functions before the target (see
 * below), so V8 treats it as megamorphic and never inlines the target into the harness's loop:
 * inlined, the function's samples would land on this line in the CPU profile (Node 24), and its
 * machine code would be shaped by our loop instead of standing alone as it does in the user's code.
 */
function invoke(fn: AnyFunction, thisArg: unknown, args: unknown[]): unknown {
  return Reflect.apply(fn, thisArg, args);
}
for (const decoy of [() => 1, () => 2, () => 3, () => 4, () => 5, () => 6]) {
  for (let i = 0; i < 3; i++) invoke(decoy, undefined, []);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

async function main(): Promise<void> {
  setPhase('loading');
  try {
    await import(pathToFileURL(config.bundlePath).href);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const { message, stack } = describe(error);
      fail('bundle-failed', `a module the file imports cannot be resolved: ${message}`, stack);
    }
    failWithError(error, 'the module threw while loading');
  }
  const slot = (globalThis as Record<symbol, unknown>)[Symbol.for(BUNDLE_GLOBAL)] as BundleSlot;
  const resolved = slot.resolveTarget();
  const { available } = resolved;
  setPhase('args');
  let fn: unknown;
  let thisArg: unknown;
  try {
    ({ fn, thisArg } = await slot.withThis(resolved.fn, resolved.thisArg));
  } catch (error) {
    const { message, stack } = describe(error);
    fail('bad-args', `the args module's \`this\` factory threw: ${message}`, stack);
  }
  if (config.functionPath.includes('.prototype.') && !slot.argsShape()?.hasThis) {
    const className = config.functionPath.split('.prototype.')[0];
    fail(
      'bad-args',
      `${config.functionPath} is an instance method: it needs an instance. Give an args module whose default export is { this: () => new ${className}(…), args: () => [...] }`,
    );
  }
  if (typeof fn !== 'function') {
    const found =
      fn === undefined
        ? `no top-level function or export named "${config.functionPath}"`
        : `"${config.functionPath}" is a ${typeof fn}, not a function`;
    fail('not-found', `${found}. Exported functions: ${available.length ? available.join(', ') : 'none'}`);
  }
  const target = fn as AnyFunction;
  const args = await buildArgs(slot);
  await watchdogReady;
  // A function far below the per-call floor is timed in batches of calls (each run ~1 ms), so the
  // timers' own cost and the span's resolution do not swamp it; samples stay per call.
  let callsPerRun = 1;
  const runOnce = async (): Promise<RunSample & { value: unknown }> => {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let value: unknown;
    for (let call = 0; call < callsPerRun; call++) {
      value = invoke(target, thisArg, args);
      if (isThenable(value)) value = await value;
    }
    const wallMs = (performance.now() - start) / callsPerRun;
    const cpu = process.cpuUsage(cpuStart);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 / callsPerRun, value };
  };
  const runOneCall = async (): Promise<RunSample & { value: unknown }> => {
    const batch = callsPerRun;
    callsPerRun = 1;
    try {
      return await runOnce();
    } finally {
      callsPerRun = batch;
    }
  };

  let lastValue: unknown;
  const runs: RunSample[] = [];
  let warmupRuns = 0;
  let mainThreadCpuMs: number | undefined;
  let mainThreadCpuSource: Exclude<CpuSource, 'process'> | undefined;
  let profiler: Awaited<ReturnType<typeof startCpuProfile>> | undefined;
  let profiledFunctionLocation: BundlePosition | undefined;
  let runQueueWaitMs: number | undefined;
  let spanWallMs = 0;
  let spanCpuMs = 0;
  try {
    setPhase('warmup');
    const warmupStart = performance.now();
    // The fastest warm-up call decides batching, not the mean: on a loaded machine one preemption
    // (or the loop's own awaits) inflated the mean of a sub-microsecond call past the floor, and
    // it was then timed alone and read as 'too-short' by luck rather than by measurement.
    let fastestWarmupMs = Number.POSITIVE_INFINITY;
    do {
      const sample = await runOnce();
      lastValue = sample.value;
      fastestWarmupMs = Math.min(fastestWarmupMs, sample.wallMs);
      warmupRuns++;
    } while (performance.now() - warmupStart < config.warmupMs && warmupRuns < config.maxRuns);
    if (fastestWarmupMs < BATCH_BELOW_MS) {
      // grow the batch until one takes a millisecond (the timers around it then cost < 1%)
      for (let batchMs = 0; batchMs < 1 && callsPerRun < 10_000_000; ) {
        callsPerRun *= 4;
        const sample = await runOnce();
        lastValue = sample.value;
        batchMs = sample.wallMs * callsPerRun;
      }
    }

    setPhase('measure');
    send({ type: 'measure', edge: 'start', runs: 0 });
    if (config.cpuProfilePath) profiler = await startCpuProfile();
    const mainThreadStart = mainThreadSchedstat();
    const threadStart = threadCpuMs();
    const spanCpuStart = process.cpuUsage();
    const measureStart = performance.now();
    for (;;) {
      const { value, ...sample } = await runOnce();
      lastValue = value;
      runs.push(sample);
      completedRuns = runs.length;
      if (config.runs !== undefined ? runs.length >= config.runs : enoughRuns(runs.length, measureStart))
        break;
    }
    spanWallMs = performance.now() - measureStart;
    const spanCpu = process.cpuUsage(spanCpuStart);
    const threadEnd = threadCpuMs();
    spanCpuMs = (spanCpu.user + spanCpu.system) / 1000;
    const mainThreadEnd = mainThreadSchedstat();
    if (profiler) profiledFunctionLocation = await profiler.stop(config.cpuProfilePath!, target);
    send({ type: 'measure', edge: 'end', runs: runs.length });
    if (mainThreadStart !== undefined && mainThreadEnd !== undefined) {
      mainThreadCpuMs = (mainThreadEnd.cpuNs - mainThreadStart.cpuNs) / 1e6;
      mainThreadCpuSource = 'schedstat';
      runQueueWaitMs = (mainThreadEnd.waitNs - mainThreadStart.waitNs) / 1e6;
    }
    // The thread's own clock (CLOCK_THREAD_CPUTIME_ID) is exact; schedstat lags by up to a tick.
    if (threadStart !== undefined && threadEnd !== undefined) {
      mainThreadCpuMs = threadEnd - threadStart;
      mainThreadCpuSource = 'thread';
    }
  } catch (error) {
    failWithError(error, 'the function threw');
  }

  setPhase('serialization');
  const serialization = await measureSerialization(args, lastValue, runs);

  let poolTrial: PoolTrial | undefined;
  let poolTrialError: string | undefined;
  if (config.poolTrial) {
    setPhase('pool-trial');
    try {
      poolTrial = await runPoolTrial(runOneCall, args, runs);
    } catch (error) {
      const lost = serialization.lostPrototypes;
      poolTrialError = `the function failed in a pool worker: ${describe(error).message}${
        lost ? ` (in a worker the arguments are clones without their prototype: ${lost.join(', ')})` : ''
      }`;
    }
  }

  writeReport({
    ok: true,
    warmupRuns,
    runs,
    callsPerRun,
    spanWallMs,
    spanCpuMs,
    mainThreadCpuMs,
    mainThreadCpuSource,
    runQueueWaitMs,
    profiledFunctionLocation,
    serialization,
    poolTrial,
    poolTrialError,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  });
  send({ type: 'done' });
  // User code may leave servers or timers behind; the report is written, so stop here.
  realExit(0);
}

/** Fastest warm-up call below this (ms): time batches of calls (the profiler's per-call floor is 0.05 ms). */
const BATCH_BELOW_MS = 0.05;

function enoughRuns(count: number, measureStart: number): boolean {
  if (count >= config.maxRuns) return true;
  return count >= config.minRuns && performance.now() - measureStart >= config.budgetMs;
}

async function buildArgs(slot: BundleSlot): Promise<unknown[]> {
  if (!config.hasArgsModule) return config.args ?? [];
  const factory = slot.argsShape()?.args;
  let built: unknown;
  try {
    built = typeof factory === 'function' ? await (factory as () => unknown)() : factory;
  } catch (error) {
    const { message, stack } = describe(error);
    fail('bad-args', `the args module's factory threw: ${message}`, stack);
  }
  if (built === undefined) {
    fail(
      'bad-args',
      'the args module needs a default export: a function (may be async) returning the argument array, or { this, args }',
    );
  }
  if (!Array.isArray(built)) {
    fail('bad-args', `the args factory must return an array of arguments, got ${typeof built}`);
  }
  return built;
}

/** The main thread's own CPU time, ms, where Node can read it (22.15+ / 23.9+). */
function threadCpuMs(): number | undefined {
  const read = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof read !== 'function') return undefined;
  const usage = read.call(process);
  return (usage.user + usage.system) / 1000;
}

/**
 * Starts V8's sampling profiler on this thread through the inspector (no debugger port is
 * opened); stop() writes the profile (bundle positions; the parent maps them to the user's files).
 */
async function startCpuProfile(): Promise<{
  stop(path: string, target: unknown): Promise<BundlePosition | undefined>;
}> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  // 250 µs: fine enough for per-line self time over a 0.5 s budget, light enough not to skew it.
  await post('Profiler.setSamplingInterval', { interval: 250 });
  await post('Profiler.start');
  return {
    async stop(path, target) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(path, JSON.stringify(profile));
      try {
        return await functionLocation(post, target);
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Where V8 says the function is (bundle position): the parent names OSR samples after it. */
async function functionLocation(
  post: (method: string, params?: object) => Promise<unknown>,
  target: unknown,
): Promise<BundlePosition | undefined> {
  const slot = Symbol.for('concurrency-lens.profiled');
  (globalThis as Record<symbol, unknown>)[slot] = target;
  try {
    const { result } = (await post('Runtime.evaluate', {
      expression: "globalThis[Symbol.for('concurrency-lens.profiled')]",
    })) as { result: { objectId?: string } };
    if (!result.objectId) return undefined;
    const { internalProperties } = (await post('Runtime.getProperties', {
      objectId: result.objectId,
      ownProperties: true,
    })) as { internalProperties?: { name: string; value?: { value?: BundlePosition } }[] };
    return internalProperties?.find((property) => property.name === '[[FunctionLocation]]')?.value?.value;
  } catch {
    return undefined;
  } finally {
    delete (globalThis as Record<symbol, unknown>)[slot];
  }
}

/**
 * The main thread's time on a CPU and time spent runnable but waiting for one (another process had
 * it), in ns, from /proc (Linux); undefined elsewhere.
 */
function mainThreadSchedstat(): { cpuNs: number; waitNs: number } | undefined {
  try {
    const [cpuNs, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return Number.isFinite(cpuNs) && Number.isFinite(waitNs) ? { cpuNs: cpuNs!, waitNs: waitNs! } : undefined;
  } catch {
    return undefined;
  }
}

interface CloneCost {
  bytes: number;
  ms: number;
  error?: string;
}

/** serialize + deserialize, repeated until ~20 ms have passed so small values get a stable figure. */
function cloneCost(value: unknown): CloneCost {
  let bytes = 0;
  let iterations = 0;
  const start = performance.now();
  try {
    do {
      const buffer = v8.serialize(value);
      bytes = buffer.length;
      v8.deserialize(buffer);
      iterations++;
    } while (performance.now() - start < 20 && iterations < 10_000);
  } catch (error) {
    return { bytes: 0, ms: 0, error: describe(error).message };
  }
  return { bytes, ms: (performance.now() - start) / iterations };
}

async function measureSerialization(
  args: unknown[],
  result: unknown,
  runs: RunSample[],
): Promise<SerializationCost> {
  const argsCost = cloneCost(args);
  const resultCost = cloneCost(result);
  const meanWallMs = runs.reduce((sum, run) => sum + run.wallMs, 0) / Math.max(runs.length, 1);
  const survey = surveyValue([args, result]);
  const cloneError = argsCost.error
    ? `arguments: ${argsCost.error}`
    : resultCost.error
      ? `result: ${resultCost.error}`
      : undefined;
  return {
    argsBytes: argsCost.bytes,
    argsMs: argsCost.ms,
    resultBytes: resultCost.bytes,
    resultMs: resultCost.ms,
    fraction: (argsCost.ms + resultCost.ms) / Math.max(meanWallMs, 1e-3),
    transferableBytes: surveyValue([args]).transferableBytes,
    channelRoundTripMs: cloneError ? undefined : await channelRoundTrip(args, result),
    lostPrototypes: survey.lostPrototypes.length ? survey.lostPrototypes : undefined,
    cloneError,
  };
}

/** One real postMessage of the arguments there and of the result back, as a worker call would do. */
async function channelRoundTrip(args: unknown, result: unknown): Promise<number | undefined> {
  const { port1, port2 } = new MessageChannel();
  try {
    const start = performance.now();
    await new Promise((resolve) => {
      port2.once('message', resolve);
      port1.postMessage(args);
    });
    await new Promise((resolve) => {
      port1.once('message', resolve);
      port2.postMessage(result);
    });
    return performance.now() - start;
  } catch {
    return undefined;
  } finally {
    port1.close();
    port2.close();
  }
}

const CLONEABLE_BUILTINS = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  Error.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  null,
]);

/** Walks a sample of the value: bytes movable by transfer, and class instances a clone would flatten. */
function surveyValue(root: unknown): { transferableBytes: number; lostPrototypes: string[] } {
  let transferableBytes = 0;
  const lost = new Set<string>();
  const seen = new Set<object>();
  let budget = 20_000;
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || budget-- <= 0) return;
    seen.add(value);
    if (value instanceof ArrayBuffer) {
      transferableBytes += value.byteLength;
      return;
    }
    if (ArrayBuffer.isView(value)) {
      if (!(value.buffer instanceof SharedArrayBuffer)) transferableBytes += value.byteLength;
      return;
    }
    const prototype = Object.getPrototypeOf(value);
    if (!CLONEABLE_BUILTINS.has(prototype) && !(value instanceof Error)) {
      const name = (prototype?.constructor as { name?: string } | undefined)?.name || 'anonymous class';
      lost.add(name);
    }
    if (depth >= 6) return;
    const children =
      value instanceof Map ? [...value.values()] : value instanceof Set ? [...value] : Object.values(value);
    for (const child of children.slice(0, 200)) visit(child, depth + 1);
  };
  visit(root, 0);
  return { transferableBytes, lostPrototypes: [...lost] };
}

interface PiscinaLike {
  run(task: unknown): Promise<{ value: unknown; computeMs: number }>;
  destroy(): Promise<void>;
}

async function runPoolTrial(
  runOnce: () => Promise<RunSample & { value: unknown }>,
  args: unknown[],
  runs: RunSample[],
): Promise<PoolTrial> {
  if (!config.piscinaPath) throw new Error('piscina is not installed next to Concurrency Lens');
  const piscinaModule = require(config.piscinaPath) as Record<string, unknown>;
  const Piscina = (piscinaModule.Piscina ?? piscinaModule.default ?? piscinaModule) as new (
    options: Record<string, unknown>,
  ) => PiscinaLike;
  const workers = availableParallelism();
  const meanWallMs = runs.reduce((sum, run) => sum + run.wallMs, 0) / Math.max(runs.length, 1);
  const tasks = Math.max(
    2 * workers,
    Math.min(Math.floor(config.poolTrialBudgetMs / Math.max(meanWallMs, 1e-3)), 200 * workers),
  );

  const mainStart = performance.now();
  for (let i = 0; i < tasks; i++) await runOnce();
  const mainThreadMs = performance.now() - mainStart;

  const pool = new Piscina({
    filename: pathToFileURL(config.poolWorkerPath).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
  });
  try {
    const startupStart = performance.now();
    await Promise.all(Array.from({ length: workers }, () => pool.run(args)));
    const poolStartupMs = performance.now() - startupStart;

    const probes = Math.min(5, tasks);
    let overhead = 0;
    for (let i = 0; i < probes; i++) {
      const start = performance.now();
      const { computeMs } = await pool.run(args);
      overhead += performance.now() - start - computeMs;
    }

    const poolStart = performance.now();
    await Promise.all(Array.from({ length: tasks }, () => pool.run(args)));
    const poolMs = performance.now() - poolStart;
    return {
      workers,
      tasks,
      mainThreadMs,
      poolMs,
      speedup: mainThreadMs / Math.max(poolMs, 1e-3),
      ipcOverheadMsPerTask: Math.max(0, overhead / probes),
      poolStartupMs,
    };
  } finally {
    await pool.destroy();
  }
}

main().catch((error) => failWithError(error, 'internal error in the profiler harness'));
