// What the language server tells the code-cache loader (src/shared/code-cache.ts) that loaded it.
// A module of its own: the server bundle imports it without the loader.

/** Emitted on `process` once the server's first diagnostics are out: the cache may be written now. */
export const firstAnswerSentEvent = 'concurrency-lens:first-answer-sent';
