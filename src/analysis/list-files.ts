// Lists the files a scan covers, the same way for the CLI and the language server: JS/TS sources
// (declaration files left out) under the given paths, minus node_modules and VCS folders,
// `.gitignore`d paths (nested files and those above the root, up to the repository's top), the
// include/exclude globs (the config's, VS Code's `files.exclude`). Symbolic links are followed,
// with loops detected; FIFOs, devices, dangling links and loops become notes, never reads.
import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { fileTypeOf } from './read-source.js';
import type { SkippedFile } from './types.js';

const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
const DECLARATION_FILE = /\.d\.[cm]?ts$/i;
/** Never worth walking into, whatever the ignore files say. */
const ALWAYS_SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.vscode-test', '.cl-tmp']);

/** A JavaScript/TypeScript source by its name (declaration files are not). */
export function isSourceFile(file: string): boolean {
  const base = path.basename(file);
  return SOURCE_EXTENSIONS.has(path.extname(base).toLowerCase()) && !DECLARATION_FILE.test(base);
}

export interface ListOptions {
  /** folder the include/exclude globs are relative to (the config file's folder, the workspace folder) */
  baseDir: string;
  include?: string[];
  exclude?: string[];
  /** apply .gitignore files (default true) */
  respectGitignore?: boolean;
  /** stop after this many files; the result says it was truncated */
  limit?: number;
  /** polled between folders: the listing stops early (and says so) once it returns true */
  isCancelled?: () => boolean;
}

export interface FileList {
  /** absolute paths, sorted */
  files: string[];
  /** paths given that do not exist */
  missing: string[];
  /** the limit was reached: `files` holds the first `limit` files in walk order */
  truncated: boolean;
  cancelled: boolean;
  /** entries that look like sources but cannot be read as one: FIFOs, devices, broken links, loops */
  notes: SkippedFile[];
}

interface IgnoreScope {
  dir: string;
  rules: Ignore;
}

