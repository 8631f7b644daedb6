// Parent side of the profiler: bundle, spawn the harness in the user's `node`, watch it (pidusage),
// enforce the time limit and memory caps, and turn whatever happened into a ProfileResult.
// Never throws for a failure of the profiled code: every failure is a result with `error`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pidusage from 'pidusage';
import { type BundleOutput, bundleTarget, loadEsbuild, ProfilerError } from './bundle.js';
import { attributeCallSiteSamples, type CpuProfile, hotLines, mapProfileToSources } from './cpu-profile.js';
import {
  type ChildLog,
  classify,
  DEFAULT_THRESHOLDS,
  type HotLine,
  type PidusageSummary,
  type ProfileError,
  type ProfileFailure,
  type ProfilePhase,
  type ProfileResult,
  type ProfilerThresholds,
  type ProfileSuccess,
  type ProfileTiming,
  recommend,
} from './model.js';
import { killRunProcesses, RUN_MARKER_ENV } from './process-tree.js';
import type { BundlePosition, HarnessConfig, HarnessMessage, HarnessReport } from './protocol.js';

export interface ProfileOptions {
  /** file that holds the function (TS or JS, ESM or CJS) */
  file: string;
  /** top-level function name, `default`, or a dotted path such as `Matrix.multiply` */
  functionName: string;
  /** the argument array (JSON-like data); ignored when argsModule is set */
  args?: unknown[];
  /** module whose default export returns the argument array (may be async) */
  argsModule?: string;
  /** exact number of measured runs; when unset, runs continue until budgetMs (at least minRuns) */
  runs?: number;
  /** measuring time budget, ms (default 500) */
  budgetMs?: number;
  /** minimum measured runs when running by budget (default 3) */
  minRuns?: number;
  /** maximum measured runs when running by budget (default 10 000) */
  maxRuns?: number;
  /** warm-up time, at least one run (default 50 ms) */
  warmupMs?: number;
  /** whole-profile time limit; the child's process tree is killed after it (default 30 000 ms) */
  timeoutMs?: number;
  /** also run the pool trial: main thread vs a piscina pool (default false) */
  poolTrial?: boolean;
  /** wall time the pool trial's main-thread phase aims at (default 1 000 ms) */
  poolTrialBudgetMs?: number;
  /** node executable; default: this process's node (or `node` from PATH inside Electron) */
  nodePath?: string;
  /** the child's heap cap, `--max-old-space-size` (default 1024 MB) */
  maxOldSpaceMb?: number;
  /** RSS above which the child is killed as out of memory (default 2 × heap cap + 512 MB) */
  maxRssMb?: number;
  thresholds?: Partial<ProfilerThresholds>;
  /** cwd of the child (default: this process's cwd) */
  cwd?: string;
  /** extra environment for the child; NODE_OPTIONS is not inherited unless given here */
  env?: Record<string, string | undefined>;
  /**
   * parent dir for the run's temp files (default `node_modules/.cache/concurrency-lens/` of the
   * nearest node_modules above the file, else the OS temp dir): never the user's source folders
   */
  tempRoot?: string;
  /** write a V8 CPU profile of the measured runs here (`.cpuprofile`, mapped to the user's files) */
  cpuProfile?: string;
  /** keep the temp dir (bundle, config, result) for debugging */
  keepTemp?: boolean;
  signal?: AbortSignal;
  /** the child's output as it arrives (it is also kept, tail only, in `result.log`) */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  onProgress?: (event: ProfileProgress) => void;
}

export type ProfileProgress =
  | { type: 'bundled'; durationMs: number }
  | { type: 'spawned'; pid: number }
  | { type: 'phase'; phase: ProfilePhase; pid: number }
  /** the measured runs start / end (sent by the child, so a few ms late): hook for cross-checks */
  | { type: 'measure'; edge: 'start' | 'end'; pid: number };

const DEFAULTS = {
  budgetMs: 500,
  minRuns: 3,
  maxRuns: 10_000,
  warmupMs: 50,
  timeoutMs: 30_000,
  poolTrialBudgetMs: 1_000,
  maxOldSpaceMb: 1024,
} as const;

/** Log tail kept per stream in the result. */
const LOG_LIMIT = 64 * 1024;
const SAMPLE_INTERVAL_MS = 100;
const MIN_MAIN_THREAD_SPAN_MS = 200;

