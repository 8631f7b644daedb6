// The built server's way to a just-opened file's first diagnostic, spoken to over stdio as VS Code
// speaks to it (pull diagnostics, configuration requests): the settings sent with initialize are
// used without a configuration round trip, and the analysis starts when the file opens, before
// the client pulls. Runs dist/server.js through dist/code-cache.js, as the extension starts it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { DocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { demo, demoFolderUri, spawnBuiltServer } from '../helpers/built-server';

const file = path.join(demo, 'src/images.ts');
const uri = pathToFileURL(file).href;
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'cl-first-diagnostic-'));

let child: ChildProcess | undefined;
let connection: MessageConnection | undefined;
afterEach(() => {
  connection?.dispose();
  child?.kill();
});
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));

/** A server with a client that records configuration requests and answers them only when told. */
async function start(settings: unknown) {
  const server = spawnBuiltServer(cacheDir);
  child = server.child;
  const conn = server.conn;
  connection = conn;
  const configurationRequests: unknown[] = [];
  let answerConfiguration: () => void = () => {};
  const configurationAnswered = new Promise<void>((resolve) => {
    answerConfiguration = resolve;
  });
  conn.onRequest('workspace/configuration', async (params: { items: unknown[] }) => {
    configurationRequests.push(...params.items);
    await configurationAnswered;
    return params.items.map(() => settings);
  });
  conn.onRequest('client/registerCapability', () => null);
  const analysed: string[] = [];
  conn.onNotification('concurrencyLens/status', (status: { lastAnalysis?: { uri: string } }) => {
    if (status.lastAnalysis) analysed.push(status.lastAnalysis.uri);
  });
  conn.onNotification(() => {});
  conn.listen();
  const folder = demoFolderUri;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'demo-service' }],
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true },
      textDocument: { diagnostic: { dynamicRegistration: false } },
    },
    initializationOptions: { settings: { [folder]: settings } },
  });
  conn.sendNotification('initialized', {});
  const open = () =>
    conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'typescript', version: 1, text: readFileSync(file, 'utf8') },
    });
  const pull = () =>
    conn.sendRequest<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri } });
  return { conn, configurationRequests, answerConfiguration, analysed, open, pull };
}

const rulesOf = (report: DocumentDiagnosticReport) =>
  report.kind === 'full' ? report.items.map((item) => String(item.code)).sort() : [];

describe('first diagnostic of an opened file (built server)', () => {
  it('uses the settings sent with initialize, without waiting for a configuration request', {
    timeout: 60_000,
  }, async () => {
    const server = await start({ rules: { 'worker-per-task': 'off' } });
    server.open();
    // the client does not answer configuration requests yet: the first diagnostics must not need one
    const report = await server.pull();
    const rules = rulesOf(report);
    assert.ok(rules.includes('copy-instead-of-transfer'), `findings: ${rules.join(', ')}`);
    assert.ok(!rules.includes('worker-per-task'), 'the rule the initialize settings turned off');
    assert.deepEqual(server.configurationRequests, [], 'no configuration round trip before the diagnostics');
    server.answerConfiguration();
  });

  it('starts analysing when the file opens, before the pull, and answers the pull with that analysis', {
    timeout: 60_000,
  }, async () => {
    const server = await start({});
    server.open();
    const deadline = Date.now() + 30_000;
    while (!server.analysed.includes(uri) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(server.analysed.includes(uri), 'analysed without a pull');
    const rules = rulesOf(await server.pull());
    assert.ok(rules.includes('worker-per-task'), `findings: ${rules.join(', ')}`);
    const info = await server.conn.sendRequest<{ analyses: number }>('concurrencyLens/serverInfo');
    assert.equal(info.analyses, 1, 'the pull reused the analysis started at open');
    server.answerConfiguration();
  });

  it("sends the opened file's diagnostics through the workspace long poll until the client pulls the file", {
    timeout: 60_000,
  }, async () => {
    // VS Code's client pulls a document only once its editor is visible (seconds later in a cold
    // window); its workspace pull is already waiting.
    const server = await start({});
    const workspace = server.conn.sendRequest<{
      items: { uri: string; version: number | null; resultId?: string; items: { code?: unknown }[] }[];
    }>('workspace/diagnostic', { previousResultIds: [] });
    server.open();
    const { items } = await workspace;
    const report = items.find((item) => item.uri === uri);
    assert.ok(
      report,
      `the opened file is in the workspace report: ${items.map((item) => item.uri).join(', ')}`,
    );
    assert.equal(report.version, 1);
    assert.ok(report.items.some((item) => String(item.code) === 'worker-per-task'));
    // the document pull that follows gets the same analysis
    const pulled = await server.pull();
    assert.equal(pulled.kind, 'full');
    assert.equal(pulled.kind === 'full' ? pulled.resultId : undefined, report.resultId);
    const info = await server.conn.sendRequest<{ analyses: number }>('concurrencyLens/serverInfo');
    assert.equal(info.analyses, 1, 'one analysis for both');
    server.answerConfiguration();
  });
});
