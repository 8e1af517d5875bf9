import type { Logger } from '@sluice/runtime';

/**
 * On the first SIGTERM or SIGINT, runs the closers in order (a failing one is
 * logged and the rest still run), then exits 0. Shared by both entry points:
 * the API passes its HTTP app first, so no request is accepted while the
 * platform closes; the platform's close drains the worker transport before
 * anything else.
 */
export function closeOnSignals(log: Logger, closers: readonly (() => Promise<void>)[]): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    void (async () => {
      for (const close of closers) {
        await close().catch((error: unknown) => log.warn({ err: error }, 'error while shutting down'));
      }
    })().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
