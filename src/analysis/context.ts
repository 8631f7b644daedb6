// What a rule sees of the file it checks: the tree, the semantic model (module bindings, phases,
// threads, bounds) and `report`. Main-thread rules report through `reportOnMainThread`, which
// applies the run-time/start-up and thread rules in one place so each rule only says what is
// blocking, never where blocking matters.
import ts from 'typescript';
import { enclosingFunction, type FunctionLike, functionName } from './ast.js';
import type { FileKind } from './file-kind.js';
import { isBoundedCollection } from './model/bounds.js';
import { type ModuleBindings, type ModuleReference, referenceIs } from './model/modules.js';
import {
  type Assumption,
  type ChainStep,
  looksAsyncApi,
  type PhaseInfo,
  type PhaseModel,
  returnsMethodObject,
} from './model/phase.js';
import type { ThreadContext, ThreadModel } from './model/threads.js';
import {
  type Finding,
  type Fix,
  formatMessage,
  type MessageData,
  type Range,
  type RelatedLocation,
  type ReportDescriptor,
  type Rule,
  type Severity,
  type Thresholds,
} from './types.js';

/** A finding that only holds under a cross-file condition, resolved by the project index. */
export interface PendingFinding extends Finding {
  condition?: {
    /** drop the finding when another file in the scan runs this file as a worker */
    unlessWorkerEntry?: boolean;
    /**
     * Run time only by assumption: the project index keeps the finding when the assumption holds
     * (a run-time call to one of these exports or methods, or a package whose callers are unseen).
     */
    ifRuntime?: Assumption;
    /** inside a function documented `@blocking`: an intentionally synchronous API */
    blockingByDesign?: boolean;
  };
}

/** A main-thread hazard inside an exported function, for call-following across files. */
export interface ExportHazard {
  ruleId: string;
  messageId: string;
  data: Record<string, string | number>;
  /** where the blocking work is, in the exporting file */
  range: Range;
}

export class RuleContext<MessageId extends string = string> {
  /** the rule currently running; set by the analyzer before each rule's visitors are called */
  rule!: Rule<MessageId>;
  severity: Severity = 'warning';
  ruleOptions: Record<string, unknown> = {};
  readonly findings: PendingFinding[] = [];
  /** blocking calls blocking-call saw on the main thread, in any phase (see async-api-calls.ts) */
  readonly blockingCalls: { node: ts.CallExpression; api: string }[] = [];
  /** export name → first hazard found in it (filled by reportOnMainThread) */
  readonly exportHazards = new Map<string, ExportHazard>();
  /** the file runs in a browser (a page's script, a service worker), not in Node: see runsInBrowser */
  runsInBrowser = false;

  constructor(
    readonly sourceFile: ts.SourceFile,
    /**
     * The nodes rules visit plus every call, `new`, assignment and export, in document order
     * (recorded by the analyzer's one traversal; see MODEL_KINDS in analyzer.ts).
     */
    readonly nodes: readonly ts.Node[],
    readonly fileName: string,
    readonly bindings: ModuleBindings,
    readonly phases: PhaseModel,
    readonly threads: ThreadModel,
    readonly fileKind: FileKind,
    readonly thresholds: Thresholds,
    /** present when the scan built a type-checked program for this file */
    readonly checker?: ts.TypeChecker,
  ) {}

  get text(): string {
    return this.sourceFile.text;
  }

  resolve(expression: ts.Expression): ModuleReference | undefined {
    return this.bindings.resolve(expression);
  }

  /** Does `expression` denote `module`'s export at `path` (e.g. 'fs', 'readFileSync')? */
  refersTo(expression: ts.Expression, module: string, ...path: string[]): boolean {
    return referenceIs(this.bindings.resolve(expression), module, ...path);
  }

  isBounded(collection: ts.Expression): boolean {
    return isBoundedCollection(collection);
  }

  phaseOf(node: ts.Node): PhaseInfo {
    return this.phases.phaseOfNode(node);
  }

