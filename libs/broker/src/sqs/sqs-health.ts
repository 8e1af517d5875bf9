import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { isAbort } from './aws-errors';
import { backoffMs } from './backoff';

/** First pause between probes once calls fail, ms. */
const PROBE_INITIAL_DELAY_MS = 100;
/** Longest pause between probes, ms. */
const PROBE_MAX_DELAY_MS = 5000;

/**
 * Whether SQS and SNS answer, from the outcome of every call the adapter
 * makes. There is no connection to lose: the SDK retries each call, and one
 * that still fails marks the broker not ready. From then on a probe call runs
 * with backoff, so readiness comes back on the first success even in a
 * process that only publishes (the outbox holds its rows while not ready).
 */
export class SqsHealth {
  private failing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeAttempt = 0;
  private stopped = false;

  constructor(
    /** A cheap call that succeeds when SQS answers. */
    private readonly probe: () => Promise<void>,
    private readonly logger: Logger,
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

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.warn({ probes: this.probeAttempt }, 'SQS calls succeed again');
    this.probeAttempt = 0;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  failed(err: unknown): void {
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
