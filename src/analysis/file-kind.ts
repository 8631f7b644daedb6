// What kind of program a file belongs to. Tests and one-shot programs (a `bin/` entry or a `#!`
// script that does its job and exits) are not long-lived servers: blocking the event loop there
// delays nobody, so main-thread rules stay quiet by default.
export type FileKind = 'module' | 'test' | 'script';

const TEST_FILE = /(^|[\\/])(__tests__|__mocks__|tests?|specs?|e2e)[\\/]|\.(test|spec|e2e)\.[cm]?[jt]sx?$/;
const BIN_FILE = /(^|[\\/])bin[\\/][^\\/]+$/;
/** Signs of a long-lived program: a server or a watcher keeps running after start-up. */
const LONG_LIVED = /\.listen\s*\(|createServer\s*\(|setInterval\s*\(|\.watch\s*\(|new\s+Worker\s*\(/;

export function fileKindOf(fileName: string, text: string): FileKind {
  const normalized = fileName.replace(/\\/g, '/');
  if (TEST_FILE.test(normalized)) return 'test';
  const isScript = text.startsWith('#!') || BIN_FILE.test(normalized);
  if (isScript && !LONG_LIVED.test(text)) return 'script';
  return 'module';
}

/** Folders whose files are served to browsers, not run by Node: `public/`, `static/`, `browser/`. */
const BROWSER_FOLDER = /(^|[\\/])(public|static|www|browser|browser-version|frontend)[\\/]/;
/** A service worker by its name: `service-worker.js`, `sw.js`. */
const SERVICE_WORKER_FILE = /(^|[\\/])(service-?worker|sw)\.[cm]?[jt]s$/i;
/** Code only a service worker or a Web Worker runs: its global `self` events, `importScripts()`. */
const WORKER_GLOBAL_SCOPE =
  /\bself\.addEventListener\s*\(\s*['"`](?:install|activate|fetch|push|sync)['"`]|\bimportScripts\s*\(/;

/**
 * Does this file run in a browser (a page's script, a service worker) rather than in Node? Its
 * fan-outs and queues live in one user's tab, not in a server shared by every request.
 * `relativePath` is relative to the scanned folder, so the folders above it do not count.
 */
export function runsInBrowser(relativePath: string, text: string): boolean {
  const normalized = relativePath.replace(/\\/g, '/');
  return (
    BROWSER_FOLDER.test(normalized) || SERVICE_WORKER_FILE.test(normalized) || WORKER_GLOBAL_SCOPE.test(text)
  );
}