  phaseOfFunction(fn: FunctionLike): PhaseInfo {
    return this.phases.phaseOfFunction(fn);
  }

  /**
   * Which thread runs the code at `node`: an `isMainThread` branch decides; otherwise the file's
   * own evidence. 'main' may still turn out to be a worker when another file spawns this one
   * (the project index resolves that).
   */
  threadOf(node: ts.Node): ThreadContext {
    return this.threads.threadAt(node) ?? (this.threads.isWorkerBySelf ? 'worker' : 'main');
  }

  range(node: ts.Node): Range {
    return rangeOf(this.sourceFile, node.getStart(this.sourceFile), node.getEnd());
  }

  related(node: ts.Node, message: string): RelatedLocation {
    return { file: this.fileName, range: this.range(node), message };
  }

  report(descriptor: ReportDescriptor<MessageId>, condition?: PendingFinding['condition']): void {
    const start = descriptor.node.getStart(this.sourceFile);
    const end = descriptor.node.getEnd();
    const template = this.rule.meta.messages[descriptor.messageId];
    if (template === undefined)
      throw new Error(`rule ${this.rule.meta.id} has no message '${descriptor.messageId}'`);
    const data = descriptor.data ?? {};
    this.findings.push({
      ruleId: this.rule.meta.id,
      severity: this.severity,
      messageId: descriptor.messageId,
      data,
      message: formatRowMessage(template, data),
      file: this.fileName,
      range: rangeOf(this.sourceFile, start, end),
      offset: { start, end },
      related: descriptor.related,
      fixes: descriptor.fixes,
      condition,
    });
  }

  /**
   * Reports main-thread work that hurts only at run time on the main thread. The rule's message
   * template may use `{{where}}`, filled with how the code is reached ("in the `POST /login`
   * handler", "in hashPassword(), called from the `POST /login` handler"). Start-up code, worker
   * code, tests and one-shot scripts stay quiet; in an exported function nobody in the file calls,
   * the finding waits for the project index to learn whether another file calls it at run time.
   */
  reportOnMainThread(descriptor: ReportDescriptor<MessageId>): void {
    if (this.threadOf(descriptor.node) === 'worker') return;
    const phase = this.phaseOf(descriptor.node);
    const unlessWorkerEntry = !this.threads.hasMainThreadSwitch;
    if (phase.phase === 'startup') return;
    const data = descriptor.data ?? {};
    const blockingByDesign = isBlockingByDesign(descriptor.node) || undefined;
    if (phase.phase === 'unknown') {
      if (!phase.exportedAs) return;
      const enclosing = enclosingFunction(descriptor.node);
      const factory = (enclosing !== undefined && returnsMethodObject(enclosing)) || undefined;
      const asyncApi =
        !factory && enclosing !== undefined && looksAsyncApi(enclosing, functionName(enclosing));
      const hazard: ExportHazard = {
        ruleId: this.rule.meta.id,
        messageId: descriptor.messageId,
        data,
        range: this.range(descriptor.node),
      };
      for (const name of phase.exportedAs)
        if (!this.exportHazards.has(name)) this.exportHazards.set(name, hazard);
      this.report(
        {
          ...descriptor,
          data: { ...data, where: `in exported \`${phase.exportedAs[0]}\`, called at run time elsewhere` },
        },
        {
          unlessWorkerEntry,
          ifRuntime: {
            methods: memberNames(phase.exportedAs),
            exports: phase.exportedAs,
            asyncApi,
            factory,
            ...(phase.later ? { later: true as const } : {}),
          },
          blockingByDesign,
        },
      );
      return;
    }
    const chain = phase.chain;
    const related = capRelated([
      ...(descriptor.related ?? []),
      ...chain.map((step) => this.related(step.node, step.label)),
    ]);
    const condition: PendingFinding['condition'] = phase.assumed
      ? {
          unlessWorkerEntry,
          ifRuntime: phase.assumed,
          blockingByDesign,
        }
      : { unlessWorkerEntry, blockingByDesign };
    const where = fitWhere(this.rule.meta.messages[descriptor.messageId] ?? '', data, chain);
    this.report({ ...descriptor, data: { ...data, where }, related }, condition);
    // One finding per root cause: the handler's call site gets an information pointing at it
    // (shown by editors at the caller; the CLI counts only root causes).
    if (chain.length > 1) this.reportCallSite(chain[1]!.node, descriptor.node, condition);
  }

