// Analyses one file: checks the input is analysable, parses it once, builds the semantic model
// in one pre-pass walk, runs every enabled rule's visitors in one shared walk, applies inline
// suppressions, and returns the findings with a small serializable summary for the project index.
import path from 'node:path';
import ts from 'typescript';
import { enclosingFunction, functionName, skipOuterExpressions } from './ast.js';
import { type AsyncApiCall, asyncApiCalls, type SyncHelper, syncHelpers } from './async-api-calls.js';
import { type ExportHazard, isBlockingByDesign, type PendingFinding, RuleContext } from './context.js';
import { instanceMethod, packageInstances } from './dependencies/instances.js';
import { isPackageSpecifier } from './dependencies/locate.js';
import { fileKindOf, runsInBrowser } from './file-kind.js';
import { ModuleBindings, type ModuleReference } from './model/modules.js';
import {
  type Assumption,
  isProcessExitListener,
  looksAsyncApi,
  mergeAssumptions,
  type PhaseInfo,
  PhaseModel,
  registeredUnder,
  runsOncePerRegistration,
} from './model/phase.js';
import { qualifiedMethod, ReceiverClasses, superclassesOf } from './model/receivers.js';
import { ThreadModel } from './model/threads.js';
import { LONG_LIVED_STARTS, NOT_THE_PROGRAM, SERVER_STARTS } from './package-role.js';
import { programFacts } from './program-facts.js';
import { blockingApi } from './rules/blocking-call.js';
import { allRules } from './rules/index.js';
import { parseSuppressions, type SuppressionDirectives, suppressionFor } from './suppressions.js';
import type { AnalysisOptions, NodeVisitor, Range, Rule, SkippedFile } from './types.js';

/** A call from run-time code to a function imported from another workspace file. */
export interface ImportedCall {
  /** absolute path of the imported module without extension (matched against scanned files) */
  moduleKey: string;
  exportName: string;
  range: Range;
  offset: { start: number; end: number };
  /** how the call is reached, e.g. "`POST /login` handler" */
  chainLabels: string[];
  /** the callee as written, e.g. "hashPassword" */
  calleeText: string;
  /** when the calling code is run time only by assumption (see Assumption); absent: it is run time */
  when?: Assumption;
}

/** A call from run-time code to a package in node_modules (`bcrypt.hashSync(pw)`), read on demand. */
export interface PackageCall extends Omit<ImportedCall, 'moduleKey' | 'exportName'> {
  /** the specifier as imported: 'bcryptjs', 'fs-extra', '@scope/pkg/sub' */
  module: string;
  /** the export called: ['hashSync'], ['password', 'hash']; [] for the module itself */
  path: string[];
  /** inside a function documented `@blocking`: synchronous on purpose, its callers decide */
  blockingByDesign?: true;
}

/** A method call by name (`db.query()`) from run-time code, to link methods across files. */
export interface MethodCall {
  name: string;
  when?: Assumption;
  /** where the first such call is and what makes it run (the handler), to say why a method is run time */
  origin?: { range: Range; label: string };
}

/** Cross-file facts about one file; small and serializable (crosses worker threads, kept per file). */
export interface FileSummary {
  file: string;
  moduleKey: string;
  isWorkerBySelf: boolean;
  hasMainThreadSwitch: boolean;
  /** absolute paths (or module keys) of the files this file runs as workers */
  workerTargets: string[];
  exportHazards: Record<string, ExportHazard>;
  importedCalls: ImportedCall[];
  /** run-time calls into packages in node_modules (empty when `dependencies` is off) */
  packageCalls: PackageCall[];
  /** method names called from run-time code (or code run time by assumption), deduplicated */
  methodCalls: MethodCall[];
  /** methods whose body blocks, and method calls inside APIs that look asynchronous (async-api-calls.ts) */
  syncHelpers?: SyncHelper[];
  asyncApiCalls?: AsyncApiCall[];
  /**
   * Classes declared here with their parent (`class A extends B`, `util.inherits(A, B)`): a call on
   * an `A` reaches B's methods too. Names of methodCalls may be qualified: `run@Session`.
   */
  superclasses?: [string, string][];
  /** calls made by start-up code: `moduleKey#export` of imported functions, and method names */
  startupCalls: { exports: string[]; methods: string[] };
  /** start-up code starts something long-lived (a server, a timer, a subscription): an application */
  startsLongLived: boolean;
  /** start-up code starts a server (`listen`, `createServer`, …) */
  startsServer: boolean;
  /** some code here creates or opens a server (`listen`, `createServer`), in any phase */
  mayStartServer: boolean;
  /** module keys of the relative modules this file imports or requires */
  imports: string[];
  /** the same, loaded when this file is loaded (not required lazily inside a function): see programs.ts */
  staticImports: string[];
  /** relative modules required lazily, inside a function */
  deferredImports: string[];
  /** relative modules required lazily inside a command's `.action()`: a program of their own */
  commandImports?: string[];
  /** defines command-line commands (commander, yargs): a one-shot CLI */
  definesCommands: boolean;
  /** part of the package's program: not a test, example, benchmark or script folder */
  partOfProgram: boolean;
  suppressions: SuppressionDirectives;
}

