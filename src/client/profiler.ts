// The profiler in the editor: "Profile Function at Cursor", the Profile / result CodeLens, "Measure
// in a worker pool", the live report, "Open CPU Profile", "Create Args Module" and "Clear Profile
// Results". Which function to profile comes from the language server (function ranges); the
// profiler itself (src/profiler) only spawns a child and waits, so it runs here in the extension
// host, asynchronously; it is loaded on first use.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import { type ProfileResult, type ProfilerThresholds, summaryLine } from '../profiler/model.js';
import { commands, type FunctionRange, hasProfileResultsContextKey } from '../shared/protocol.js';
import { configurationSection, normalizeProfilerSettings } from '../shared/settings.js';
import { FunctionRanges, functionAt } from './function-ranges.js';
import { languageIds } from './languages.js';
import { argsModuleTemplate, defaultArguments, jsonCanExpress } from './profile-args.js';
import { type ProfileCommandArgs, ProfileLensProvider } from './profile-lens.js';
import { ProfileReportPanel } from './profile-report.js';
import { ProfileResults, type StoredProfile } from './profile-results.js';
import type { ServerManager } from './server-manager.js';

const argsStateKey = 'concurrencyLens.profiler.args';
const modulePrefix = 'module:';
/** The profiler measures for at least this long (and at least `profiler.runs` runs). */
const budgetMs = 500;
/** CPU profiles kept per function (this run and the one before, for comparison). */
const profilesKept = 2;

export type Availability = { available: true } | { available: false; reason: 'untrusted' | 'disabled' };

/** Profiling runs workspace code: never in an untrusted workspace, and only while the setting allows it. */
export function profilerAvailability(uri?: vscode.Uri): Availability {
  if (!vscode.workspace.isTrusted) return { available: false, reason: 'untrusted' };
  const settings = normalizeProfilerSettings(
    vscode.workspace.getConfiguration(`${configurationSection}.profiler`, uri),
  );
  return settings.enable ? { available: true } : { available: false, reason: 'disabled' };
}

/** What the integration tests read of the profiler's state. */
export interface ProfilerProbe {
  /** the profile the open report shows, and how many times it was drawn */
  report(): { key: string; at: number; renders: number } | undefined;
}

export function registerProfiler(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  server: ServerManager,
): ProfilerProbe {
  const results = new ProfileResults(context.workspaceState);
  const ranges = new FunctionRanges(server);
  const lenses = new ProfileLensProvider(results, ranges, (uri) => profilerAvailability(uri).available);
  const report = new ProfileReportPanel(context.extensionUri, results, {
    openCpuProfile: (key) => openCpuProfile(results, key),
    measureInPool: (key) => measureInPool(results, key),
  });
  const selector = languageIds.map((language) => ({ language }));
  const profiler = new Profiler(context, log, results, ranges);
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
      profiler.profile(args, (stored) => report.show(stored)),
    ),
    vscode.commands.registerCommand(commands.showProfileReport, (key?: string) =>
      showReport(results, report, key),
    ),
    vscode.commands.registerCommand(commands.clearProfileResults, () => results.clear()),
    vscode.commands.registerCommand(commands.openCpuProfile, (key?: string) => openCpuProfile(results, key)),
    vscode.commands.registerCommand(commands.createArgsModule, (args?: ProfileCommandArgs) =>
      profiler.createArgsModule(args),
    ),
  );
  void vscode.commands.executeCommand('setContext', hasProfileResultsContextKey, results.all().length > 0);
  return { report: () => report.state() };
}