export async function profileFunction(options: ProfileOptions): Promise<ProfileResult> {
  const started = performance.now();
  const file = resolve(options.file);
  const nodePath = options.nodePath ?? defaultNodePath();
  const thresholds: ProfilerThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const timing: ProfileTiming = { bundleMs: 0, startupMs: 0, totalMs: 0 };
  const log = new LogCollector(options.onOutput);
  const base = () => ({
    file,
    function: options.functionName,
    node: { path: nodePath, version: undefined as string | undefined },
    timing: { ...timing, totalMs: performance.now() - started },
    log: log.snapshot(),
  });
  const failure = (error: ProfileError, version?: string): ProfileFailure => {
    const result: ProfileFailure = { ...base(), ok: false, error };
    result.node.version = version;
    return result;
  };

  if (options.signal?.aborted) return failure({ kind: 'cancelled', message: 'cancelled before start' });
  let bundle: BundleOutput;
  try {
    bundle = await bundleTarget({
      file,
      functionPath: options.functionName,
      argsModule: options.argsModule,
      tempRoot: options.tempRoot,
    });
  } catch (error) {
    if (error instanceof ProfilerError) return failure({ kind: error.kind, message: error.message });
    return failure({ kind: 'bundle-failed', message: String(error) });
  }
  timing.bundleMs = bundle.durationMs;
  options.onProgress?.({ type: 'bundled', durationMs: bundle.durationMs });

  try {
    const harnessPath = await resolveHarness();
    const resultPath = join(bundle.dir, 'result.json');
    const config: HarnessConfig = {
      bundlePath: bundle.bundlePath,
      poolWorkerPath: bundle.poolWorkerPath,
      functionPath: options.functionName,
      args: options.argsModule ? undefined : (options.args ?? []),
      hasArgsModule: Boolean(options.argsModule),
      runs: options.runs,
      minRuns: options.minRuns ?? DEFAULTS.minRuns,
      maxRuns: options.maxRuns ?? DEFAULTS.maxRuns,
      budgetMs: options.budgetMs ?? DEFAULTS.budgetMs,
      warmupMs: options.warmupMs ?? DEFAULTS.warmupMs,
      poolTrial: Boolean(options.poolTrial),
      poolTrialBudgetMs: options.poolTrialBudgetMs ?? DEFAULTS.poolTrialBudgetMs,
      piscinaPath: resolvePiscina(),
      resultPath,
      cpuProfilePath: options.cpuProfile ? join(bundle.dir, 'raw.cpuprofile') : undefined,
    };
    const configPath = join(bundle.dir, 'config.json');
    try {
      await writeFile(configPath, JSON.stringify(config));
    } catch (error) {
      return failure({
        kind: 'bad-args',
        message: `the arguments cannot be written as JSON: ${String(error)}`,
      });
    }

    const maxOldSpaceMb = options.maxOldSpaceMb ?? DEFAULTS.maxOldSpaceMb;
    const runId = randomBytes(8).toString('hex');
    const outcome = await runChild({
      runId,
      nodePath,
      argv: [`--max-old-space-size=${maxOldSpaceMb}`, '--enable-source-maps', harnessPath, configPath],
      cwd: options.cwd ?? process.cwd(),
      env: { ...childEnv(options.env, bundle.nodePath), [RUN_MARKER_ENV]: runId },
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxRssBytes: (options.maxRssMb ?? maxOldSpaceMb * 2 + 512) * 1024 * 1024,
      signal: options.signal,
      log,
      onProgress: options.onProgress,
    });
    timing.startupMs = outcome.readyAt !== undefined ? outcome.readyAt - outcome.spawnedAt : 0;
    const report = await readReport(resultPath);
    const error = outcomeError(outcome, report, {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxOldSpaceMb,
    });
    if (error) return failure(error, report?.nodeVersion);
    const profiled = options.cpuProfile
      ? await writeCpuProfile(config.cpuProfilePath!, bundle.bundlePath, options.cpuProfile, file, {
          functionName: options.functionName.split('.').pop()!,
          location: report?.profiledFunctionLocation,
        })
      : undefined;
    return {
      ...success(report!, outcome.pidusage, thresholds, {
        ...base(),
        node: { path: nodePath, version: report!.nodeVersion },
      }),
      ...profiled,
    };
  } catch (error) {
    if (error instanceof ProfilerError) return failure({ kind: error.kind, message: error.message });
    return failure({ kind: 'spawn-failed', message: error instanceof Error ? error.message : String(error) });
  } finally {
    if (!options.keepTemp) await bundle.cleanup();
  }
}

