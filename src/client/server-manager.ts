// Owns the language client: starts the server on first need, restarts it with backoff when it dies
// (telling the user once, not at every crash), and restarts it on request.
// vscode-languageclient is loaded on first start, so activation does not pay for it. The server's
// process is usually running already by then (forked when this bundle loaded: server-process.ts).
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import type {
  LanguageClient,
  LanguageClientOptions,
  MessageTransports,
  ServerOptions,
} from 'vscode-languageclient/node';
import {
  commands,
  type ScanProgressParams,
  type ServerInfoResult,
  type StatusParams,
  scanProgressMethod,
  serverInfoMethod,
  statusMethod,
} from '../shared/protocol.js';
import { configurationSection } from '../shared/settings.js';
import type { ServerStartClock } from './api.js';
import { documentSelector, sourceGlob } from './languages.js';
import { forkServer, isAlive, takeEarlyServer } from './server-process.js';
import type { StatusItem } from './status.js';

type LanguageClientLibrary = typeof import('vscode-languageclient/node');

/**
 * The language client library, from its own bundle next to this one (see
 * src/client/language-client-library.ts): a path esbuild does not follow, so extension.js stays
 * small and activation does not parse ~430 KB it does not run.
 */
let library: { exports: LanguageClientLibrary; loadedAt: number } | undefined;
function loadLanguageClientLibrary(): { exports: LanguageClientLibrary; loadedAt: number } {
  if (library) return library;
  const file = path.join(__dirname, 'language-client.js');
  let exports: LanguageClientLibrary;
  // With V8's code cache (src/shared/code-cache.ts): loading it is on the way to the first diagnostic.
  try {
    const { requireWithCodeCache } = require(
      path.join(__dirname, 'code-cache.js'),
    ) as typeof import('../shared/code-cache.js');
    exports = requireWithCodeCache(file) as LanguageClientLibrary;
  } catch {
    exports = require(file) as LanguageClientLibrary;
  }
  library = { exports, loadedAt: performance.now() };
  return library;
}

/**
 * Loads the language client library on the extension host's next turn, without waiting for
 * activate(): in a cold window VS Code mostly waits between loading this bundle and activating it.
 */
export function preloadLanguageClientLibrary(): void {
  setTimeout(() => {
    try {
      loadLanguageClientLibrary();
    } catch {
      // the first start loads it again and reports the failure
    }
  }, 0);
}

/** `concurrencyLens.*` of each workspace folder, as the client would answer workspace/configuration. */
function folderSettings(): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const value = vscode.workspace.getConfiguration(undefined, folder.uri).get(configurationSection);
    settings[folder.uri.toString()] = JSON.parse(JSON.stringify(value ?? null));
  }
  return settings;
}

/** A replaced server process was asked to exit; if it has not within 2 s (hung), it is killed. */
function retire(child: ChildProcess): void {
  setTimeout(() => {
    if (isAlive(child)) child.kill();
  }, 2000).unref();
}

