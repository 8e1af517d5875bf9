/** One read of some queues: a figure per queue, in the order they are read, and when (epoch ms). */
export interface QueueReading<T> {
  queues: readonly T[];
  at: number;
}

/**
 * The last reading a background queue reader took, under the rules the
 * RabbitMQ and SQS readers share: a reading older than `staleAfterMs` is
 * unknown (the reads have stalled), and a caller that wants figures now may
 * wait a bounded time for the next read instead of finding none.
 */
export class QueueReadings<T> {
  private last: QueueReading<T> | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    /** Age past which a reading no longer counts, in ms. */
    private readonly staleAfterMs: number,
  ) {}

  /** The last reading, unless it is stale or the last read failed. */
  current(): QueueReading<T> | undefined {
    if (this.last === undefined || Date.now() - this.last.at > this.staleAfterMs) return undefined;
    return this.last;
  }

  /** Records the outcome of a read (undefined: it failed or was given up) and wakes whoever waits for one. */
  settle(reading: QueueReading<T> | undefined): void {
    this.last = reading;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Forgets the last reading without waking anyone: the next read answers them. */
  forget(): void {
    this.last = undefined;
  }

  /**
   * The current reading, or else the outcome of the next read, waited for at
   * most `waitMs`; undefined when that read fails or does not come in time.
   */
  async next(waitMs: number): Promise<QueueReading<T> | undefined> {
    const now = this.current();
    if (now !== undefined) return now;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      timer.unref();
      this.waiters.add(wake);
    });
    return this.current();
  }
}