function success(
  report: HarnessReport,
  usage: PidusageSummary,
  thresholds: ProfilerThresholds,
  base: Omit<ProfileSuccess, keyof ProfileSuccessMeasurements | 'ok'>,
): ProfileSuccess {
  const runs = report.runs ?? [];
  const totalWall = runs.reduce((sum, run) => sum + run.wallMs, 0);
  const totalCpu = runs.reduce((sum, run) => sum + run.cpuMs, 0);
  // Over the whole span rather than summed per run: exact even when one run is shorter than the
  // resolution of process.cpuUsage().
  const spanWall = report.spanWallMs || totalWall;
  const spanCpu = report.spanWallMs ? (report.spanCpuMs ?? totalCpu) : totalCpu;
  // On a busy machine the main thread sits on the run queue while another process has the CPU.
  // That wall time is neither computing nor waiting on I/O: leave it out, so the ratio is the one
  // the function has on an idle machine and the class does not drift with the machine's load.
  const runQueueWaitMs = Math.min(report.runQueueWaitMs ?? 0, spanWall * 0.95);
  const activeWall = spanWall - runQueueWaitMs;
  const processCpuRatio = activeWall > 0 ? spanCpu / activeWall : 0;
  // The main thread's own CPU: the process's also counts GC helper threads and the libuv pool,
  // which pushes single-threaded work above 1.0. schedstat is updated once per scheduler tick,
  // too coarse for a short span; process.threadCpuUsage() is exact.
  const mainThreadCpuMs =
    report.mainThreadCpuMs !== undefined &&
    (report.mainThreadCpuSource === 'thread' || spanWall >= MIN_MAIN_THREAD_SPAN_MS)
      ? report.mainThreadCpuMs
      : undefined;
  const cpuSource = mainThreadCpuMs !== undefined ? (report.mainThreadCpuSource ?? 'schedstat') : 'process';
  const ratioCpu = mainThreadCpuMs ?? spanCpu;
  const rawCpuRatio = spanWall > 0 ? ratioCpu / spanWall : 0;
  const cpuRatio = activeWall > 0 ? ratioCpu / activeWall : 0;
  const wallMs = totalWall / Math.max(runs.length, 1);
  const serialization = report.serialization!;
  return {
    ...base,
    ok: true,
    cpuRatio,
    cpuSource,
    processCpuRatio,
    rawCpuRatio,
    runQueueWaitMs: report.runQueueWaitMs,
    classification: classify(cpuRatio, thresholds, wallMs),
    wallMs,
    cpuMs: totalCpu / Math.max(runs.length, 1),
    warmupRuns: report.warmupRuns ?? 0,
    runs,
    callsPerRun: report.callsPerRun ?? 1,
    serialization,
    recommendation: recommend(
      {
        cpuRatio,
        wallMs,
        serialization,
        processCpuRatio: cpuSource === 'process' ? undefined : processCpuRatio,
        poolTrial: report.poolTrial,
      },
      thresholds,
    ),
    pidusage: usage,
    maxRssBytes: Math.max(report.maxRssBytes ?? 0, usage.peakRssBytes),
    poolTrial: report.poolTrial,
    poolTrialError: report.poolTrialError,
    thresholds,
  };
}

/** Maps the harness's profile to the user's files, writes it to `target`, and reads the hot lines. */
async function writeCpuProfile(
  rawPath: string,
  bundlePath: string,
  target: string,
  userFile: string,
  profiled: { functionName: string; location?: BundlePosition },
): Promise<Pick<ProfileSuccess, 'cpuProfile' | 'hotLines'> | undefined> {
  let profile: CpuProfile;
  try {
    profile = JSON.parse(await readFile(rawPath, 'utf8')) as CpuProfile;
  } catch {
    return undefined;
  }
  if (profiled.location) {
    const url = pathToFileURL(await realpath(bundlePath)).href;
    attributeCallSiteSamples(profile, { functionName: profiled.functionName, url, ...profiled.location });
  }
  mapProfileToSources(profile, bundlePath);
  const output = resolve(target);
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, JSON.stringify(profile));
  // esbuild records sources by their real path: name the user's file as the user gave it
  const realUserFile = await realpath(userFile).catch(() => userFile);
  const asGiven = (lines: HotLine[]) =>
    lines.map((line) => (line.file === realUserFile ? { ...line, file: userFile } : line));
  const inUserFile = hotLines(profile, [userFile, realUserFile]);
  return { cpuProfile: output, hotLines: asGiven(inUserFile.length ? inUserFile : hotLines(profile)) };
}

type ProfileSuccessMeasurements = Omit<ProfileSuccess, 'file' | 'function' | 'node' | 'timing' | 'log'>;

async function readReport(resultPath: string): Promise<HarnessReport | undefined> {
  try {
    return JSON.parse(await readFile(resultPath, 'utf8')) as HarnessReport;
  } catch {
    return undefined;
  }
}

