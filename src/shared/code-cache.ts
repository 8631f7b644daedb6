// Loads one of our bundles (dist/cli.js, dist/server.js, …) with V8's code cache kept on disk.
//
// Why: starting the CLI or the language server is mostly compiling a 4 MB bundle (TypeScript is
// in it), not running it: a one-file scan spent ~0.35 s of CPU, of which the analysis ~0.03 s.
// V8 can serialize the code it compiled and take it back on the next start. Node's own compile
// cache (module.enableCompileCache, Node 22.1+ only) writes the cache right after compiling, so it
// holds only the top-level code; here the cache is written after the bundle has run (at exit, or
// a few seconds into a long-lived server), so it holds every function the start-up compiled.
// Measured with bench/cli-startup.mjs and bench/server-startup.mjs.
//
// Runs as `node dist/code-cache.js <bundle> [args…]` (the extension forks the server this way) or
// through requireWithCodeCache (bin/concurrency-lens.js). Anything wrong with the cache (no
// writable folder, a stale or foreign file) falls back to compiling as usual.
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { firstAnswerSentEvent } from './code-cache-events.js';
import { runLanguageServerSession } from './code-cache-helper.js';

/** How long a long-lived process runs before its cache is written (start-up is over by then). */
const WRITE_AFTER_MS = 5000;
/** When the helper starts at the latest, if the server has not answered anything by then. */
const WRITE_AFTER_HELPER_MS = 10_000;
/** The helper's nice value: the lowest priority, it only uses a core nobody else wants. */
const HELPER_NICE = 19;
const cacheByHelperFlag = '--cache-by-helper';
const writeCacheFlag = '--write-cache';

/** The user's own cache folder (not the shared temp folder: cached code is code). */
export function codeCacheDir(): string {
  if (process.env.CONCURRENCY_LENS_CODE_CACHE) return process.env.CONCURRENCY_LENS_CODE_CACHE;
  const home = os.homedir();
  if (process.platform === 'win32')
    return path.join(
      process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'),
      'concurrency-lens',
      'code-cache',
    );
  if (process.platform === 'darwin')
    return path.join(home, 'Library', 'Caches', 'concurrency-lens', 'code-cache');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'concurrency-lens', 'code-cache');
}

/** How each bundle loaded here was compiled (the tests read it). */
export const codeCacheUse = new Map<string, CodeCacheUse>();
type CodeCacheUse = 'cache accepted' | 'cache rejected' | 'no cache' | 'plain require';

/**
 * How a missing or stale cache gets written. 'at exit': by this process, at exit or WRITE_AFTER_MS
 * in (the CLI, the scan process). 'by helper': by a separate low-priority process started once the
 * server has sent its first answer (or at exit, or WRITE_AFTER_HELPER_MS in): serializing 3.7 MB of
 * code on the server's thread delayed the first diagnostic by 200–300 ms (bench/editor.mjs), and a
 * window closed within 5 s left no cache at all.
 */
export type CacheWriter = 'at exit' | 'by helper';

/** `require(file)`, compiled with the code cache when it can be. Returns the module's exports. */
export function requireWithCodeCache(file: string, writer: CacheWriter = 'at exit'): unknown {
  const resolved = path.resolve(file);
  let source: string;
  let cacheFile: string;
  let cachedData: Buffer | undefined;
  try {
    source = readFileSync(resolved, 'utf8');
    cacheFile = cacheFileOf(resolved);
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  } catch {
    reportUse(resolved, 'plain require');
    return require(resolved);
  }
  const bundle = compileBundle(resolved, source, cachedData);
  reportUse(
    resolved,
    cachedData === undefined
      ? 'no cache'
      : bundle.script.cachedDataRejected
        ? 'cache rejected'
        : 'cache accepted',
  );
  if (cachedData === undefined || bundle.script.cachedDataRejected) {
    // A debugged process (--inspect, --nolazy) would start a debugged helper: written here instead.
    if (writer === 'by helper' && process.execArgv.length === 0) scheduleHelper(resolved, cacheFile);
    else scheduleWrite(bundle.script, cacheFile, path.basename(resolved));
  }
  bundle.run();
  return bundle.module.exports;
}

/** One file per bundle build and Node version; V8 itself rejects data of other flags or source. */
function cacheFileOf(bundle: string): string {
  const stat = statSync(bundle);
  const name = `${path.basename(bundle)}-${stat.size}-${Math.round(stat.mtimeMs)}-${process.version}-${process.arch}.bin`;
  return path.join(codeCacheDir(), name);
}

