// Bundles the file under test (TS or JS, ESM or CJS) and, when given, the args module into one ESM
// file with esbuild, so the child runs exactly the user's code, transpiled, with source maps.
//
// - A non-exported top-level function is reached by appending one statement to the target file as
//   it is loaded: it stores the named binding in a global slot. It works the same for ESM and CJS
//   sources, and a missing name becomes `undefined` (reported as 'not-found') instead of a bundle error.
// - The target and the args module share one bundle so a class the args module imports from the
//   target is the same class the function sees (instanceof holds).
// - node_modules packages stay external and resolve from the user's project: the bundle is written
//   in `node_modules/.cache/concurrency-lens/` of the nearest node_modules above the target, where
//   file watchers, git and Explorer already look away (with no node_modules, or a read-only one,
//   in the OS temp dir with NODE_PATH set). Nothing is ever written among the user's sources.
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Message, Plugin } from 'esbuild';
import type { ProfileErrorKind } from './model.js';
import { BUNDLE_GLOBAL, TARGET_GLOBAL } from './protocol.js';

export interface BundleOptions {
  /** the file that holds the function */
  file: string;
  /** `name`, `default`, or a dotted path such as `Matrix.multiply` */
  functionPath: string;
  /** a module whose default export builds the argument array */
  argsModule?: string;
  /** where to create the run's temp dir; default: `node_modules/.cache/concurrency-lens/`, else the OS temp dir */
  tempRoot?: string;
}

export interface BundleOutput {
  /** the run's own temp dir; `cleanup()` removes it */
  dir: string;
  bundlePath: string;
  /** an ES module whose default export runs the target once: the task file of the pool trial */
  poolWorkerPath: string;
  /** NODE_PATH entries the child needs when the bundle lives outside the project */
  nodePath: string[];
  durationMs: number;
  cleanup(): Promise<void>;
}

export class ProfilerError extends Error {
  constructor(
    readonly kind: ProfileErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProfilerError';
  }
}

/**
 * esbuild is loaded on first use (it is external to our own bundles, and `scan` never needs it).
 * require, not import(): a dynamic import() fails inside tsx's ESM wrapper of CJS modules.
 */
export function loadEsbuild(): typeof import('esbuild') {
  return require('esbuild');
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `fib`, `default`, `Matrix.multiply`, `utils.parse`: identifiers joined by dots. */
export function isValidFunctionPath(functionPath: string): boolean {
  return functionPath.split('.').every((part) => IDENTIFIER.test(part));
}

const LOADERS: Record<string, Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

export async function bundleTarget(options: BundleOptions): Promise<BundleOutput> {
  const started = performance.now();
  const file = resolve(options.file);
  const argsModule = options.argsModule ? resolve(options.argsModule) : undefined;
  if (!isValidFunctionPath(options.functionPath)) {
    throw new ProfilerError(
      'not-found',
      `"${options.functionPath}" is not a function name (use name or Object.method)`,
    );
  }
  if (!existsSync(file)) throw new ProfilerError('bundle-failed', `File not found: ${file}`);
  if (argsModule && !existsSync(argsModule)) {
    throw new ProfilerError('bad-args', `Args module not found: ${argsModule}`);
  }

  const { dir, nodePath } = await makeRunDir(file, options.tempRoot);
  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
  };

  const esbuild = loadEsbuild();
  const bundlePath = join(dir, 'bundle.mjs');
  const path = options.functionPath.split('.');
  try {
    await esbuild.build({
      stdin: {
        contents: entrySource(file, argsModule, path),
        resolveDir: dirname(file),
        sourcefile: 'concurrency-lens-entry.js',
        loader: 'js',
      },
      outfile: bundlePath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'esnext',
      packages: 'external',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      // CJS code inside an ESM bundle still calls require() for packages and built-ins.
      banner: {
        js: "import { createRequire as __clCreateRequire } from 'node:module'; const require = __clCreateRequire(import.meta.url);",
      },
      plugins: [userSourcePlugin(file, path[0]!)],
    });
  } catch (error) {
    await cleanup();
    throw new ProfilerError('bundle-failed', describeBuildFailure(error));
  }

  const poolWorkerPath = join(dir, 'pool-worker.mjs');
  await writeFile(poolWorkerPath, poolWorkerSource());
  return { dir, bundlePath, poolWorkerPath, nodePath, durationMs: performance.now() - started, cleanup };
}

