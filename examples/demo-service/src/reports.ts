import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Express } from 'express';
import { archivePool, exportPool, reportPool } from './pools.js';
import { db, type LedgerRow } from './services.js';

const TEMPLATES_DIR = new URL('../templates/', import.meta.url);

export interface ReportFilterData {
  from: string;
  to: string;
  accounts: string[];
}

interface Invoice {
  id: string;
  amount: number;
}

interface Payment {
  invoiceId: string;
  amount: number;
}

export class ReportFilter {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly accounts: string[],
  ) {}

  matches(row: LedgerRow): boolean {
    return row.date >= this.from && row.date < this.to && this.accounts.includes(row.account);
  }

  toJSON(): ReportFilterData {
    return { from: this.from, to: this.to, accounts: this.accounts };
  }
}

function render(template: string, values: Record<string, string>): string {
  return template.replaceAll(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

export function registerReportRoutes(app: Express): void {
  // Problem: a synchronous disk read per request; on a slow or network disk every request queues behind it.
  app.get('/reports/:id/template', async (req, res) => {
    const report = await db.reports.get(req.params.id);
    const html = readFileSync(new URL(`${report.template}.html`, TEMPLATES_DIR), 'utf8'); // expect: blocking-call
    res.type('html').send(html);
  });

  // Correct twin: the same read, asynchronous.
  app.get('/reports/:id/print', async (req, res) => {
    const report = await db.reports.get(req.params.id);
    const html = await readFile(new URL(`${report.template}.html`, TEMPLATES_DIR), 'utf8');
    res.type('html').send(render(html, { title: report.title }));
  });

  // Problem: invoices x payments iterations on the event loop, and the client picks both sizes
  // (10k x 10k = 100M comparisons, seconds during which no other request is served).
  app.post('/reports/reconcile', (req, res) => {
    const { invoices, payments } = req.body as { invoices: Invoice[]; payments: Payment[] };
    const unpaid: Invoice[] = [];
    for (const invoice of invoices) { // expect: cpu-heavy-loop
      let paid = 0;
      for (const payment of payments) {
        if (payment.invoiceId === invoice.id) paid += payment.amount;
      }
      if (paid < invoice.amount) unpaid.push(invoice);
    }
    res.json({ unpaid });
  });

  // Correct twin: nested too, but bounded: four literal columns x at most 100 rows.
  app.post('/reports/preview', (req, res) => {
    const rows = req.body.rows as Array<Record<string, unknown>>;
    const preview: Record<string, string[]> = {};
    for (const column of ['date', 'account', 'amount', 'currency']) {
      const cells: string[] = [];
      for (const row of rows.slice(0, 100)) {
        cells.push(String(row[column] ?? ''));
      }
      preview[column] = cells;
    }
    res.json(preview);
  });

  // Problem: a class instance is cloned as a plain object: the worker's filter.matches is undefined.
  app.post('/reports/summary', async (req, res) => {
    const { from, to, accounts } = req.body as ReportFilterData;
    const filter = new ReportFilter(from, to, accounts);
    const summary = await reportPool.run({ kind: 'summary', filter }); // expect: non-cloneable-message
    res.json(summary);
  });

  // Correct twin: only plain data crosses the thread boundary.
  app.post('/reports/ledger', async (req, res) => {
    const { from, to, accounts } = req.body as ReportFilterData;
    const filter = new ReportFilter(from, to, accounts);
    const ledger = await reportPool.run({ kind: 'ledger', filter: filter.toJSON() });
    res.json(ledger);
  });

  // Tasks from requests go to exportPool, whose queue is unbounded (see pools.ts).
  app.post('/reports/export', async (req, res) => {
    const file: string = await exportPool.run({ kind: 'export', filter: req.body as ReportFilterData });
    res.status(201).json({ file });
  });

  app.post('/reports/archive', async (req, res) => {
    const file: string = await archivePool.run({ kind: 'archive', filter: req.body as ReportFilterData });
    res.status(201).json({ file });
  });
}
