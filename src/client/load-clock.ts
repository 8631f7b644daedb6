// Imported first by src/extension.ts, so this runs before any other module of the bundle is
// evaluated: the editor benchmark splits activation into VS Code's work, loading our code and
// activate() itself.
export const moduleEvaluationStartedAt = performance.now();
