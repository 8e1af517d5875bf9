import { isUndeliverable, type BrokerPort, type UndeliverableMessages } from '../ports/broker.port';
import type { OutboxEntry, StorePort } from '../ports/store.port';
import type { Logger } from '../ports/logger.port';
import { RepeatedFailureLog } from './repeated-failure-log';

export interface OutboxRelayOptions {
  /** Rows older than this are re-sent by the sweep (left behind by a crash), in ms. */
  staleAfterMs: number;
  /** Time between sweeps, in ms. */
  sweepEveryMs: number;
  /** Rows re-sent per sweep. */
  sweepBatch: number;
  /**
   * How long settled rows wait for a commit to delete them in its own
   * statement before the relay deletes them itself, in ms. Far below
   * `staleAfterMs`, so the sweep never re-sends a settled row.
   */
  deleteAfterMs: number;
}

const DEFAULTS: OutboxRelayOptions = { staleAfterMs: 10_000, sweepEveryMs: 5_000, sweepBatch: 1000, deleteAfterMs: 50 };

/** How often rows held while the broker is away check whether it is back, in ms. */
const HELD_RETRY_EVERY_MS = 200;
/** Most rows held in memory for that; beyond it, rows wait for the sweep. */
const MAX_HELD = 10_000;

/**
 * Hands committed outbox rows to the broker and deletes each row once the
 * broker holds its message durably. Deletes usually ride along with the next
 * commit (`takeSettled`); when no commit comes within `deleteAfterMs` the relay
 * deletes them itself. Rows a crash left behind are re-sent at start-up and
 * by a periodic sweep; consumers drop duplicates by checking the run's state.
 * Rows committed while the broker is away, or whose publish its connection
 * loss failed, are held and sent as soon as it is ready again, rather than at
 * the sweep after they turn stale. Other failed publishes wait for the sweep.
 */
export class OutboxRelay {
  private readonly options: OutboxRelayOptions;
  /** Ids handed to the broker and not yet deleted (settled ones included), so the sweep leaves them alone. */
  private readonly inFlight = new Set<string>();
  private readonly settled: string[] = [];
  /** Messages handed to the broker and not yet held by it (in-process broker: not yet acked by a consumer). */
  private unconfirmed = 0;
  private readonly progressListeners = new Set<() => void>();
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** This process's rows not handed over because the broker was away, by id. */
  private readonly held = new Map<string, OutboxEntry>();
  private heldTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Sweeps failing in a row (the store is away) are logged at most every 10 s. */
  private readonly sweepFailures: RepeatedFailureLog;

  constructor(
    private readonly store: StorePort,
    private readonly broker: BrokerPort,
    private readonly logger: Logger,
    options: Partial<OutboxRelayOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.sweepFailures = new RepeatedFailureLog(logger, {
      failed: 'outbox sweep failed', stillFailing: 'outbox sweep still failing', recovered: 'outbox sweep recovered',
    });
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
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.flushTimer = undefined;
    this.heldTimer = undefined;
    await this.flushSettled();
  }

  /** Sends rows just committed. While the broker is away, or when it goes under their publish, they are held until it is back. */
  send(entries: readonly OutboxEntry[]): void {
    const fresh = entries.filter((entry) => !this.inFlight.has(entry.id));
    if (fresh.length === 0) return;
    if (!this.broker.isReady()) {
      // The broker logs its own loss; the rows are safe in the outbox.
      this.hold(fresh);
      return;
    }
    for (const entry of fresh) {
      this.inFlight.add(entry.id);
      this.held.delete(entry.id);
    }
    this.unconfirmed += fresh.length;
    this.broker.publish(fresh).then(
      () => {
        this.settled.push(...fresh.map((entry) => entry.id));
        this.scheduleFlush();
        this.progress(fresh.length);
      },
      (error: unknown) => {
        for (const entry of fresh) this.inFlight.delete(entry.id);
        this.progress(fresh.length);
        if (isUndeliverable(error)) {
          this.setApart(fresh, error);
          return;
        }
        // While stopping, a broker closing under unsettled publishes is expected: the rows go out at the next start.
        if (this.stopped) this.logger.info({ count: fresh.length }, 'publish unconfirmed at shutdown; outbox rows kept for the next start');
        else if (!this.broker.isReady()) {
          // The connection went with them: send them again as soon as it is back.
          this.logger.warn({ err: error, count: fresh.length }, 'publish failed; outbox rows held until the broker is back');
          this.hold(fresh);
        } else this.logger.warn({ err: error, count: fresh.length }, 'publish failed; outbox rows kept for the sweep');
      },
    );
  }