export interface FileAnalysis {
  file: string;
  findings: PendingFinding[];
  skipped?: SkippedFile;
  durationMs: number;
  summary?: FileSummary;
  /**
   * The thread's stack ran out (a parser or a rule recursing through very deep nesting): a thread
   * with a larger stack may analyse the file fully. Front ends that have one retry there, so the
   * result does not depend on which thread took the file.
   */
  stackExhausted?: true;
}

export interface AnalyzeInput {
  /** absolute path (used for worker path resolution and reports) */
  fileName: string;
  text: string;
  options: AnalysisOptions;
  /** project root: file kinds (test, bin) are judged on the path relative to it */
  root?: string;
  /** the rules to run; defaults to every rule */
  rules?: readonly Rule[];
  checker?: ts.TypeChecker;
  sourceFile?: ts.SourceFile;
  /** the text's size in UTF-8 bytes when known (from the file system), to skip measuring it */
  byteLength?: number;
  /**
   * false: leave the summary's `methodCalls` empty. They judge application packages only, and
   * finding them asks the phase of every function with a method call (a tenth of the analysis).
   * For callers that know the file cannot be in an application (analyze-paths.ts). Default true.
   */
  methodCalls?: boolean;
}

const MINIFIED_LINE_LENGTH = 1000;
/** Words without which a file has no thread facts to collect (spawns, worker-side APIs). */
const THREAD_WORDS =
  /parentPort|workerData|isMainThread|Worker|Piscina|Tinypool|workerpool|filename|onmessage|importScripts|addEventListener\(\s*['"]message/;

export function moduleKeyOf(fileName: string): string {
  const parsed = path.parse(fileName);
  const withoutExtension = path.join(parsed.dir, parsed.name);
  return /\.(d)$/.test(withoutExtension) ? withoutExtension.slice(0, -2) : withoutExtension;
}

/**
 * How the analyzer parses a file. JSDoc is parsed only when a rule can read it: the one tag the
 * engine reads is `@blocking` (isBlockingByDesign), and a text without those characters has none.
 * Elsewhere the parser skips JSDoc comments like any other comment, which saves about 7% of the
 * parse (tsc and tsserver skip them the same way when nothing reads them).
 */
export function parseOptions(text: string): ts.CreateSourceFileOptions {
  return {
    languageVersion: ts.ScriptTarget.Latest,
    jsDocParsingMode: text.includes('@blocking')
      ? ts.JSDocParsingMode.ParseAll
      : ts.JSDocParsingMode.ParseNone,
  };
}

/**
 * Module keys of the specifiers a file imports (`'./util'` → `/abs/dir/util`), each resolved once:
 * a file calls the same few modules many times.
 */
function moduleKeysFrom(fileName: string): (module: string) => string {
  const dir = path.dirname(fileName);
  const keys = new Map<string, string>();
  return (module) => {
    let key = keys.get(module);
    if (key === undefined) {
      key = moduleKeyOf(path.resolve(dir, module));
      keys.set(module, key);
    }
    return key;
  };
}

export function scriptKindOf(fileName: string): ts.ScriptKind {
  const extension = path.extname(fileName).toLowerCase();
  switch (extension) {
    case '.ts':
    case '.mts':
    case '.cts':
      return ts.ScriptKind.TS;
    case '.tsx':
      return ts.ScriptKind.TSX;
    case '.jsx':
      return ts.ScriptKind.JSX;
    default:
      return ts.ScriptKind.JS;
  }
}

/** Why a text cannot be analysed, judged by content (not by folder names). */
export function unanalysableReason(
  text: string,
  options: AnalysisOptions,
  byteLength?: number,
): Pick<SkippedFile, 'reason' | 'detail'> | undefined {
  // UTF-8 takes at least one byte per UTF-16 unit and at most three: measure only when in doubt.
  const bytes =
    byteLength ?? (text.length * 3 <= options.maxFileBytes ? text.length : Buffer.byteLength(text));
  if (bytes > options.maxFileBytes) {
    return {
      reason: 'too-large',
      detail: `larger than the ${formatBytes(options.maxFileBytes)} limit (maxFileBytes)`,
    };
  }
  const head = text.slice(0, 8192);
  if (head.includes('\u0000')) return { reason: 'binary', detail: 'contains NUL bytes: not a text file' };
  if (looksMinified(text))
    return { reason: 'minified', detail: 'looks minified or generated (very long lines)' };
  return undefined;
}

function looksMinified(text: string): boolean {
  if (text.length < 2000) return false;
  // Classic Mac files end lines with CR alone: read as one line, they looked minified.
  const lineBreak = text.includes('\n') ? '\n' : '\r';
  let lines = 0;
  let longLines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(lineBreak, start);
    if (end === -1) end = text.length;
    lines++;
    if (end - start > MINIFIED_LINE_LENGTH) longLines++;
    start = end + 1;
  }
  // Readable code has an average line under ~100 characters; bundles put kilobytes on a line.
  return text.length / lines > 300 || longLines / lines > 0.2;
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(0)} MB` : `${(bytes / 1024).toFixed(0)} KB`;
}

export function analyzeFile(input: AnalyzeInput): FileAnalysis {
  const started = performance.now();
  const { fileName, text, options } = input;
  const done = (partial: Omit<FileAnalysis, 'durationMs' | 'file'>): FileAnalysis => ({
    file: fileName,
    ...partial,
    durationMs: performance.now() - started,
  });

  const unanalysable = unanalysableReason(text, options, input.byteLength);
  if (unanalysable) return done({ findings: [], skipped: { file: fileName, ...unanalysable } });

  let skipped: SkippedFile | undefined;
  try {
    // Parent pointers are set by the pre-pass below, which walks every node anyway: asking the
    // parser for them costs a second full traversal (about a fifth of the parse on big files).
    const sourceFile =
      input.sourceFile ??
      ts.createSourceFile(fileName, text, parseOptions(text), false, scriptKindOf(fileName));
    const parseErrors =
      (sourceFile as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
    if (parseErrors.length > 0) {
      const first = parseErrors[0]!;
      const position =
        first.start !== undefined ? sourceFile.getLineAndCharacterOfPosition(first.start) : undefined;
      skipped = {
        file: fileName,
        reason: 'parse-error',
        partial: true,
        detail: `syntax error${position ? ` at ${position.line + 1}:${position.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}; analysed what could be parsed`,
      };
    }
    const relative = input.root ? path.relative(input.root, fileName) : fileName;
    const kind = fileKindOf(relative, text);
    const bindings = new ModuleBindings();
    /** the nodes rules and models look at (see `recordedKinds`), in document order */
    const nodes: ts.Node[] = [];
    const phases = new PhaseModel(nodes);
    const threads = new ThreadModel(fileName, bindings);
    const context = new RuleContext(
      sourceFile,
      nodes,
      fileName,
      bindings,
      phases,
      threads,
      kind,
      options.thresholds,
      input.checker,
    );
    // without the scanned folder, a path's folders (`/var/www/…`) say nothing about the file
    context.runsInBrowser = runsInBrowser(input.root ? relative : path.basename(fileName), text);
    // Rules say which node kinds they visit before the walk, so the walk records only those
    // (a tenth of all nodes); their visitors run after it, once the module bindings are complete.
    const bound = bindRules(context, input.rules ?? allRules, options, kind, text);
    const record = recordedKinds(bound);

    // The pre-pass is the only traversal of the tree: it sets parent pointers (when the parser did
    // not), records the nodes of interest, and collects module bindings always and thread facts
    // only when the text mentions them.
    const mentionsThreads = THREAD_WORDS.test(text);
    const setParents = sourceFile.statements.length > 0 && sourceFile.statements[0]!.parent === undefined;
    // An explicit stack instead of recursion: a 2,500-term concatenation or a 1,000-link method
    // chain is a tree thousands of levels deep, which a recursive walk cannot always descend.
    // Children are pushed in reverse so nodes are still visited (and recorded) in document order.
    const pending: ts.Node[] = [];
    let parent: ts.Node = sourceFile;
    const pushChild = setParents
      ? (child: ts.Node): void => {
          (child as { parent: ts.Node }).parent = parent;
          pending.push(child);
        }
      : (child: ts.Node): void => {
          pending.push(child);
        };
    const pushChildrenOf = (node: ts.Node): void => {
      const first = pending.length;
      parent = node;
      ts.forEachChild(node, pushChild);
      // reversed in place (no per-node array): popped first-child first
      for (let i = first, j = pending.length - 1; i < j; i++, j--) {
        const child = pending[i]!;
        pending[i] = pending[j]!;
        pending[j] = child;
      }
    };
    pushChildrenOf(sourceFile);
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (record[node.kind] === 1) nodes.push(node);
      // Collectors see this node's ancestors linked, not yet its later nodes: what needs more
      // (worker spawn paths) is evaluated after the walk, in threads.finish().
      const collects = COLLECTED_KINDS[node.kind]!;
      if ((collects & BINDING_KIND) !== 0) bindings.collect(node);
      if (mentionsThreads && (collects & THREAD_KIND) !== 0) threads.collect(node);
      pushChildrenOf(node);
    }
    bindings.finish();
    threads.finish();

    const failedRules = dispatch(context, bound);
    if (failedRules.length > 0) skipped = withFailedRules(skipped, fileName, failedRules);
    const stackExhausted = failedRules.some((f) => f.stackExhausted) ? { stackExhausted: true as const } : {};

    const suppressions = parseSuppressions(text);
    const findings = dedupe(context.findings);
    for (const finding of findings) {
      const suppression = suppressionFor(finding, suppressions);
      if (suppression) finding.suppressed = suppression;
    }

    const relativeModules = [...bindings.modules].filter((m) => m.startsWith('.'));
    const toKey = moduleKeysFrom(fileName);
    const partOfProgram = kind !== 'test' && !NOT_THE_PROGRAM.test(relative);
    const program = programFacts(
      context,
      relativeModules,
      kind === 'script' ? SERVER_STARTS : LONG_LIVED_STARTS,
      SERVER_STARTS,
    );
    const followCalls = kind === 'module' || options.mainThreadRulesInTests === true;
    const startupExports: string[] = [];
    const startupMethods = new Set<string>();
    // a `bin` script's run time serves nobody, but what its start-up calls runs (the server it starts)
    const recordCalls = followCalls || kind === 'script';
    const calls = recordCalls ? importedCalls(context, startupExports, toKey) : [];
    const methodsCalled =
      recordCalls && input.methodCalls !== false ? methodCalls(context, startupMethods) : [];
    const summary: FileSummary = {
      file: fileName,
      moduleKey: moduleKeyOf(fileName),
      isWorkerBySelf: threads.isWorkerBySelf,
      hasMainThreadSwitch: threads.hasMainThreadSwitch,
      workerTargets: threads.spawns
        .map((s) => (s.target === 'self' ? fileName : s.target))
        .filter((t): t is string => t !== undefined)
        .map(moduleKeyOf),
      exportHazards: Object.fromEntries(context.exportHazards),
      importedCalls: followCalls ? calls : [],
      packageCalls:
        options.dependencies !== false && (kind === 'module' || options.mainThreadRulesInTests)
          ? packageCalls(context)
          : [],
      methodCalls: followCalls && input.methodCalls !== false ? methodsCalled : [],
      syncHelpers: followCalls ? syncHelpers(context) : [],
      asyncApiCalls: followCalls ? asyncApiCalls(context, conditionOf) : [],
      superclasses:
        recordCalls && input.methodCalls !== false ? superclassesOf(context.sourceFile, text) : [],
      startupCalls: { exports: startupExports, methods: [...startupMethods] },
      imports: relativeModules.map(toKey),
      staticImports: program.staticModules.map(toKey),
      deferredImports: program.deferredModules.map(toKey),
      commandImports: program.commandModules.map(toKey),
      startsLongLived: partOfProgram && program.startsLongLived,
      startsServer: partOfProgram && program.startsServer,
      mayStartServer: partOfProgram && program.mayStartServer,
      definesCommands: program.definesCommands,
      partOfProgram,
      suppressions,
    };
    return done({ findings, skipped, summary, ...stackExhausted });
  } catch (error) {
    if (isStackOverflow(error)) {
      return done({
        findings: [],
        skipped: {
          file: fileName,
          reason: 'too-deep',
          detail: 'nested too deeply to analyse (the parser ran out of stack)',
        },
        stackExhausted: true,
      });
    }
    return done({
      findings: [],
      skipped: {
        file: fileName,
        reason: 'internal-error',
        detail: `analysis failed: ${error instanceof Error ? error.message : String(error)}`,
      },
    });
  }
}

