import type { StorePort } from '../ports/store.port';
import type { Logger } from '../ports/logger.port';
import type { OutboxRelay } from './outbox-relay';
import { RepeatedFailureLog } from './repeated-failure-log';

/**
 * Fires durable timers (retries and delays): due rows move to the outbox in
 * one transaction and go to the broker from there, so a timer survives any
 * restart. Several processes may run this; `SKIP LOCKED` keeps them apart.
 * While polls keep failing (the store is away) the log gets the first
 * failure, then a line every 10 s with the count, and one when a poll works again.
 */
export class TimerScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private readonly failures: RepeatedFailureLog;

  constructor(
    private readonly store: StorePort,
    private readonly relay: OutboxRelay,
    logger: Logger,
    /** Poll interval, in ms: the lateness of a timer is at most about this. */
    private readonly pollMs = 200,
    private readonly batch = 500,
  ) {
    this.failures = new RepeatedFailureLog(logger, {
      failed: 'firing timers failed', stillFailing: 'firing timers still failing', recovered: 'firing timers recovered',
    });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Fires what is due now; returns how many timers fired. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      let fired = 0;
      for (;;) {
        const entries = await this.store.fireDueTimers(new Date().toISOString(), this.batch);
        fired += entries.length;
        this.relay.send(entries);
        if (entries.length < this.batch) return fired;
      }
    } finally {
      this.running = false;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .then(() => this.failures.succeeded(), (error: unknown) => this.failures.failed(error))
        .finally(() => this.schedule(this.pollMs));
    }, delayMs);
    this.timer.unref();
  }
}