const OOM_PATTERN = /JavaScript heap out of memory|Reached heap limit|Allocation failed - /;

function outcomeError(
  outcome: ChildOutcome,
  report: HarnessReport | undefined,
  limits: { timeoutMs: number; maxOldSpaceMb: number },
): ProfileError | undefined {
  const where = { phase: outcome.lastPhase, completedRuns: outcome.measuredRuns };
  switch (outcome.killedFor) {
    case 'timeout':
      return {
        kind: 'timeout',
        message: `no result within ${limits.timeoutMs} ms (stopped during ${outcome.lastPhase}); the process tree was killed`,
        ...where,
      };
    case 'cancelled':
      return {
        kind: 'cancelled',
        message: 'the profile was cancelled; the process tree was killed',
        ...where,
      };
    case 'rss':
      return {
        kind: 'out-of-memory',
        message: `the child's memory (RSS ${Math.round(outcome.pidusage.peakRssBytes / 1048576)} MB) passed the cap; the process tree was killed`,
        ...where,
      };
    default:
  }
  if (outcome.spawnError) {
    return {
      kind: 'spawn-failed',
      message: `cannot start ${outcome.nodePath}: ${outcome.spawnError.message}`,
    };
  }
  if (report?.ok) return undefined;
  if (report?.error) return report.error;
  if (OOM_PATTERN.test(outcome.stderrTail)) {
    return {
      kind: 'out-of-memory',
      message: `the function ran out of memory: the child's heap hit its cap (--max-old-space-size=${limits.maxOldSpaceMb})`,
      ...where,
    };
  }
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
  return {
    kind: 'exited',
    message: `the child ${how} before reporting (during ${outcome.lastPhase})`,
    ...where,
  };
}

interface ChildRequest {
  /** the run's marker value: every process of the run carries it in its environment */
  runId: string;
  nodePath: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxRssBytes: number;
  signal?: AbortSignal;
  log: LogCollector;
  onProgress?: (event: ProfileProgress) => void;
}

interface ChildOutcome {
  nodePath: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  killedFor?: 'timeout' | 'cancelled' | 'rss';
  spawnError?: Error;
  lastPhase: ProfilePhase;
  measuredRuns: number;
  spawnedAt: number;
  readyAt?: number;
  pidusage: PidusageSummary;
  stderrTail: string;
}

