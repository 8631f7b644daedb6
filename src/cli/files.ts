// Finds the files a scan covers: JS/TS sources under the given paths, minus node_modules, VCS
// folders, `.gitignore`d paths (nested .gitignore files included) and the config's excludes.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';

export const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/i;
const DECLARATION_FILE = /\.d\.[cm]?ts$/i;
const ALWAYS_SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.vscode-test', '.cl-tmp']);

export interface FileSelection {
  /** absolute paths */
  files: string[];
  /** paths given on the command line that do not exist */
  missing: string[];
}

export interface SelectOptions {
  /** directory the include/exclude globs are relative to (the config file's directory or cwd) */
  baseDir: string;
  include?: string[];
  exclude?: string[];
  respectGitignore?: boolean;
}

interface IgnoreScope {
  dir: string;
  rules: Ignore;
}

export function selectFiles(paths: string[], options: SelectOptions): FileSelection {
  const files = new Set<string>();
  const missing: string[] = [];
  const isIncluded = options.include?.length ? picomatch(options.include, { dot: true }) : () => true;
  const isExcluded = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false;
  const respectGitignore = options.respectGitignore ?? true;

  const accept = (file: string): boolean => {
    const relative = path.relative(options.baseDir, file).split(path.sep).join('/');
    return isIncluded(relative) && !isExcluded(relative);
  };

  const walk = (dir: string, scopes: IgnoreScope[]): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const ownScopes = respectGitignore ? withGitignore(dir, scopes) : scopes;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (ALWAYS_SKIPPED_DIRS.has(entry.name)) continue;
        if (isIgnored(full, true, ownScopes)) continue;
        const relative = path.relative(options.baseDir, full).split(path.sep).join('/');
        if (options.exclude?.length && isExcluded(relative)) continue;
        walk(full, ownScopes);
      } else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name) && !DECLARATION_FILE.test(entry.name)) {
        if (isIgnored(full, false, ownScopes) || !accept(full)) continue;
        files.add(full);
      }
    }
  };

  for (const given of paths) {
    const absolute = path.resolve(given);
    if (!existsSync(absolute)) {
      missing.push(given);
      continue;
    }
    if (statSync(absolute).isDirectory()) {
      walk(absolute, respectGitignore ? ancestorGitignores(absolute) : []);
    } else {
      // A file named explicitly is scanned even if it would be filtered by extension or globs.
      files.add(absolute);
    }
  }
  return { files: [...files].sort(), missing };
}

function withGitignore(dir: string, scopes: IgnoreScope[]): IgnoreScope[] {
  const file = path.join(dir, '.gitignore');
  if (!existsSync(file)) return scopes;
  try {
    return [...scopes, { dir, rules: ignore().add(readFileSync(file, 'utf8')) }];
  } catch {
    return scopes;
  }
}

/** .gitignore files of the folders above a scanned folder, up to the repository root. */
function ancestorGitignores(start: string): IgnoreScope[] {
  const chain: string[] = [];
  let current = path.dirname(start);
  for (;;) {
    chain.unshift(current);
    if (existsSync(path.join(current, '.git'))) break;
    const parent = path.dirname(current);
    if (parent === current) return []; // not in a repository: only the scanned tree's own .gitignore files count
    current = parent;
  }
  let scopes: IgnoreScope[] = [];
  for (const dir of chain) scopes = withGitignore(dir, scopes);
  return scopes;
}

function isIgnored(file: string, isDirectory: boolean, scopes: IgnoreScope[]): boolean {
  for (const scope of scopes) {
    const relative = path.relative(scope.dir, file).split(path.sep).join('/');
    if (!relative || relative.startsWith('..')) continue;
    if (scope.rules.ignores(isDirectory ? `${relative}/` : relative)) return true;
  }
  return false;
}
