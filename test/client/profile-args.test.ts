// Arguments for the profiler in the editor: a JSON prefill only where JSON can express them, and a
// typed args module template that type-checks and profiles as written.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { profilableFunctions } from '../../src/analysis/function-ranges.js';
import { argsModuleTemplate, defaultArguments, jsonCanExpress } from '../../src/client/profile-args.js';
import { profileFunction } from '../../src/profiler/run.js';
import type { FunctionRange } from '../../src/shared/protocol.js';

const fixture = join(__dirname, '..', 'fixtures', 'profiler', 'resizer.ts');
const position = { line: 0, character: 0 };

function functionsOf(file: string): FunctionRange[] {
  const source = ts.createSourceFile(file, ts.sys.readFile(file)!, ts.ScriptTarget.Latest, true);
  return profilableFunctions(source).map((fn) => ({
    ...fn,
    range: { start: position, end: position },
    selectionRange: { start: position, end: position },
  }));
}

describe('profile arguments', () => {
  const [resize, wordCount] = functionsOf(fixture);

  it('prefills JSON only when JSON can express every argument and no instance is needed', () => {
    assert.equal(wordCount!.path, 'wordCount');
    assert.equal(jsonCanExpress(wordCount!), true);
    assert.equal(defaultArguments(wordCount!.parameters), '["example", 10]');
    assert.equal(resize!.path, 'Resizer.prototype.resize');
    assert.equal(jsonCanExpress(resize!), false, 'a method needs `this`, a Uint8Array is not JSON');
  });

  it('writes a typed args module that type-checks and profiles the method on its instance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-args-'));
    try {
      const target = join(dir, 'resizer.ts');
      copyFileSync(fixture, target);
      const argsFile = join(dir, 'resizer.Resizer.resize.profile-args.ts');
      const text = argsModuleTemplate(resize!, './resizer', true);
      writeFileSync(argsFile, text);
      assert.match(text, /this: \(\) => new Resizer\(/);
      assert.match(text, /args: \(\): Parameters<Resizer\['resize'\]> => \[/);
      assert.match(text, /new Uint8Array\(1024 \* 1024\), \/\/ pixels: Uint8Array/);
      const program = ts.createProgram([argsFile], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      });
      const errors = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      assert.deepEqual(errors, [], text);
      const result = await profileFunction({
        file: target,
        functionName: resize!.path,
        argsModule: argsFile,
        budgetMs: 50,
        warmupMs: 10,
      });
      assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
