// esbuild plugin: binds the TypeScript compiler API members our sources use to module-level
// constants, and inlines `ts.SyntaxKind.X` as numbers.
//
// Why: typescript.js exports its namespace as an object of ~2,800 getters. In a bundle every
// `ts.isIdentifier(node)` is a hash look-up on that dictionary-mode object plus a getter call, and
// `ts.SyntaxKind.CallExpression` is two look-ups. The analyzer does several of these per AST node
// (millions per scan), which cost about as much as the rules' own logic. Sources stay idiomatic
// (`ts.isIdentifier(…)`); only the bundle changes, and tests run both the sources (tsx) and the
// bundles (CLI, extension tests), so a bad rewrite cannot hide.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('typescript');

/** `import ts from 'typescript';` — the one import form our sources use for the compiler API. */
const DEFAULT_IMPORT = /^import ts from 'typescript';$/m;
const SYNTAX_KIND = /\bts\.SyntaxKind\.([A-Za-z]+)\b/g;
/** `ts.member` not followed by more of a name; skips `x.ts.member` and `'…ts.'` in other names. */
const MEMBER = /(?<![\w$.])ts\.([A-Za-z_$][\w$]*)\b(?!\s*[:=](?!=))/g;

/**
 * Rewrites one source text. Returns it unchanged when it does not import TypeScript by default.
 * Only members that are functions at run time are bound (types such as `ts.Node` have no value).
 */
export function rewriteTypeScriptAccess(source) {
  const importMatch = DEFAULT_IMPORT.exec(source);
  if (!importMatch) return source;
  let text = source.replace(SYNTAX_KIND, (whole, name) => {
    const value = ts.SyntaxKind[name];
    return typeof value === 'number' ? `${value} /* ${name} */` : whole;
  });
  const bound = new Set();
  text = text.replace(MEMBER, (whole, name) => {
    if (typeof ts[name] !== 'function' || /^[A-Z]/.test(name)) return whole;
    bound.add(name);
    return `__ts_${name}`;
  });
  if (bound.size === 0) return text;
  const declarations = [...bound].map((name) => `const __ts_${name} = ts.${name};`).join(' ');
  // The import line was not rewritten (it has no `ts.`); the bindings go right after it.
  return text.replace(DEFAULT_IMPORT, (line) => `${line} ${declarations}`);
}

/**
 * Every source's `import ts from 'typescript'` goes through one ESM module that re-exports the
 * CommonJS namespace itself. Without it esbuild wraps the namespace once per importing module
 * (`__toESM`: a fresh object with a getter for each of its ~2,800 members, 36 times in the server
 * bundle), about 40–80 ms of every start of the CLI, the server and the scan process.
 */
const ONE_NAMESPACE = 'typescript-namespace';

export const fastTypeScriptAccess = {
  name: 'fast-typescript-access',
  setup(build) {
    build.onResolve({ filter: /^typescript$/ }, (args) =>
      args.namespace === ONE_NAMESPACE || args.kind !== 'import-statement'
        ? undefined
        : { path: 'typescript', namespace: ONE_NAMESPACE },
    );
    build.onLoad({ filter: /.*/, namespace: ONE_NAMESPACE }, () => ({
      contents: "const ts = require('typescript');\nexport default ts;\n",
      loader: 'js',
      resolveDir: process.cwd(),
    }));
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => ({
      contents: rewriteTypeScriptAccess(await readFile(args.path, 'utf8')),
      loader: 'ts',
    }));
  },
};
