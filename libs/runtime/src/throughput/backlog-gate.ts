import { DomainError } from '../errors/domain-error';

/** What a `BacklogGate` bounds. */
export interface Backlog {
  /** Work accepted and not yet done, in messages. */
  size(): number;
  /** A caller was let through: count its work until the readings show it. */
  admit(): void;
  /**
   * How fast the backlog drains, in messages per second (each caller let
   * through counted as one), measured while it averaged DRAIN_FLOOR or more;
   * undefined when it has not lately.
   */
  drainPerSecond(): number | undefined;
}

export interface BacklogLimits {
  /** Backlog at which callers wait, in messages (SLUICE_MAX_BACKLOG). */
  maxBacklog: number;
  /**
   * Longest the backlog may take to drain at the rate it drains, in ms
   * (SLUICE_MAX_BACKLOG_DRAIN_MS); past it callers wait too. 0: no such bound.
   */
  maxDrainMs: number;
  /** Longest a caller waits, in ms; 0 refuses at once (SLUICE_BACKPRESSURE_WAIT_MS). */
  maxWaitMs: number;
}

/**
 * Below this many messages (on average over the measure) the drain rate does
 * not bound the backlog: with so little waiting, workers may have been idle
 * at times, so the rate seen says how much came, not what they can do.
 */
export const DRAIN_FLOOR = 50;

/**
 * Backpressure: callers wait while the backlog is at its limit, so work is
 * not accepted faster than it is done and the latency of accepted work stays
 * bounded. The limit is `maxBacklog` messages, and, once the backlog has
 * been draining at a measured rate, no more than it drains in `maxDrainMs`
 * (never below DRAIN_FLOOR): so accepted work waits about `maxDrainMs` at
 * most however fast the workers are, while a burst against an idle system
 * meets only `maxBacklog`. Waiters leave in arrival order, as there is room;
 * one that is still waiting after `maxWaitMs` is refused with DomainError
 * `overloaded`, whose details carry `retryAfterSeconds`
 * (docs/guarantees.md#backpressure).
 */
export class BacklogGate {
  private readonly waiters: { admit(): void }[] = [];

  constructor(
    private readonly backlog: Backlog,
    private readonly limits: BacklogLimits,
    /** Called for each caller refused. */
    private readonly onRefuse: () => void = () => undefined,
  ) {}

  /** The backlog at which callers wait now, in messages. */
  limit(): number {
    const { maxBacklog, maxDrainMs } = this.limits;
    const rate = maxDrainMs > 0 ? this.backlog.drainPerSecond() : undefined;
    if (rate === undefined) return maxBacklog;
    return Math.min(maxBacklog, Math.max(DRAIN_FLOOR, Math.floor((rate * maxDrainMs) / 1000)));
  }

  /** Callers waiting now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves when the caller may go on; rejects with DomainError `overloaded` when the backlog stayed full. */
  wait(): Promise<void> {
    if (this.waiters.length === 0 && this.backlog.size() < this.limit()) {
      this.backlog.admit();
      return Promise.resolve();
    }
    if (this.limits.maxWaitMs <= 0) return Promise.reject(this.refuse());
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        admit: (): void => {
          clearTimeout(timer);
          this.backlog.admit();
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(this.refuse());
      }, this.limits.maxWaitMs);
      timer.unref();
      this.waiters.push(waiter);
    });
  }

  /** Lets waiters through while there is room; call when the backlog may have shrunk. */
  release(): void {
    while (this.waiters.length > 0 && this.backlog.size() < this.limit()) this.waiters.shift()!.admit();
  }

  private refuse(): DomainError {
    this.onRefuse();
    const backlog = this.backlog.size();
    const limit = this.limit();
    const bound = limit < this.limits.maxBacklog
      ? `what drains in SLUICE_MAX_BACKLOG_DRAIN_MS = ${this.limits.maxDrainMs} ms`
      : `SLUICE_MAX_BACKLOG = ${this.limits.maxBacklog}`;
    return new DomainError(
      'overloaded',
      `Sluice is at its backlog bound: ${backlog} messages accepted and not yet done, bound ${limit} (${bound}); retry later`,
      { backlog, limit, retryAfterSeconds: Math.max(1, Math.ceil(this.limits.maxWaitMs / 1000)) },
    );
  }
}

