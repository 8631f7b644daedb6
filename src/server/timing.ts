// Small timing helpers for the server's event loop: waits that honour cancellation, a trailing
// throttle, and a signal a long poll can wait on.
import type { CancellationToken } from 'vscode-languageserver';

/** Resolves after `ms`, or as soon as the token is cancelled. */
export function delay(ms: number, token?: CancellationToken): Promise<void> {
  return new Promise((resolve) => {
    if (token?.isCancellationRequested) return resolve();
    let subscription: { dispose(): void } | undefined;
    const done = () => {
      clearTimeout(timer);
      subscription?.dispose();
      resolve();
    };
    const timer = setTimeout(done, ms);
    subscription = token?.onCancellationRequested(done);
  });
}

/** Lets pending I/O (incoming requests, cancellations) run before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Throttled<A extends unknown[]> {
  (...args: A): void;
  /** run now with these arguments (else the pending ones, else none), replacing the pending call */
  now(...args: A | []): void;
}

/** Calls `fn` at most once per `ms`, always with the latest arguments, and always once after the last call. */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): Throttled<A> {
  let timer: NodeJS.Timeout | undefined;
  let pending: A | undefined;
  let last = 0;
  const run = () => {
    timer = undefined;
    last = Date.now();
    const args = pending;
    pending = undefined;
    if (args) fn(...args);
  };
  const throttled = ((...args: A) => {
    pending = args;
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  }) as Throttled<A>;
  throttled.now = (...args: A | []) => {
    if (timer) clearTimeout(timer);
    pending = args.length > 0 ? (args as A) : (pending ?? ([] as unknown as A));
    run();
  };
  return throttled;
}

/** Wakes every waiter on `fire()`. */
export class Signal {
  private waiters: Array<() => void> = [];

  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  wait(token: CancellationToken): Promise<void> {
    return new Promise((resolve) => {
      if (token.isCancellationRequested) return resolve();
      let subscription: { dispose(): void } | undefined;
      const done = () => {
        subscription?.dispose();
        resolve();
      };
      this.waiters.push(done);
      subscription = token.onCancellationRequested(done);
    });
  }
}
