// Imported first by src/server/server.ts, so this runs before any other module of the server bundle
// is evaluated: the start-up benchmark (bench/server-startup.mjs) splits the server's start into
// Node's own start, evaluating the bundle, the initialize handshake and the first analysis.
// Times are performance.now() of this process (milliseconds since it started).
export const startupClock: {
  bundleEvaluationStartedAt: number;
  modulesEvaluatedAt?: number;
  initializeReceivedAt?: number;
  /** the first document analysis: started, ended (includes loading the engine when that is lazy) */
  firstAnalysisStartedAt?: number;
  firstAnalysisEndedAt?: number;
  /** the client's first workspace diagnostics request; the first workspace report holding an open document */
  workspacePullReceivedAt?: number;
  openDocumentReportedAt?: number;
} = { bundleEvaluationStartedAt: performance.now() };