class Profiler {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly results: ProfileResults,
    private readonly ranges: FunctionRanges,
  ) {}

  async profile(
    args: ProfileCommandArgs = {},
    showReport: (stored: StoredProfile) => void,
  ): Promise<ProfileResult | undefined> {
    const found = await this.target(args);
    if (!found) return undefined;
    const { document, target } = found;
    const availability = profilerAvailability(document.uri);
    if (!availability.available) {
      explainUnavailable(availability.reason);
      return undefined;
    }

    const remembered = this.context.workspaceState.get<Record<string, string>>(argsStateKey, {});
    const rememberKey = `${vscode.workspace.asRelativePath(document.uri)}#${target.path}`;
    const argsText = args.args ?? (await this.askArguments(document, target, remembered[rememberKey]));
    if (argsText === undefined) return undefined;
    const parsed = parseArguments(argsText, document.uri);
    if (parsed.error) {
      void vscode.window.showErrorMessage(`Concurrency Lens: ${parsed.error}`);
      return undefined;
    }
    const started = performance.now();

    // The profiler bundles the file from disk: unsaved edits would not be measured.
    if (document.isDirty) await document.save();
    const functionText = document.getText(rangeOf(target.range));
    const cpuProfile = await this.cpuProfilePath(document.uri, target.path);
    const result = await runProfile(this.log, document, target.path, parsed, {
      poolTrial: args.poolTrial ?? false,
      cpuProfile,
    });
    if (!result) return undefined;
    // Arguments are remembered only when they worked: a failing guess must not come back.
    if (result.ok) {
      await this.context.workspaceState.update(argsStateKey, { ...remembered, [rememberKey]: argsText });
    }
    const stored = this.results.set({
      uri: document.uri,
      functionPath: target.path,
      functionText,
      result,
      at: Date.now(),
      argsText,
    });
    this.log.info(
      `profiled ${vscode.workspace.asRelativePath(document.uri)} ${target.path}: ${summaryLine(result)} (command ${Math.round(performance.now() - started)} ms, profiler ${Math.round(result.timing.totalMs)} ms: bundle ${Math.round(result.timing.bundleMs)} ms, start-up ${Math.round(result.timing.startupMs)} ms)`,
    );
    if (!result.ok && result.error.kind !== 'cancelled') {
      const actions =
        result.error.kind === 'bad-args' || result.error.kind === 'threw' ? ['Create Args Module'] : [];
      void vscode.window
        .showErrorMessage(
          `Concurrency Lens: profiling ${target.path} failed (${result.error.kind}): ${result.error.message}`,
          ...actions,
          'Show Report',
          'Show Output',
        )
        .then((choice) => {
          if (choice === 'Show Report') showReport(stored);
          else if (choice === 'Show Output') this.log.show();
          else if (choice === 'Create Args Module')
            void this.createArgsModule({ uri: document.uri.toString(), functionPath: target.path });
        });
    }
    return result;
  }

  /** Writes a typed args module beside the file (or opens the existing one) for the function. */
  async createArgsModule(args: ProfileCommandArgs = {}): Promise<vscode.Uri | undefined> {
    const found = await this.target(args);
    if (!found) return undefined;
    const { document, target } = found;
    const file = argsModulePath(document.uri.fsPath, target);
    const uri = vscode.Uri.file(file);
    if (!existsSync(file)) {
      const typescript = /\.[cm]?tsx?$/.test(document.uri.fsPath);
      let importPath = relative(dirname(file), document.uri.fsPath).replace(/\\/g, '/');
      importPath = (importPath.startsWith('.') ? importPath : `./${importPath}`).replace(/\.[cm]?tsx?$/, '');
      await writeFile(file, argsModuleTemplate(target, importPath, typescript));
    }
    const editor = await vscode.window.showTextDocument(uri);
    // the first value to edit
    const text = editor.document.getText();
    const first = text.indexOf('  args: ');
    if (first >= 0) {
      const position = editor.document.positionAt(first);
      editor.selection = new vscode.Selection(position, position);
    }
    void vscode.window.showInformationMessage(
      `Concurrency Lens: edit the arguments for ${target.path}, then profile again: the Profile lens uses ${basename(file)}.`,
    );
    return uri;
  }

  /** The document and the function: by path, at the given position, or at the cursor (the server decides). */
  private async target(
    args: ProfileCommandArgs,
  ): Promise<{ document: vscode.TextDocument; target: FunctionRange } | undefined> {
    let document = await targetDocument(args);
    if (!document) {
      void vscode.window.showWarningMessage(
        'Concurrency Lens: open a TypeScript or JavaScript file and put the cursor in a function to profile it.',
      );
      return undefined;
    }
    if (document.isUntitled || document.uri.scheme !== 'file') {
      void vscode.window.showWarningMessage(
        'Concurrency Lens: the profiler runs the file from disk; save it to a file first.',
      );
      return undefined;
    }
    let position: vscode.Position | undefined;
    if (args.position) position = new vscode.Position(args.position.line, args.position.character);
    else if (!args.functionPath) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.uri.toString() === document.uri.toString()) position = editor.selection.active;
    }
    let answer: Awaited<ReturnType<FunctionRanges['get']>>;
    try {
      answer = await this.ranges.get(document, position ? [position] : []);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Concurrency Lens: the language server could not list the functions of this file: ${String(error)}`,
      );
      return undefined;
    }
    let target: FunctionRange | undefined;
    if (args.functionPath)
      target = answer.functions.find((candidate) => candidate.path === args.functionPath);
    else if (position) {
      const server = answer.targets[0];
      if (server && server.uri !== document.uri.toString()) {
        // the helper the cursor's call invokes lives in another file
        document = await vscode.workspace.openTextDocument(vscode.Uri.parse(server.uri));
        target = server.function;
      } else target = server?.function ?? functionAt(answer.functions, position);
    }
    if (!target) {
      void vscode.window.showWarningMessage(
        args.functionPath
          ? `Concurrency Lens: no function '${args.functionPath}' in ${vscode.workspace.asRelativePath(document.uri)}.`
          : 'Concurrency Lens: the cursor is not in a function the profiler can call (a top-level function, a const arrow function, an object member or a class method).',
      );
      return undefined;
    }
    return { document, target };
  }

  private async askArguments(
    document: vscode.TextDocument,
    target: FunctionRange,
    remembered: string | undefined,
  ): Promise<string | undefined> {
    const moduleFile = argsModulePath(document.uri.fsPath, target);
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const moduleText = `${modulePrefix}${folder ? relative(folder.uri.fsPath, moduleFile) : moduleFile}`;
    const value = remembered ?? (existsSync(moduleFile) ? moduleText : undefined);
    if (value === undefined && !jsonCanExpress(target)) {
      // `[null]` for a Buffer or a method without its instance can only fail: offer a typed module.
      const choice = await vscode.window.showQuickPick(
        [
          {
            label: 'Create args module',
            description: basename(moduleFile),
            detail: target.isMethod
              ? `${target.path} needs an instance: the module's \`this\` builds it, \`args\` holds the arguments`
              : 'A typed template beside the file, with values of the parameter types to edit',
            create: true,
          },
          { label: 'Enter arguments as JSON', detail: defaultArguments(target.parameters), create: false },
        ],
        { title: `Concurrency Lens: arguments for ${target.path}` },
      );
      if (!choice) return undefined;
      if (choice.create) {
        await this.createArgsModule({ uri: document.uri.toString(), functionPath: target.path });
        return undefined;
      }
    }
    return vscode.window.showInputBox({
      title: `Concurrency Lens: arguments for ${target.path}`,
      prompt: `A JSON array of arguments, or ${modulePrefix}<file> for a module whose default export returns them (or { this, args })`,
      value: value ?? defaultArguments(target.parameters),
      ignoreFocusOut: true,
      validateInput: (text) => parseArguments(text, document.uri).error,
    });
  }

  /** A fresh path in the extension's storage; older profiles of the function beyond the last two are removed. */
  private async cpuProfilePath(uri: vscode.Uri, functionPath: string): Promise<string> {
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    const dir = join(storage.fsPath, 'cpu-profiles');
    await mkdir(dir, { recursive: true });
    const stem = `${basename(uri.fsPath).replace(/[^\w.-]+/g, '_')}-${functionPath.replace(/[^\w.-]+/g, '_')}`;
    const existing = (await readdir(dir)).filter((name) => name.startsWith(`${stem}-`)).sort();
    for (const old of existing.slice(0, Math.max(0, existing.length - (profilesKept - 1)))) {
      await rm(join(dir, old), { force: true });
    }
    return join(dir, `${stem}-${Date.now()}.cpuprofile`);
  }
}