async function makeRunDir(
  file: string,
  tempRoot: string | undefined,
): Promise<{ dir: string; nodePath: string[] }> {
  const name = `run-${process.pid}-${randomBytes(4).toString('hex')}`;
  const nodeModules = nodeModulesAbove(file);
  const inProject = nodeModules[0] ? join(nodeModules[0], '.cache', 'concurrency-lens') : undefined;
  const roots = tempRoot ? [tempRoot] : inProject ? [inProject] : [];
  roots.push(join(tmpdir(), 'concurrency-lens'));
  for (const root of roots) {
    const dir = join(root, name);
    try {
      await mkdir(dir, { recursive: true });
      await sweepStaleRunDirs(root);
      // from inside the project's node_modules, packages resolve as they do from the file itself
      return { dir, nodePath: root === inProject ? [] : nodeModules };
    } catch {
      // read-only node_modules: fall through to the OS temp dir
    }
  }
  throw new ProfilerError('spawn-failed', `cannot create a temp folder in ${roots.join(' or ')}`);
}

/** Removes run dirs left by a profiler process that was killed before it could clean up. */
async function sweepStaleRunDirs(root: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  for (const entry of names) {
    const owner = /^run-(\d+)-[0-9a-f]+$/.exec(entry)?.[1];
    if (owner && !isProcessAlive(Number(owner))) {
      await rm(join(root, entry), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function nodeModulesAbove(file: string): string[] {
  const found: string[] = [];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(candidate)) found.push(candidate);
    if (dirname(dir) === dir) return found;
  }
}

function entrySource(file: string, argsModule: string | undefined, path: string[]): string {
  return `import * as targetModule from ${JSON.stringify(file)};
${argsModule ? `import * as argsModule from ${JSON.stringify(argsModule)};` : 'const argsModule = undefined;'}
const PATH = ${JSON.stringify(path)};
function resolveTarget() {
  const root = PATH[0];
  let value = root === 'default' ? targetModule['default'] : globalThis[Symbol.for(${JSON.stringify(TARGET_GLOBAL)})];
  if (value === undefined && root !== 'default') {
    const fallback = targetModule['default'];
    value = targetModule[root] ?? (fallback == null ? undefined : fallback[root]);
    if (value === undefined && typeof fallback === 'function' && fallback.name === root) value = fallback;
  }
  let thisArg;
  for (const key of PATH.slice(1)) {
    thisArg = value;
    value = value == null ? undefined : value[key];
  }
  const available = Object.keys(targetModule).filter((key) => typeof targetModule[key] === 'function');
  return { fn: value, thisArg, available };
}
// The args module: \`export default () => [...]\`, \`export default { this, args }\`, or named \`args\` / \`this\`.
function argsShape() {
  if (!argsModule) return undefined;
  const main = argsModule['default'];
  const shaped = main !== null && typeof main === 'object' && !Array.isArray(main) && ('args' in main || 'this' in main);
  const source = shaped ? main : argsModule;
  return { args: shaped ? main.args : (main ?? argsModule.args), hasThis: 'this' in source, this: source['this'] };
}
// A method called on the instance the args module's \`this\` builds (an instance arrow property too).
async function withThis(fn, thisArg) {
  const shape = argsShape();
  if (!shape || !shape.hasThis) return { fn, thisArg };
  const instance = typeof shape.this === 'function' ? await shape.this() : shape.this;
  const own = instance == null ? undefined : instance[PATH[PATH.length - 1]];
  return { fn: typeof own === 'function' ? own : fn, thisArg: instance };
}
globalThis[Symbol.for(${JSON.stringify(BUNDLE_GLOBAL)})] = { resolveTarget, argsShape, withThis };
`;
}

function poolWorkerSource(): string {
  return `import './bundle.mjs';
const { resolveTarget, withThis } = globalThis[Symbol.for(${JSON.stringify(BUNDLE_GLOBAL)})];
const target = resolveTarget();
const { fn, thisArg } = await withThis(target.fn, target.thisArg);
export default async function profiledTask(args) {
  const start = performance.now();
  const value = await fn.apply(thisArg, args);
  return { value, computeMs: performance.now() - start };
}
`;
}

/**
 * Loads user files (never node_modules) and patches what bundling would break:
 * - the target file gets one appended statement that exposes the named top-level binding;
 * - `import.meta.url` / `dirname` / `filename` and CJS `__dirname` / `__filename` keep pointing at the
 *   original file, not at the bundle in the temp dir (fixtures and data files are found next to it).
 * Patches never add lines before user code, so source-map line numbers stay exact.
 */
function userSourcePlugin(target: string, rootName: string): Plugin {
  let realTarget = target;
  try {
    realTarget = realpathSync(target);
  } catch {
    // checked to exist before bundling; keep the given path
  }
  return {
    name: 'concurrency-lens-user-source',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${'/'}node_modules${'/'}`) || args.path.includes('\\node_modules\\'))
          return undefined;
        const loader = LOADERS[extname(args.path)];
        if (!loader) return undefined;
        let contents = await readFile(args.path, 'utf8');
        contents = patchFileLocation(contents, args.path);
        // esbuild names files by their real path: the target may sit behind a symlink
        if ((args.path === target || args.path === realTarget) && rootName !== 'default') {
          contents += `\n;globalThis[Symbol.for(${JSON.stringify(TARGET_GLOBAL)})] = typeof ${rootName} === 'undefined' ? undefined : ${rootName};\n`;
        }
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

function patchFileLocation(contents: string, file: string): string {
  let patched = contents;
  if (patched.includes('import.meta.')) {
    // replacer functions: a path's `$$`, `$&` or `$'` are text, not replacement patterns
    const url = JSON.stringify(pathToFileURL(file).href);
    const folder = JSON.stringify(dirname(file));
    const filename = JSON.stringify(file);
    patched = patched
      .replace(/\bimport\.meta\.url\b/g, () => url)
      .replace(/\bimport\.meta\.dirname\b/g, () => folder)
      .replace(/\bimport\.meta\.filename\b/g, () => filename);
  }
  const usesDirname = /\b__dirname\b/.test(patched) && !/\b(?:var|let|const)\s+__dirname\b/.test(patched);
  const usesFilename = /\b__filename\b/.test(patched) && !/\b(?:var|let|const)\s+__filename\b/.test(patched);
  if (usesDirname || usesFilename) {
    const declarations = [
      usesDirname ? `__dirname = ${JSON.stringify(dirname(file))}` : '',
      usesFilename ? `__filename = ${JSON.stringify(file)}` : '',
    ].filter(Boolean);
    const prefix = `var ${declarations.join(', ')};`;
    // Same line as the first line of code (or replacing a shebang line) so no line moves.
    patched = patched.startsWith('#!') ? prefix + patched.slice(patched.indexOf('\n')) : prefix + patched;
  }
  return patched;
}

function describeBuildFailure(error: unknown): string {
  const errors = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return error instanceof Error ? error.message : String(error);
  }
  const shown = errors.slice(0, 5).map((message) => {
    const where = message.location
      ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: `
      : '';
    return `${where}${message.text}`;
  });
  if (errors.length > shown.length) shown.push(`… and ${errors.length - shown.length} more`);
  return `esbuild could not bundle the file:\n${shown.join('\n')}`;
}