function runChild(request: ChildRequest): Promise<ChildOutcome> {
  return new Promise((resolvePromise) => {
    const spawnedAt = performance.now();
    const child = spawn(request.nodePath, request.argv, {
      cwd: request.cwd,
      env: request.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group on POSIX, so the whole tree can be killed at once.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const outcome: ChildOutcome = {
      nodePath: request.nodePath,
      exitCode: null,
      signal: null,
      lastPhase: 'starting',
      measuredRuns: 0,
      spawnedAt,
      pidusage: { cpuPercent: 0, peakRssBytes: 0, samples: 0 },
      stderrTail: '',
    };
    const sampler = new UsageSampler(child, request.maxRssBytes, () => stop('rss'));
    let finished = false;

    const stop = (reason: NonNullable<ChildOutcome['killedFor']>) => {
      if (finished || outcome.killedFor) return;
      outcome.killedFor = reason;
      if (child.pid !== undefined) killRunProcesses(child.pid, request.runId);
    };
    const timer = setTimeout(() => stop('timeout'), request.timeoutMs);
    const onAbort = () => stop('cancelled');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.setEncoding('utf8').on('data', (text: string) => request.log.append('stdout', text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => request.log.append('stderr', text));
    if (child.pid !== undefined) {
      request.onProgress?.({ type: 'spawned', pid: child.pid });
      sampler.start();
    }
    child.on('message', (message: HarnessMessage) => {
      if (message.type === 'phase') {
        outcome.lastPhase = message.phase;
        if (message.phase === 'warmup') outcome.readyAt = performance.now();
        request.onProgress?.({ type: 'phase', phase: message.phase, pid: child.pid! });
      } else if (message.type === 'measure') {
        outcome.measuredRuns = message.runs;
        sampler.markMeasure(message.edge);
        request.onProgress?.({ type: 'measure', edge: message.edge, pid: child.pid! });
      }
    });

    const finish = async () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      // Whatever the function started (servers, subprocesses, detached children) dies with the run.
      if (child.pid !== undefined) killRunProcesses(child.pid, request.runId);
      outcome.pidusage = await sampler.stop();
      outcome.stderrTail = request.log.stderrTail();
      resolvePromise(outcome);
    };
    child.on('error', (error) => {
      outcome.spawnError = error;
      void finish();
    });
    child.on('exit', (code, signal) => {
      outcome.exitCode = code;
      outcome.signal = signal;
      // Let the pipes drain, but do not wait on a grandchild that holds them open.
      const grace = setTimeout(() => void finish(), 200);
      child.once('close', () => {
        clearTimeout(grace);
        void finish();
      });
    });
  });
}

/**
 * Samples the child with pidusage: peak RSS over its life (and the RSS cap), and CPU % over the
 * measured runs from the process's total CPU time at the start and end marks, as a cross-check of
 * the harness's own process.cpuUsage figures.
 */
class UsageSampler {
  private timer: NodeJS.Timeout | undefined;
  private peakRss = 0;
  private samples = 0;
  private readonly marks: Partial<
    Record<'start' | 'end', Promise<{ at: number; ctime: number } | undefined>>
  > = {};

  constructor(
    private readonly child: ChildProcess,
    private readonly maxRssBytes: number,
    private readonly onOverLimit: () => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
    void this.sample();
  }

  markMeasure(edge: 'start' | 'end'): void {
    const at = performance.now();
    this.marks[edge] = this.sample().then((stat) => (stat ? { at, ctime: stat.ctime } : undefined));
  }

  async stop(): Promise<PidusageSummary> {
    clearInterval(this.timer);
    const [start, end] = await Promise.all([this.marks.start, this.marks.end]);
    if (this.child.pid !== undefined) pidusage.clear();
    const cpuPercent =
      start && end && end.at > start.at ? ((end.ctime - start.ctime) / (end.at - start.at)) * 100 : 0;
    return { cpuPercent, peakRssBytes: this.peakRss, samples: this.samples };
  }

  private async sample(): Promise<pidusage.Status | undefined> {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return undefined;
    try {
      const stat = await pidusage(pid);
      this.samples++;
      this.peakRss = Math.max(this.peakRss, stat.memory);
      if (stat.memory > this.maxRssBytes) this.onOverLimit();
      return stat;
    } catch {
      return undefined; // the child just exited
    }
  }
}

class LogCollector {
  private readonly chunks = { stdout: '', stderr: '' };
  private truncated = false;

  constructor(private readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void) {}

  append(stream: 'stdout' | 'stderr', text: string): void {
    this.onOutput?.(stream, text);
    const joined = this.chunks[stream] + text;
    if (joined.length > LOG_LIMIT) this.truncated = true;
    this.chunks[stream] = joined.length > LOG_LIMIT ? joined.slice(-LOG_LIMIT) : joined;
  }

  stderrTail(): string {
    return this.chunks.stderr;
  }

  snapshot(): ChildLog {
    return { stdout: this.chunks.stdout, stderr: this.chunks.stderr, truncated: this.truncated };
  }
}

function defaultNodePath(): string {
  // Inside VS Code process.execPath is Electron, not node.
  return process.versions.electron ? 'node' : process.execPath;
}

function childEnv(
  extra: Record<string, string | undefined> | undefined,
  nodePath: string[],
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A debugger bootloader or loader hooks from the host would distort the measurement.
  delete env.NODE_OPTIONS;
  delete env.VSCODE_INSPECTOR_OPTIONS;
  delete env.ELECTRON_RUN_AS_NODE;
  if (nodePath.length) {
    env.NODE_PATH = [...nodePath, env.NODE_PATH]
      .filter(Boolean)
      .join(process.platform === 'win32' ? ';' : ':');
  }
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function resolvePiscina(): string | undefined {
  try {
    return require.resolve('piscina');
  } catch {
    return undefined;
  }
}

let harnessPath: Promise<string> | undefined;

/**
 * dist/profiler-harness.js next to the bundled CLI or extension; when running from source (tests,
 * tsx), the harness is bundled on the fly into the OS temp dir, once per process.
 */
function resolveHarness(): Promise<string> {
  harnessPath ??= (async () => {
    // dirname(__filename), not __dirname: tsx gives a wrong __dirname to CJS loaded from ESM.
    const here = dirname(__filename);
    const built = join(here, 'profiler-harness.js');
    if (existsSync(built)) return built;
    const source = join(here, 'harness.ts');
    if (!existsSync(source))
      throw new ProfilerError('spawn-failed', `profiler harness not found next to ${here}`);
    const esbuild = loadEsbuild();
    const dir = await mkdtemp(join(tmpdir(), 'concurrency-lens-harness-'));
    const outfile = join(dir, 'profiler-harness.js');
    await esbuild.build({
      entryPoints: [source],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: true,
      logLevel: 'silent',
    });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return outfile;
  })();
  harnessPath.catch(() => {
    harnessPath = undefined;
  });
  return harnessPath;
}
