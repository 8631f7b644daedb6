// What a file's package is, for judging run time: an application (a server, a daemon: its code
// runs at run time only when reached from handlers, listeners and timers), a library (its public
// API runs at run time, in programs we do not see), or unseen (no package.json: the callers
// cannot be seen, so exported functions and methods count as callable at run time).
// `package.json` alone does not tell: applications are published with `main` and `bin` too. A
// package whose start-up code starts something long-lived (listen, createServer, setInterval…)
// is an application; one that exposes an API and starts nothing is a library.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PackageMode } from './types.js';

export type PackageRole = 'application' | 'library' | 'unseen';

export interface PackageInfo {
  /** the folder holding package.json */
  dir: string;
  /** has `main`, `module` or `exports`: an API others import */
  hasEntryPoints: boolean;
  private: boolean;
  /** has a `bin` and depends on a server or daemon framework: a program that serves */
  servingBin: boolean;
  /** files `main`, `bin` and `exports` name, without extension (module keys) */
  entries: string[];
  /** what `require()` of the package's own folder loads (`require('..')` from `bin/`): `main` or index.js */
  main?: string;
  /** the files `bin` names, likewise: the package's command-line programs */
  bins: string[];
}

/** Dependencies that make a package with a `bin` a long-lived program (a server, a broker, a watcher). */
const SERVING_DEPENDENCIES = new Set([
  'express',
  'koa',
  'fastify',
  '@hapi/hapi',
  'hapi',
  'restify',
  'connect',
  'polka',
  'socket.io',
  'smtp-server',
  'aedes',
  'chokidar',
  'union',
  'http-proxy',
  'node-cron',
]);

/**
 * Finds and reads the nearest package.json of files, caching each folder's answer. With roots
 * (the folder scanned, the editor's workspace folders), it does not look above them: what lies
 * outside the scan is unseen. A workspace copied under another package (a test sandbox, a
 * checkout inside a monorepo's ignored folder) is judged by itself, not by that package.
 */
export class PackageLocator {
  private readonly byDir = new Map<string, PackageInfo | null>();
  /** the answers by file as asked: the project index asks several times per file */
  private readonly byFile = new Map<string, PackageInfo | undefined>();
  private readonly roots: ReadonlySet<string>;

  constructor(roots: readonly string[] = []) {
    this.roots = new Set(roots.map((root) => path.resolve(root)));
  }

  packageOf(file: string): PackageInfo | undefined {
    if (this.byFile.has(file)) return this.byFile.get(file);
    const info = this.locate(file);
    this.byFile.set(file, info);
    return info;
  }

  private locate(file: string): PackageInfo | undefined {
    const dir = path.dirname(path.resolve(file));
    // a file outside every root (opened from elsewhere): its package's callers are not in view
    if (this.roots.size > 0 && ![...this.roots].some((root) => isInside(dir, root))) return undefined;
    return this.lookup(dir) ?? undefined;
  }

  private lookup(dir: string): PackageInfo | null {
    const known = this.byDir.get(dir);
    if (known !== undefined) return known;
    let found: PackageInfo | null | undefined = readPackage(dir);
    if (found === undefined) {
      const parent = path.dirname(dir);
      const stop = parent === dir || path.basename(dir) === 'node_modules' || this.roots.has(dir);
      found = stop ? null : this.lookup(parent);
    }
    this.byDir.set(dir, found);
    return found;
  }
}

