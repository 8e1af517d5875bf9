import type { BrokerMessage, ConsumeOptions, Delivery, Logger, StopConsuming } from '@sluice/runtime';
import { runBatch, type SettleableDelivery } from './batch-runner';

/** One message held by an in-process queue until a consumer acks or drops it. */
export interface QueuedEntry {
  id: string;
  /** JSON of the message: every delivery parses a fresh copy, as a real broker would. */
  body: string;
  redelivered: boolean;
  /** Called exactly once, when the message leaves the queue (acked, or nacked without requeue). */
  onSettled(): void;
}

interface QueueConsumer<T extends BrokerMessage> {
  handler: (batch: Delivery<T>[]) => Promise<void>;
  prefetch: number;
  maxBatch: number;
  /** Delivered, not yet acked or nacked; in delivery order. */
  unacked: Set<QueuedEntry>;
}

/**
 * A queue with RabbitMQ's consumer semantics: competing consumers, a prefetch
 * window of unacked deliveries per consumer, ack / nack(requeue) with
 * `redelivered`, and requeue of a stopped consumer's unacked messages.
 * Deliveries are always asynchronous (setImmediate), never inside the publisher's call.
 */
export class InProcessQueue<T extends BrokerMessage> {
  private ready: QueuedEntry[] = [];
  private head = 0;
  private consumers: QueueConsumer<T>[] = [];
  private nextConsumer = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Messages waiting for a consumer (not counting unacked ones). */
  get waiting(): number {
    return this.ready.length - this.head;
  }

  /** Messages delivered to consumers and not yet acked or nacked. */
  get held(): number {
    return this.consumers.reduce((sum, consumer) => sum + consumer.unacked.size, 0);
  }

  /** Consumers attached. */
  get consumerCount(): number {
    return this.consumers.length;
  }

  enqueue(entry: QueuedEntry): void {
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
    this.ready.push(entry);
    this.schedule();
  }

  consume(handler: (batch: Delivery<T>[]) => Promise<void>, options: ConsumeOptions): StopConsuming {
    assertConsumeOptions(options);
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
    const consumer: QueueConsumer<T> = {
      handler,
      prefetch: options.prefetch,
      maxBatch: options.maxBatch,
      unacked: new Set(),
    };
    this.consumers.push(consumer);
    this.schedule();
    return async () => {
      this.removeConsumer(consumer);
      this.requeue([...consumer.unacked]);
      consumer.unacked.clear();
      this.schedule();
    };
  }

  /** Stops every consumer and forgets every message (nothing is durable in process). */
  close(): void {
    this.closed = true;
    for (const consumer of this.consumers) consumer.unacked.clear();
    this.consumers = [];
    this.ready = [];
    this.head = 0;
  }

  private removeConsumer(consumer: QueueConsumer<T>): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  /** Hands out batches round-robin until every consumer's window is full or nothing waits. */
  private dispatch(): void {
    let progressed = true;
    while (progressed && this.waiting > 0 && !this.closed) {
      progressed = false;
      const count = this.consumers.length;
      for (let i = 0; i < count && this.waiting > 0; i++) {
        const consumer = this.consumers[(this.nextConsumer + i) % count];
        if (consumer === undefined) continue;
        const room = Math.min(consumer.maxBatch, consumer.prefetch - consumer.unacked.size);
        if (room <= 0) continue;
        this.deliver(consumer, this.take(room));
        progressed = true;
      }
      this.nextConsumer = count === 0 ? 0 : (this.nextConsumer + 1) % count;
    }
  }

  private take(max: number): QueuedEntry[] {
    const end = Math.min(this.head + max, this.ready.length);
    const taken = this.ready.slice(this.head, end);
    this.head = end;
    if (this.head === this.ready.length) {
      this.ready = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    return taken;
  }

  /** Puts messages back at the head of the queue, keeping their order, marked redelivered. */
  private requeue(entries: readonly QueuedEntry[]): void {
    if (this.closed) return;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry === undefined) continue;
      entry.redelivered = true;
      if (this.head > 0) this.ready[--this.head] = entry;
      else this.ready.unshift(entry);
    }
  }

  private deliver(consumer: QueueConsumer<T>, entries: readonly QueuedEntry[]): void {
    const batch = entries.map((entry) => this.toDelivery(consumer, entry));
    void runBatch(consumer.handler, batch, this.logger, this.name);
  }

  private toDelivery(consumer: QueueConsumer<T>, entry: QueuedEntry): SettleableDelivery<T> {
    consumer.unacked.add(entry);
    let settled = false;
    // A delivery whose consumer has stopped (its message already requeued) settles nothing.
    const release = (): boolean => {
      if (settled) return false;
      settled = true;
      return consumer.unacked.delete(entry);
    };
    return {
      // The body is our own JSON of a message routed here by its kind.
      message: JSON.parse(entry.body) as T,
      id: entry.id,
      redelivered: entry.redelivered,
      ack: () => {
        if (!release()) return;
        entry.onSettled();
        this.schedule();
      },
      nack: (requeue = true) => {
        if (!release()) return;
        if (requeue) this.requeue([entry]);
        else entry.onSettled();
        this.schedule();
      },
      isSettled: () => settled,
    };
  }
}

export function assertConsumeOptions(options: ConsumeOptions): void {
  if (!Number.isInteger(options.prefetch) || options.prefetch < 1) throw new RangeError(`prefetch must be a positive integer, got ${options.prefetch}`);
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
}
