// The server's side of the workspace scan process (src/server/scan-child.ts): started on the
// first scan, ended when a scan is over (it holds its own copy of the compiler), started again
// when needed. Analysing there keeps the server's main thread free for the editor's requests
// during a scan, and runs the scan at a lower priority than the editor.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FileAnalysis } from '../analysis/analyzer.js';
import type { AnalysisOptions } from '../analysis/types.js';
import type { ScanBatchRequest, ScanBatchResponse } from './scan-child.js';
import { SCAN_NICE } from './scan-priority.js';

export class ScanProcess {
  private child: ChildProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (analyses: FileAnalysis[]) => void; reject: (error: Error) => void }
  >();

  /**
   * Undefined when the process's bundle is not next to this one (running from source, in unit
   * tests); `script` names the bundle elsewhere.
   */
  static create(script = path.join(__dirname, 'server-scan-child.js')): ScanProcess | undefined {
    return existsSync(script) ? new ScanProcess(script) : undefined;
  }

  /** The running process's pid, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private constructor(private readonly script: string) {}

  /** Reads and analyses `files` in the scan process. Rejects if the process fails or exits. */
  analyze(files: string[], options: AnalysisOptions, root: string | undefined): Promise<FileAnalysis[]> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, files, options, root } satisfies ScanBatchRequest, (error) => {
        if (error) this.fail(child, error);
      });
    });
  }

  /** Ends the process (a scan is over, or the server shuts down); pending batches are rejected. */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    this.failPending(new Error('the scan process was stopped'));
    child?.kill();
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    // Through the code-cache loader when it is there (built bundles): the process starts for
    // every scan, and its start is mostly compiling the bundle (src/shared/code-cache.ts).
    const loader = path.join(path.dirname(this.script), 'code-cache.js');
    const [module, args] = existsSync(loader) ? [loader, [this.script]] : [this.script, []];
    const child = fork(module, args, {
      // Everything on the one (low-priority) thread, the garbage collector included.
      execArgv: ['--single-threaded'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    // The end of stderr says why the process died (an uncaught error, out of memory).
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on('message', (response: ScanBatchResponse) => {
      const waiting = this.pending.get(response.id);
      this.pending.delete(response.id);
      waiting?.resolve(response.analyses);
    });
    child.on('error', (error) => this.fail(child, error));
    // 'close' rather than 'exit': stderr has been read to the end by then
    child.on('close', (code, signal) =>
      this.fail(
        child,
        new Error(
          `the scan process exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
        ),
      ),
    );
    // Lowered at once, not only when the child gets to it: loading its bundle (compiling
    // TypeScript) then runs below the editor's priority too.
    try {
      if (child.pid !== undefined) os.setPriority(child.pid, SCAN_NICE);
    } catch {
      // not permitted here: the child tries itself
    }
    this.child = child;
    return child;
  }

  private fail(child: ChildProcess, error: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.failPending(error);
    child.kill();
  }

  private failPending(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
