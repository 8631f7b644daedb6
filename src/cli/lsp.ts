// `concurrency-lens lsp --stdio`: the language server the VS Code extension runs, for any editor
// with an LSP client. The server module (dist/server.js, bundled beside dist/cli.js) picks its
// transport from the command line, where `--stdio` is.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const LSP_HELP = `Usage: concurrency-lens lsp --stdio

Runs the Concurrency Lens language server on stdin/stdout for editors other than VS Code
(Neovim, Helix, Zed, Emacs, Sublime). Diagnostics are pushed to clients that do not pull them.
Initialization option: { "workspaceScan": false } to analyse only the files you open.
`;

/** Starts the server in this process; resolves at once (the connection keeps the process alive). */
export function startLanguageServer(argv: string[], io: { stdout(text: string): void }): number | 'usage' {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(LSP_HELP);
    return 0;
  }
  if (argv.length !== 1 || argv[0] !== '--stdio') return 'usage';
  const serverModule = path.join(__dirname, 'server.js');
  if (!existsSync(serverModule)) throw new Error(`${serverModule} is missing: run 'npm run build'`);
  // with V8's code cache, as the extension starts it (src/shared/code-cache.ts)
  const { requireWithCodeCache } = require(
    path.join(__dirname, 'code-cache.js'),
  ) as typeof import('../shared/code-cache.js');
  requireWithCodeCache(serverModule, 'by helper');
  return 0;
}
