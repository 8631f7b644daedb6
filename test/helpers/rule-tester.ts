// RuleTester on node:test, in the shape of ESLint's and typescript-eslint's: a rule's tests are
// data — `valid` cases that must stay silent and `invalid` cases with every expected finding
// (message id and exact range) — and each case is its own `it`. Cases run through the real
// engine (analyzer + project index) like a scan does, so phase, thread and cross-file facts are
// the ones users get.
//
//   ruleTester('blocking-call', {
//     valid: [{ code: "readFileSync('x')", filename: 'src/boot.ts' }],
//     invalid: [{ code, errors: [{ messageId: 'blocking', line: 3, column: 12, endLine: 3, endColumn: 30 }] }],
//   });
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import type { ProjectConfig } from '../../src/analysis/config.js';
import { allRules } from '../../src/analysis/rules/index.js';
import type { Finding, Fix, MessageData, Severity, TextEdit } from '../../src/analysis/types.js';
import { type AnalyzeOptions, analyzeFiles, ROOT } from './analyze.js';

export interface ValidCase {
  /** the `it` title; defaults to the code's first line */
  name?: string;
  code: string;
  /** path of the file the code is in, relative to the project root (default src/app.ts) */
  filename?: string;
  /** the rule's options (`rules.<id>.options` in .concurrency-lens.json) */
  options?: Record<string, unknown>;
  /** other project settings: thresholds, mainThreadRulesInTests, … */
  config?: Omit<ProjectConfig, 'rules'>;
  /** other files of the project, analysed with it (cross-file facts); errors in them name their `filename` */
  files?: Record<string, string>;
}

export interface ExpectedRelated {
  line: number;
  column?: number;
  message?: string | RegExp;
  /** relative to the project root; default: the case's file */
  filename?: string;
}

export interface ExpectedError {
  messageId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** the message's data, compared key by key (only the keys given) */
  data?: MessageData;
  /** default: the rule's default severity, `info` for call sites */
  severity?: Severity;
  related?: ExpectedRelated[];
  /** the file the finding is in, when not the case's own file (cross-file call sites) */
  filename?: string;
}

export interface ExpectedSuggestion {
  /** the fix's title */
  title: string;
  /** the code after applying just this (not safe) fix */
  output: string;
}

export interface InvalidCase extends ValidCase {
  /** every finding of the rule in the case's file, in document order */
  errors: ExpectedError[];
  /** the code after applying every safe fix; omit when the findings have no safe fix */
  output?: string;
  /** fixes that may change behaviour (offered, never applied unasked) */
  suggestions?: ExpectedSuggestion[];
}