  /** An `info` at `callSite`, a run-time call that leads to the finding at `rootCause`. */
  private reportCallSite(
    callSite: ts.Node,
    rootCause: ts.Node,
    condition: PendingFinding['condition'],
  ): void {
    const start = callSite.getStart(this.sourceFile);
    const end = callSite.getEnd();
    const cause = this.related(rootCause, 'the work that blocks');
    this.findings.push({
      ruleId: this.rule.meta.id,
      severity: 'info',
      ...callSiteMessage(
        ts.isCallExpression(callSite) || ts.isNewExpression(callSite)
          ? `${callSite.expression.getText(this.sourceFile)}()`
          : callSite.getText(this.sourceFile),
        cause,
        this.fileName,
      ),
      file: this.fileName,
      range: rangeOf(this.sourceFile, start, end),
      offset: { start, end },
      related: [cause],
      callSiteOf: cause,
      condition,
    });
  }
}

/** "in the `POST /login` handler" or "in hashPassword(), called from the `POST /login` handler" */
export function describeWhere(chain: Pick<ChainStep, 'label'>[]): string {
  if (chain.length === 0) return 'at run time';
  const [origin, ...calls] = chain;
  if (calls.length === 0) return `in the ${origin!.label}`;
  const inner = calls[calls.length - 1]!.label;
  const via = calls.slice(0, -1).map((c) => c.label);
  return `in ${inner}, called from the ${[origin!.label, ...via].join(' → ')}`;
}

/** The longest message a finding may have: one Problems row (the tests check every finding). */
export const MAX_MESSAGE_LENGTH = 160;

/**
 * A finding's message fitted to one Problems row (MAX_MESSAGE_LENGTH): when the sentence is too
 * long, the middle of a call chain (`a → b → c → d`) gives way to `…` first, then the longest quoted
 * code (a loop bound's snippet, a method's name) is cut short with `…`, and only then the sentence
 * itself. The finding's data keeps every word, so the hover still shows it all.
 */
