import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { isAbort } from './aws-errors';
import { backoffMs } from './backoff';

/** First pause between probes once calls fail, ms. */
const PROBE_INITIAL_DELAY_MS = 100;
/** Longest pause between probes, ms. */
const PROBE_MAX_DELAY_MS = 5000;
/** How long without the outcome of any call before readiness, when asked, probes first, ms. */
export const QUIET_AFTER_MS = 5000;

/**
 * Whether SQS and SNS answer, from the outcome of every call the adapter
 * makes. There is no connection to lose: the SDK retries each call, and one
 * that still fails marks the broker not ready. From then on a probe call runs
 * with backoff, so readiness comes back on the first success even in a
 * process that only publishes (the outbox holds its rows while not ready).
 *
 * A process can be quiet (an idle API makes no call of its own): when
 * readiness is asked (`checkQuiet()`) and no call has ended for
 * `quietAfterMs`, one probe runs, so an unreachable SQS marks it not ready
 * by the next check rather than at its first publish.
 */
export class SqsHealth {
  private failing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeAttempt = 0;
  private stopped = false;
  /** When a call last ended, in success or failure, ms since the epoch. */
  private lastOutcomeAt = Date.now();
  /** A probe of a quiet process under way. */
  private quietProbe = false;

  constructor(
    /** A cheap call that succeeds when SQS answers. */
    private readonly probe: () => Promise<void>,
    private readonly logger: Logger,
    private readonly quietAfterMs = QUIET_AFTER_MS,
  ) {}

  get ok(): boolean {
    return !this.failing;
  }

  /** Awaits one SQS or SNS call and records its outcome; a call we aborted ourselves is no failure. */
  async track<T>(call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      this.succeeded();
      return result;
    } catch (err) {
      if (!isAbort(err)) this.failed(err);
      throw err;
    }
  }

  /**
   * When readiness is asked: if no call has ended for `quietAfterMs`, none is
   * failing and no probe is under way, starts a probe. It does not wait: the
   * answer counts from the next check on.
   */
  checkQuiet(): void {
    if (this.stopped || this.failing || this.quietProbe || Date.now() - this.lastOutcomeAt < this.quietAfterMs) return;
    this.quietProbe = true;
    this.probe().then(
      () => this.succeeded(),
      (err: unknown) => this.failed(err),
    ).finally(() => (this.quietProbe = false));
  }

  succeeded(): void {
    this.lastOutcomeAt = Date.now();
    if (!this.failing) return;
    this.failing = false;
    this.logger.warn({ probes: this.probeAttempt }, 'SQS calls succeed again');
    this.probeAttempt = 0;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  failed(err: unknown): void {
    this.lastOutcomeAt = Date.now();
    if (this.failing || this.stopped) return;
    this.failing = true;
    this.logger.warn(errorFields(err), 'SQS calls failing; the broker is not ready until one succeeds');
    this.scheduleProbe();
  }

  stop(): void {
    this.stopped = true;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private scheduleProbe(): void {
    if (this.stopped || !this.failing || this.probeTimer !== undefined) return;
    this.probeAttempt += 1;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.stopped || !this.failing) return;
      this.probe().then(
        () => this.succeeded(),
        (err: unknown) => {
          this.logger.debug({ attempt: this.probeAttempt, ...errorFields(err) }, 'SQS probe failed');
          this.scheduleProbe();
        },
      );
    }, backoffMs(this.probeAttempt, PROBE_INITIAL_DELAY_MS, PROBE_MAX_DELAY_MS));
    this.probeTimer.unref();
  }
}
