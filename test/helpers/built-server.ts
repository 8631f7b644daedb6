// The built language server started as the extension starts it (dist/code-cache.js loading
// dist/server.js over stdio, its code cache in a folder of the test's choosing), with a JSON-RPC
// connection to it. The connection is returned before `listen()`, so each test registers its own
// handlers (configuration answers, notifications) first.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';

/** The built bundles (npm run build). */
export const dist = path.resolve(__dirname, '../../dist');
/** The demo project the server tests open files of. */
export const demo = path.resolve(__dirname, '../../examples/demo-service');
export const demoFolderUri = pathToFileURL(demo).href;

export function spawnBuiltServer(
  cacheDir: string,
  options: { cacheByHelper?: boolean } = {},
): { child: ChildProcess; conn: MessageConnection } {
  const loaderArgs = options.cacheByHelper ? ['--cache-by-helper'] : [];
  const child = spawn(
    process.execPath,
    [path.join(dist, 'code-cache.js'), ...loaderArgs, path.join(dist, 'server.js'), '--stdio'],
    {
      cwd: demo,
      env: { ...process.env, CONCURRENCY_LENS_CODE_CACHE: cacheDir },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const conn = createMessageConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  return { child, conn };
}
