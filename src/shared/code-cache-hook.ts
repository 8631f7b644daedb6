// How a bundle started through the code-cache loader (src/shared/code-cache.ts) tells it that its
// start-up is over, so the cache is written now instead of at exit or WRITE_AFTER_MS. The loader
// and the bundle are separate esbuild bundles, so they meet on one global key.
//
// Why: the language server's cache used to be written 5 s into the process or at exit, and a window
// closed sooner (or a server killed with its window) never wrote one, so every later start compiled
// the 4 MB bundle again (measured: bench/editor.mjs --first-diagnostic --cache warm kept no server cache).

const key = Symbol.for('concurrency-lens.code-cache.write-now');

/** The loader: `write` runs when the bundle says its start-up is over (once; it may also run at exit). */
export function onStartupOver(write: () => void): void {
  const registry = globalThis as Record<symbol, Array<() => void> | undefined>;
  registry[key] = [...(registry[key] ?? []), write];
}

/** The bundle: start-up is over, write the code cache of this process's bundles after this turn. */
export function startupOver(): void {
  const writers = (globalThis as Record<symbol, Array<() => void> | undefined>)[key];
  if (!writers?.length) return;
  (globalThis as Record<symbol, unknown>)[key] = [];
  setImmediate(() => {
    for (const write of writers) write();
  });
}
