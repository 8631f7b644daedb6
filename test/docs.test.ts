// Every rule has a documentation page whose incorrect examples fire and whose correct examples stay
// silent, and the metadata points at it (as typescript-eslint's docs test does).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { allRules } from '../src/analysis/rules/index.js';
import { analyzeFiles } from './helpers/analyze.js';

interface Example {
  code: string;
  language: string;
  fileName: string;
}

/** Code blocks under a `## <heading>` section; an info string may name the file: ```ts file=src/w.ts */
function examples(markdown: string, heading: string): Example[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) return [];
  const found: Example[] = [];
  for (const match of section.matchAll(/```(\w+)([^\n]*)\n([\s\S]*?)```/g)) {
    const [, language = 'ts', info = '', code = ''] = match;
    const file = /file=(\S+)/.exec(info)?.[1];
    found.push({ code, language, fileName: file ?? `src/example.${language === 'js' ? 'js' : 'ts'}` });
  }
  return found;
}

describe('rule documentation', () => {
  for (const rule of allRules) {
    const id = rule.meta.id;
    describe(id, () => {
      const docPath = `docs/rules/${id}.md`;
      it('has a page linked from its metadata', () => {
        assert.ok(existsSync(docPath), `${docPath} is missing`);
        assert.ok(rule.meta.docsUrl.endsWith(`/docs/rules/${id}.md`), rule.meta.docsUrl);
        const page = readFileSync(docPath, 'utf8');
        for (const heading of [
          '## Why it matters',
          '## Incorrect',
          '## Correct',
          '## Options',
          '## When not to use it',
        ]) {
          assert.ok(page.includes(heading), `${docPath} lacks "${heading}"`);
        }
      });
      if (!existsSync(docPath)) return;
      const page = readFileSync(docPath, 'utf8');
      for (const [i, example] of examples(page, 'Incorrect').entries()) {
        it(`incorrect example ${i + 1} fires`, () => {
          const findings = analyzeFiles({ [example.fileName]: example.code }).filter((f) => f.ruleId === id);
          assert.ok(findings.length > 0, `expected ${id} to fire on:\n${example.code}`);
        });
      }
      for (const [i, example] of examples(page, 'Correct').entries()) {
        it(`correct example ${i + 1} stays silent`, () => {
          const findings = analyzeFiles({ [example.fileName]: example.code }).filter((f) => f.ruleId === id);
          assert.deepEqual(
            findings.map((f) => `${f.range.start.line}: ${f.message}`),
            [],
          );
        });
      }
      it('lists every message id of the rule', () => {
        const messages = page.split(/^## /m).find((s) => s.startsWith('Messages')) ?? '';
        for (const messageId of Object.keys(rule.meta.messages))
          assert.ok(messages.includes(`\`${messageId}\``), `${docPath} does not list message ${messageId}`);
      });
      it('has incorrect and correct examples', () => {
        assert.ok(examples(page, 'Incorrect').length > 0 && examples(page, 'Correct').length > 0);
      });
    });
  }
});
