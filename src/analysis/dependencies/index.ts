// Reading dependencies on demand: when run-time code calls `<package>.<export>()`, the package is
// located in node_modules, read with the library model (package-model.ts) and the answer — what
// blocks inside that export, or nothing — is kept per package name@version, in memory and on disk
// (`node_modules/.cache/concurrency-lens/deps/<engine>/<name>@<version>.json`), so the next scan
// reads no package file. The engine key is part of the path: a new engine never reuses summaries
// an older one wrote. A package that exceeds a bound is given up, with a note, and never read
// again for the same name@version (unless it ran out of time, which another run may not).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { version as engineVersion } from '../../../package.json';
import {
  entryFile,
  isNativeAddon,
  type LocatedPackage,
  PackageLocator,
  splitPackageSpecifier,
} from './locate.js';
import { DEFAULT_LIMITS, type DependencyHazard, GiveUp, type Limits, PackageModel } from './package-model.js';

export type { DependencyHazard } from './package-model.js';

/**
 * Bumped whenever the library model's answers change (with the package version below it keys the
 * on-disk cache): summaries written by another engine are not read.
 */
const MODEL_VERSION = 1;
const ENGINE_KEY = `${engineVersion}-m${MODEL_VERSION}`;

/** What a package's summary holds (the on-disk format). */
export interface PackageSummary {
  name: string;
  version: string;
  engine: string;
  /** why the package was not read (too big, native addon); its exports then block nothing known */
  gaveUp?: string;
  /** `<subpath>:<export.path>` → what blocks in it, or null */
  exports: Record<string, DependencyHazard | null>;
  /** the dependencies the answers looked into, by name → version: another version makes them stale */
  uses?: Record<string, string>;
}

/** A blocking export of a package, as the application's call sees it. */
export interface DependencyFinding {
  /** the package the application calls */
  package: string;
  version: string;
  hazard: DependencyHazard;
  /** absolute path of the file the blocking work is in */
  file: string;
}

export interface DependencyOptions {
  /** folder for summaries; default: `.cache/concurrency-lens/deps` in the package's node_modules; false: memory only */
  cacheDir?: string | false;
  limits?: Partial<Limits>;
  /** overrides the engine key (tests: a new engine must not read an old engine's summaries) */
  engineKey?: string;
}

interface PackageState {
  pkg: LocatedPackage;
  summary: PackageSummary;
  model?: PackageModel;
  cacheFile?: string;
  dirty: boolean;
  /** the package ran out of its reading time in this run (see giveUp) */
  outOfTime?: boolean;
}

export class DependencyIndex {
  private readonly locator: PackageLocator;
  /** package folder → its state */
  private readonly packages = new Map<string, PackageState>();
  private readonly limits: Limits;
  private readonly engineKey: string;
  /** time-outs so far in this run (answers computed across one are incomplete) */
  private timeouts = 0;
  /** packages given up in this run, for the front ends' notes */
  readonly notes = new Map<string, string>();
  /** summaries read from disk and written to disk in this run (for tests and the bench) */
  readonly stats = { cacheReads: 0, cacheWrites: 0, packagesRead: 0 };

  constructor(
    private readonly options: DependencyOptions = {},
    roots: readonly string[] = [],
  ) {
    this.locator = new PackageLocator(roots.map((root) => path.resolve(root)));
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.engineKey = options.engineKey ?? ENGINE_KEY;
  }

  /**
   * Does `<specifier>.<exportPath>()`, called from `fromFile`, block? Undefined when the package
   * is not installed, cannot be read, or nothing known blocks in it.
   */
  hazardOf(
    fromFile: string,
    specifier: string,
    exportPath: string[],
    depth = 0,
  ): DependencyFinding | undefined {
    const split = splitPackageSpecifier(specifier);
    if (!split) return undefined;
    const pkg = this.locator.locate(path.dirname(fromFile), split.name);
    if (!pkg) return undefined;
    const state = this.stateOf(pkg);
    const key = `${split.subpath}:${exportPath.join('.')}`;
    let hazard = state.summary.exports[key];
    if (hazard === undefined && !state.summary.gaveUp && !state.outOfTime) {
      const timeoutsBefore = this.timeouts;
      hazard = this.read(state, split.subpath, exportPath, depth);
      // an answer cut short by a time-out (here or in a dependency) is not kept: the next run
      // goes on from the answers kept so far
      if (!state.summary.gaveUp && this.timeouts === timeoutsBefore) {
        state.summary.exports[key] = hazard;
        state.dirty = true;
        this.save(state);
      }
    }
    if (!hazard) return undefined;
    return { package: pkg.name, version: pkg.version, hazard, file: path.resolve(pkg.dir, hazard.file) };
  }