/** Crashes within this window count towards the backoff and the give-up limit. */
const crashWindowMs = 3 * 60_000;
const maxCrashesInWindow = 6;
const firstBackoffMs = 500;
const maxBackoffMs = 30_000;

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** the first start's marks, for the editor benchmark */
  readonly startClock: ServerStartClock = {};
  /** the process the client talks to */
  private process: ChildProcess | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private crashes: number[] = [];
  private toldUserAboutCrash = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly startedEmitter = new vscode.EventEmitter<number>();
  private readonly scanProgressEmitter = new vscode.EventEmitter<ScanProgressParams>();
  private readonly statusEmitter = new vscode.EventEmitter<StatusParams>();
  readonly onDidStartServer = this.startedEmitter.event;
  /** the pid of the last server that started (onDidStartServer's last event), if one did */
  startedPid: number | undefined;
  readonly onDidUpdateStatus = this.statusEmitter.event;
  readonly onScanProgress = this.scanProgressEmitter.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly status: StatusItem,
  ) {}

  /** The early process while it is alive, else a new one; connected to the client over IPC. */
  private connectServer(library: LanguageClientLibrary): MessageTransports {
    const early = takeEarlyServer();
    if (early) this.startClock.forkedAt ??= early.forkedAt;
    const child = early?.process ?? forkServer();
    this.startClock.forkedAt ??= performance.now();
    if (this.process) retire(this.process);
    this.process = child;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.log.append(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => this.log.append(text));
    return { reader: new library.IPCMessageReader(child), writer: new library.IPCMessageWriter(child) };
  }

  get isRunning(): boolean {
    return this.client?.isRunning() ?? false;
  }

  /** The running client, starting the server if needed. */
  async ensureStarted(): Promise<LanguageClient> {
    if (this.client?.isRunning()) return this.client;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async serverInfo(): Promise<ServerInfoResult> {
    const client = await this.ensureStarted();
    return client.sendRequest<ServerInfoResult>(serverInfoMethod);
  }

  /** User-requested restart: forgets earlier crashes. */
  async restart(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.crashes = [];
    const client = this.client;
    if (!client) {
      await this.ensureStarted();
      return;
    }
    this.log.info('restarting the analysis server');
    this.status.setState('restarting');
    if (client.isRunning())
      await client.stop().catch((error) => this.log.warn(`stopping the server: ${String(error)}`));
    await this.startClient(client);
  }

  private async start(): Promise<LanguageClient> {
    if (this.client) {
      await this.startClient(this.client);
      return this.client;
    }
    const started = performance.now();
    this.status.setState('starting');
    const { exports: library, loadedAt } = loadLanguageClientLibrary();
    this.startClock.clientLibraryLoadedAt ??= loadedAt;
    const { LanguageClient, RevealOutputChannelOn, CloseAction, ErrorAction, State } = library;
    // Every start (first, restart, after a crash) connects a process: the prestarted one first.
    const serverOptions: ServerOptions = async () => this.connectServer(library);
    const clientOptions: LanguageClientOptions = {
      documentSelector,
      // Each folder's settings up front: the first analysis needs no configuration round trip
      // through an extension host that is busy starting a window. (Read again at every start.)
      initializationOptions: () => ({ settings: folderSettings() }),
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticPullOptions: { onChange: true, onSave: true },
      synchronize: {
        fileEvents: [
          vscode.workspace.createFileSystemWatcher('**/.concurrency-lens.json'),
          vscode.workspace.createFileSystemWatcher(sourceGlob),
        ],
      },
      errorHandler: {
        // A bad message is not worth killing the server for; a broken connection is handled by `closed`.
        error: (_error, _message, count) => ({
          action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: () => {
          this.onUnexpectedClose();
          // Restarted by onUnexpectedClose, with backoff (the library's own restart has none).
          return {
            action: CloseAction.DoNotRestart,
            handled: true,
            message: 'The connection to the analysis server closed.',
          };
        },
      },
      initializationFailedHandler: (error) => {
        this.log.error(`the analysis server failed to initialize: ${String(error)}`);
        return false;
      },
    };
    const client = new LanguageClient(configurationSection, 'Concurrency Lens', serverOptions, clientOptions);
    this.client = client;
    client.onNotification(statusMethod, (status: StatusParams) => {
      this.status.setStatus(status);
      this.statusEmitter.fire(status);
    });
    client.onNotification(scanProgressMethod, (progress: ScanProgressParams) =>
      this.scanProgressEmitter.fire(progress),
    );
    client.onDidChangeState((event) => {
      if (event.newState === State.Running) this.status.setState('running');
      else if (event.newState === State.Stopped && !this.restartTimer) this.status.setState('stopped');
    });
    await this.startClient(client);
    this.log.info(`analysis server started in ${Math.round(performance.now() - started)} ms`);
    return client;
  }

  private async startClient(client: LanguageClient): Promise<void> {
    await client.start();
    this.startClock.initializeAnsweredAt ??= performance.now();
    const info = await client.sendRequest<ServerInfoResult>(serverInfoMethod);
    this.startedPid = info.pid;
    this.startedEmitter.fire(info.pid);
  }

  private onUnexpectedClose(): void {
    if (this.disposed) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((at) => now - at < crashWindowMs), now];
    if (this.crashes.length > maxCrashesInWindow) {
      this.log.error(
        `the analysis server stopped ${this.crashes.length} times in 3 minutes; not restarting it`,
      );
      this.status.setState('stopped');
      void vscode.window
        .showErrorMessage(
          'Concurrency Lens: the analysis server keeps stopping and was not restarted. See the output for details.',
          'Show Output',
          'Restart Server',
        )
        .then((choice) => {
          if (choice === 'Show Output') this.log.show();
          if (choice === 'Restart Server') void vscode.commands.executeCommand(commands.restartServer);
        });
      return;
    }
    const backoff = Math.min(maxBackoffMs, firstBackoffMs * 2 ** (this.crashes.length - 1));
    this.log.warn(`the analysis server stopped unexpectedly; restarting in ${backoff} ms`);
    this.status.setState('restarting');
    if (!this.toldUserAboutCrash) {
      this.toldUserAboutCrash = true;
      void vscode.window
        .showWarningMessage(
          'Concurrency Lens: the analysis server stopped unexpectedly and is being restarted.',
          'Show Output',
        )
        .then((choice) => {
          if (choice === 'Show Output') this.log.show();
        });
    }
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      const client = this.client;
      if (!client || this.disposed) return;
      this.startClient(client).catch((error) =>
        this.log.error(`restarting the analysis server failed: ${String(error)}`),
      );
    }, backoff);
  }

  async stop(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    takeEarlyServer()?.process.kill();
    if (this.client?.isRunning()) await this.client.stop();
    // The client asked it to exit; one that did not (hung) goes now.
    if (this.process && isAlive(this.process)) this.process.kill();
  }

  dispose(): void {
    void this.stop();
    this.startedEmitter.dispose();
    this.scanProgressEmitter.dispose();
    this.statusEmitter.dispose();
  }
}