export async function listSourceFiles(paths: string[], options: ListOptions): Promise<FileList> {
  const found: string[] = [];
  const seenReal = new Set<string>();
  const missing: string[] = [];
  const notes: SkippedFile[] = [];
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const respectGitignore = options.respectGitignore ?? true;
  const isIncluded = options.include?.length ? globMatcher(options.include) : () => true;
  const isExcluded = options.exclude?.length ? globMatcher(options.exclude) : () => false;
  let truncated = false;
  let cancelled = false;
  const relativeToBase = (file: string) => toPosix(path.relative(options.baseDir, file));

  /** `real`: the file's path with links resolved; the same file reached twice (through a link) is listed once. */
  const add = (file: string, real: string): void => {
    if (found.length >= limit) {
      truncated = true;
      return;
    }
    if (seenReal.has(real)) return;
    seenReal.add(real);
    found.push(file);
  };

  /**
   * `realDir`: `dir` with links resolved (its entries' real paths follow without a system call
   * unless they are links); `ancestors`: real paths of the folders above, to tell a link loop.
   */
  const walk = async (
    dir: string,
    realDir: string,
    scopes: IgnoreScope[],
    ancestors: string[],
  ): Promise<void> => {
    if (truncated || cancelled) return;
    if (options.isCancelled?.()) {
      cancelled = true;
      return;
    }
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to analyse there
    }
    const ownScopes =
      respectGitignore && entries.some((e) => e.name === '.gitignore')
        ? await withGitignore(dir, scopes)
        : scopes;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (truncated || cancelled) return;
      const full = path.join(dir, entry.name);
      let kind: 'dir' | 'file' | 'other' = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      let stats: Stats | undefined;
      let real = path.join(realDir, entry.name);
      if (entry.isSymbolicLink()) {
        stats = await stat(full).catch(() => undefined);
        if (!stats) {
          if (!isIgnored(full, false, ownScopes) && !isExcluded(relativeToBase(full)))
            notes.push({ file: full, reason: 'broken-link', detail: 'symbolic link to nothing (dangling)' });
          continue;
        }
        kind = stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
        real = await realpath(full).catch(() => real);
      }
      if (kind === 'dir') {
        if (ALWAYS_SKIPPED_DIRS.has(entry.name) || isIgnored(full, true, ownScopes)) continue;
        if (options.exclude?.length && isExcluded(relativeToBase(full))) continue;
        if (ancestors.includes(real)) {
          notes.push({
            file: full,
            reason: 'broken-link',
            detail: 'symbolic link loop: links to a folder above it',
          });
          continue;
        }
        await walk(full, real, ownScopes, [...ancestors, real]);
      } else if (isSourceFile(entry.name)) {
        if (isIgnored(full, false, ownScopes)) continue;
        const relative = relativeToBase(full);
        if (!isIncluded(relative) || isExcluded(relative)) continue;
        if (kind === 'file') add(full, real);
        else {
          stats ??= await stat(full).catch(() => undefined);
          notes.push({
            file: full,
            reason: 'not-a-file',
            detail: `${stats ? fileTypeOf(stats) : 'not a regular file'}: not read`,
          });
        }
      }
    }
  };

  for (const given of paths) {
    const absolute = path.resolve(options.baseDir, given);
    const stats = await stat(absolute).catch((error: NodeJS.ErrnoException) => error);
    if (stats instanceof Error) {
      if (stats.code === 'ENOENT' || stats.code === 'ENOTDIR') missing.push(given);
      else notes.push({ file: absolute, reason: 'read-error', detail: stats.message });
      continue;
    }
    if (stats.isDirectory()) {
      const real = await realpath(absolute).catch(() => absolute);
      let above = respectGitignore ? await ancestorGitignores(absolute) : [];
      // A folder the repository ignores (a build output, a test sandbox) and yet named to scan:
      // the user asked for it, so only its own ignore files apply.
      if (isIgnored(absolute, true, above)) above = [];
      await walk(absolute, real, above, [real]);
    } else if (stats.isFile()) {
      // A file named explicitly is scanned even if it would be filtered by extension or globs.
      add(absolute, await realpath(absolute).catch(() => absolute));
    } else {
      notes.push({ file: absolute, reason: 'not-a-file', detail: `${fileTypeOf(stats)}: not read` });
    }
  }
  return { files: found.sort(), missing, truncated, cancelled, notes };

  function isIgnored(file: string, isDirectory: boolean, scopes: IgnoreScope[]): boolean {
    for (const scope of scopes) {
      const relative = toPosix(path.relative(scope.dir, file));
      if (!relative || relative.startsWith('..')) continue;
      if (scope.rules.ignores(isDirectory ? `${relative}/` : relative)) return true;
    }
    return false;
  }
}

/** One matcher for a list of globs; a leading `./` is dropped (VS Code settings often have one). */
export function globMatcher(patterns: string[]): (relativePath: string) => boolean {
  if (patterns.length === 0) return () => false;
  return picomatch(
    patterns.map((pattern) => pattern.replace(/^\.\//, '')),
    { dot: true },
  );
}

async function withGitignore(dir: string, scopes: IgnoreScope[]): Promise<IgnoreScope[]> {
  try {
    const text = await readFile(path.join(dir, '.gitignore'), 'utf8');
    return [...scopes, { dir, rules: ignore().add(text) }];
  } catch {
    return scopes; // an unreadable .gitignore ignores nothing
  }
}

/** .gitignore files of the folders above a scanned folder, up to the repository root. */
async function ancestorGitignores(start: string): Promise<IgnoreScope[]> {
  const chain: string[] = [];
  let current = path.dirname(start);
  for (;;) {
    chain.unshift(current);
    if (await exists(path.join(current, '.git'))) break;
    const parent = path.dirname(current);
    if (parent === current) return []; // not in a repository: only the scanned tree's own .gitignore files count
    current = parent;
  }
  let scopes: IgnoreScope[] = [];
  for (const dir of chain)
    if (await exists(path.join(dir, '.gitignore'))) scopes = await withGitignore(dir, scopes);
  return scopes;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function toPosix(relative: string): string {
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}
