// Text triggers shared by rules about the same APIs: the analyzer tests each distinct trigger once
// per file, so sharing one (a superset of what each rule needs is fine: a trigger only lets a rule
// skip files it cannot fire on) saves scanning the text again.

/** Messages to workers and pool tasks: postMessage, workerData, structuredClone, pool.run(…). */
export const WORKER_MESSAGING_TRIGGER =
  /postMessage|workerData|structuredClone|piscina|tinypool|workerpool|transferList|(pool|piscina)\s*\.\s*(run|runTask|exec)\s*\(/i;

/**
 * Creating workers or pools. No `\b` around `Worker`: word boundaries keep the regex engine from
 * skipping ahead, which made this three times slower; the few extra files it lets through
 * (`ServiceWorker`, `WorkerGlobalScope`) are cheap.
 */
export const WORKER_CREATION_TRIGGER = /Worker|[Pp]iscina|[Tt]inypool|workerpool/;
