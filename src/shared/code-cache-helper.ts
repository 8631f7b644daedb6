// The code-cache helper's language-server session (src/shared/code-cache.ts, `--write-cache`): the
// server bundle runs in the helper's process on in-memory stdin/stdout, and gets what VS Code sends
// at start: initialize, a file opened, its diagnostics pulled. Then the functions that path
// compiles (TypeScript's parser, the engine, the rules, the protocol) are in the cache the helper
// writes, not only the bundle's top level: measured with bench/server-startup.mjs, a cache of the
// top level alone leaves most of the compile on the way to the first diagnostic.
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';

/** A request handler of a service: most rules have something to look at here. */
const sampleSource = `import fs from 'node:fs';
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import express from 'express';

const app = express();
const queue: string[] = [];

app.get('/report/:id', async (req, res) => {
  const raw = fs.readFileSync(\`reports/\${req.params.id}.json\`, 'utf8');
  const rows = JSON.parse(raw) as { total: number }[];
  let sum = 0;
  for (const row of rows) for (const other of rows) sum += row.total * other.total;
  const hash = crypto.pbkdf2Sync(req.params.id, 'salt', 100000, 64, 'sha512');
  const worker = new Worker('./worker.js', { workerData: { rows } });
  worker.postMessage({ onDone: () => res.end(), rows });
  queue.push(req.params.id);
  res.json({ sum, hash: hash.toString('hex') });
});

app.listen(3000);
`;

/** How long the session may take before the helper gives up (no cache then). */
const SESSION_TIMEOUT_MS = 60_000;

/**
 * Runs the bundle (`run`) as a language server on in-memory stdio and resolves once the sample
 * file's diagnostics came back. The process is the helper's own: nothing else uses its stdio.
 */
export function runLanguageServerSession(bundle: string, run: () => void): Promise<void> {
  const input = new PassThrough();
  const output = new PassThrough();
  for (const [name, stream] of [
    ['stdin', input],
    ['stdout', output],
  ] as const)
    Object.defineProperty(process, name, { value: stream, configurable: true, writable: true });
  process.argv.splice(1, process.argv.length - 1, bundle, '--stdio');
  const send = (message: object) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    input.write(`Content-Length: ${body.length}\r\n\r\n`);
    input.write(body);
  };
  return new Promise<void>((resolve, reject) => {
    // Also keeps the process alive: in-memory streams are no event-loop handles.
    const timer = setTimeout(() => reject(new Error('the session timed out')), SESSION_TIMEOUT_MS);
    let buffer = Buffer.alloc(0);
    output.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const headerEnd = buffer.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
        if (buffer.length < headerEnd + 4 + length) return;
        const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8'));
        buffer = buffer.subarray(headerEnd + 4 + length);
        // Requests from the server (configuration, registrations) get an empty answer.
        if (message.method !== undefined && message.id !== undefined) send({ id: message.id, result: null });
        if (message.id === 2 && message.method === undefined) {
          clearTimeout(timer);
          if (message.error) reject(new Error(message.error.message));
          else resolve();
        }
      }
    });
    run();
    const uri = pathToFileURL(path.join(os.tmpdir(), 'concurrency-lens-code-cache', 'service.ts')).href;
    send({
      id: 1,
      method: 'initialize',
      params: {
        processId: null,
        rootUri: null,
        workspaceFolders: null,
        capabilities: { textDocument: { diagnostic: { dynamicRegistration: false } } },
      },
    });
    send({ method: 'initialized', params: {} });
    send({
      method: 'textDocument/didOpen',
      params: { textDocument: { uri, languageId: 'typescript', version: 1, text: sampleSource } },
    });
    send({ id: 2, method: 'textDocument/diagnostic', params: { textDocument: { uri } } });
  });
}
