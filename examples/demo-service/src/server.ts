import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import express from 'express';
import { registerAuthRoutes } from './auth.js';
import { geoIndexStatus } from './geo-index.js';
import { registerImageRoutes } from './images.js';
import { scheduleNightlyExport } from './nightly-export.js';
import { startOrderConsumer, startShipmentConsumer } from './order-consumer.js';
import { registerOrderRoutes } from './orders.js';
import { registerReportRoutes } from './reports.js';
import './warm-cache.js';

interface ServiceConfig {
  port: number;
  exportDir: string;
}

// Start-up: synchronous calls at module top level run once, before any request is accepted. Fine.
const config = JSON.parse(readFileSync(new URL('../config/service.json', import.meta.url), 'utf8')) as ServiceConfig;
const release = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();

// Problem: no 'error' or 'exit' listener. If the audit writer throws (disk full, bad path), the
// thread dies silently and every later audit event is posted into the void.
const auditWorker = new Worker(new URL('./workers/audit.worker.js', import.meta.url)); // expect: unhandled-worker-error

const app = express();
app.use(express.json({ limit: '50mb' }));
app.use((req, _res, next) => {
  auditWorker.postMessage({ method: req.method, path: req.path, at: Date.now() });
  next();
});

app.get('/healthz', (_req, res) => {
  res.json({ ok: true, release, geoIndex: geoIndexStatus() });
});

registerAuthRoutes(app);
registerImageRoutes(app);
registerReportRoutes(app);
registerOrderRoutes(app);

startOrderConsumer();
startShipmentConsumer();
scheduleNightlyExport(config.exportDir);

app.listen(config.port, () => {
  console.info(`demo-service ${release} listening on :${config.port}`);
});