/** How far back `SampledBacklog` measures the drain rate, in ms. */
const DRAIN_WINDOW_MS = 3_000;

/** Where `SampledBacklog` reads the work accepted and not yet done. */
export interface BacklogSources {
  /** Rows in the outbox, all processes together (a count in the store). */
  outboxRows(): Promise<number>;
  /** This process's messages handed to the broker and not yet held by it (the relay's live count). */
  unconfirmed(): number;
  /** Messages waiting in the broker's queues, as the broker last read them; undefined while unknown. */
  queued(): number | undefined;
}

/**
 * The backlog as read every `everyMs`: the outbox (the store's count, or this
 * process's unconfirmed publishes if more) plus the broker's queue depth.
 * Both readings lag: a message committed just now reaches the queue, and then
 * its reading, a few hundred ms later. So callers let through in the last
 * three periods count as one message each on top; the readings may count
 * some of them twice, which errs on the side of the bound. Reading starts at
 * the first `size()`, so a process that never asks never reads.
 */
export class SampledBacklog implements Backlog {
  private outboxRows = 0;
  /** Callers let through so far. */
  private admittedTotal = 0;
  /** Readings of the last DRAIN_WINDOW_MS, oldest first: the readings' backlog and the callers let through by then. */
  private readonly window: { at: number; backlog: number; admitted: number; queueKnown: boolean }[] = [];
  /** When recent callers were let through (performance.now(), ms), oldest first. */
  private readonly admitted: number[] = [];
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly sources: BacklogSources,
    /** Time between reads of the outbox count, in ms. */
    private readonly everyMs: number,
  ) {}

  size(): number {
    this.start();
    return this.outbox() + (this.sources.queued() ?? 0) + this.recentlyAdmitted();
  }

  admit(): void {
    this.admitted.push(performance.now());
    this.admittedTotal += 1;
  }

  /**
   * Over the last DRAIN_WINDOW_MS of readings, if the backlog averaged
   * DRAIN_FLOOR or more (so the workers had work all along; the queue may
   * read empty now and then while a worker holds its prefetch) and the
   * broker's queue depth was known throughout: what it lost plus the callers
   * let through, per second.
   * Work that other processes add (their triggers, workers' next steps) is
   * not seen, so the rate errs low, and with it the bound.
   */
  drainPerSecond(): number | undefined {
    const first = this.window[0];
    const last = this.window.at(-1);
    if (!first || !last || last.at - first.at < DRAIN_WINDOW_MS / 2 || performance.now() - last.at > DRAIN_WINDOW_MS) return undefined;
    // While the broker is away nothing drains, and that says nothing of the workers: the outbox holds the work.
    if (this.window.some((reading) => !reading.queueKnown)) return undefined;
    const mean = this.window.reduce((sum, reading) => sum + reading.backlog, 0) / this.window.length;
    if (mean < DRAIN_FLOOR) return undefined;
    const drained = first.backlog - last.backlog + (last.admitted - first.admitted);
    return Math.max(0, (drained * 1000) / (last.at - first.at));
  }

  /** Messages committed to the outbox and not yet held by the broker, as last read. */
  outbox(): number {
    return Math.max(this.outboxRows, this.sources.unconfirmed());
  }

  /** Messages waiting in the broker's queues; undefined while unknown. */
  queued(): number | undefined {
    return this.sources.queued();
  }

  /** Calls `listener` after each reading; returns a function that unsubscribes. */
  onReading(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private recentlyAdmitted(): number {
    const since = performance.now() - 3 * this.everyMs;
    let expired = 0;
    while (expired < this.admitted.length && this.admitted[expired]! < since) expired += 1;
    if (expired > 0) this.admitted.splice(0, expired);
    return this.admitted.length;
  }

  private start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.read().finally(() => this.schedule(this.everyMs));
    }, delayMs);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    try {
      this.outboxRows = await this.sources.outboxRows();
    } catch {
      // The store is away: keep the last count (its own errors are logged where they happen).
    }
    const now = performance.now();
    const queued = this.sources.queued();
    this.window.push({ at: now, backlog: this.outbox() + (queued ?? 0), admitted: this.admittedTotal, queueKnown: queued !== undefined });
    while (this.window.length > 0 && this.window[0]!.at < now - DRAIN_WINDOW_MS) this.window.shift();
    for (const listener of this.listeners) listener();
  }
}
