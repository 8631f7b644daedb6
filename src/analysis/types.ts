// Types shared by the engine, its rules and its front ends (CLI, language server).
// Pure data: nothing here imports `vscode`, and everything is serializable across threads.
import type ts from 'typescript';

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

export type RuleCategory = 'main-thread' | 'worker-data' | 'worker-lifecycle' | 'unbounded-queue';

/** 1-based line, 1-based column (as compilers print them). */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A place in some file that explains a finding: a step of a call chain, the other end of a message. */
export interface RelatedLocation {
  file: string;
  range: Range;
  message: string;
}

/** A text edit in a file; offsets are 0-based UTF-16 offsets into the file text as analysed. */
export interface TextEdit {
  file: string;
  start: number;
  end: number;
  newText: string;
}

/** A fix a rule offers. `safe: false` means it may change behaviour: front ends offer it, never apply it unasked. */
export interface Fix {
  title: string;
  edits: TextEdit[];
  safe: boolean;
  /**
   * A package the fixed code imports: whoever applies the fix adds it to the nearest
   * package.json's `dependencies` when no dependency field lists it (the engine reads no files).
   */
  dependency?: { name: string; range: string };
}

export interface Suppression {
  kind: 'next-line' | 'file' | 'config';
  justification?: string;
}

/** The values a message template's `{{name}}` placeholders are filled with. */
export type MessageData = Record<string, string | number>;

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** which of the rule's `meta.messages` this is: decide by this, never by the text */
  messageId: string;
  /** the values the message (and its explanation) were filled with */
  data: MessageData;
  /** one sentence: what and where */
  message: string;
  file: string;
  range: Range;
  /** 0-based offsets of the reported node, handy for edits and code actions. */
  offset: { start: number; end: number };
  related?: RelatedLocation[];
  fixes?: Fix[];
  suppressed?: Suppression;
  /**
   * Set on an `info` at a run-time call site that leads to another finding (the root cause, at
   * this location). Editors show it at the caller; the CLI counts and reports only root causes.
   */
  callSiteOf?: RelatedLocation;
}

/** A file the engine could not analyse fully; reported, never thrown. */
export interface SkippedFile {
  file: string;
  reason:
    | 'too-large'
    | 'minified'
    | 'binary'
    | 'read-error'
    | 'parse-error'
    | 'internal-error'
    | 'ignored-file'
    | 'not-a-file'
    | 'broken-link'
    | 'too-deep';
  detail: string;
  /** true when some rules still ran (e.g. parse errors with a usable tree). */
  partial?: boolean;
}

export interface Thresholds {
  /** below this CPU/wall ratio a function is I/O-bound */
  ioBound: number;
  /** above this CPU/wall ratio a function is CPU-bound */
  cpuBound: number;
  /** serialization cost, as a fraction of compute, worth acting on */
  serializationFraction: number;
  /** literal loop bound at or above which a loop counts as CPU-heavy */
  heavyLoopIterations: number;
}

export interface RuleMeta<MessageId extends string = string> {
  id: string;
  category: RuleCategory;
  defaultSeverity: Severity;
  /** one line, imperative-free: what the rule flags */
  description: string;
  docsUrl: string;
  /**
   * Message templates by id, one per situation: one sentence saying what and where (at most ~110
   * characters once filled); `{{name}}` placeholders are filled from the report's data.
   */
  messages: Record<MessageId, string>;
  /**
   * Markdown by message id: why it matters and what to do. Shown on hover over a finding and
   * written to SARIF rule help; `{{name}}` placeholders are filled like the message's.
   */
  explanations: Record<MessageId, string>;
  /** main-thread rules stay quiet in tests and one-shot programs unless configured otherwise */
  mainThreadOnly?: boolean;
  /**
   * Cheap pre-filter on the raw file text: when it does not match, the rule cannot fire and is
   * skipped for the file. Keeps the scan close to parse speed on code that has nothing to say.
   */
  textTrigger?: RegExp;
}

export interface ReportDescriptor<MessageId extends string = string> {
  node: ts.Node;
  messageId: MessageId;
  data?: MessageData;
  related?: RelatedLocation[];
  fixes?: Fix[];
  /** report on a different file than the one being visited (rare; used by cross-file facts) */
}

export type NodeVisitor = (node: ts.Node) => void;

/** What a rule returns from `create`: visitors by syntax kind, called in one shared walk of the tree. */
export type RuleVisitors = Partial<Record<ts.SyntaxKind, NodeVisitor>> & {
  /** called once after the walk */
  onEnd?: () => void;
};

export interface Rule<MessageId extends string = string> {
  meta: RuleMeta<MessageId>;
  create(context: import('./context.js').RuleContext<MessageId>): RuleVisitors;
}

/** Fills a message or explanation template's `{{name}}` placeholders. */
export function formatMessage(template: string, data: MessageData): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => String(data[key] ?? ''));
}

export interface RuleSettings {
  severity: SeveritySetting;
  options?: Record<string, unknown>;
}

export interface AnalysisOptions {
  rules: Record<string, RuleSettings>;
  thresholds: Thresholds;
  /** run main-thread rules in test files too */
  mainThreadRulesInTests: boolean;
  /** run main-thread rules in one-shot programs (bin/ entries, #! scripts) too */
  mainThreadRulesInScripts: boolean;
  /** files above this size are skipped with a note */
  maxFileBytes: number;
  /** library or application for every package, instead of judging each (default 'auto') */
  mode?: PackageMode;
  /**
   * Read the packages run-time code calls in node_modules and report their blocking exports at
   * the call (default true; `dependencies: false` in `.concurrency-lens.json` turns it off).
   */
  dependencies?: boolean;
}

/** `.concurrency-lens.json` `mode`: what the scanned packages are. */
export type PackageMode = 'auto' | 'application' | 'library';
