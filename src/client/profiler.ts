// The profiler in the editor: "Profile Function at Cursor", the Profile / result CodeLens, the
// report and "Clear Profile Results". The profiler itself (src/profiler) only spawns a child and
// waits, so it runs here in the extension host, asynchronously; it is loaded on first use.
import { dirname, isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { type ProfileResult, type ProfilerThresholds, summaryLine } from '../profiler/model.js';
import { commands, hasProfileResultsContextKey } from '../shared/protocol.js';
import { configurationSection, normalizeProfilerSettings } from '../shared/settings.js';
import { defaultArguments, type FunctionInfo, functionAt } from './functions.js';
import { languageIds } from './languages.js';
import { type ProfileCommandArgs, ProfileLensProvider } from './profile-lens.js';
import { ProfileReportPanel } from './profile-report.js';
import { ProfileResults, type StoredProfile } from './profile-results.js';

const argsStateKey = 'concurrencyLens.profiler.args';
const modulePrefix = 'module:';

export type Availability = { available: true } | { available: false; reason: 'untrusted' | 'disabled' };

/** Profiling runs workspace code: never in an untrusted workspace, and only while the setting allows it. */
export function profilerAvailability(uri?: vscode.Uri): Availability {
  if (!vscode.workspace.isTrusted) return { available: false, reason: 'untrusted' };
  const settings = normalizeProfilerSettings(
    vscode.workspace.getConfiguration(`${configurationSection}.profiler`, uri),
  );
  return settings.enable ? { available: true } : { available: false, reason: 'disabled' };
}

export function registerProfiler(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const results = new ProfileResults();
  const lenses = new ProfileLensProvider(results, (uri) => profilerAvailability(uri).available);
  const report = new ProfileReportPanel(context.extensionUri);
  const selector = languageIds.map((language) => ({ language }));
  context.subscriptions.push(
    results,
    lenses,
    report,
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${configurationSection}.profiler`)) lenses.refresh();
    }),
    vscode.commands.registerCommand(commands.profileFunction, (args?: ProfileCommandArgs) =>
      profileCommand(context, log, results, lenses, report, args),
    ),
    vscode.commands.registerCommand(commands.showProfileReport, (key?: string) =>
      showReport(results, report, key),
    ),
    vscode.commands.registerCommand(commands.clearProfileResults, () => results.clear()),
  );
  // The context key starts false so the clear command is hidden until a result exists.
  void vscode.commands.executeCommand('setContext', hasProfileResultsContextKey, false);
}

async function profileCommand(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  results: ProfileResults,
  lenses: ProfileLensProvider,
  report: ProfileReportPanel,
  args: ProfileCommandArgs = {},
): Promise<ProfileResult | undefined> {
  const document = await targetDocument(args);
  if (!document) {
    void vscode.window.showWarningMessage(
      'Concurrency Lens: open a TypeScript or JavaScript file and put the cursor in a function to profile it.',
    );
    return undefined;
  }
  const availability = profilerAvailability(document.uri);
  if (!availability.available) {
    explainUnavailable(availability.reason);
    return undefined;
  }
  if (document.isUntitled || document.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage(
      'Concurrency Lens: the profiler runs the file from disk; save it to a file first.',
    );
    return undefined;
  }
  const functions = lenses.functions(document);
  const target = pickFunction(document, functions, args);
  if (!target) {
    void vscode.window.showWarningMessage(
      args.functionPath
        ? `Concurrency Lens: no function '${args.functionPath}' in ${vscode.workspace.asRelativePath(document.uri)}.`
        : 'Concurrency Lens: the cursor is not in a function the profiler can call (a top-level function, a const arrow function or a class method).',
    );
    return undefined;
  }

  const remembered = context.workspaceState.get<Record<string, string>>(argsStateKey, {});
  const rememberKey = `${vscode.workspace.asRelativePath(document.uri)}#${target.path}`;
  const argsText =
    args.args ??
    (await vscode.window.showInputBox({
      title: `Concurrency Lens: arguments for ${target.path}`,
      prompt: `A JSON array of arguments, or ${modulePrefix}<file> for a module whose default export returns them`,
      value: remembered[rememberKey] ?? defaultArguments(target.parameters),
      ignoreFocusOut: true,
      validateInput: (value) => parseArguments(value, document.uri).error,
    }));
  if (argsText === undefined) return undefined;
  const parsed = parseArguments(argsText, document.uri);
  if (parsed.error) {
    void vscode.window.showErrorMessage(`Concurrency Lens: ${parsed.error}`);
    return undefined;
  }
  const started = performance.now();
  // Remembered for the next run of this function; the write need not delay this one.
  void context.workspaceState.update(argsStateKey, { ...remembered, [rememberKey]: argsText });

  // The profiler bundles the file from disk: unsaved edits would not be measured.
  if (document.isDirty) await document.save();
  const functionText = document.getText().slice(target.start, target.end);
  const result = await runProfile(log, document, target.path, parsed);
  if (!result) return undefined;
  const stored = results.set({
    uri: document.uri,
    functionPath: target.path,
    functionText,
    result,
    at: Date.now(),
  });
  log.info(
    `profiled ${relativeName(stored)}: ${summaryLine(result)} (command ${Math.round(performance.now() - started)} ms, profiler ${Math.round(result.timing.totalMs)} ms: bundle ${Math.round(result.timing.bundleMs)} ms, start-up ${Math.round(result.timing.startupMs)} ms)`,
  );
  if (!result.ok && result.error.kind !== 'cancelled') {
    void vscode.window
      .showErrorMessage(
        `Concurrency Lens: profiling ${target.path} failed (${result.error.kind}): ${result.error.message}`,
        'Show Report',
        'Show Output',
      )
      .then((choice) => {
        if (choice === 'Show Report') report.show(stored);
        else if (choice === 'Show Output') log.show();
      });
  }
  return result;
}

async function runProfile(
  log: vscode.LogOutputChannel,
  document: vscode.TextDocument,
  functionPath: string,
  parsed: ParsedArguments,
): Promise<ProfileResult | undefined> {
  const uri = document.uri;
  const settings = normalizeProfilerSettings(
    vscode.workspace.getConfiguration(`${configurationSection}.profiler`, uri),
  );
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const relative = vscode.workspace.asRelativePath(uri);
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Concurrency Lens: profiling ${functionPath}`,
      cancellable: true,
    },
    async (progress, token) => {
      const controller = new AbortController();
      const cancellation = token.onCancellationRequested(() => controller.abort());
      try {
        // Loaded on first use: activation never pays for the profiler.
        const loading = performance.now();
        const { profileFunction } = await import('../profiler/index.js');
        log.debug(`profiler loaded in ${Math.round(performance.now() - loading)} ms`);
        progress.report({ message: 'bundling…' });
        log.info(
          `profiling ${relative} ${functionPath} (${settings.runs} runs, time limit ${settings.timeoutMs} ms)`,
        );
        return await profileFunction({
          file: uri.fsPath,
          functionName: functionPath,
          ...(parsed.argsModule ? { argsModule: parsed.argsModule } : { args: parsed.args }),
          runs: settings.runs,
          timeoutMs: settings.timeoutMs,
          thresholds: thresholdSettings(uri),
          cwd: folder?.uri.fsPath ?? dirname(uri.fsPath),
          signal: controller.signal,
          onOutput: (stream, text) => {
            for (const line of text.split(/\r?\n/)) {
              if (line) log.info(`[${functionPath} ${stream}] ${line}`);
            }
          },
          onProgress: (event) => {
            if (event.type === 'spawned') progress.report({ message: `running (pid ${event.pid})…` });
            else if (event.type === 'phase') progress.report({ message: `${event.phase}…` });
          },
        });
      } catch (error) {
        // profileFunction never throws; this is the import or the extension itself failing.
        log.error(`profiling ${functionPath}: ${String(error)}`);
        void vscode.window.showErrorMessage(
          `Concurrency Lens: the profiler could not start: ${String(error)}`,
        );
        return undefined;
      } finally {
        cancellation.dispose();
      }
    },
  );
}

/** The configured thresholds; unset ones are left out so the profiler's defaults apply. */
function thresholdSettings(uri: vscode.Uri): Partial<ProfilerThresholds> {
  const settings = vscode.workspace.getConfiguration(`${configurationSection}.thresholds`, uri);
  const thresholds: Partial<ProfilerThresholds> = {};
  for (const key of ['ioBound', 'cpuBound', 'serializationFraction'] as const) {
    const value = settings.get<number | null>(key);
    if (typeof value === 'number' && Number.isFinite(value)) thresholds[key] = value;
  }
  return thresholds;
}

/** Says why the profiler does not run; never waits for the user (the command returns at once). */
function explainUnavailable(reason: 'untrusted' | 'disabled'): void {
  if (reason === 'untrusted') {
    void vscode.window
      .showWarningMessage(
        'Concurrency Lens: profiling is unavailable in Restricted Mode. The profiler runs this workspace’s code in a child process, so it only runs once you trust the workspace.',
        'Manage Workspace Trust',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return;
  }
  void vscode.window
    .showInformationMessage(
      'Concurrency Lens: profiling is turned off by the setting concurrencyLens.profiler.enable.',
      'Open Setting',
    )
    .then((choice) => {
      if (choice)
        void vscode.commands.executeCommand(
          'workbench.action.openSettings',
          'concurrencyLens.profiler.enable',
        );
    });
}

async function targetDocument(args: ProfileCommandArgs): Promise<vscode.TextDocument | undefined> {
  if (args.uri) {
    const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
    return vscode.workspace.openTextDocument(uri);
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || !(languageIds as readonly string[]).includes(editor.document.languageId)) return undefined;
  return editor.document;
}

function pickFunction(
  document: vscode.TextDocument,
  functions: readonly FunctionInfo[],
  args: ProfileCommandArgs,
): FunctionInfo | undefined {
  if (args.functionPath) return functions.find((candidate) => candidate.path === args.functionPath);
  let position: vscode.Position | undefined;
  if (args.position) position = new vscode.Position(args.position.line, args.position.character);
  else {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.uri.toString() === document.uri.toString()) position = editor.selection.active;
  }
  return position ? functionAt(functions, document.offsetAt(position)) : undefined;
}

interface ParsedArguments {
  args?: unknown[];
  argsModule?: string;
  error?: string;
}

/** `[1, "a"]` (a non-array value is one argument, as in the CLI) or `module:<file>`. */
function parseArguments(text: string, document: vscode.Uri): ParsedArguments {
  const trimmed = text.trim();
  if (trimmed.startsWith(modulePrefix)) {
    const file = trimmed.slice(modulePrefix.length).trim();
    if (!file) return { error: `name the module after ${modulePrefix}` };
    const folder = vscode.workspace.getWorkspaceFolder(document);
    const base = folder?.uri.fsPath ?? dirname(document.fsPath);
    return { argsModule: isAbsolute(file) ? file : resolve(base, file) };
  }
  if (trimmed === '') return { args: [] };
  try {
    const value: unknown = JSON.parse(trimmed);
    return { args: Array.isArray(value) ? value : [value] };
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
}

async function showReport(
  results: ProfileResults,
  report: ProfileReportPanel,
  key?: string,
): Promise<boolean> {
  let stored: StoredProfile | undefined = key ? results.get(key) : undefined;
  if (!stored && !key) {
    const all = results.all();
    if (all.length <= 1) stored = all[0];
    else {
      const picked = await vscode.window.showQuickPick(
        all.map((profile) => ({
          label: profile.functionPath,
          description: vscode.workspace.asRelativePath(profile.uri),
          profile,
        })),
        { title: 'Concurrency Lens: profile report' },
      );
      stored = picked?.profile;
    }
  }
  if (!stored) {
    if (results.all().length === 0)
      void vscode.window.showInformationMessage(
        'Concurrency Lens: no profile results yet. Run "Concurrency Lens: Profile Function at Cursor" first.',
      );
    return false;
  }
  report.show(stored);
  return true;
}

function relativeName(profile: StoredProfile): string {
  return `${vscode.workspace.asRelativePath(profile.uri)} ${profile.functionPath}`;
}
