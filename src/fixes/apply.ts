// Applying a transform's changes to texts, and showing them as a unified diff (the `diff` package).
import { createTwoFilesPatch } from 'diff';
import type { TextEdit, TransformChanges } from './types.js';

/** Applies edits (0-based offsets into `text`) to one file's text; overlapping edits are a bug of the transform. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new Error(`overlapping edits in ${edit.file} at offset ${edit.start}`);
    out += text.slice(at, edit.start) + edit.newText;
    at = edit.end;
  }
  return out + text.slice(at);
}

/** The new text of every file the changes touch: edited files and created ones. */
export function changedTexts(
  changes: TransformChanges,
  readFile: (file: string) => string | undefined,
): Map<string, { before: string | undefined; after: string }> {
  const byFile = new Map<string, TextEdit[]>();
  for (const edit of changes.edits) {
    const list = byFile.get(edit.file) ?? [];
    list.push(edit);
    byFile.set(edit.file, list);
  }
  const result = new Map<string, { before: string | undefined; after: string }>();
  for (const [file, edits] of byFile) {
    const before = readFile(file);
    if (before === undefined) throw new Error(`cannot read ${file}`);
    result.set(file, { before, after: applyEdits(before, edits) });
  }
  for (const creation of changes.creations) {
    result.set(creation.file, { before: undefined, after: creation.text });
  }
  return result;
}

/** A unified diff of the changes, file names relative to `root` (git style a/ b/ prefixes). */
export function unifiedDiff(
  texts: Map<string, { before: string | undefined; after: string }>,
  relative: (file: string) => string,
): string {
  let out = '';
  for (const [file, { before, after }] of [...texts].sort(([a], [b]) => a.localeCompare(b))) {
    const name = relative(file);
    out += createTwoFilesPatch(
      before === undefined ? '/dev/null' : `a/${name}`,
      `b/${name}`,
      before ?? '',
      after,
      undefined,
      undefined,
      { context: 3 },
    )
      .split('\n')
      .filter((line) => !line.startsWith('====='))
      .join('\n');
  }
  return out;
}
