// Piscina worker for reportPool / exportPool / archivePool (pools.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import type { LedgerRow } from '../services.js';
import type { ReportFilterData } from '../reports.js';

interface ReportTask {
  kind: 'summary' | 'ledger' | 'export' | 'archive';
  filter: ReportFilterData;
}

// Synchronous I/O is fine in a worker thread: it blocks this worker only.
function loadLedger(): LedgerRow[] {
  return JSON.parse(readFileSync('/var/data/ledger-snapshot.json', 'utf8')) as LedgerRow[];
}

function matches(row: LedgerRow, filter: ReportFilterData): boolean {
  return row.date >= filter.from && row.date < filter.to && filter.accounts.includes(row.account);
}

export default function buildReport(task: ReportTask) {
  const rows = loadLedger()
    .filter((row) => matches(row, task.filter))
    .sort((a, b) => a.date.localeCompare(b.date));
  if (task.kind === 'ledger') return rows;
  if (task.kind === 'export' || task.kind === 'archive') {
    const file = `/var/exports/${task.kind}-${Date.now()}.json`;
    writeFileSync(file, JSON.stringify(rows));
    return file;
  }
  const totals: Record<string, number> = {};
  for (const row of rows) {
    for (const account of task.filter.accounts) {
      if (row.account === account) totals[account] = (totals[account] ?? 0) + row.amount;
    }
  }
  return totals;
}
