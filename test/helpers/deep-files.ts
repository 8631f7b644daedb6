// Generated hostile files shared by the engine's and the CLI's robustness tests.

/** One blocking call in a request handler: the finding that shows a file was analysed to its end. */
export const BLOCKING_HANDLER = "app.get('/a', (req, res) => res.send(require('fs').readFileSync('x')));\n";

/** The generated deep files of issue 10 (each parses with TypeScript), each ending in BLOCKING_HANDLER. */
export const DEEP_FILES: Record<string, string> = {
  'chain.js': `const x = [1, 2, 3]\n${'  .map((v) => v)\n'.repeat(1000)};\n${BLOCKING_HANDLER}`,
  'callbacks.js': `${'f(() => {\n'.repeat(250)}  g();\n${'});\n'.repeat(250)}${BLOCKING_HANDLER}`,
  'ifs.js': `function g(a) {\n${'if (a) {\n'.repeat(1100)}return 1;\n${'}\n'.repeat(1100)}}\n${BLOCKING_HANDLER}`,
  'concat.js': `const s =\n${Array.from({ length: 2500 }, (_, i) => `  't${i}'`).join(' +\n')};\n${BLOCKING_HANDLER}`,
};
