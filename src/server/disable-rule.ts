// "Disable <rule> in .concurrency-lens.json": the workspace edit that sets the rule to "off" in
// the folder's config file, creating the file when there is none. Pure: the caller reads the file.
// A config file that is not plain JSON (comments, a syntax error) gets no action: rewriting it
// would lose what the user wrote.
import path from 'node:path';
import type { WorkspaceEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIG_FILE_NAME } from '../analysis/config.js';
import { pathToUri } from './uri.js';

export function disableRuleEdit(
  ruleId: string,
  folder: string,
  configFile: string | undefined,
  configText: string | undefined,
): WorkspaceEdit | undefined {
  if (configFile === undefined || configText === undefined) {
    const uri = pathToUri(path.join(folder, CONFIG_FILE_NAME));
    const text = `${JSON.stringify({ rules: { [ruleId]: 'off' } }, null, 2)}\n`;
    return {
      documentChanges: [
        { kind: 'create', uri, options: { ignoreIfExists: true } },
        { textDocument: { uri, version: null }, edits: [{ range: zero(), newText: text }] },
      ],
    };
  }
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch {
    return undefined;
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return undefined;
  const record = config as { rules?: Record<string, unknown> };
  const rules = { ...(record.rules ?? {}) };
  const current = rules[ruleId];
  // `{ severity, options }`: keep the options, so turning the rule back on restores them
  rules[ruleId] =
    typeof current === 'object' && current !== null ? { ...(current as object), severity: 'off' } : 'off';
  const indent = /^[ \t]+/m.exec(configText)?.[0] ?? '  ';
  const newText = `${JSON.stringify({ ...record, rules }, null, indent)}\n`;
  const uri = pathToUri(configFile);
  const document = TextDocument.create(uri, 'json', 0, configText);
  return {
    changes: {
      [uri]: [
        { range: { start: { line: 0, character: 0 }, end: document.positionAt(configText.length) }, newText },
      ],
    },
  };
}

function zero() {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}
