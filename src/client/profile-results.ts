// The profile results the editor shows: one per function, keyed by file and function path, with
// the function's text at the time of the run so a later edit marks the result stale.
import * as vscode from 'vscode';
import type { ProfileResult } from '../profiler/model.js';
import { hasProfileResultsContextKey } from '../shared/protocol.js';

export interface StoredProfile {
  key: string;
  uri: vscode.Uri;
  /** the path profileFunction was given: `fib`, `Matrix.prototype.multiply` */
  functionPath: string;
  /** the declaration's text when it was profiled */
  functionText: string;
  result: ProfileResult;
  /** epoch ms */
  at: number;
}

export function profileKey(uri: vscode.Uri, functionPath: string): string {
  return `${uri.toString()}#${functionPath}`;
}

export class ProfileResults implements vscode.Disposable {
  private readonly byKey = new Map<string, StoredProfile>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private latest: string | undefined;

  set(profile: Omit<StoredProfile, 'key'>): StoredProfile {
    const stored = { ...profile, key: profileKey(profile.uri, profile.functionPath) };
    this.byKey.set(stored.key, stored);
    this.latest = stored.key;
    this.update();
    return stored;
  }

  get(key: string): StoredProfile | undefined {
    return this.byKey.get(key);
  }

  /** the most recent run, while it is still held */
  last(): StoredProfile | undefined {
    return this.latest ? this.byKey.get(this.latest) : undefined;
  }

  all(): StoredProfile[] {
    return [...this.byKey.values()].sort((a, b) => b.at - a.at);
  }

  forDocument(uri: vscode.Uri): StoredProfile[] {
    const prefix = `${uri.toString()}#`;
    return [...this.byKey.values()].filter((stored) => stored.key.startsWith(prefix));
  }

  clear(): void {
    this.byKey.clear();
    this.latest = undefined;
    this.update();
  }

  dispose(): void {
    this.changed.dispose();
  }

  private update(): void {
    void vscode.commands.executeCommand('setContext', hasProfileResultsContextKey, this.byKey.size > 0);
    this.changed.fire();
  }
}
