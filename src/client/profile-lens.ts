// CodeLens for the profiler. The server says which function holds each flagged piece of work
// (src/analysis/function-ranges.ts): "Profile" goes over that function, or, when the work is a call
// from a callback the profiler cannot call (an inline route handler), "Profile <helper>" goes on the
// flagged line and profiles the helper. After a run the result
// (`CPU 0.97 · CPU-bound · 85 ms/call · clone 3% (1.2 MB) · Move to worker pool`) replaces it, marked
// "(stale)" once the function's text no longer matches what was measured, with "Measure in a worker
// pool" beside a verdict that moves work.
import * as vscode from 'vscode';
import { summaryLine } from '../profiler/model.js';
import { commands } from '../shared/protocol.js';
import { type FunctionRanges, toRange } from './function-ranges.js';
import { moveToWorkerPoolLens } from './move-to-worker-pool.js';
import { type ProfileResults, profileKey, type StoredProfile } from './profile-results.js';

const diagnosticSource = 'concurrency-lens';

/** What the Profile lens and the palette command pass to `concurrencyLens.profileFunction`. */
export interface ProfileCommandArgs {
  /** document URI (string or Uri); default: the active editor */
  uri?: string | vscode.Uri;
  /** the function path; default: the function at `position` or at the cursor */
  functionPath?: string;
  position?: { line: number; character: number };
  /** the JSON argument list (or `module:<file>`); skips the input box */
  args?: string;
  /** also run the pool trial (main thread vs a worker pool) */
  poolTrial?: boolean;
}

export class ProfileLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly results: ProfileResults,
    private readonly ranges: FunctionRanges,
    private readonly profilerAvailable: (uri: vscode.Uri) => boolean,
  ) {
    this.subscriptions = [
      results.onDidChange(() => this.changed.fire()),
      // Diagnostics decide where "Profile" shows, also those of other files whose call chain
      // passes through this one (a helper's finding points at the handler that calls it).
      vscode.languages.onDidChangeDiagnostics((event) => {
        const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()));
        const touchesVisible = event.uris.some(
          (uri) =>
            visible.has(uri.toString()) ||
            vscode.languages
              .getDiagnostics(uri)
              .some((d) => d.relatedInformation?.some((r) => visible.has(r.location.uri.toString()))),
        );
        if (touchesVisible) this.changed.fire();
      }),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const stored = this.results.forDocument(document.uri);
    const flagged = this.profilerAvailable(document.uri) ? flaggedPositions(document.uri) : [];
    if (stored.length === 0 && flagged.length === 0) return [];
    let answer: Awaited<ReturnType<FunctionRanges['get']>>;
    try {
      answer = await this.ranges.get(
        document,
        flagged.map((place) => place.position),
      );
    } catch {
      return []; // the server is restarting: the lenses come back with the next refresh
    }
    const lenses: vscode.CodeLens[] = [];
    const shown = new Set<string>();
    for (const profile of stored) {
      const target = answer.functions.find((candidate) => candidate.path === profile.functionPath);
      if (!target) continue;
      shown.add(profile.key);
      lenses.push(...resultLenses(toRange(target.selectionRange).start, profile, isStale(document, profile)));
    }
    answer.targets.forEach((target, index) => {
      // A place another finding points at counts only as a call to the function doing the work
      // (its enclosing function may be the one that registers the handler).
      if (!target || (flagged[index]!.related && !target.viaCall)) return;
      const key = profileKey(vscode.Uri.parse(target.uri), target.function.path);
      const here = target.uri === document.uri.toString() && !target.viaCall;
      const at = here ? toRange(target.function.selectionRange).start : flagged[index]!.position;
      const place = `${key}@${at.line}`;
      if (shown.has(key) && here) return;
      if (shown.has(place)) return;
      shown.add(place);
      const result = this.results.get(key);
      if (result && !here) {
        // the helper's result, on the line that calls it
        lenses.push(...resultLenses(at, result, false));
        return;
      }
      const args: ProfileCommandArgs = { uri: target.uri, functionPath: target.function.path };
      const elsewhere = target.uri !== document.uri.toString();
      lenses.push(
        new vscode.CodeLens(new vscode.Range(at, at), {
          title: here ? 'Profile' : `Profile ${target.function.name}`,
          tooltip: `Run ${target.function.path}${elsewhere ? ` (${vscode.workspace.asRelativePath(vscode.Uri.parse(target.uri))})` : ''} in a child process and measure its CPU/wall ratio and serialization cost`,
          command: commands.profileFunction,
          arguments: [args],
        }),
      );
    });
    return lenses;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

/**
 * The function's text as measured no longer appears in the document. (Not the text at the server's
 * range: that answer may be one edit behind the editor.)
 */
/**
 * Where flagged work is in this document: our diagnostics' starts, and the places other files'
 * findings point at here (the call in an inline handler that leads to a helper's blocking work).
 */
function flaggedPositions(uri: vscode.Uri): { position: vscode.Position; related: boolean }[] {
  const positions: { position: vscode.Position; related: boolean }[] = [];
  const here = uri.toString();
  for (const [file, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const diagnostic of diagnostics) {
      if (diagnostic.source !== diagnosticSource) continue;
      if (file.toString() === here) positions.push({ position: diagnostic.range.start, related: false });
      for (const related of diagnostic.relatedInformation ?? []) {
        if (related.location.uri.toString() === here)
          positions.push({ position: related.location.range.start, related: true });
      }
    }
  }
  return positions;
}

export function isStale(document: vscode.TextDocument, profile: StoredProfile): boolean {
  return !document.getText().includes(profile.functionText);
}

function resultLenses(at: vscode.Position, profile: StoredProfile, stale: boolean): vscode.CodeLens[] {
  const range = new vscode.Range(at, at);
  const summary = summaryLine(profile.result);
  const result = profile.result;
  const explanation = result.ok
    ? `${result.recommendation.text}: ${result.recommendation.reason}`
    : `${result.error.kind}: ${result.error.message}`;
  const tooltip = [
    stale ? 'The function changed since it was profiled; run the profiler again for current figures.' : '',
    explanation,
    'Click for the full report.',
  ]
    .filter(Boolean)
    .join('\n\n');
  const lenses = [
    new vscode.CodeLens(range, {
      title: stale ? `(stale) ${summary}` : summary,
      tooltip,
      command: commands.showProfileReport,
      arguments: [profile.key],
    }),
  ];
  const move = stale ? undefined : moveToWorkerPoolLens(profile.uri, profile.functionPath, result, range);
  if (move) lenses.push(move);
  const moves = result.ok && /^(move|split)/.test(result.recommendation.kind);
  if (moves && !result.poolTrial) {
    const args: ProfileCommandArgs = {
      uri: profile.uri.toString(),
      functionPath: profile.functionPath,
      args: profile.argsText,
      poolTrial: true,
    };
    lenses.push(
      new vscode.CodeLens(range, {
        title: 'Measure in a worker pool',
        tooltip:
          'Run the same calls on the main thread and on a worker pool (piscina, one worker per core) and show the measured speedup',
        command: commands.profileFunction,
        arguments: [args],
      }),
    );
  }
  return lenses;
}