/** `<file>.profile-args.ts` (or `.mjs` beside JavaScript), one per function: `<file>.<function>.profile-args.ts`. */
function argsModulePath(file: string, target: FunctionRange): string {
  const typescript = /\.[cm]?tsx?$/.test(file);
  const stem = file.slice(0, -extname(file).length);
  return `${stem}.${target.path.replace(/\.prototype\./, '.').replace(/[^\w.-]+/g, '_')}.profile-args.${typescript ? 'ts' : 'mjs'}`;
}

async function runProfile(
  log: vscode.LogOutputChannel,
  document: vscode.TextDocument,
  functionPath: string,
  parsed: ParsedArguments,
  extra: { poolTrial: boolean; cpuProfile: string },
): Promise<ProfileResult | undefined> {
  const uri = document.uri;
  const settings = normalizeProfilerSettings(
    vscode.workspace.getConfiguration(`${configurationSection}.profiler`, uri),
  );
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const relativePath = vscode.workspace.asRelativePath(uri);
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Concurrency Lens: ${extra.poolTrial ? 'measuring in a worker pool' : 'profiling'} ${functionPath}`,
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
          `profiling ${relativePath} ${functionPath} (at least ${settings.runs} runs and ${budgetMs} ms, time limit ${settings.timeoutMs} ms${extra.poolTrial ? ', pool trial' : ''})`,
        );
        return await profileFunction({
          file: uri.fsPath,
          functionName: functionPath,
          ...(parsed.argsModule ? { argsModule: parsed.argsModule } : { args: parsed.args }),
          minRuns: settings.runs,
          budgetMs,
          timeoutMs: settings.timeoutMs,
          poolTrial: extra.poolTrial,
          cpuProfile: extra.cpuProfile,
          nodePath: settings.nodePath || undefined,
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

/** Re-runs a stored profile with the pool trial, with the arguments it ran with. */
function measureInPool(results: ProfileResults, key: string): Thenable<unknown> {
  const stored = results.get(key);
  if (!stored) return Promise.resolve(undefined);
  const args: ProfileCommandArgs = {
    uri: stored.uri.toString(),
    functionPath: stored.functionPath,
    args: stored.argsText,
    poolTrial: true,
  };
  return vscode.commands.executeCommand(commands.profileFunction, args);
}

/** Opens a run's `.cpuprofile` in VS Code's built-in profile viewer. */
async function openCpuProfile(results: ProfileResults, key?: string): Promise<boolean> {
  const stored = key
    ? results.get(key)
    : results.all().find((profile) => profile.result.ok && profile.result.cpuProfile);
  const file = stored?.result.ok ? stored.result.cpuProfile : undefined;
  if (!file || !existsSync(file)) {
    void vscode.window.showInformationMessage(
      'Concurrency Lens: no CPU profile to open. Profile a function first (the profile is kept for the last two runs).',
    );
    return false;
  }
  const uri = vscode.Uri.file(file);
  try {
    await vscode.commands.executeCommand('vscode.openWith', uri, 'jsProfileVisualizer.cpuprofile.table');
  } catch {
    // the viewer is a built-in extension; without it the JSON opens as text
    await vscode.commands.executeCommand('vscode.open', uri);
  }
  return true;
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

function rangeOf(range: FunctionRange['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
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
