// The build's TypeScript-access rewrite (scripts/fast-typescript-access.mjs) must produce code that
// means the same as the source: the bundles the CLI and the extension run are built with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
// @ts-expect-error: a plain .mjs build script without type declarations
import { rewriteTypeScriptAccess } from '../../scripts/fast-typescript-access.mjs';

const rewrite = rewriteTypeScriptAccess as (source: string) => string;

describe('fast TypeScript access (build plugin)', () => {
  it('inlines SyntaxKind members as their numbers and binds functions once per module', () => {
    const source = [
      "import ts from 'typescript';",
      'export function f(node: ts.Node): boolean {',
      '  return ts.isIdentifier(node) || node.kind === ts.SyntaxKind.CallExpression || ts.isIdentifier(node.parent);',
      '}',
    ].join('\n');
    const output = rewrite(source);
    assert.match(output, new RegExp(`=== ${ts.SyntaxKind.CallExpression} /\\* CallExpression \\*/`));
    assert.equal(output.match(/const __ts_isIdentifier = ts\.isIdentifier;/g)?.length, 1);
    assert.equal(output.match(/__ts_isIdentifier\(/g)?.length, 2);
    // types are not values: left alone
    assert.match(output, /node: ts\.Node/);
  });

  it('leaves files without the default TypeScript import untouched', () => {
    const source = "import type ts from 'typescript';\nexport const k = (n: ts.Node) => n.kind;\n";
    assert.equal(rewrite(source), source);
  });

  it('does not touch names that merely end in ts or members that are not functions', () => {
    const source =
      "import ts from 'typescript';\nconst x = { ts: 1 };\nconst y = results.ts.isIdentifier;\nconst v = ts.version;\n";
    const output = rewrite(source);
    assert.match(output, /results\.ts\.isIdentifier/);
    assert.match(output, /ts\.version/);
  });

  it('keeps behaviour: the rewritten module gives the same answers as the source', async () => {
    const source = [
      "import ts from 'typescript';",
      'export function kinds(text: string): string[] {',
      "  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);",
      '  const out: string[] = [];',
      '  const visit = (node: ts.Node): void => {',
      '    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.Identifier) out.push("call");',
      '    else if (ts.isIdentifier(node)) out.push(node.text);',
      '    ts.forEachChild(node, visit);',
      '  };',
      '  visit(file);',
      '  return out;',
      '}',
    ].join('\n');
    const toModule = (code: string) =>
      ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true } })
        .outputText;
    const run = (code: string): string[] => {
      const module = { exports: {} as { kinds: (t: string) => string[] } };
      new Function('module', 'exports', 'require', code)(module, module.exports, require);
      return module.exports.kinds('foo(bar); baz.qux(1);');
    };
    assert.match(rewrite(source), /__ts_isCallExpression\(node\)/);
    assert.deepEqual(run(toModule(rewrite(source))), run(toModule(source)));
    assert.deepEqual(run(toModule(source)), ['call', 'foo', 'bar', 'baz', 'qux']);
  });
});
