// What `activate` returns: a small surface for the integration tests and the editor benchmark.
import type { Event } from 'vscode';
import type { ScanWorkspaceResult, ServerInfoResult, StatusParams } from '../shared/protocol.js';
import type { ProfilerProbe } from './profiler.js';

export interface ServerStartClock {
  forkedAt?: number;
  clientLibraryLoadedAt?: number;
  initializeAnsweredAt?: number;
}

export interface ConcurrencyLensApi {
  /** milliseconds spent inside `activate()` (the benchmark compares it with VS Code's whole activation) */
  activateMs?: number;
  /** performance.now() marks of activation, for the benchmark to tell VS Code's share from ours */
  activationClock?: {
    moduleEvaluationStartedAt: number;
    modulesEvaluatedAt: number;
    activateStartedAt: number;
    activateEndedAt: number;
  };
  /** performance.now() marks of the first server start (forked, client library loaded, initialize answered) */
  serverStartClock?: ServerStartClock;
  /** Starts the server if it is not running yet; resolves when it answers requests. */
  whenReady(): Promise<void>;
  serverInfo(): Promise<ServerInfoResult>;
  /** Fires with the server's pid each time a server process is up (first start, restart, recovery). */
  readonly onDidStartServer: Event<number>;
  /** Fires after every workspace scan with its result. */
  readonly onDidScan: Event<ScanWorkspaceResult>;
  /** Fires with each status update from the server (counts, last analysis and its duration). */
  readonly onDidUpdateStatus: Event<StatusParams>;
  /** What the profiler shows (the open report): read by the integration tests. */
  readonly profiler?: ProfilerProbe;
  /** Fires with the function's name when "Move to worker pool" hands its edit to the refactor preview. */
  readonly onWillPreviewMoveToWorkerPool: Event<string>;
}