  /**
   * Deletes the rows the broker can never carry, so that they do not hold
   * back every batch they are swept into, and sends the others again at
   * once (nothing of the refused publish went out). Each row set apart is
   * logged as an error with the broker's reason. Publish steps check the
   * broker's size limit before they commit, so only rows written before a
   * broker with a smaller limit was chosen can end here.
   */
  private setApart(entries: readonly OutboxEntry[], error: Error & UndeliverableMessages): void {
    const refused = new Set(error.undeliverableIds);
    const apart = entries.filter((entry) => refused.has(entry.id));
    for (const entry of apart) {
      this.logger.error({ outboxId: entry.id, kind: entry.message.kind, reason: error.message }, 'outbox row the broker can never carry set apart (deleted)');
    }
    for (const entry of apart) this.inFlight.add(entry.id);
    this.settled.push(...apart.map((entry) => entry.id));
    this.scheduleFlush();
    const rest = entries.filter((entry) => !refused.has(entry.id));
    if (rest.length > 0 && !this.stopped) this.send(rest);
  }

  /** Messages handed to the broker that it does not hold yet: with the in-process broker, the worker's backlog. */
  get backlog(): number {
    return this.unconfirmed;
  }

  /** Calls `listener` whenever the backlog shrinks; returns a function that unsubscribes. */
  onProgress(listener: () => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** Settled row ids for a commit to delete in its own statement; give them back with `returnSettled` if it fails. */
  takeSettled(): string[] {
    return this.settled.splice(0, this.settled.length);
  }

  /** Ids from `takeSettled` whose commit failed: they are deleted later. */
  returnSettled(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.settled.push(...ids);
    this.scheduleFlush();
  }

  /** Ids from `takeSettled` whose commit succeeded. */
  settledDeleted(ids: readonly string[]): void {
    for (const id of ids) this.inFlight.delete(id);
  }

  private progress(count: number): void {
    this.unconfirmed -= count;
    for (const listener of this.progressListeners) listener();
  }

  /** Keeps rows to send once the broker is ready again (at most MAX_HELD; the sweep sends the rest). */
  private hold(entries: readonly OutboxEntry[]): void {
    if (this.stopped) return;
    for (const entry of entries) if (this.held.size < MAX_HELD) this.held.set(entry.id, entry);
    this.scheduleHeld();
  }

  private scheduleHeld(): void {
    if (this.heldTimer || this.stopped || this.held.size === 0) return;
    this.heldTimer = setTimeout(() => {
      this.heldTimer = undefined;
      if (this.stopped) return;
      if (!this.broker.isReady()) {
        this.scheduleHeld();
        return;
      }
      const entries = [...this.held.values()];
      this.held.clear();
      this.send(entries);
    }, HELD_RETRY_EVERY_MS);
    this.heldTimer.unref();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushSettled();
    }, this.options.deleteAfterMs);
    this.flushTimer.unref();
  }

  private async sweep(olderThan: string): Promise<void> {
    try {
      for (;;) {
        const rows = (await this.store.pendingOutbox(olderThan, this.options.sweepBatch)).filter((row) => !this.inFlight.has(row.id));
        this.sweepFailures.succeeded();
        if (rows.length === 0) return;
        this.logger.info({ count: rows.length }, 're-sending outbox rows');
        this.send(rows);
        if (rows.length < this.options.sweepBatch) return;
      }
    } catch (error) {
      this.sweepFailures.failed(error);
    }
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      void this.sweep(new Date(Date.now() - this.options.staleAfterMs).toISOString()).finally(() => this.scheduleSweep());
    }, this.options.sweepEveryMs);
    this.sweepTimer.unref();
  }

  /**
   * Deletes settled rows in one statement per round. `flushing` is cleared in
   * a `finally` callback, which always runs after the assignment: a round
   * that finds nothing to delete (a commit took the rows first) finishes
   * synchronously, and clearing inside it would run before the assignment and
   * leave a finished promise behind, stopping every later flush.
   */
  private flushSettled(): Promise<void> {
    this.flushing ??= this.deleteSettled().finally(() => {
      this.flushing = undefined;
      // Rows settled while this round was ending wait for the next one.
      if (this.settled.length > 0) this.scheduleFlush();
    });
    return this.flushing;
  }

  private async deleteSettled(): Promise<void> {
    while (this.settled.length > 0) {
      const ids = this.settled.splice(0, this.settled.length);
      try {
        await this.store.deleteOutbox(ids);
      } catch (error) {
        this.logger.warn({ err: error, count: ids.length }, 'deleting settled outbox rows failed; they will be re-sent');
      }
      for (const id of ids) this.inFlight.delete(id);
    }
  }
}
