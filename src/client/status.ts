// The language status item ({} in the status bar next to the language mode): finding counts,
// the last analysis and its time, a warning when analysis runs over the time budget.
import * as vscode from 'vscode';
import { commands, type StatusParams } from '../shared/protocol.js';
import { documentSelector } from './languages.js';

export type ServerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopped';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem(
    'concurrencyLens.status',
    documentSelector,
  );
  private status: StatusParams | undefined;
  private state: ServerState = 'idle';
  private scan: string | undefined;

  constructor() {
    this.item.name = 'Concurrency Lens';
    this.item.command = { title: 'Show Output', command: commands.showOutput };
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
    const { error, warning, info } = status.counts;
    const total = error + warning + info;
    item.text =
      total === 0 ? '$(check) Concurrency Lens' : `$(pulse) ${plural(total, 'concurrency finding')}`;
    const parts = [`${error} errors, ${warning} warnings, ${info} infos in ${plural(status.files, 'file')}`];
    if (status.lastAnalysis) {
      const at = new Date(status.lastAnalysis.at).toLocaleTimeString();
      parts.push(`last analysis ${status.lastAnalysis.durationMs} ms at ${at}`);
    }
    if (this.scan) parts.push(this.scan);
    if (status.slow) {
      item.severity = vscode.LanguageStatusSeverity.Warning;
      const name = vscode.workspace.asRelativePath(vscode.Uri.parse(status.slow.uri));
      parts.push(`slow: ${name} took ${status.slow.durationMs} ms (budget ${status.slow.budgetMs} ms)`);
    }
    if (!vscode.workspace.isTrusted) parts.push('restricted mode: static analysis only');
    item.detail = parts.join(' · ');
  }

  dispose(): void {
    this.item.dispose();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
