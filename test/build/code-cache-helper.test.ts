// The language server's code cache, written by a helper process (src/shared/code-cache.ts
// `--cache-by-helper`, src/shared/code-cache-helper.ts): the built server answers without a cache,
// a separate process writes one after the first answer (or when the server exits first), the next
// server takes it, and a damaged cache or a removed cache folder costs nothing but a normal compile.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { DocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { demo, demoFolderUri, dist, spawnBuiltServer } from '../helpers/built-server';

const file = path.join(demo, 'src/images.ts');
const uri = pathToFileURL(file).href;
const work = mkdtempSync(path.join(os.tmpdir(), 'cl-code-cache-helper-'));
after(() => rmSync(work, { recursive: true, force: true }));

let child: ChildProcess | undefined;
let connection: MessageConnection | undefined;
afterEach(() => {
  connection?.dispose();
  child?.kill();
});

/** The built server as the extension starts it, with its code cache in `cacheDir`. */
async function startServer(cacheDir: string) {
  const server = spawnBuiltServer(cacheDir, { cacheByHelper: true });
  child = server.child;
  const conn = server.conn;
  connection = conn;
  conn.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onNotification(() => {});
  conn.listen();
  const folder = demoFolderUri;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'demo-service' }],
    capabilities: { workspace: { configuration: true }, textDocument: { diagnostic: {} } },
  });
  conn.sendNotification('initialized', {});
  const codeCache = async () =>
    (await conn.sendRequest<{ codeCache?: Record<string, string> }>('concurrencyLens/serverInfo'))
      .codeCache?.['server.js'];
  const diagnose = async () => {
    conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'typescript', version: 1, text: readFileSync(file, 'utf8') },
    });
    const report = await conn.sendRequest<DocumentDiagnosticReport>('textDocument/diagnostic', {
      textDocument: { uri },
    });
    return report.kind === 'full' ? report.items.map((item) => String(item.code)).sort() : [];
  };
  return { conn, codeCache, diagnose };
}

const serverCaches = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('server.js-')) : [];

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('server code cache written by a helper process', () => {
  const cacheDir = path.join(work, 'cache');
  let expected: string[] = [];

  it('answers without a cache, gets one written after its first answer, and the next server takes it', {
    timeout: 120_000,
  }, async () => {
    const first = await startServer(cacheDir);
    assert.equal(await first.codeCache(), 'no cache');
    expected = await first.diagnose();
    assert.ok(expected.includes('worker-per-task'), `findings: ${expected.join(', ')}`);
    await waitFor(() => serverCaches(cacheDir).some((f) => f.endsWith('.bin')), 'the server cache');
    assert.equal(child!.exitCode, null, 'the server is still running: another process wrote the cache');
    child!.kill();
    const second = await startServer(cacheDir);
    assert.equal(await second.codeCache(), 'cache accepted');
    assert.deepEqual(await second.diagnose(), expected, 'same diagnostics from the cached code');
    assert.deepEqual(
      serverCaches(cacheDir).filter((f) => !f.endsWith('.bin')),
      [],
      'no partial file left',
    );
  });

  it('compiles as usual over a damaged cache, and the helper replaces it', { timeout: 120_000 }, async () => {
    const [name] = serverCaches(cacheDir);
    assert.ok(name, 'the cache of the test before');
    const cacheFile = path.join(cacheDir, name);
    writeFileSync(cacheFile, 'not V8 code');
    const server = await startServer(cacheDir);
    assert.equal(await server.codeCache(), 'cache rejected');
    assert.deepEqual(await server.diagnose(), expected);
    await waitFor(() => statSync(cacheFile).size > 1000, 'the replaced cache');
    child!.kill();
    const next = await startServer(cacheDir);
    assert.equal(await next.codeCache(), 'cache accepted');
  });

  it('a server that exits before answering anything still gets its cache written', {
    timeout: 120_000,
  }, async () => {
    const dir = path.join(work, 'exits-early');
    const server = await startServer(dir);
    assert.equal(await server.codeCache(), 'no cache');
    await server.conn.sendRequest('shutdown');
    server.conn.sendNotification('exit');
    await waitFor(() => serverCaches(dir).some((f) => f.endsWith('.bin')), 'the server cache');
  });

  it('the helper writes nothing into a cache folder removed meanwhile', { timeout: 60_000 }, () => {
    const removed = path.join(work, 'removed');
    const result = spawnSync(
      process.execPath,
      [
        path.join(dist, 'code-cache.js'),
        '--write-cache',
        path.join(dist, 'server.js'),
        path.join(removed, 'x.bin'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(result.status, 1);
    assert.equal(existsSync(removed), false);
  });
});
