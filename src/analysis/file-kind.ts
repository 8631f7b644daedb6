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
