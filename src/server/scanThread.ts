// The server's side of the workspace scan thread (src/server/scan-thread.ts): started on the first
// scan, ended when a scan is over (it holds its own copy of the compiler, ~70 MB), restarted when
// it fails. Analysing on that thread keeps the server's main thread free for the editor's requests
// during a scan, and lets the scan run at a lower priority than the editor.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileAnalysis } from '../analysis/analyzer.js';
import type { AnalysisOptions } from '../analysis/types.js';
import type { ScanBatchRequest, ScanBatchResponse } from './scan-thread.js';

export class ScanThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (analyses: FileAnalysis[]) => void; reject: (error: Error) => void }
  >();

  /** Undefined when the thread's bundle is not next to this one (running from source, in unit tests). */
  static create(): ScanThread | undefined {
    const script = path.join(__dirname, 'server-scan-thread.js');
    return existsSync(script) ? new ScanThread(script) : undefined;
  }

  private constructor(private readonly script: string) {}

  /** Reads and analyses `files` on the scan thread. Rejects if the thread fails or exits. */
  analyze(files: string[], options: AnalysisOptions, root: string | undefined): Promise<FileAnalysis[]> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, files, options, root } satisfies ScanBatchRequest);
    });
  }

  /** Ends the thread (a scan is over, or the server shuts down); pending batches are rejected. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(new Error('the scan thread was stopped'));
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (response: ScanBatchResponse) => {
      const waiting = this.pending.get(response.id);
      this.pending.delete(response.id);
      waiting?.resolve(response.analyses);
    });
    const fail = (error: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failPending(error);
    };
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`the scan thread exited with code ${code}`)));
    // The thread must not keep the server process alive on its own.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failPending(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