interface BoundVisitor {
  rule: Rule;
  severity: RuleContext['severity'];
  ruleOptions: Record<string, unknown>;
  visit: NodeVisitor;
  /** shared by all visitors of a rule: a failure disables the rule for the rest of the file */
  state: { failed: boolean };
}

interface BoundRules {
  /** dispatch table indexed by SyntaxKind */
  visitorsByKind: (BoundVisitor[] | undefined)[];
  /** the kinds with visitors */
  kinds: ts.SyntaxKind[];
  enders: BoundVisitor[];
}

/** Bits of COLLECTED_KINDS: which pre-pass collectors look at a node of a kind. */
const BINDING_KIND = 1;
const THREAD_KIND = 2;
/**
 * By SyntaxKind, the collectors that can act on a node of that kind (ModuleBindings.collect,
 * ThreadModel.collect): the pre-pass runs for every node, and most kinds need neither.
 */
const COLLECTED_KINDS = (() => {
  const kinds = new Uint8Array(ts.SyntaxKind.Count);
  for (const kind of ModuleBindings.COLLECTED_KINDS) kinds[kind]! |= BINDING_KIND;
  for (const kind of ThreadModel.COLLECTED_KINDS) kinds[kind]! |= THREAD_KIND;
  return kinds;
})();

/**
 * Node kinds that models read from the recorded node list whatever the rules visit: the call
 * index (calls, `new`, exports, CommonJS export assignments), call following and worker usage.
 */
