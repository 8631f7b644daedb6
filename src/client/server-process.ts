// The language server's process. It is forked as soon as VS Code loads this bundle (see
// src/extension.ts): in a cold window VS Code spends seconds between loading an extension's module
// and calling its activate() (it loads and activates the TypeScript extension in between), and the
// server's own start (Node, its 4 MB bundle with TypeScript) runs on another core meanwhile. The
// server manager connects the language client to this process on the first start.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** dist/server.js, next to this bundle */
const serverModule = path.join(__dirname, 'server.js');
/** dist/code-cache.js: runs the server with V8's code cache (src/shared/code-cache.ts) */
const loader = path.join(__dirname, 'code-cache.js');

/** Forks the server: IPC for the protocol, stdout/stderr piped (the manager shows them in its log). */
export function forkServer(): ChildProcess {
  // A debugged extension host gets a debuggable server.
  const debug = process.execArgv.some((arg) => /^--(inspect|debug)(-brk)?(=|$)/.test(arg));
  // The server's code cache is written by a helper process, not on the server's thread.
  return fork(loader, ['--cache-by-helper', serverModule, '--node-ipc', `--clientProcessId=${process.pid}`], {
    env: {
      ...process.env,
      CONCURRENCY_LENS_VERSION: extensionVersion(),
      // In Electron's extension host, fork runs Electron: as plain Node, please.
      ELECTRON_RUN_AS_NODE: '1',
      ELECTRON_NO_ASAR: '1',
    },
    execArgv: debug ? ['--nolazy', '--inspect=6019'] : [],
    silent: true,
  });
}

let version: string | undefined;
function extensionVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
    } catch {
      version = '';
    }
  }
  return version;
}

let early: { process: ChildProcess; forkedAt: number } | undefined;

/** Forks the server now, once (a missing bundle is left to the manager's start to report). */
export function forkServerEarly(): void {
  if (early || !existsSync(serverModule) || !existsSync(loader)) return;
  try {
    early = { process: forkServer(), forkedAt: performance.now() };
  } catch {
    // the manager's start forks again and reports the failure
  }
}

/** The early process if it is still alive (then it is the caller's), and when it was forked. */
export function takeEarlyServer(): { process: ChildProcess; forkedAt: number } | undefined {
  const taken = early;
  early = undefined;
  if (!taken) return undefined;
  if (isAlive(taken.process) && taken.process.connected) return taken;
  taken.process.kill();
  return undefined;
}

export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