  private read(
    state: PackageState,
    subpath: string,
    exportPath: string[],
    depth: number,
  ): DependencyHazard | null {
    const { pkg } = state;
    const entry = entryFile(pkg, subpath);
    if (!entry) return null;
    if (!state.model) {
      this.stats.packagesRead++;
      state.model = new PackageModel(pkg.name, pkg.dir, this.limits, (from, specifier, exportPath) => {
        if (depth >= this.limits.maxDepth) return undefined;
        const name = splitPackageSpecifier(specifier)?.name;
        const dependency = name === undefined ? undefined : this.locator.locate(path.dirname(from), name);
        if (!dependency) return undefined;
        state.summary.uses = { ...state.summary.uses, [dependency.name]: dependency.version };
        return this.hazardOf(from, specifier, exportPath, depth + 1);
      });
    }
    try {
      return state.model.hazardOfExport(entry, exportPath);
    } catch (error) {
      if (!(error instanceof GiveUp)) throw error;
      this.giveUp(state, error.message, error.deterministic);
      return null;
    }
  }

  private giveUp(state: PackageState, why: string, deterministic: boolean): void {
    const note = `${state.pkg.name}@${state.pkg.version} was not read: ${why}`;
    this.notes.set(state.pkg.dir, note);
    state.model = undefined;
    if (!deterministic) {
      // out of time (a big package, a busy machine): no more reading of it in this run; the
      // answers found so far stay cached, so the next run needs less time
      state.outOfTime = true;
      this.timeouts++;
      return;
    }
    state.summary.gaveUp = why;
    state.summary.exports = {};
    state.dirty = true;
    this.save(state);
  }

  private stateOf(pkg: LocatedPackage): PackageState {
    const known = this.packages.get(pkg.dir);
    if (known) return known;
    const cacheFile = this.cacheFileOf(pkg);
    const cached = cacheFile ? this.load(cacheFile, pkg) : undefined;
    const summary: PackageSummary = cached ?? {
      name: pkg.name,
      version: pkg.version,
      engine: this.engineKey,
      exports: {},
    };
    const state: PackageState = { pkg, summary, cacheFile, dirty: false };
    if (!cached && isNativeAddon(pkg)) {
      // compiled code: its blocking APIs are the engine's hand-written list (blocking-call)
      summary.gaveUp = 'a native addon (compiled code)';
      state.dirty = true;
      this.save(state);
    }
    if (summary.gaveUp && !summary.gaveUp.startsWith('a native addon'))
      this.notes.set(pkg.dir, `${pkg.name}@${pkg.version} was not read: ${summary.gaveUp}`);
    this.packages.set(pkg.dir, state);
    return state;
  }

  private cacheFileOf(pkg: LocatedPackage): string | undefined {
    if (this.options.cacheDir === false) return undefined;
    const dir = this.options.cacheDir ?? path.join(pkg.nodeModules, '.cache', 'concurrency-lens', 'deps');
    return path.join(dir, this.engineKey, `${pkg.name.replace('/', '+')}@${pkg.version}.json`);
  }

  private load(file: string, pkg: LocatedPackage): PackageSummary | undefined {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as PackageSummary;
      if (parsed.name !== pkg.name || parsed.version !== pkg.version || parsed.engine !== this.engineKey)
        return undefined;
      if (typeof parsed.exports !== 'object' || parsed.exports === null) return undefined;
      // answers that looked into a dependency hold only for the version they read
      for (const [name, version] of Object.entries(parsed.uses ?? {}))
        if (this.locator.locate(pkg.dir, name)?.version !== version) return undefined;
      this.stats.cacheReads++;
      return parsed;
    } catch {
      return undefined;
    }
  }

  /** Writes the summary (whole file, renamed into place: parallel scans never read half a file). */
  private save(state: PackageState): void {
    if (!state.cacheFile || !state.dirty) return;
    try {
      mkdirSync(path.dirname(state.cacheFile), { recursive: true });
      const temporary = `${state.cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temporary, JSON.stringify(state.summary));
      renameSync(temporary, state.cacheFile);
      state.dirty = false;
      this.stats.cacheWrites++;
    } catch {
      // a read-only node_modules: summaries stay in memory for this run
      state.cacheFile = undefined;
    }
  }
}