export function formatRowMessage(template: string, data: MessageData): string {
  let message = formatMessage(template, data);
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  const fitted: MessageData = { ...data };
  const refit = () => {
    message = formatMessage(template, fitted);
    return message.length <= MAX_MESSAGE_LENGTH;
  };
  for (const [key, value] of Object.entries(fitted)) {
    if (typeof value !== 'string') continue;
    const steps = value.split(' → ');
    // keep the first and the last step; drop the middle ones from the left until it fits
    for (let dropped = 1; steps.length > 2 && dropped <= steps.length - 2; dropped++) {
      fitted[key] = [steps[0], '…', ...steps.slice(1 + dropped)].join(' → ');
      if (refit()) return message;
    }
  }
  for (let round = 0; round < 6; round++) {
    let longest: { key: string; code: string } | undefined;
    for (const [key, value] of Object.entries(fitted)) {
      if (typeof value !== 'string') continue;
      for (const match of value.matchAll(/`([^`]{16,})`/g))
        if (!longest || match[1]!.length > longest.code.length) longest = { key, code: match[1]! };
    }
    if (!longest) break;
    const excess = message.length - MAX_MESSAGE_LENGTH;
    const keep = Math.max(12, longest.code.length - excess - 1);
    const cut = `${longest.code.slice(0, keep).trimEnd()}…`;
    // a function, not a string: `$$`, `$&`, `$'` in code (`page.$$('a')`) are not replacement patterns
    fitted[longest.key] = String(fitted[longest.key]).replace(`\`${longest.code}\``, () => `\`${cut}\``);
    if (refit()) return message;
  }
  return `${message.slice(0, MAX_MESSAGE_LENGTH - 1).trimEnd()}…`;
}

/**
 * `describeWhere(chain)`, leaving out the middle of a long chain (`the handler → … → load()`) when
 * the whole message would not fit one Problems row; the related locations still list every step.
 */
export function fitWhere(template: string, data: MessageData, chain: Pick<ChainStep, 'label'>[]): string {
  const fits = (where: string) => formatMessage(template, { ...data, where }).length <= MAX_MESSAGE_LENGTH;
  const full = describeWhere(chain);
  if (chain.length < 3 || fits(full)) return full;
  const [origin, ...calls] = chain;
  const inner = calls[calls.length - 1]!.label;
  const via = calls.slice(0, -1).map((c) => c.label);
  let where = full;
  for (let kept = via.length - 1; kept >= 0; kept--) {
    where = `in ${inner}, called from the ${[origin!.label, '…', ...via.slice(via.length - kept)].join(' → ')}`;
    if (fits(where)) break;
  }
  return where;
}

/**
 * The member names exports are also reached by, `x.save()` or a registered `God.save`: 'save' for
 * 'save' and 'God.save' (not 'default', which is the module itself).
 */
export function memberNames(exportedAs: string[]): string[] {
  return exportedAs.map((name) => name.split('.').pop()!).filter((name) => name !== 'default');
}

/**
 * Is `node` inside a function whose JSDoc says `@blocking` (an intentionally synchronous API)?
 * The analyzer parses JSDoc only in files whose text has `@blocking` (parseOptions in analyzer.ts):
 * a rule reading other JSDoc must widen that test.
 */
export function isBlockingByDesign(node: ts.Node): boolean {
  for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(fn)) {
    const documented = ts.isVariableDeclaration(fn.parent) ? fn.parent.parent.parent : fn;
    if (ts.getJSDocTags(documented).some((tag) => tag.tagName.text === 'blocking')) return true;
  }
  return false;
}

/** Most related locations a finding carries: enough to follow, bounded so reports stay linear. */
export const MAX_RELATED = 10;

export function capRelated(related: RelatedLocation[]): RelatedLocation[] {
  return related.length <= MAX_RELATED ? related : related.slice(0, MAX_RELATED);
}

/** "`hash(pw)` leads to blocking work at auth.ts:3" (the call text shortened to one line). */
/** The message of an `info` at a call site: engine-level, the same for every rule (see explain.ts). */
export function callSiteMessage(
  callText: string,
  cause: RelatedLocation,
  fromFile: string,
): Pick<Finding, 'messageId' | 'data' | 'message'> {
  const firstLine = callText.split('\n')[0]!;
  const call = firstLine.length > 40 || firstLine !== callText ? `${firstLine.slice(0, 37)}…` : firstLine;
  const where =
    cause.file === fromFile
      ? `line ${cause.range.start.line}`
      : `${baseName(cause.file)}:${cause.range.start.line}`;
  const data = { call, at: where };
  return { messageId: CALL_SITE_MESSAGE_ID, data, message: formatRowMessage(CALL_SITE_MESSAGE, data) };
}

/** Message id of the `info` findings at call sites, for every rule. */
export const CALL_SITE_MESSAGE_ID = 'callSite';
const CALL_SITE_MESSAGE = '`{{call}}` leads to blocking work at {{at}}';

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export function rangeOf(sourceFile: ts.SourceFile, start: number, end: number): Range {
  const s = sourceFile.getLineAndCharacterOfPosition(start);
  const e = sourceFile.getLineAndCharacterOfPosition(end);
  return {
    start: { line: s.line + 1, column: s.character + 1 },
    end: { line: e.line + 1, column: e.character + 1 },
  };
}

export type { Fix };
