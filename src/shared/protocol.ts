// Messages between the extension (client) and the language server beyond standard LSP.
// Plain method names and data shapes: both sides build their typed RequestType/NotificationType from them,
// so this file imports neither `vscode` nor a language-server package.

/** Client → server request: analyse every eligible file of the workspace folders (cancellable). */
export const scanWorkspaceMethod = 'concurrencyLens/scanWorkspace';
export interface ScanWorkspaceParams {
  /** Folder URIs to scan; all workspace folders when omitted. */
  folders?: string[];
  /** scan nothing when there are more files than this (the start-up scan passes `workspaceScan.maxFiles`) */
  maxFiles?: number;
}
export interface ScanWorkspaceResult {
  filesScanned: number;
  filesSkipped: number;
  findings: number;
  /** files (scanned or open) with at least one finding */
  filesWithFindings: number;
  durationMs: number;
  cancelled: boolean;
  /** true when the workspace has more eligible files than `maxFiles`: nothing was scanned */
  truncated: boolean;
}

/** Server → client notification while a scan runs. */
export const scanProgressMethod = 'concurrencyLens/scanProgress';
export interface ScanProgressParams {
  done: number;
  total: number;
  /** workspace-relative path of the file just analysed */
  file?: string;
}

/** Server → client notification after every analysis: feeds the language status item. */
export const statusMethod = 'concurrencyLens/status';
export interface StatusParams {
  /** findings (not suppressed) per severity over every file the server holds results for */
  counts: { error: number; warning: number; info: number };
  /** files analysed */
  files: number;
  /** of those, files with at least one finding */
  filesWithFindings: number;
  lastAnalysis?: {
    /** file URI */
    uri: string;
    durationMs: number;
    /** CPU time the server process used during the analysis (less than durationMs when other processes had the cores) */
    cpuMs?: number;
    /** epoch milliseconds */
    at: number;
  };
  /** the last analysis of some file took longer than the time budget */
  slow?: { uri: string; durationMs: number; budgetMs: number };
}

/** Client → server request: facts about the running server (tests and the bench use it). */
export const serverInfoMethod = 'concurrencyLens/serverInfo';
export interface ServerInfoResult {
  pid: number;
  /** engine rule ids, in registry order */
  rules: string[];
  /** documents analysed since start-up */
  analyses: number;
  /** the server's Node.js version and flags (the benchmark reports them) */
  node?: string;
  execArgv?: string[];
  /** when the server started (epoch ms) and its start-up marks (ms since then; src/server/startup-clock.ts) */
  startup?: { timeOrigin: number } & Record<string, number | undefined>;
  /** how the code-cache loader compiled each bundle of this process (src/shared/code-cache.ts) */
  codeCache?: Record<string, string>;
}

/**
 * Client → server request: the functions of a document the profiler can call, and for each of
 * `positions` (the flagged work, the cursor) the function to profile for it, or null.
 */
export const functionRangesMethod = 'concurrencyLens/functionRanges';
export interface FunctionRangesParams {
  uri: string;
  positions?: LspPosition[];
}
export interface LspPosition {
  line: number;
  character: number;
}
export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}
export interface FunctionRangeParameter {
  name: string;
  /** the declared type's text (annotation or JSDoc), or one inferred from a default value */
  type?: string;
  optional: boolean;
  rest: boolean;
}
export interface FunctionRange {
  /** what the profiler accepts: `fib`, `default`, `helpers.parse`, `Matrix.prototype.multiply` */
  path: string;
  name: string;
  /** the whole declaration */
  range: LspRange;
  /** the name, where a lens goes */
  selectionRange: LspRange;
  parameters: FunctionRangeParameter[];
  /** an instance method: needs `this` from an args module */
  isMethod: boolean;
  isStatic: boolean;
  className?: string;
  exported: boolean;
  async: boolean;
}
export interface ProfileTargetRange {
  /** the document that holds the function (another file for an imported helper) */
  uri: string;
  function: FunctionRange;
  /** the flagged work is a call of this function from a callback the profiler cannot call */
  viaCall: boolean;
}
export interface FunctionRangesResult {
  functions: FunctionRange[];
  /** one per requested position */
  targets: (ProfileTargetRange | null)[];
}

/** Client command ids (also contributed in package.json). */
export const commands = {
  scanWorkspace: 'concurrencyLens.scanWorkspace',
  showOutput: 'concurrencyLens.showOutput',
  restartServer: 'concurrencyLens.restartServer',
  openRuleDocs: 'concurrencyLens.openRuleDocs',
  /** internal: selects a range after an edit (the "reason" placeholder of an ignore comment) */
  selectRange: 'concurrencyLens.selectRange',
  profileFunction: 'concurrencyLens.profileFunction',
  showProfileReport: 'concurrencyLens.showProfileReport',
  clearProfileResults: 'concurrencyLens.clearProfileResults',
  openCpuProfile: 'concurrencyLens.openCpuProfile',
  createArgsModule: 'concurrencyLens.createArgsModule',
  /** "Move to worker pool": (uri?, functionName?) or ({ uri, functionName }); default: the function at the cursor */
  moveToWorkerPool: 'concurrencyLens.moveToWorkerPool',
} as const;

/**
 * Server command (workspace/executeCommand) behind "Move to worker pool": computes the move and
 * asks the client to apply it as one workspace edit that needs confirmation (VS Code shows it in
 * the refactor preview). Works from any LSP client.
 */
export const moveToWorkerPoolServerCommand = 'concurrencyLens.server.moveToWorkerPool';
export interface MoveToWorkerPoolArgs {
  /** document URI */
  uri: string;
  /** the function; default: the module-level function at `position` */
  functionName?: string;
  position?: { line: number; character: number };
  /** return the edit instead of asking the client to apply it (the VS Code client applies it itself) */
  returnEdit?: boolean;
}
export interface MoveToWorkerPoolCommandResult {
  ok: boolean;
  /** why not, when ok is false (also shown to the user) */
  reason?: string;
  /** whether the client applied the edit (false when the preview was discarded) */
  applied?: boolean;
  /** the client's reason when it did not apply the edit */
  failureReason?: string;
  functionName?: string;
  workerUri?: string;
  /** call sites left as they were, `path:line:column reason` */
  notUpdated?: string[];
  /** the LSP WorkspaceEdit, when `returnEdit` was asked */
  edit?: unknown;
}

/** Context key: true while the editor shows profile results (the "clear" command shows only then). */
export const hasProfileResultsContextKey = 'concurrencyLens.hasProfileResults';

/** Carried in `Diagnostic.data` so code actions can find the finding that produced a diagnostic. */
export interface DiagnosticData {
  ruleId: string;
  /** the rule's message id: clients decide by this, never by the message text */
  messageId: string;
  /** the values the message was filled with */
  messageData: Record<string, string | number>;
  /** index of the finding in the server's list for the file at `resultId` */
  index: number;
  resultId: string;
}
