// The CPU profile of the measured runs: V8's `.cpuprofile` as the harness wrote it (positions in the
// esbuild bundle), mapped back to the user's files through the bundle's source map (Node's own
// `module.SourceMap`), and the user's hot lines (self time per source line) read from it.
// Pure data in, data out, apart from reading the bundle and its map.
import { readFileSync, realpathSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HotLine } from './model.js';

/** The parts of V8's Profiler.Profile we read and rewrite. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface CpuProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    scriptId: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  };
  hitCount?: number;
  children?: number[];
  /** 1-based script lines with the samples taken on them */
  positionTicks?: { line: number; ticks: number }[];
}

const HOT_LINES = 10;

/**
 * Rewrites the bundle's frames to the user's files and lines, in place, and returns the profile.
 * Frames in node_modules (loaded from their own files) and Node's internals are left as they are.
 */
export function mapProfileToSources(profile: CpuProfile, bundlePath: string): CpuProfile {
  // Node names the module by its real path; the map's relative sources resolve from the path given
  // (they differ when node_modules is a symlink).
  const bundleUrls = new Set([pathToFileURL(bundlePath).href]);
  try {
    bundleUrls.add(pathToFileURL(realpathSync(bundlePath)).href);
  } catch {
    // gone: nothing to map
  }
  let map: SourceMap;
  let bundleLines: string[];
  try {
    const payload = JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')) as SourceMapPayload;
    map = new SourceMap(payload);
    bundleLines = readFileSync(bundlePath, 'utf8').split('\n');
  } catch {
    return profile; // no map: the profile still opens, with bundle positions
  }
  const bundleDir = dirname(bundlePath);
  const sourcePath = (source: string) =>
    source.startsWith('file:')
      ? fileURLToPath(source)
      : isAbsolute(source)
        ? source
        : resolve(bundleDir, source);
  /** the original position of a 0-based bundle line (and column, or the line's first token) */
  const original = (line: number, column?: number) => {
    const text = bundleLines[line] ?? '';
    const at = column ?? text.length - text.trimStart().length;
    const entry = map.findEntry(line, at) as Partial<{
      generatedLine: number;
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.generatedLine !== line) return undefined;
    return {
      file: sourcePath(entry.originalSource),
      line: entry.originalLine!,
      column: entry.originalColumn!,
    };
  };
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (!bundleUrls.has(frame.url)) continue;
    const at = original(frame.lineNumber, frame.columnNumber);
    if (!at) continue;
    frame.url = pathToFileURL(at.file).href;
    frame.lineNumber = at.line;
    frame.columnNumber = at.column;
    if (node.positionTicks) {
      const byLine = new Map<number, number>();
      for (const tick of node.positionTicks) {
        const mapped = original(tick.line - 1);
        // a tick on a line of another file (an inlined helper) stays on the function's own line
        const line = mapped && mapped.file === at.file ? mapped.line + 1 : at.line + 1;
        byLine.set(line, (byLine.get(line) ?? 0) + tick.ticks);
      }
      node.positionTicks = [...byLine].map(([line, ticks]) => ({ line, ticks }));
    }
  }
  return profile;
}

/**
 * Node 22+ samples a loop running in on-stack-replaced (OSR) code on its caller's frame: the
 * profiled function's time then shows on the harness's one call site (`invoke`, see harness.ts),
 * never on the function. Such a frame with samples of its own, and no child for the function, is
 * renamed to the function (at its declaration, from V8's own function location), so the viewer
 * and the hot lines show it; the line inside the function is then unknown (its declaration).
 */
export function attributeCallSiteSamples(
  profile: CpuProfile,
  target: { functionName: string; url: string; scriptId: string; lineNumber: number; columnNumber: number },
): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (frame.functionName !== 'invoke' || !/profiler-harness\.js$/.test(frame.url) || !node.hitCount)
      continue;
    const hasTarget = (node.children ?? []).some(
      (id) => byId.get(id)?.callFrame.scriptId === target.scriptId,
    );
    if (hasTarget) continue;
    node.callFrame = {
      functionName: target.functionName,
      scriptId: target.scriptId,
      url: target.url,
      lineNumber: target.lineNumber,
      columnNumber: target.columnNumber,
    };
    node.positionTicks = [{ line: target.lineNumber + 1, ticks: node.hitCount }];
  }
}

/** Self time per node, ms, from the samples and their time deltas (hitCount × interval as fallback). */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  if (samples?.length && timeDeltas?.length === samples.length) {
    // timeDeltas[i] is the time before sample i; the time after the last one is unknown (dropped).
    for (let i = 0; i < samples.length - 1; i++) {
      const id = samples[i]!;
      self.set(id, (self.get(id) ?? 0) + Math.max(0, timeDeltas[i + 1]!) / 1000);
    }
    return self;
  }
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const interval = hits > 0 ? (profile.endTime - profile.startTime) / 1000 / hits : 0;
  for (const node of profile.nodes) self.set(node.id, (node.hitCount ?? 0) * interval);
  return self;
}

/**
 * The user's lines with the most self time: samples on frames in `userFiles` (or, when it is
 * empty, on any file outside node_modules), split over a node's lines by its position ticks.
 */
export function hotLines(profile: CpuProfile, userFiles: readonly string[] = []): HotLine[] {
  const self = selfTimes(profile);
  const total = [...self.values()].reduce((sum, ms) => sum + ms, 0);
  const wanted = new Set(userFiles.map((file) => pathToFileURL(file).href));
  const lines = new Map<string, HotLine>();
  for (const node of profile.nodes) {
    const url = node.callFrame.url;
    const ms = self.get(node.id) ?? 0;
    if (ms <= 0 || !url.startsWith('file:')) continue;
    if (wanted.size ? !wanted.has(url) : /[\\/]node_modules[\\/]|profiler-harness\.js$/.test(url)) continue;
    const file = fileURLToPath(url);
    const ticks = node.positionTicks?.length
      ? node.positionTicks
      : [{ line: node.callFrame.lineNumber + 1, ticks: 1 }];
    const tickSum = ticks.reduce((sum, tick) => sum + tick.ticks, 0);
    for (const tick of ticks) {
      const key = `${file}:${tick.line}`;
      const share = (ms * tick.ticks) / Math.max(tickSum, 1);
      const line = lines.get(key) ?? {
        file,
        line: tick.line,
        functionName: node.callFrame.functionName || '(anonymous)',
        selfMs: 0,
        fraction: 0,
      };
      line.selfMs += share;
      lines.set(key, line);
    }
  }
  return [...lines.values()]
    .map((line) => ({ ...line, fraction: total > 0 ? line.selfMs / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, HOT_LINES);
}