const MODEL_KINDS = [
  ts.SyntaxKind.CallExpression,
  ts.SyntaxKind.NewExpression,
  ts.SyntaxKind.BinaryExpression,
  ts.SyntaxKind.ExportAssignment,
  ts.SyntaxKind.ExportSpecifier,
];

const MODEL_KINDS_MASK = (() => {
  const mask = new Uint8Array(ts.SyntaxKind.Count);
  for (const kind of MODEL_KINDS) mask[kind] = 1;
  return mask;
})();

/** A mask by SyntaxKind: 1 for kinds the pre-pass records (rule visitors' kinds and MODEL_KINDS). */
function recordedKinds(bound: BoundRules): Uint8Array {
  const mask = MODEL_KINDS_MASK.slice();
  for (const kind of bound.kinds) mask[kind] = 1;
  return mask;
}

/** Creates each enabled rule's visitors for this file (rules' create() must not read the models yet). */
function bindRules(
  context: RuleContext,
  rules: readonly Rule[],
  options: AnalysisOptions,
  kind: string,
  text: string,
): BoundRules {
  const visitorsByKind: (BoundVisitor[] | undefined)[] = [];
  const kinds: ts.SyntaxKind[] = [];
  const enders: BoundVisitor[] = [];
  const triggerResults = new Map<RegExp, boolean>();
  for (const rule of rules) {
    const settings = options.rules[rule.meta.id];
    const severity = settings?.severity ?? rule.meta.defaultSeverity;
    if (severity === 'off') continue;
    if (rule.meta.mainThreadOnly) {
      if (kind === 'test' && !options.mainThreadRulesInTests) continue;
      if (kind === 'script' && !options.mainThreadRulesInScripts) continue;
    }
    const trigger = rule.meta.textTrigger;
    if (trigger) {
      // rules about the same APIs share a trigger (text-triggers.ts): test each one once
      let matched = triggerResults.get(trigger);
      if (matched === undefined) {
        matched = trigger.test(text);
        triggerResults.set(trigger, matched);
      }
      if (!matched) continue;
    }
    const ruleOptions = settings?.options ?? {};
    context.rule = rule;
    context.severity = severity;
    context.ruleOptions = ruleOptions;
    const visitors = rule.create(context);
    const state = { failed: false };
    for (const [key, visit] of Object.entries(visitors)) {
      const entry: BoundVisitor = { rule, severity, ruleOptions, visit: visit as NodeVisitor, state };
      if (key === 'onEnd') {
        enders.push(entry);
        continue;
      }
      const syntaxKind = Number(key);
      const list = visitorsByKind[syntaxKind];
      if (list !== undefined) list.push(entry);
      else {
        visitorsByKind[syntaxKind] = [entry];
        kinds.push(syntaxKind);
      }
    }
  }
  return { visitorsByKind, kinds, enders };
}

