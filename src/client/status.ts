// The language status item ({} in the status bar next to the language mode): finding counts,
// the last analysis and its time, a warning when analysis runs over the time budget. Beside it, a
// plain status-bar count of the workspace's findings that opens the Problems panel.
import * as vscode from 'vscode';
import { commands, type StatusParams } from '../shared/protocol.js';
import { documentSelector } from './languages.js';

export type ServerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopped';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem(
    'concurrencyLens.status',
    documentSelector,
  );
  private readonly count = vscode.window.createStatusBarItem(
    'concurrencyLens.count',
    vscode.StatusBarAlignment.Right,
    // just left of the language status items
    101,
  );
  private status: StatusParams | undefined;
  private state: ServerState = 'idle';
  private scan: string | undefined;

  constructor() {
    this.item.name = 'Concurrency Lens';
    this.item.command = { title: 'Show Output', command: commands.showOutput };
    this.count.name = 'Concurrency Lens findings';
    this.count.command = 'workbench.actions.view.problems';
    this.render();
  }

  setState(state: ServerState): void {
    this.state = state;
    this.render();
  }

  setStatus(status: StatusParams): void {
    this.status = status;
    this.render();
  }

  /** a short progress text while a workspace scan runs, undefined when it ends */
  setScan(text: string | undefined): void {
    this.scan = text;
    this.render();
  }

  private render(): void {
    this.renderCount();
    const item = this.item;
    item.busy = this.state === 'starting' || this.state === 'restarting' || this.scan !== undefined;
    item.severity = vscode.LanguageStatusSeverity.Information;
    if (this.state === 'stopped') {
      item.text = '$(debug-disconnect) Concurrency Lens stopped';
      item.detail = 'the analysis server is not running';
      item.command = { title: 'Restart', command: commands.restartServer };
      item.severity = vscode.LanguageStatusSeverity.Error;
      return;
    }
    item.command = { title: 'Show Output', command: commands.showOutput };
    const status = this.status;
    if (!status) {
      item.text = 'Concurrency Lens';
      item.detail = this.state === 'idle' ? 'waiting for a file to analyse' : 'starting the analysis server';
      return;
    }
    const total = findingsOf(status);
    item.text =
      total === 0 ? '$(check) Concurrency Lens' : `$(pulse) ${plural(total, 'concurrency finding')}`;
    // The hover is narrow: short parts, and what is counted said once.
    const parts = [
      `${countsText(status)} in ${status.filesWithFindings} of ${plural(status.files, 'file')} analysed`,
    ];
    if (status.lastAnalysis) parts.push(`last analysis ${Math.round(status.lastAnalysis.durationMs)} ms`);
    if (this.scan) parts.push(this.scan);
    if (status.slow) {
      item.severity = vscode.LanguageStatusSeverity.Warning;
      const name = vscode.workspace.asRelativePath(vscode.Uri.parse(status.slow.uri));
      parts.push(`slow: ${name} took ${status.slow.durationMs} ms (budget ${status.slow.budgetMs} ms)`);
    }
    if (!vscode.workspace.isTrusted) parts.push('restricted mode: static analysis only');
    item.detail = parts.join(' · ');
  }

  private renderCount(): void {
    const status = this.status;
    if (!status || this.state === 'stopped') {
      this.count.hide();
      return;
    }
    const total = findingsOf(status);
    this.count.text = `$(pulse) ${total}`;
    this.count.accessibilityInformation = { label: `${plural(total, 'concurrency finding')}` };
    this.count.tooltip = `Concurrency Lens: ${countsText(status)} in ${plural(status.filesWithFindings, 'file')}. Click to show the Problems panel.`;
    this.count.backgroundColor =
      status.counts.error > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.count.show();
  }

  dispose(): void {
    this.item.dispose();
    this.count.dispose();
  }
}

function findingsOf(status: StatusParams): number {
  return status.counts.error + status.counts.warning + status.counts.info;
}

/** "2 errors, 1 warning", the zero severities left out; "no findings" when there are none */
function countsText(status: StatusParams): string {
  const { error, warning, info } = status.counts;
  const parts = [
    error > 0 ? plural(error, 'error') : '',
    warning > 0 ? plural(warning, 'warning') : '',
    info > 0 ? `${info} info` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no findings';
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
