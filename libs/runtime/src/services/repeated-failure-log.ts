import type { Logger } from '../ports/logger.port';

/** How often a failure that keeps repeating is logged again, in ms. */
export const REPEATED_FAILURE_LOG_EVERY_MS = 10_000;

/** The lines a `RepeatedFailureLog` writes. */
export interface RepeatedFailureMessages {
  /** The first failure, at warn, with the error. */
  failed: string;
  /** At most once per period while it keeps failing, at warn, with the error, `failures` so far and `failingForMs`. */
  stillFailing: string;
  /** The first success after failures, at info, with `failures` and `failedForMs`. */
  recovered: string;
}

/**
 * Logs the failures of work that repeats on a timer (a poll, a sweep) without
 * flooding the log while its cause lasts, as during a store outage: the first
 * failure, then at most one line per `everyMs` with the count, and one line
 * when it works again.
 */
export class RepeatedFailureLog {
  private failing: { since: number; failures: number; loggedAt: number } | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly messages: RepeatedFailureMessages,
    private readonly everyMs = REPEATED_FAILURE_LOG_EVERY_MS,
  ) {}

  failed(error: unknown): void {
    const now = Date.now();
    const state = this.failing;
    if (!state) {
      this.failing = { since: now, failures: 1, loggedAt: now };
      this.logger.warn({ err: error }, this.messages.failed);
      return;
    }
    state.failures += 1;
    if (now - state.loggedAt < this.everyMs) return;
    state.loggedAt = now;
    this.logger.warn({ err: error, failures: state.failures, failingForMs: now - state.since }, this.messages.stillFailing);
  }

  succeeded(): void {
    const state = this.failing;
    if (!state) return;
    this.failing = undefined;
    this.logger.info({ failures: state.failures, failedForMs: Date.now() - state.since }, this.messages.recovered);
  }
}
