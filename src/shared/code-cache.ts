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
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** How long a long-lived process runs before its cache is written (start-up is over by then). */
const WRITE_AFTER_MS = 5000;

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
export const codeCacheUse = new Map<
  string,
  'cache accepted' | 'cache rejected' | 'no cache' | 'plain require'
>();

/** `require(file)`, compiled with the code cache when it can be. Returns the module's exports. */
export function requireWithCodeCache(file: string): unknown {
  const resolved = path.resolve(file);
  let source: string;
  let cacheFile: string;
  let cachedData: Buffer | undefined;
  try {
    source = readFileSync(resolved, 'utf8');
    const stat = statSync(resolved);
    // One file per bundle build and Node version; V8 itself rejects data of other flags or source.
    const name = `${path.basename(resolved)}-${stat.size}-${Math.round(stat.mtimeMs)}-${process.version}-${process.arch}.bin`;
    cacheFile = path.join(codeCacheDir(), name);
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  } catch {
    codeCacheUse.set(resolved, 'plain require');
    return require(resolved);
  }
  const script = new vm.Script(Module.wrap(source), { filename: resolved, cachedData });
  const module = new Module(resolved, require.main ?? undefined);
  module.filename = resolved;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(resolved),
  );
  (Module as unknown as { _cache: Record<string, Module> })._cache[resolved] = module;
  codeCacheUse.set(
    resolved,
    cachedData === undefined ? 'no cache' : script.cachedDataRejected ? 'cache rejected' : 'cache accepted',
  );
  if (cachedData === undefined || script.cachedDataRejected)
    scheduleWrite(script, cacheFile, path.basename(resolved));
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(
    module.exports,
    module.exports,
    Module.createRequire(resolved),
    module,
    resolved,
    path.dirname(resolved),
  );
  module.loaded = true;
  return module.exports;
}

/** Writes the cache at exit or after WRITE_AFTER_MS, whichever comes first; once. */
function scheduleWrite(script: vm.Script, cacheFile: string, bundleName: string): void {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    try {
      const dir = path.dirname(cacheFile);
      mkdirSync(dir, { recursive: true });
      // Older builds' caches of the same bundle go.
      for (const old of readdirSync(dir)) {
        if (old.startsWith(`${bundleName}-`) && old !== path.basename(cacheFile) && old.endsWith('.bin'))
          unlinkSync(path.join(dir, old));
      }
      // Written whole, then renamed: a process starting meanwhile never reads half a file.
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cacheFile);
    } catch {
      // no cache this time
    }
  };
  process.once('exit', write);
  setTimeout(write, WRITE_AFTER_MS).unref();
}

// `node dist/code-cache.js <bundle> [args…]`: run the bundle as if it were the main module.
if (require.main === module && process.argv[2]) {
  const bundle = path.resolve(process.argv[2]);
  process.argv.splice(1, 2, bundle);
  requireWithCodeCache(bundle);
}