export interface RuleTests {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

function title(testCase: ValidCase): string {
  if (testCase.name) return testCase.name;
  const first = testCase.code.split('\n').find((line) => line.trim() !== '') ?? '';
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

function run(ruleId: string, testCase: ValidCase): { findings: Finding[]; file: string } {
  const file = testCase.filename ?? 'src/app.ts';
  const config: ProjectConfig = { ...testCase.config };
  if (testCase.options) config.rules = { [ruleId]: { options: testCase.options } };
  const opts: AnalyzeOptions = { config };
  // every finding of the rule in the project: the case's file first, then the others by name
  const findings = analyzeFiles({ ...testCase.files, [file]: testCase.code }, opts).filter(
    (f) => f.ruleId === ruleId,
  );
  findings.sort(
    (a, b) =>
      Number(a.file !== file) - Number(b.file !== file) ||
      a.file.localeCompare(b.file) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.column - b.range.start.column ||
      a.messageId.localeCompare(b.messageId),
  );
  return { findings, file };
}

function describeFinding(f: Finding): string {
  const { start, end } = f.range;
  return `${f.file} ${f.messageId} ${start.line}:${start.column}-${end.line}:${end.column} ${f.severity}: ${f.message}`;
}

/** Applies edits (0-based offsets into `text`) from last to first. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  // fixes of several findings may add the same import: an identical edit applies once
  const unique = edits.filter(
    (edit, i) =>
      edits.findIndex((e) => e.start === edit.start && e.end === edit.end && e.newText === edit.newText) ===
      i,
  );
  for (const edit of [...unique].sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.newText + out.slice(edit.end);
  return out;
}

function editsInFile(fix: Fix, file: string): TextEdit[] {
  return fix.edits.filter((edit) => path.relative(ROOT, edit.file) === file || edit.file === file);
}

function checkError(
  actual: Finding,
  expected: ExpectedError,
  file: string,
  index: number,
  defaultSeverity: Severity,
): void {
  const where = `error ${index + 1} (${describeFinding(actual)})`;
  assert.equal(actual.file, expected.filename ?? file, `${where}: file`);
  assert.equal(actual.messageId, expected.messageId, `${where}: messageId`);
  assert.deepEqual(
    {
      line: actual.range.start.line,
      column: actual.range.start.column,
      endLine: actual.range.end.line,
      endColumn: actual.range.end.column,
    },
    {
      line: expected.line,
      column: expected.column,
      endLine: expected.endLine,
      endColumn: expected.endColumn,
    },
    `${where}: range`,
  );
  if (expected.data) {
    for (const [key, value] of Object.entries(expected.data))
      assert.equal(actual.data[key], value, `${where}: data.${key}`);
  }
  assert.equal(actual.severity, expected.severity ?? defaultSeverity, `${where}: severity`);
  if (expected.related) {
    const related = actual.related ?? [];
    for (const [i, want] of expected.related.entries()) {
      const match = related.find(
        (r) =>
          r.range.start.line === want.line &&
          (want.column === undefined || r.range.start.column === want.column) &&
          path.relative(ROOT, r.file) === (want.filename ?? file) &&
          (want.message === undefined ||
            (typeof want.message === 'string' ? r.message === want.message : want.message.test(r.message))),
      );
      assert.ok(
        match,
        `${where}: related ${i + 1} (line ${want.line}${want.message ? `, ${want.message}` : ''}) not among ${JSON.stringify(
          related.map(
            (r) =>
              `${path.relative(ROOT, r.file)}:${r.range.start.line}:${r.range.start.column} ${r.message}`,
          ),
        )}`,
      );
    }
  }
}

function ruleNamed(ruleId: string) {
  const rule = allRules.find((r) => r.meta.id === ruleId);
  if (!rule) throw new Error(`no rule '${ruleId}'`);
  return rule;
}

/** Checks a valid case: the rule reports nothing anywhere in the case's project. Throws when it does. */
export function checkValid(ruleId: string, testCase: ValidCase): void {
  const { findings } = run(ruleId, testCase);
  assert.deepEqual(findings.map(describeFinding), [], 'expected no findings');
}

/** Checks an invalid case: exactly the expected findings, then the fixes' output. Throws on a mismatch. */
export function checkInvalid(ruleId: string, testCase: InvalidCase): void {
  const rule = ruleNamed(ruleId);
  assert.ok(testCase.errors.length > 0, 'an invalid case expects at least one error');
  const { findings, file } = run(ruleId, testCase);
  assert.equal(
    findings.length,
    testCase.errors.length,
    `expected ${testCase.errors.length} findings, got:\n${findings.map(describeFinding).join('\n')}`,
  );
  for (const [i, expected] of testCase.errors.entries())
    checkError(findings[i]!, expected, file, i, rule.meta.defaultSeverity);
  checkFixes(findings, testCase, file);
  if (testCase.output !== undefined) checkFixedCode(ruleId, testCase, testCase.output);
  for (const suggestion of testCase.suggestions ?? [])
    checkSuggestedCode(ruleId, testCase, suggestion, findings);
}

function parseErrors(testCase: ValidCase, code: string): string[] {
  const parsed = ts.createSourceFile(testCase.filename ?? 'src/app.ts', code, ts.ScriptTarget.Latest, true);
  const syntax = (parsed as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  return syntax.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** A suggestion's code parses and has fewer of the rule's findings: the one it addressed is gone. */
function checkSuggestedCode(
  ruleId: string,
  testCase: InvalidCase,
  suggestion: ExpectedSuggestion,
  before: readonly Finding[],
): void {
  assert.deepEqual(parseErrors(testCase, suggestion.output), [], `suggestion "${suggestion.title}" parses`);
  const after = run(ruleId, { ...testCase, code: suggestion.output }).findings;
  assert.ok(
    after.length < before.length,
    `suggestion "${suggestion.title}" removes its finding; left:\n${after.map(describeFinding).join('\n')}`,
  );
}

/** The fixed code parses, and no finding the safe fixes addressed comes back (fix-all converges). */
function checkFixedCode(ruleId: string, testCase: InvalidCase, output: string): void {
  assert.deepEqual(parseErrors(testCase, output), [], 'the fixed code parses');
  const after = run(ruleId, { ...testCase, code: output }).findings;
  assert.deepEqual(
    after.filter((f) => f.fixes?.some((fix) => fix.safe)).map(describeFinding),
    [],
    'no safe fix is left after applying them',
  );
}

/** `output`: the code after every safe fix; `suggestions`: each unsafe fix on its own. */
export function checkFixes(findings: readonly Finding[], testCase: InvalidCase, file: string): void {
  const fixes = findings.flatMap((f) => f.fixes ?? []);
  const safe = fixes.filter((fix) => fix.safe);
  if (testCase.output !== undefined) {
    assert.ok(safe.length > 0, 'output given, but no finding has a safe fix');
    const edits = safe.flatMap((fix) => editsInFile(fix, file));
    assert.equal(applyEdits(testCase.code, edits), testCase.output, 'output after the safe fixes');
  } else {
    assert.deepEqual(
      safe.map((fix) => fix.title),
      [],
      'the findings have safe fixes: give the expected output',
    );
  }
  const unsafe = fixes.filter((fix) => !fix.safe);
  assert.deepEqual(
    unsafe.map((fix) => fix.title),
    (testCase.suggestions ?? []).map((s) => s.title),
    'suggestions (titles)',
  );
  for (const [i, suggestion] of (testCase.suggestions ?? []).entries()) {
    const output = applyEdits(testCase.code, editsInFile(unsafe[i]!, file));
    assert.equal(output, suggestion.output, `suggestion "${suggestion.title}"`);
  }
}

/** Registers one `describe(ruleId)` with a `valid` and an `invalid` group, one `it` per case. */
export function ruleTester(ruleId: string, tests: RuleTests): void {
  ruleNamed(ruleId);
  describe(ruleId, () => {
    describe('valid', () => {
      for (const testCase of tests.valid) it(title(testCase), () => checkValid(ruleId, testCase));
    });
    describe('invalid', () => {
      for (const testCase of tests.invalid) it(title(testCase), () => checkInvalid(ruleId, testCase));
    });
  });
}

/** Joins lines into code: the cases stay readable one statement per line. */
export function lines(...source: string[]): string {
  return source.join('\n');
}
