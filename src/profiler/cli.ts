// `concurrency-lens profile <file> --function <name> …`: argument parsing and output for the CLI.
// The lead wires runProfileCommand into src/cli/main.ts as the `profile` subcommand.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CpuSource,
  classificationLabel,
  formatBytes,
  formatMs,
  type ProfileResult,
  type ProfilerThresholds,
  percent,
  summaryLine,
} from './model.js';
import { type ProfileOptions, profileFunction } from './run.js';

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const PROFILE_USAGE = `Usage: concurrency-lens profile <file> --function <name> [options]

Runs one function of a TS/JS file in a child process and reports its CPU/wall ratio,
class (io-bound | mixed | cpu-bound), structured-clone cost and a recommendation.

Options:
  -f, --function <name>       function to profile: top-level name (exported or not),
                              "default", or Object.method
      --args <json>           JSON array of arguments, e.g. '[30]' (a non-array is one argument)
      --args-module <file>    module whose default export returns the argument array (may be async)
      --runs <n>              exact number of measured runs (default: as many as fit in --budget)
      --budget <ms>           measuring time budget (default 500)
      --timeout <ms>          time limit; the process tree is killed after it (default 30000)
      --pool-trial            also compare the main thread with a piscina pool on this machine
      --cpu-prof <file>       write a V8 CPU profile of the measured runs (.cpuprofile, mapped
                              to your source files) and list the hot lines
      --node <path>           node executable to run the function with (default: this node)
      --max-old-space <mb>    heap cap of the child (default 1024)
      --io-bound <ratio>      I/O-bound below this CPU/wall ratio (default 0.4)
      --cpu-bound <ratio>     CPU-bound above this CPU/wall ratio (default 0.7)
      --clone-fraction <f>    clone cost worth acting on, as a fraction of a run (default 0.15)
      --format <text|json>    output format (default text)
  -h, --help                  show this help

Exit codes: 0 profiled, 1 the profiled function failed (the report carries error.kind), 2 usage error.
`;

class UsageError extends Error {}

export async function runProfileCommand(argv: string[], io: CommandIO): Promise<number> {
  let options: ProfileOptions;
  let format: 'text' | 'json';
  try {
    const parsed = parseCommand(argv);
    if (parsed === 'help') {
      io.stdout(PROFILE_USAGE);
      return 0;
    }
    ({ options, format } = parsed);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`concurrency-lens profile: ${message}\n\n${PROFILE_USAGE}`);
    return 2;
  }

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: ProfileResult;
  try {
    result = await profileFunction({ ...options, signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (format === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout(formatText(result));
  if (format === 'text') writeChildLog(result, io);
  return result.ok ? 0 : 1;
}

function parseCommand(argv: string[]): 'help' | { options: ProfileOptions; format: 'text' | 'json' } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      function: { type: 'string', short: 'f' },
      args: { type: 'string' },
      'args-module': { type: 'string' },
      runs: { type: 'string' },
      budget: { type: 'string' },
      timeout: { type: 'string' },
      'pool-trial': { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      node: { type: 'string' },
      'max-old-space': { type: 'string' },
      'io-bound': { type: 'string' },
      'cpu-bound': { type: 'string' },
      'clone-fraction': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length ? `expected one file, got ${positionals.length}` : 'missing <file>',
    );
  }
  const file = positionals[0]!;
  if (!existsSync(file)) throw new UsageError(`file not found: ${file}`);
  if (!values.function) throw new UsageError('missing --function <name>');
  if (values.args !== undefined && values['args-module'] !== undefined) {
    throw new UsageError('use either --args or --args-module, not both');
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--format must be text or json, got ${format}`);
  if (values['args-module'] !== undefined && !existsSync(values['args-module'])) {
    throw new UsageError(`args module not found: ${values['args-module']}`);
  }

  const thresholds: Partial<ProfilerThresholds> = {};
  const ioBound = optionalNumber(values['io-bound'], '--io-bound', 0, 1);
  const cpuBound = optionalNumber(values['cpu-bound'], '--cpu-bound', 0, 1);
  const cloneFraction = optionalNumber(
    values['clone-fraction'],
    '--clone-fraction',
    0,
    Number.POSITIVE_INFINITY,
  );
  if (ioBound !== undefined) thresholds.ioBound = ioBound;
  if (cpuBound !== undefined) thresholds.cpuBound = cpuBound;
  if (cloneFraction !== undefined) thresholds.serializationFraction = cloneFraction;
  if ((thresholds.ioBound ?? 0.4) > (thresholds.cpuBound ?? 0.7)) {
    throw new UsageError('--io-bound must not be above --cpu-bound');
  }

  return {
    format,
    options: {
      file,
      functionName: values.function,
      args: values.args !== undefined ? parseJsonArgs(values.args) : undefined,
      argsModule: values['args-module'],
      runs: optionalInteger(values.runs, '--runs'),
      budgetMs: optionalNumber(values.budget, '--budget', 0, Number.POSITIVE_INFINITY),
      timeoutMs: optionalNumber(values.timeout, '--timeout', 1, Number.POSITIVE_INFINITY),
      poolTrial: values['pool-trial'] ?? false,
      cpuProfile: values['cpu-prof'],
      nodePath: values.node,
      maxOldSpaceMb: optionalInteger(values['max-old-space'], '--max-old-space'),
      thresholds,
    },
  };
}

function parseJsonArgs(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--args is not valid JSON: ${(error as Error).message}`);
  }
  return Array.isArray(value) ? value : [value];
}