function reportUse(bundle: string, use: CodeCacheUse): void {
  codeCacheUse.set(bundle, use);
  // The server reports it in serverInfo (the editor benchmark prints it); it cannot import this module.
  (globalThis as Record<symbol, unknown>)[Symbol.for('concurrency-lens.code-cache')] = Object.fromEntries(
    [...codeCacheUse].map(([file, how]) => [path.basename(file), how]),
  );
}

/** The bundle compiled as a CommonJS module of its own (not yet run). */
function compileBundle(resolved: string, source: string, cachedData: Buffer | undefined) {
  const script = new vm.Script(Module.wrap(source), { filename: resolved, cachedData });
  const module = new Module(resolved, require.main ?? undefined);
  module.filename = resolved;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(resolved),
  );
  (Module as unknown as { _cache: Record<string, Module> })._cache[resolved] = module;
  const run = () => {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(
      module.exports,
      module.exports,
      Module.createRequire(resolved),
      module,
      resolved,
      path.dirname(resolved),
    );
    module.loaded = true;
  };
  return { script, module, run };
}

/** Older builds' caches of the same bundle go. */
function removeOlderCaches(cacheFile: string, bundleName: string): void {
  const dir = path.dirname(cacheFile);
  for (const old of readdirSync(dir)) {
    if (old.startsWith(`${bundleName}-`) && old !== path.basename(cacheFile) && old.endsWith('.bin'))
      unlinkSync(path.join(dir, old));
  }
}

/** Written whole, then renamed: a process starting meanwhile never reads half a file. */
function writeAtomically(cacheFile: string, data: Buffer): void {
  const partial = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, cacheFile);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Writes the cache at exit or after WRITE_AFTER_MS, whichever comes first; once. */
function scheduleWrite(script: vm.Script, cacheFile: string, bundleName: string): void {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    try {
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      removeOlderCaches(cacheFile, bundleName);
      writeAtomically(cacheFile, script.createCachedData());
    } catch {
      // no cache this time
    }
  };
  process.once('exit', write);
  setTimeout(write, WRITE_AFTER_MS).unref();
}

/**
 * Starts the helper that writes the cache (code-cache-helper.ts) once: when the server says its
 * first answer is out (firstAnswerSentEvent), at exit, or WRITE_AFTER_HELPER_MS in. Detached, so
 * a window closed meanwhile does not take it along; at the lowest priority.
 */
function scheduleHelper(bundle: string, cacheFile: string): void {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    try {
      // The folder is made here, not by the helper: a cache folder removed meanwhile (a test's
      // temporary one) stays removed.
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      const child = spawn(process.execPath, [__filename, writeCacheFlag, bundle, cacheFile], {
        detached: true,
        stdio: 'ignore',
        windowsHide: true,
      });
      child.on('error', () => {});
      try {
        if (child.pid !== undefined) os.setPriority(child.pid, HELPER_NICE);
      } catch {
        // not permitted: the helper lowers itself
      }
      child.unref();
    } catch {
      // no cache this time
    }
  };
  process.once(firstAnswerSentEvent, start);
  process.once('exit', start);
  setTimeout(start, WRITE_AFTER_HELPER_MS).unref();
}

/**
 * The helper: compiles the server bundle afresh, runs it through a short language-server session
 * (so the functions the first analysis compiles lazily are in the cache too), then writes the cache.
 * Any failure: no cache this time (the next start compiles as usual and tries again).
 */
async function writeCacheByHelper(bundle: string, cacheFile: string): Promise<void> {
  try {
    os.setPriority(0, HELPER_NICE);
  } catch {
    // already lowered, or not permitted
  }
  try {
    const compiled = compileBundle(bundle, readFileSync(bundle, 'utf8'), undefined);
    await runLanguageServerSession(bundle, compiled.run);
    const data = compiled.script.createCachedData();
    removeOlderCaches(cacheFile, path.basename(bundle));
    writeAtomically(cacheFile, data);
    process.exit(0);
  } catch {
    process.exit(1);
  }
}

// `node dist/code-cache.js [--cache-by-helper] <bundle> [args…]`: run the bundle as if it were the
// main module. `node dist/code-cache.js --write-cache <bundle> <cache file>`: the helper.
if (require.main === module && process.argv[2]) {
  if (process.argv[2] === writeCacheFlag) {
    const [bundle, cacheFile] = process.argv.slice(3);
    void writeCacheByHelper(bundle!, cacheFile!);
  } else {
    const byHelper = process.argv[2] === cacheByHelperFlag;
    if (byHelper) process.argv.splice(2, 1);
    const bundle = path.resolve(process.argv[2]!);
    process.argv.splice(1, 2, bundle);
    requireWithCodeCache(bundle, byHelper ? 'by helper' : 'at exit');
  }
}