/**
 * Runs the visitors over the recorded nodes (document order, as a walk would), then the enders.
 * Returns the rules that failed on this file, with why.
 */
function dispatch(context: RuleContext, { visitorsByKind, enders }: BoundRules): FailedRule[] {
  const failed: FailedRule[] = [];
  const call = (entry: BoundVisitor, node: ts.Node | undefined): void => {
    if (entry.state.failed) return;
    context.rule = entry.rule;
    context.severity = entry.severity;
    context.ruleOptions = entry.ruleOptions;
    try {
      entry.visit(node as ts.Node);
    } catch (error) {
      // One rule's bug must not cost the file its other findings; the note says what the rule missed.
      entry.state.failed = true;
      failed.push({
        ruleId: entry.rule.meta.id,
        error: error instanceof Error ? error.message : String(error),
        stackExhausted: isStackOverflow(error),
      });
    }
  };
  const nodes = context.nodes;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const visitors = visitorsByKind[node.kind];
    if (visitors !== undefined) for (let i = 0; i < visitors.length; i++) call(visitors[i]!, node);
  }
  for (const entry of enders) call(entry, undefined);
  return failed;
}

interface FailedRule {
  ruleId: string;
  error: string;
  stackExhausted: boolean;
}

export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** The file's note with the failed rules added: analysed in part, the other rules' findings kept. */
function withFailedRules(
  skipped: SkippedFile | undefined,
  file: string,
  failedRules: FailedRule[],
): SkippedFile {
  const failures = failedRules.map((f) => `rule ${f.ruleId} failed (${f.error})`).join('; ');
  const detail = `${failures}; the other rules' findings are kept`;
  return skipped
    ? { ...skipped, partial: true, detail: `${skipped.detail}; ${detail}` }
    : { file, reason: 'internal-error', partial: true, detail };
}

