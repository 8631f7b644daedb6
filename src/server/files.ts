// Lists the files a workspace scan analyses: JavaScript/TypeScript sources under a folder, minus
// what `.gitignore` files, `files.exclude` and the extension's own excludes leave out.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { CancellationToken } from 'vscode-languageserver';

const sourceExtensions = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
/** Never worth walking into, whatever the ignore files say. */
const alwaysSkipped = new Set(['.git', 'node_modules', '.vscode-test', '.hg', '.svn']);

export function isSourceFile(file: string): boolean {
  const base = path.basename(file);
  if (/\.d\.[mc]?ts$/.test(base)) return false;
  return sourceExtensions.has(path.extname(base));
}

export interface ListOptions {
  /** glob patterns, relative to the folder (VS Code `files.exclude` keys whose value is true, our excludes) */
  exclude: string[];
  /** stop after this many files; the result says it was truncated */
  limit: number;
  token?: CancellationToken;
}

export interface FileList {
  files: string[];
  truncated: boolean;
}

export function excludeMatcher(patterns: string[]): (relativePath: string) => boolean {
  if (patterns.length === 0) return () => false;
  const matchers = patterns.map((pattern) => picomatch(pattern.replace(/^\.\//, ''), { dot: true }));
  return (relativePath) => matchers.some((matches) => matches(relativePath));
}

export async function listSourceFiles(folder: string, options: ListOptions): Promise<FileList> {
  const excluded = excludeMatcher(options.exclude);
  const files: string[] = [];
  let truncated = false;
  // Each level of the walk carries the ignore rules of the .gitignore files above it.
  const walk = async (dir: string, ignores: Array<{ base: string; rules: Ignore }>): Promise<void> => {
    if (truncated || options.token?.isCancellationRequested) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to analyse there
    }
    const gitignore = entries.find((entry) => entry.isFile() && entry.name === '.gitignore');
    if (gitignore) {
      try {
        const rules = ignore().add(await readFile(path.join(dir, '.gitignore'), 'utf8'));
        ignores = [...ignores, { base: dir, rules }];
      } catch {
        // an unreadable .gitignore ignores nothing
      }
    }
    const isIgnored = (full: string, isDirectory: boolean): boolean => {
      const relative = toPosix(path.relative(folder, full));
      if (excluded(relative)) return true;
      return ignores.some(({ base, rules }) => {
        const fromBase = toPosix(path.relative(base, full));
        return fromBase !== '' && rules.ignores(isDirectory ? `${fromBase}/` : fromBase);
      });
    };
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (alwaysSkipped.has(entry.name) || isIgnored(full, true)) continue;
        await walk(full, ignores);
        if (truncated) return;
      } else if (entry.isFile() && isSourceFile(entry.name) && !isIgnored(full, false)) {
        if (files.length >= options.limit) {
          truncated = true;
          return;
        }
        files.push(full);
      }
    }
  };
  await walk(folder, []);
  return { files, truncated };
}

function toPosix(relative: string): string {
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}
