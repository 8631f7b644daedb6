// CodeLens for the profiler: "Profile" over functions a rule flagged, and after a run the result
// (`CPU 0.97 · CPU-bound · clone 3% (1.2 MB) · Move to worker pool`) over the profiled function,
// marked "(stale)" once the function's text no longer matches what was measured.
import * as vscode from 'vscode';
import { summaryLine } from '../profiler/model.js';
import { commands } from '../shared/protocol.js';
import { type FunctionInfo, findFunctions } from './functions.js';
import type { ProfileResults, StoredProfile } from './profile-results.js';

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
}

export class ProfileLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private cache: { uri: string; version: number; functions: FunctionInfo[] } | undefined;

  constructor(
    private readonly results: ProfileResults,
    private readonly profilerAvailable: (uri: vscode.Uri) => boolean,
  ) {
    this.subscriptions = [
      results.onDidChange(() => this.changed.fire()),
      // Diagnostics decide where "Profile" shows; only visible editors need their lenses again.
      vscode.languages.onDidChangeDiagnostics((event) => {
        const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()));
        if (event.uris.some((uri) => visible.has(uri.toString()))) this.changed.fire();
      }),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const stored = this.results.forDocument(document.uri);
    const flagged = this.profilerAvailable(document.uri)
      ? vscode.languages
          .getDiagnostics(document.uri)
          .filter((diagnostic) => diagnostic.source === diagnosticSource)
      : [];
    if (stored.length === 0 && flagged.length === 0) return [];
    const functions = this.functions(document);
    const lenses: vscode.CodeLens[] = [];
    const withResult = new Set<string>();
    for (const profile of stored) {
      const target = functions.find((candidate) => candidate.path === profile.functionPath);
      if (!target) continue;
      withResult.add(target.path);
      lenses.push(resultLens(document, target, profile));
    }
    const flaggedPaths = new Set<string>();
    for (const diagnostic of flagged) {
      const offset = document.offsetAt(diagnostic.range.start);
      const enclosing = innermost(functions, offset);
      if (enclosing && !withResult.has(enclosing.path)) flaggedPaths.add(enclosing.path);
    }
    for (const target of functions) {
      if (!flaggedPaths.has(target.path)) continue;
      const args: ProfileCommandArgs = { uri: document.uri.toString(), functionPath: target.path };
      lenses.push(
        new vscode.CodeLens(lensRange(document, target), {
          title: 'Profile',
          tooltip: `Run ${target.path} in a child process and measure its CPU/wall ratio and serialization cost`,
          command: commands.profileFunction,
          arguments: [args],
        }),
      );
    }
    return lenses;
  }

  /** The functions of a document, parsed once per version. */
  functions(document: vscode.TextDocument): FunctionInfo[] {
    const uri = document.uri.toString();
    if (this.cache?.uri !== uri || this.cache.version !== document.version) {
      this.cache = { uri, version: document.version, functions: findFunctions(document.getText()) };
    }
    return this.cache.functions;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

function innermost(functions: readonly FunctionInfo[], offset: number): FunctionInfo | undefined {
  let best: FunctionInfo | undefined;
  for (const candidate of functions) {
    if (candidate.start <= offset && offset <= candidate.end && (!best || candidate.start >= best.start))
      best = candidate;
  }
  return best;
}

function lensRange(document: vscode.TextDocument, target: FunctionInfo): vscode.Range {
  const position = document.positionAt(target.nameOffset);
  return new vscode.Range(position, position);
}

export function isStale(
  document: vscode.TextDocument,
  target: FunctionInfo,
  profile: StoredProfile,
): boolean {
  return document.getText().slice(target.start, target.end) !== profile.functionText;
}

function resultLens(
  document: vscode.TextDocument,
  target: FunctionInfo,
  profile: StoredProfile,
): vscode.CodeLens {
  const stale = isStale(document, target, profile);
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
  return new vscode.CodeLens(lensRange(document, target), {
    title: stale ? `(stale) ${summary}` : summary,
    tooltip,
    command: commands.showProfileReport,
    arguments: [profile.key],
  });
}
