// A fix's `dependency` (a package the fixed code imports) as an edit of the nearest package.json:
// added to `dependencies` (sorted, the file's indentation and line ends kept) unless a
// dependency field already lists it. `withDependency` is pure; `dependencyEdit` reads the
// files, for the editor and CLI when they apply a fix (the engine reads no files).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TextEdit } from '../analysis/types.js';

const FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

/** The package.json text with `name` added to `dependencies`; undefined when listed or not JSON. */
export function withDependency(text: string, name: string, range: string): string | undefined {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  if (FIELDS.some((field) => (manifest[field] as Record<string, string> | undefined)?.[name] !== undefined))
    return undefined;
  const dependencies = (manifest.dependencies ?? {}) as Record<string, string>;
  manifest.dependencies = Object.fromEntries(
    Object.entries({ ...dependencies, [name]: range }).sort(([a], [b]) => a.localeCompare(b)),
  );
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return `${JSON.stringify(manifest, null, indent).replace(/\n/g, eol)}${text.endsWith('\n') ? eol : ''}`;
}

/**
 * The edit adding the dependency to the package.json nearest to `file`, looking no higher than
 * `root` (the workspace folder: a project is not judged by a package.json around it) nor above a
 * node_modules folder; undefined when there is none, it lists the package, or it is not JSON.
 */
export function dependencyEdit(
  file: string,
  name: string,
  range: string,
  root: string | undefined,
): TextEdit | undefined {
  const top = root === undefined ? undefined : path.resolve(root);
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    let text: string | undefined;
    try {
      text = readFileSync(manifest, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const newText = withDependency(text, name, range);
      return newText === undefined ? undefined : { file: manifest, start: 0, end: text.length, newText };
    }
    const parent = path.dirname(dir);
    if (parent === dir || dir === top || path.basename(dir) === 'node_modules') return undefined;
  }
}
