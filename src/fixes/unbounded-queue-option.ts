// Suggestion for unbounded-queue-option: give `new Piscina()` a `maxQueue: 'auto'` and
// `new PQueue()` a `concurrency`. Never safe: piscina then rejects `run()` when the queue is full,
// and p-queue runs fewer tasks at once, so both change what the program does under load; editors
// offer them, fix-all never applies them. A pure transform over the rule's tree (no `vscode`).
import ts from 'typescript';
import { skipOuterExpressions } from '../analysis/ast.js';
import { propertyValue } from '../analysis/model/threads.js';
import type { Fix, TextEdit } from '../analysis/types.js';
import { addPropertyEdit } from './statements.js';

/** A starting point for p-queue; the title says to tune it. */
const P_QUEUE_CONCURRENCY = 10;

/**
 * The suggestion for the `new` expression the rule reported, or undefined when the options are
 * not an object literal written there (a variable, a spread) or the call has no parentheses.
 */
export function queueLimitSuggestion(
  sourceFile: ts.SourceFile,
  creation: ts.NewExpression,
  library: 'piscina' | 'p-queue',
  file: string,
): Fix | undefined {
  const option = library === 'piscina' ? 'maxQueue' : 'concurrency';
  const value = library === 'piscina' ? "'auto'" : String(P_QUEUE_CONCURRENCY);
  const title =
    library === 'piscina'
      ? "Bound the queue with maxQueue: 'auto' (run() rejects when it is full)"
      : `Limit concurrency to ${P_QUEUE_CONCURRENCY} (tune it to the work)`;
  const edit = optionEdit(sourceFile, creation, option, value, file);
  return edit ? { title, safe: false, edits: [edit] } : undefined;
}

function optionEdit(
  sourceFile: ts.SourceFile,
  creation: ts.NewExpression,
  option: string,
  value: string,
  file: string,
): TextEdit | undefined {
  const args = creation.arguments;
  if (!args) return undefined; // `new PQueue` without parentheses
  const first = args[0];
  if (!first) {
    // `new PQueue()`: the options go between the parentheses
    const at = args.pos;
    return { file, start: at, end: at, newText: `{ ${option}: ${value} }` };
  }
  const object = skipOuterExpressions(first);
  if (!ts.isObjectLiteralExpression(object)) return undefined;
  const existing = propertyValue(object, option);
  if (existing) {
    // `maxQueue: Infinity`: replace the value (not a shorthand: its name is the value)
    if (ts.isShorthandPropertyAssignment(existing.parent)) return undefined;
    return { file, start: existing.getStart(sourceFile), end: existing.getEnd(), newText: value };
  }
  return addPropertyEdit(sourceFile, object, option, value, file);
}
