// File URIs ↔ absolute paths. The server keys everything by normalized path, never by URI text,
// because two clients may percent-encode the same path differently.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.normalize(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

/** A name the engine can analyse for a document that has no file (an untitled editor). */
export function documentFileName(uri: string, languageId: string): string {
  const file = uriToPath(uri);
  if (file) return file;
  const extension =
    { typescript: '.ts', typescriptreact: '.tsx', javascript: '.js', javascriptreact: '.jsx' }[languageId] ??
    '.ts';
  const base = decodeURIComponent(uri.replace(/^[a-z-]+:/i, '').replace(/[^\w.-]+/g, '_')) || 'untitled';
  return path.extname(base) ? `/${base}` : `/${base}${extension}`;
}

export function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
