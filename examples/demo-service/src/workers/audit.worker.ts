// Background audit-log writer (started once in server.ts). Appends one JSON line per request.
import { appendFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const AUDIT_LOG = process.env.AUDIT_LOG ?? '/var/log/demo-service/audit.jsonl';

parentPort!.on('message', (event: { method: string; path: string; at: number }) => {
  appendFileSync(AUDIT_LOG, `${JSON.stringify(event)}\n`);
});
