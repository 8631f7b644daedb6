// The documents Concurrency Lens analyses.
export const languageIds = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'] as const;

/** Plain filters: valid both as a VS Code DocumentSelector and as an LSP one. */
export const documentSelector: Array<{ scheme: string; language: string }> = languageIds.flatMap(
  (language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ],
);

export const sourceGlob = '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}';
