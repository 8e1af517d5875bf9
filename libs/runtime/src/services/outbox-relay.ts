import type { BrokerPort } from '@sluice/broker';
import type { OutboxEntry, StorePort } from '@sluice/store';
import type { Logger } from '../ports/logger.port';

export interface OutboxRelayOptions {
  /** Rows older than this are re-sent by the sweep (left behind by a crash), in ms. */
  staleAfterMs: number;
  /** Time between sweeps, in ms. */
  sweepEveryMs: number;
  /** Rows re-sent per sweep. */
  sweepBatch: number;
}

const DEFAULTS: OutboxRelayOptions = { staleAfterMs: 10_000, sweepEveryMs: 5_000, sweepBatch: 1000 };

/**
 * Hands committed outbox rows to the broker and deletes each row once the
 * broker holds its message durably. Rows a crash left behind are re-sent at
 * start-up and by a periodic sweep; consumers drop duplicates by checking the
 * run's state.
 */
export class OutboxRelay {
  private readonly options: OutboxRelayOptions;
  /** Ids handed to the broker and not yet settled, so the sweep leaves them alone. */
  private readonly inFlight = new Set<string>();
  private readonly settled: string[] = [];
  private flushing: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: StorePort,
    private readonly broker: BrokerPort,
    private readonly logger: Logger,
    options: Partial<OutboxRelayOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Re-sends every row still in the outbox, then sweeps periodically. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.sweep(new Date().toISOString());
    this.scheduleSweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await this.flushSettled();
  }

  /** Sends rows just committed. Failures leave the rows for the sweep. */
  send(entries: readonly OutboxEntry[]): void {
    const fresh = entries.filter((entry) => !this.inFlight.has(entry.id));
    if (fresh.length === 0) return;
    for (const entry of fresh) this.inFlight.add(entry.id);
    this.broker.publish(fresh).then(
      () => {
        this.settled.push(...fresh.map((entry) => entry.id));
        void this.flushSettled();
      },
      (error: unknown) => {
        for (const entry of fresh) this.inFlight.delete(entry.id);
        this.logger.warn({ err: error, count: fresh.length }, 'publish failed; outbox rows kept for the sweep');
      },
    );
  }

  /** Number of rows handed to the broker and not yet settled. */
  get pending(): number {
    return this.inFlight.size;
  }

  private async sweep(olderThan: string): Promise<void> {
    try {
      for (;;) {
        const rows = (await this.store.pendingOutbox(olderThan, this.options.sweepBatch)).filter((row) => !this.inFlight.has(row.id));
        if (rows.length === 0) return;
        this.logger.info({ count: rows.length }, 're-sending outbox rows');
        this.send(rows);
        if (rows.length < this.options.sweepBatch) return;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox sweep failed');
    }
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      void this.sweep(new Date(Date.now() - this.options.staleAfterMs).toISOString()).finally(() => this.scheduleSweep());
    }, this.options.sweepEveryMs);
    this.sweepTimer.unref();
  }

  /** Deletes settled rows in one statement per round. */
  private flushSettled(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.settled.length > 0) {
          const ids = this.settled.splice(0, this.settled.length);
          try {
            await this.store.deleteOutbox(ids);
          } catch (error) {
            this.logger.warn({ err: error, count: ids.length }, 'deleting settled outbox rows failed; they will be re-sent');
          }
          for (const id of ids) this.inFlight.delete(id);
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}
