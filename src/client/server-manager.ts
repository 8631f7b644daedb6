// Owns the language client: starts the server on first need, restarts it with backoff when it dies
// (telling the user once, not at every crash), and restarts it on request.
// vscode-languageclient is loaded on first start, so activation does not pay for it.
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
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
import { documentSelector, sourceGlob } from './languages.js';
import type { StatusItem } from './status.js';

type LanguageClientLibrary = typeof import('vscode-languageclient/node');

/**
 * The language client library, from its own bundle next to this one (see
 * src/client/language-client-library.ts): a path esbuild does not follow, so extension.js stays
 * small and activation does not parse ~430 KB it does not run.
 */
function loadLanguageClientLibrary(): LanguageClientLibrary {
  return require(path.join(__dirname, 'language-client.js')) as LanguageClientLibrary;
}

/** Crashes within this window count towards the backoff and the give-up limit. */
const crashWindowMs = 3 * 60_000;
const maxCrashesInWindow = 6;
const firstBackoffMs = 500;
const maxBackoffMs = 30_000;

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private crashes: number[] = [];
  private toldUserAboutCrash = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly startedEmitter = new vscode.EventEmitter<number>();
  private readonly scanProgressEmitter = new vscode.EventEmitter<ScanProgressParams>();
  private readonly statusEmitter = new vscode.EventEmitter<StatusParams>();
  readonly onDidStartServer = this.startedEmitter.event;
  readonly onDidUpdateStatus = this.statusEmitter.event;
  readonly onScanProgress = this.scanProgressEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly status: StatusItem,
  ) {}

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
    const { LanguageClient, TransportKind, RevealOutputChannelOn, CloseAction, ErrorAction, State } =
      loadLanguageClientLibrary();
    const serverModule = this.context.asAbsolutePath('dist/server.js');
    const env = {
      ...process.env,
      CONCURRENCY_LENS_VERSION: String(this.context.extension.packageJSON.version),
      // Node 22.1+ keeps V8's compiled code of dist/server.js on disk: compiling the bundle is the
      // largest part of the server's start-up (the scan process inherits it too).
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(os.tmpdir(), 'node-compile-cache'),
    };
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc, options: { env } },
      debug: {
        module: serverModule,
        transport: TransportKind.ipc,
        options: { env, execArgv: ['--nolazy', '--inspect=6019'] },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector,
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
    const info = await client.sendRequest<ServerInfoResult>(serverInfoMethod);
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
    if (this.client?.isRunning()) await this.client.stop();
  }

  dispose(): void {
    void this.stop();
    this.startedEmitter.dispose();
    this.scanProgressEmitter.dispose();
    this.statusEmitter.dispose();
  }
}
