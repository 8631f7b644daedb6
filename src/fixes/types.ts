// What a code transform hands back: edits to existing files and files to create, or a refusal.
// Pure data, no `vscode`: the CLI writes it to disk, the editor turns it into one WorkspaceEdit.
import type { TextEdit } from '../analysis/types.js';

export type { TextEdit };

export interface FileCreation {
  file: string;
  text: string;
}

/** A place the transform could not update, with why (shown as `file:line:column reason`). */
export interface SiteNote {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  reason: string;
}

export interface TransformChanges {
  edits: TextEdit[];
  creations: FileCreation[];
}

export type Refusal = { ok: false; reason: string };
