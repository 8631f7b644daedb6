// The profile results the editor shows: one per function, keyed by file and function path, with
// the function's text at the time of the run (a later edit marks the result stale) and the run
// before it (the report compares the two). Kept in the workspace state, so results survive a
// reload of the window; "Clear Profile Results" forgets them.
import * as vscode from 'vscode';
import type { ProfileResult } from '../profiler/model.js';
import { hasProfileResultsContextKey } from '../shared/protocol.js';

export interface ProfileRun {
  result: ProfileResult;
  /** epoch ms */
  at: number;
  /** the arguments it ran with: JSON, or `module:<file>` */
  argsText?: string;
}

export interface StoredProfile extends ProfileRun {
  key: string;
  uri: vscode.Uri;
  /** the path profileFunction was given: `fib`, `Matrix.prototype.multiply` */
  functionPath: string;
  /** the declaration's text when it was profiled */
  functionText: string;
  /** the run of the same function before this one */
  previous?: ProfileRun;
}

const stateKey = 'concurrencyLens.profiler.results';
/** Per-run samples kept in the workspace state: enough to draw the chart. */
const storedSamples = 60;

interface Persisted extends Omit<StoredProfile, 'uri'> {
  uri: string;
}

export function profileKey(uri: vscode.Uri, functionPath: string): string {
  return `${uri.toString()}#${functionPath}`;
}

export class ProfileResults implements vscode.Disposable {
  private readonly byKey = new Map<string, StoredProfile>();
  private readonly changed = new vscode.EventEmitter<StoredProfile | undefined>();
  /** fires with the profile just stored, or undefined when results were cleared */
  readonly onDidChange = this.changed.event;
  private latest: string | undefined;

  constructor(private readonly state: vscode.Memento) {
    for (const saved of state.get<Persisted[]>(stateKey, [])) {
      try {
        this.byKey.set(saved.key, { ...saved, uri: vscode.Uri.parse(saved.uri) });
      } catch {
        // a result saved by an older version: dropped
      }
    }
    void this.setContext();
  }

  set(profile: Omit<StoredProfile, 'key' | 'previous'>): StoredProfile {
    const key = profileKey(profile.uri, profile.functionPath);
    const before = this.byKey.get(key);
    const stored: StoredProfile = {
      ...profile,
      key,
      previous: before ? { result: before.result, at: before.at, argsText: before.argsText } : undefined,
    };
    this.byKey.set(key, stored);
    this.latest = key;
    this.update(stored);
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
    this.update(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private update(stored: StoredProfile | undefined): void {
    void this.setContext();
    void this.state.update(stateKey, [...this.byKey.values()].map(persisted));
    this.changed.fire(stored);
  }

  private setContext(): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', hasProfileResultsContextKey, this.byKey.size > 0);
  }
}

function persisted(profile: StoredProfile): Persisted {
  return {
    ...profile,
    uri: profile.uri.toString(),
    result: slim(profile.result),
    previous: profile.previous && { ...profile.previous, result: slim(profile.previous.result) },
  };
}

/** The result without the bulk (thousands of run samples, long logs) the workspace state need not hold. */
function slim(result: ProfileResult): ProfileResult {
  const log = {
    ...result.log,
    stdout: result.log.stdout.slice(-4096),
    stderr: result.log.stderr.slice(-4096),
  };
  if (!result.ok) return { ...result, log };
  const step = Math.max(1, Math.ceil(result.runs.length / storedSamples));
  return { ...result, log, runs: result.runs.filter((_, index) => index % step === 0) };
}
