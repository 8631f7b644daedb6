// Where a package imported by bare name lives: the nearest `node_modules/<name>` upward from the
// importing file (Node's own lookup), its package.json, and the file a specifier loads
// (`exports` conditions, `main`, `index.js`, a sub-path). Existence checks are memoised per folder,
// so a project without node_modules pays one stat per folder, once.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTINS = new Set(builtinModules);

/** A package found in node_modules. */
export interface LocatedPackage {
  name: string;
  version: string;
  /** absolute folder of the package */
  dir: string;
  /** the node_modules folder holding it (where its cache lives) */
  nodeModules: string;
  manifest: PackageManifest;
}

export interface PackageManifest {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
  gypfile?: boolean;
  dependencies?: Record<string, string>;
}

/** `lodash/fp` → ['lodash', 'fp']; `@scope/pkg/sub` → ['@scope/pkg', 'sub']; relative or built-in: undefined. */
export function splitPackageSpecifier(specifier: string): { name: string; subpath: string } | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('<')) return undefined;
  if (specifier.startsWith('node:') || /^[a-z]+:/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  if (parts.length < nameParts || parts.some((p) => p === '')) return undefined;
  const name = parts.slice(0, nameParts).join('/');
  if (BUILTINS.has(name) || BUILTINS.has(specifier)) return undefined;
  return { name, subpath: parts.slice(nameParts).join('/') };
}

/** Is the specifier a package that could be in node_modules (not relative, not built in)? */
export function isPackageSpecifier(specifier: string): boolean {
  return splitPackageSpecifier(specifier) !== undefined;
}

export class PackageLocator {
  /**
   * @param roots the folders scanned: a file inside one looks for packages up to that folder, not
   * above (a project copied into another's tree must not read the outer project's node_modules;
   * package roles are bounded the same way). Files outside every root look up to `/`, as Node does.
   */
  constructor(private readonly roots: readonly string[] = []) {}

  /** folder → whether it has a node_modules folder */
  private readonly hasNodeModules = new Map<string, boolean>();
  /** `folder\0name` → the package, or null when not installed there or above */
  private readonly found = new Map<string, LocatedPackage | null>();

  /** The package `name` as Node would load it from a file in `fromDir`; undefined when not installed. */
  locate(fromDir: string, name: string): LocatedPackage | undefined {
    const key = `${fromDir}\0${name}`;
    const known = this.found.get(key);
    if (known !== undefined) return known ?? undefined;
    let result: LocatedPackage | null = null;
    const top = this.outermostRootOf(fromDir);
    for (let dir = fromDir; ; ) {
      // a package's own files look for its dependencies from its folder up, skipping node_modules itself
      if (path.basename(dir) !== 'node_modules' && this.nodeModulesIn(dir)) {
        const candidate = path.join(dir, 'node_modules', name);
        const manifest = readManifest(path.join(candidate, 'package.json'));
        if (manifest) {
          result = {
            name,
            version: typeof manifest.version === 'string' ? manifest.version : '0.0.0',
            dir: candidate,
            nodeModules: path.join(dir, 'node_modules'),
            manifest,
          };
          break;
        }
      }
      const parent = path.dirname(dir);
      if (parent === dir || dir === top) break;
      dir = parent;
    }
    this.found.set(key, result);
    return result ?? undefined;
  }

  private outermostRootOf(dir: string): string | undefined {
    let top: string | undefined;
    for (const root of this.roots) {
      const inside = dir === root || dir.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
      if (inside && (top === undefined || root.length < top.length)) top = root;
    }
    return top;
  }

  private nodeModulesIn(dir: string): boolean {
    let has = this.hasNodeModules.get(dir);
    if (has === undefined) {
      has = isDirectory(path.join(dir, 'node_modules'));
      this.hasNodeModules.set(dir, has);
    }
    return has;
  }
}

/** The file `pkg` loads for `subpath` ('' for the package itself), as Node's CommonJS loader would. */
export function entryFile(pkg: LocatedPackage, subpath: string): string | undefined {
  const exported = exportsTarget(pkg.manifest.exports, subpath);
  if (exported !== undefined) return resolveFile(path.join(pkg.dir, exported));
  if (subpath !== '') return resolveFile(path.join(pkg.dir, subpath));
  return resolveFile(path.join(pkg.dir, pkg.manifest.main ?? 'index.js'));
}

/** Conditions tried in order: Node, then CommonJS, then whatever is left. */
const CONDITIONS = ['node', 'require', 'default', 'import'];

function exportsTarget(exports: unknown, subpath: string): string | undefined {
  if (exports === undefined || exports === null) return undefined;
  const key = subpath === '' ? '.' : `./${subpath}`;
  if (typeof exports === 'string' || Array.isArray(exports))
    return key === '.' ? conditionTarget(exports) : undefined;
  if (typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const isSubpathMap = Object.keys(map).some((k) => k.startsWith('.'));
  if (!isSubpathMap) return key === '.' ? conditionTarget(map) : undefined;
  return conditionTarget(map[key]);
}

function conditionTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const each of value) {
      const target = conditionTarget(each);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    const map = value as Record<string, unknown>;
    for (const condition of CONDITIONS) {
      if (condition in map) {
        const target = conditionTarget(map[condition]);
        if (target !== undefined) return target;
      }
    }
  }
  return undefined;
}

const EXTENSIONS = ['.js', '.cjs', '.mjs'];

/** A module path as `require` completes it: the file, with an extension, or the folder's index. */
export function resolveFile(base: string): string | undefined {
  if (isFile(base) && /\.(c|m)?js$/.test(base)) return base;
  for (const extension of EXTENSIONS) if (isFile(base + extension)) return base + extension;
  if (isDirectory(base)) {
    const manifest = readManifest(path.join(base, 'package.json'));
    if (manifest?.main) {
      const main = resolveFile(path.join(base, manifest.main));
      if (main) return main;
    }
    for (const extension of EXTENSIONS) {
      const index = path.join(base, `index${extension}`);
      if (isFile(index)) return index;
    }
  }
  return undefined;
}

/** Does the package ship a native addon (its functions are compiled code we cannot read)? */
export function isNativeAddon(pkg: LocatedPackage): boolean {
  if (pkg.manifest.gypfile) return true;
  const deps = pkg.manifest.dependencies ?? {};
  if (['node-gyp-build', 'bindings', 'prebuild-install', 'node-addon-api', 'nan'].some((d) => d in deps))
    return true;
  return existsSync(path.join(pkg.dir, 'binding.gyp'));
}

function readManifest(file: string): PackageManifest | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as PackageManifest) : undefined;
  } catch {
    return undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