function optionalNumber(
  text: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a number between ${min} and ${max}, got ${text}`);
  }
  return value;
}

function optionalInteger(text: string | undefined, name: string): number | undefined {
  const value = optionalNumber(text, name, 1, Number.MAX_SAFE_INTEGER);
  if (value !== undefined && !Number.isInteger(value))
    throw new UsageError(`${name} must be a whole number, got ${text}`);
  return value;
}

export function formatText(result: ProfileResult): string {
  const lines: string[] = [];
  if (!result.ok) {
    const { error } = result;
    lines.push(`Profile of ${result.function} in ${result.file} failed: ${error.kind}`);
    lines.push(`  ${error.message}`);
    if (error.stack) lines.push(...indent(error.stack.split('\n').slice(0, 12)));
    return `${lines.join('\n')}\n`;
  }
  const s = result.serialization;
  const walls = result.runs.map((run) => run.wallMs);
  lines.push(
    `Profiled ${result.function} in ${result.file}: ${result.runs.length} runs${result.callsPerRun > 1 ? ` of ${result.callsPerRun} calls` : ''} after ${result.warmupRuns} warm-up, ${formatMs(result.timing.totalMs)} in all`,
  );
  lines.push(summaryLine(result));
  lines.push('');
  lines.push(
    `  class     ${classificationLabel(result.classification)} (I/O-bound < ${result.thresholds.ioBound}, CPU-bound > ${result.thresholds.cpuBound})`,
  );
  lines.push(
    `  wall      ${formatMs(result.wallMs)} per run (min ${formatMs(Math.min(...walls))}, max ${formatMs(Math.max(...walls))})`,
  );
  lines.push(
    `  cpu       ${formatMs(result.cpuMs)} per run · pidusage ${result.pidusage.cpuPercent.toFixed(0)}% of a core over the runs`,
  );
  const spanWallMs = walls.reduce((sum, wall) => sum + wall, 0);
  if (result.runQueueWaitMs !== undefined && result.runQueueWaitMs > 0.05 * spanWallMs) {
    lines.push(
      `  load      the machine is busy: the main thread waited ${formatMs(result.runQueueWaitMs)} for a CPU during the runs; left out of the ratio (raw ${result.rawCpuRatio.toFixed(2)})`,
    );
  }
  lines.push(`  cpu time  ${CPU_SOURCE_TEXT[result.cpuSource]}`);
  if (result.cpuSource !== 'process') {
    lines.push(
      `            whole process (GC and libuv threads too): ${result.processCpuRatio.toFixed(2)} of wall`,
    );
  }
  const roundTrip =
    s.channelRoundTripMs !== undefined
      ? ` · MessageChannel round trip ${formatMs(s.channelRoundTripMs)}`
      : '';
  lines.push(
    `  clone     args ${formatBytes(s.argsBytes)} in ${formatMs(s.argsMs)} · result ${formatBytes(s.resultBytes)} in ${formatMs(s.resultMs)}${roundTrip} · ${percent(s.fraction)} of a run`,
  );
  if (s.cloneError) lines.push(`            cannot clone: ${s.cloneError}`);
  if (s.lostPrototypes)
    lines.push(`            a clone drops the prototype of: ${s.lostPrototypes.join(', ')}`);
  lines.push(`  memory    peak RSS ${formatBytes(result.maxRssBytes)}`);
  if (result.poolTrial) {
    const p = result.poolTrial;
    lines.push(
      `  pool      ${p.workers} workers, ${p.tasks} tasks: ${p.speedup.toFixed(2)}x (main ${formatMs(p.mainThreadMs)}, pool ${formatMs(p.poolMs)}), IPC ${formatMs(p.ipcOverheadMsPerTask)} per task, start-up ${formatMs(p.poolStartupMs)}`,
    );
  } else if (result.poolTrialError) {
    lines.push(`  pool      trial failed: ${result.poolTrialError}`);
  }
  lines.push(`  why       ${result.recommendation.reason}`);
  if (result.cpuProfile) {
    lines.push(`  profile   ${result.cpuProfile}`);
    for (const hot of result.hotLines ?? []) {
      lines.push(
        `            ${formatMs(hot.selfMs).padStart(9)} ${percent(hot.fraction).padStart(4)}  ${relative(process.cwd(), hot.file)}:${hot.line} ${hot.functionName}`,
      );
    }
  }
  lines.push(
    `  overhead  bundle ${formatMs(result.timing.bundleMs)}, start-up ${formatMs(result.timing.startupMs)}, node ${result.node.version ?? '?'}`,
  );
  return `${lines.join('\n')}\n`;
}

const CPU_SOURCE_TEXT: Record<CpuSource, string> = {
  thread: "the main thread's own CPU time (process.threadCpuUsage)",
  schedstat: "the main thread's own CPU time (/proc schedstat, exact to a scheduler tick)",
  process:
    'the whole process CPU time: an approximation (this Node has no process.threadCpuUsage) that also counts GC and libuv threads',
};

function writeChildLog(result: ProfileResult, io: CommandIO): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = result.log[stream].trimEnd();
    if (!text) continue;
    const tail = text.split('\n').slice(-20);
    io.stderr(
      `\n  child ${stream}${result.log.truncated ? ' (tail)' : ''}:\n${indent(tail, '  │ ').join('\n')}\n`,
    );
  }
}

function indent(lines: string[], prefix = '    '): string[] {
  return lines.map((line) => prefix + line);
}