function dedupe(findings: PendingFinding[]): PendingFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}:${f.offset.start}:${f.offset.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Calls from run-time code to functions imported from relative modules, for cross-file call
 * following; calls from start-up code are added to `startup` as `moduleKey#export`.
 */
function importedCalls(
  context: RuleContext,
  startup: string[],
  toKey: (module: string) => string,
): ImportedCall[] {
  if (!context.bindings.importsRelativeModule() && !context.sourceFile.text.includes('require(')) return [];
  const keyOf = (reference: ModuleReference): string => toKey(reference.module);
  const relative = (module: string): boolean => module.startsWith('.');
  return runtimeCallsTo(context, relative, requiredModule, (reference) =>
    startup.push(`${keyOf(reference)}#${exportNameOf(reference.path)}`),
  ).map(({ reference, node: _, ...call }) => ({
    ...call,
    moduleKey: keyOf(reference),
    // a member of an exported object is named by its path: 'password.hash'
    exportName: exportNameOf(reference.path),
  }));
}

/** `require('./cli')()`: the module's default export, called where it is loaded. */
function requiredModule(callee: ts.Expression): ModuleReference | undefined {
  if (!ts.isCallExpression(callee) || !ts.isIdentifier(callee.expression)) return undefined;
  const first = callee.arguments[0];
  if (callee.expression.text !== 'require' || first === undefined || !ts.isStringLiteralLike(first))
    return undefined;
  return { module: first.text, path: [] };
}

function exportNameOf(path: string[]): string {
  return path.length > 0 ? path.join('.') : 'default';
}

/**
 * Calls from run-time code into packages (node_modules), for dependency reading; not those
 * blocking-call already knows (`bcrypt.hashSync`, fs-extra's `*Sync`). Nothing when the file
 * imports no package: the path without node_modules costs one look at the file's imports.
 */
function packageCalls(context: RuleContext): PackageCall[] {
  if (![...context.bindings.modules].some(isPackageSpecifier)) return [];
  const instances = packageInstances(context);
  return runtimeCallsTo(context, isPackageSpecifier, (callee) => instanceMethod(callee, instances))
    .filter(({ reference }) => blockingApi(reference) === undefined)
    .map(({ reference, node, ...call }) => ({
      ...call,
      // as for findings in a public API (context.ts): an API that looks asynchronous yet blocks warns
      when: call.when && { ...call.when, asyncApi: call.when.asyncApi || looksAsyncCaller(node) },
      module: reference.module,
      path: reference.path,
      ...(isBlockingByDesign(node) ? { blockingByDesign: true as const } : {}),
    }));
}

/** Is the function around `node` an API that looks asynchronous (async, a callback, a promise)? */
function looksAsyncCaller(node: ts.Node): boolean {
  const enclosing = enclosingFunction(node);
  return enclosing !== undefined && looksAsyncApi(enclosing, functionName(enclosing));
}

/** Calls from run-time code (or code run time by assumption) to exports of modules `accepts` takes. */
function runtimeCallsTo(
  context: RuleContext,
  accepts: (module: string) => boolean,
  /** for callees whose root is not bound to a module: e.g. a method of a package class's instance */
  resolveOther?: (callee: ts.Expression) => ModuleReference | undefined,
  /** told of calls from start-up code (left out of the result) */
  onStartupCall?: (reference: ModuleReference) => void,
): (Omit<ImportedCall, 'moduleKey' | 'exportName'> & {
  reference: ModuleReference;
  node: ts.CallExpression;
})[] {
  const result: (Omit<ImportedCall, 'moduleKey' | 'exportName'> & {
    reference: ModuleReference;
    node: ts.CallExpression;
  })[] = [];
  for (const call of context.nodes) {
    if (!ts.isCallExpression(call)) continue;
    const callee = skipOuterExpressions(call.expression);
    // the name the callee starts from: `hash`, `util.hash`, `Util.password.hash`, `store_1.default.get`
    let root: ts.Expression = callee;
    while (ts.isPropertyAccessExpression(root)) root = skipOuterExpressions(root.expression);
    // Cheap filter first: only names bound by an import/require can lead to another file.
    const bound = ts.isIdentifier(root) && context.bindings.isBoundName(root.text);
    const reference = bound ? context.resolve(callee) : resolveOther?.(callee);
    if (!reference || !accepts(reference.module)) continue;
    const phase = context.phaseOf(call);
    const when = conditionOf(phase);
    if (when === null) {
      if (onStartupCall && phase.phase === 'startup' && context.threadOf(call) !== 'worker')
        onStartupCall(reference);
      continue;
    }
    if (context.threadOf(call) === 'worker') continue;
    const start = call.getStart(context.sourceFile);
    result.push({
      reference,
      node: call,
      range: context.range(call),
      offset: { start, end: call.getEnd() },
      chainLabels: phase.chain.map((s) => s.label),
      calleeText: callee.getText(context.sourceFile),
      when,
    });
  }
  return result;
}

/**
 * When code in this phase is run time: always (undefined), under an assumption, or never (null:
 * start-up code, and code no export or method leads to).
 */
function conditionOf(phase: PhaseInfo): Assumption | undefined | null {
  if (phase.phase === 'runtime') return phase.assumed;
  if (phase.phase === 'unknown' && phase.exportedAs)
    return { methods: [], exports: phase.exportedAs, asyncApi: false };
  return null;
}

/**
 * Methods of built-in types: calls to them are not followed to a method of the program (every
 * `list.push()` would reach every `push` method). A program's own method with one of these names
 * is therefore never seen called by name: see ProjectIndex.holds.
 */
export const BUILTIN_METHODS: ReadonlySet<string> = new Set([
  'push',
  'pop',
  'shift',
  'unshift',
  'slice',
  'splice',
  'concat',
  'join',
  'map',
  'filter',
  'forEach',
  'reduce',
  'some',
  'every',
  'find',
  'findIndex',
  'includes',
  'indexOf',
  'sort',
  'keys',
  'values',
  'entries',
  'then',
  'catch',
  'finally',
  'toString',
  'call',
  'apply',
  'bind',
  'replace',
  'split',
  'trim',
  'toLowerCase',
  'toUpperCase',
  'startsWith',
  'endsWith',
  'hasOwnProperty',
  'test',
  'exec',
  'match',
  'log',
  'error',
  'warn',
  'debug',
  'info',
  'stringify',
  'parse',
  'resolve',
  'reject',
]);

/**
 * Methods handed to a call as values — `server.expose({ save: God.save })`, `emitter.on('x',
 * this.onX)` — are registered to be called later, when work arrives: run time, like identifiers
 * passed to a call in the file's own phase model.
 */
function registeredMethods(
  context: RuleContext,
  call: ts.CallExpression,
  seen: Map<string, MethodCall>,
): void {
  // process.on('SIGTERM', this.shutdown.bind(this)): runs once, as the process ends
  if (isProcessExitListener(call)) return;
  // a one-time listener or timer runs where its registering code runs (phase.ts)
  const once = runsOncePerRegistration(call);
  let registering: PhaseInfo | undefined;
  const record = (value: ts.Expression): void => {
    let expression = skipOuterExpressions(value);
    // `emitter.on('x', this.onX.bind(this))`
    if (
      ts.isCallExpression(expression) &&
      ts.isPropertyAccessExpression(expression.expression) &&
      expression.expression.name.text === 'bind'
    )
      expression = skipOuterExpressions(expression.expression.expression);
    if (!ts.isPropertyAccessExpression(expression)) return;
    const name = expression.name.text;
    if (seen.has(name) && seen.get(name)!.when === undefined) return;
    // registered when the registering code runs: at once (start-up, run time) or once it is called
    registering ??= context.phaseOf(call);
    if (registering.phase === 'unknown' && !registering.exportedAs) return;
    if (registering.phase !== 'startup' && context.threadOf(call) === 'worker') return;
    let when: Assumption | undefined;
    if (once) {
      const condition = conditionOf(registering);
      if (condition === null) return;
      when = condition;
    } else when = registeredUnder(registering);
    const known = seen.get(name);
    seen.set(name, { name, when: known?.when && when ? mergeAssumptions(known.when, when) : when });
  };
  for (const argument of call.arguments) {
    const value = skipOuterExpressions(argument);
    if (ts.isObjectLiteralExpression(value)) {
      for (const property of value.properties)
        if (ts.isPropertyAssignment(property)) record(property.initializer);
    } else record(value);
  }
}

/**
 * Method calls (`x.name()`, `this.name()`) from run-time code, for linking methods across files;
 * the names called from start-up code are added to `startup`.
 */
function methodCalls(context: RuleContext, startup: Set<string>): MethodCall[] {
  const seen = new Map<string, MethodCall>();
  let receivers: ReceiverClasses | undefined;
  for (const call of context.nodes) {
    if (!ts.isCallExpression(call)) continue;
    if (call.arguments.length > 0 && !context.phases.isInlineCall(call))
      registeredMethods(context, call, seen);
    const callee = skipOuterExpressions(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) continue;
    // `session.run()` with `session = new Session()`: only Session's `run` (see receivers.ts);
    // a built-in name (`journal.push()`) is linked only on a receiver of a known class
    receivers ??= new ReceiverClasses(context.nodes);
    const receiverClass = receivers.classOf(callee.expression);
    if (receiverClass === undefined && BUILTIN_METHODS.has(callee.name.text)) continue;
    const name = qualifiedMethod(callee.name.text, receiverClass);
    if (seen.get(name)?.when === undefined && seen.has(name)) continue;
    const phase = context.phaseOf(call);
    const when = conditionOf(phase);
    if (when === null && phase.phase === 'startup' && context.threadOf(call) !== 'worker') startup.add(name);
    if (when === null || context.threadOf(call) === 'worker') continue;
    const known = seen.get(name);
    const origin = phase.chain[0] ? { range: context.range(call), label: phase.chain[0].label } : undefined;
    if (!known || when === undefined) seen.set(name, { name, when, ...(origin ? { origin } : {}) });
    else if (known.when) {
      known.when = {
        methods: [...new Set([...known.when.methods, ...when.methods])],
        exports: [...new Set([...known.when.exports, ...when.exports])],
        asyncApi: false,
      };
    }
  }
  return [...seen.values()];
}