function isInside(dir: string, root: string): boolean {
  const relative = path.relative(root, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Relative paths a package.json names as entry points: `main`, `module`, `bin`, `exports`. */
function entryFiles(json: Record<string, unknown>): string[] {
  const found: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
  };
  collect(json.main);
  collect(json.module);
  collect(json.bin);
  collect(json.exports);
  return found.filter((file) => !file.endsWith('.json') && !file.endsWith('.d.ts'));
}

/** Relative paths `bin` names (a string, or an object of command → file). */
function binFiles(json: Record<string, unknown>): string[] {
  const bin = json.bin;
  if (typeof bin === 'string') return [bin];
  if (bin && typeof bin === 'object')
    return Object.values(bin).filter((v): v is string => typeof v === 'string');
  return [];
}

/** Scanned files have these extensions; a `bin` without one (`bin/pm2`) is not in the index. */
const SCANNED_EXTENSION = /\.[cm]?[jt]sx?$/;
const RELATIVE_LOAD =
  /\brequire\(\s*['"](\.[^'"]+)['"]\s*\)|\bimport\s*(?:[^'"]*?\bfrom\s*)?['"](\.[^'"]+)['"]/g;

/**
 * What a `bin` file the scan does not read (no extension: `bin/pm2` is `require('../lib/binaries/CLI.js')`)
 * loads, relative to the package: those files are where that program starts.
 */
function unscannedBinTargets(dir: string, file: string): string[] {
  if (SCANNED_EXTENSION.test(file)) return [];
  let text: string;
  try {
    text = readFileSync(path.join(dir, file), 'utf8').slice(0, 64 * 1024);
  } catch {
    return [];
  }
  const binDir = path.dirname(file);
  return [...text.matchAll(RELATIVE_LOAD)].map((m) => path.join(binDir, (m[1] ?? m[2])!));
}

/** What `require('pkg')` loads when package.json names no entry point. */
const DEFAULT_ENTRIES = ['index.js', 'index.cjs', 'index.mjs'];

/** Calls that start a server: in a `bin` script only these make an application (a client CLI subscribes too). */
export const SERVER_STARTS = new Set(['listen', 'createServer', 'startServer', 'serve']);

/**
 * Calls that start something long-lived when start-up code makes them: a server, a timer, a
 * subscription, or the start of a program (`server.start()`, `nms.run()`).
 */
export const LONG_LIVED_STARTS = new Set([
  'listen',
  'createServer',
  'startServer',
  'start',
  'run',
  'serve',
  'setInterval',
  'subscribe',
  'consume',
  'connect',
]);

/** Folders whose code is not the package's own program: examples, benchmarks, docs, tests. */
export const NOT_THE_PROGRAM =
  /(^|[\\/])(examples?|demos?|bench(marks?)?|docs?|test|tests|__tests__|scripts)[\\/]/;

/** package.json of `dir`: undefined when there is none, null-like fields when it cannot be read. */
function readPackage(dir: string): PackageInfo | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // an unreadable package.json still marks a package: judged by its code alone
  }
  const toKey = (file: string): string => {
    const parsed = path.parse(path.resolve(dir, file));
    return path.join(parsed.dir, parsed.name);
  };
  return {
    dir,
    hasEntryPoints:
      json.main !== undefined ||
      json.module !== undefined ||
      json.exports !== undefined ||
      DEFAULT_ENTRIES.some((name) => existsSync(path.join(dir, name))),
    private: json.private === true,
    entries: entryFiles(json).map(toKey),
    main: toKey(typeof json.main === 'string' ? json.main : 'index.js'),
    bins: binFiles(json).flatMap((file) => [toKey(file), ...unscannedBinTargets(dir, file).map(toKey)]),
    servingBin:
      json.bin !== undefined &&
      Object.keys({ ...(json.dependencies as object | undefined) }).some((name) =>
        SERVING_DEPENDENCIES.has(name),
      ),
  };
}

/**
 * The role of a package: `mode` from the configuration wins; otherwise a package whose start-up
 * code starts something long-lived is an application, a private package is one, and a package
 * with entry points that starts nothing is a library.
 */
export function roleOf(
  info: PackageInfo | undefined,
  startsLongLived: boolean,
  mode: PackageMode | undefined,
): PackageRole {
  if (mode === 'application' || mode === 'library') return mode;
  if (!info) return 'unseen';
  if (startsLongLived || info.private || info.servingBin) return 'application';
  return info.hasEntryPoints ? 'library' : 'application';
}
