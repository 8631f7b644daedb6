// Entry point. Activation is cheap by design: it registers commands and returns. The language
// server's process, the language client library and the client itself start when VS Code loads
// this bundle, while it gets round to calling activate() (see client/server-process.ts and
// startClientEarly in client/index.ts).
// biome-ignore-all assist/source/organizeImports: the load clock must be evaluated before the other modules

// The load clock stays the first import: it marks when this bundle started evaluating.
import { moduleEvaluationStartedAt } from './client/load-clock.js';
import { preloadLanguageClientLibrary } from './client/server-manager.js';
import { forkServerEarly } from './client/server-process.js';
import type * as vscode from 'vscode';
import type { ConcurrencyLensApi } from './client/api.js';
import { activateClient, deactivateClient, startClientEarly } from './client/index.js';

// The server's process starts now, on another core, while VS Code gets round to calling activate();
// the language client library loads and the client connects to it on the host's next turns.
forkServerEarly();
preloadLanguageClientLibrary();
startClientEarly();

const modulesEvaluatedAt = performance.now();

export function activate(context: vscode.ExtensionContext): ConcurrencyLensApi {
  const started = performance.now();
  const api = activateClient(context);
  const ended = performance.now();
  api.activateMs = ended - started;
  api.activationClock = {
    moduleEvaluationStartedAt,
    modulesEvaluatedAt,
    activateStartedAt: started,
    activateEndedAt: ended,
  };
  return api;
}

export function deactivate(): Promise<void> | undefined {
  return deactivateClient();
}
