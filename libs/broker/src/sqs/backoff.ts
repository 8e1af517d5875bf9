/** Pause after an empty receive when long polling is off (a wait of 0 s), ms: short polls answer at once, and must not spin. */
export const EMPTY_SHORT_POLL_PAUSE_MS = 200;

/** The pause before the next try after `failures` failures in a row, ms: exponential from `initialMs` up to `maxMs`, with ±20 % jitter. */
export function backoffMs(failures: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Waits `ms`, or less if `signal` aborts meanwhile; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
