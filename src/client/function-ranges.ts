// The profiler's view of a document, asked of the language server (it has the TypeScript AST):
// the functions it can call, and the function to profile for a flagged position or the cursor.
// One request per document version and set of positions.
import * as vscode from 'vscode';
import {
  type FunctionRange,
  type FunctionRangesParams,
  type FunctionRangesResult,
  functionRangesMethod,
} from '../shared/protocol.js';
import type { ServerManager } from './server-manager.js';

export class FunctionRanges {
  private cache: { key: string; result: Promise<FunctionRangesResult> } | undefined;

  constructor(private readonly server: ServerManager) {}

  /** The document's profilable functions and a target per position (null where none). */
  async get(
    document: vscode.TextDocument,
    positions: readonly vscode.Position[] = [],
  ): Promise<FunctionRangesResult> {
    const key = `${document.uri.toString()}@${document.version}:${positions.map((p) => `${p.line}.${p.character}`).join(',')}`;
    if (this.cache?.key !== key) {
      const params: FunctionRangesParams = {
        uri: document.uri.toString(),
        positions: positions.map((position) => ({ line: position.line, character: position.character })),
      };
      const result = this.server
        .ensureStarted()
        .then((client) => client.sendRequest<FunctionRangesResult>(functionRangesMethod, params));
      this.cache = { key, result };
      result.catch(() => {
        if (this.cache?.key === key) this.cache = undefined;
      });
    }
    return this.cache.result;
  }
}

export function toRange(range: FunctionRange['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

/** The innermost function whose declaration holds `position`. */
export function functionAt(
  functions: readonly FunctionRange[],
  position: vscode.Position,
): FunctionRange | undefined {
  let best: FunctionRange | undefined;
  for (const candidate of functions) {
    const range = toRange(candidate.range);
    if (range.contains(position) && (!best || range.start.isAfterOrEqual(toRange(best.range).start)))
      best = candidate;
  }
  return best;
}
