import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '@sluice/runtime';
import { errorFields } from './broker-logger';
import { closeQuietly } from './close-quietly';
import { PeriodicReads } from './periodic-reads';
import { QueueReadings, type QueueReading } from './queue-readings';

/** A reading older than this many periods is unknown: the reads have stalled. */
const STALE_AFTER_PERIODS = 8;

/** What a passive `checkQueue` tells of one queue. */
export interface RabbitMqQueueCheck {
  /** Messages ready, not yet delivered to a consumer. */
  messages: number;
  /** Consumers attached, from every connection. */
  consumers: number;
}

/**
 * The depth of some queues (messages ready, not yet delivered to a consumer)
 * and their consumer counts, read in the background every `everyMs` with a
 * passive `checkQueue` on a channel of its own, so asking for them costs
 * nothing. Reading starts at the first `current()` or `figures()`: processes
 * that never ask (workers) never read. A failed read closes only this channel
 * (a passive check of a missing queue closes its channel), so it never
 * disturbs publishing or consuming.
 */
export class RabbitMqQueueDepth {
  private model: ChannelModel | null = null;
  private channel: Channel | null = null;
  private readonly readings: QueueReadings<RabbitMqQueueCheck>;
  private readonly reads: PeriodicReads;

  constructor(
    private readonly queues: readonly string[],
    /** Time between reads, in ms. */
    everyMs: number,
    private readonly logger: Logger,
  ) {
    this.readings = new QueueReadings(STALE_AFTER_PERIODS * everyMs);
    this.reads = new PeriodicReads(everyMs, () => this.readWithin(Math.max(1000, STALE_AFTER_PERIODS * everyMs)));
  }

  /** Messages waiting in the queues at the last read; undefined while unknown. */
  current(): number | undefined {
    this.reads.start();
    return this.readings.current()?.queues.reduce((sum, queue) => sum + queue.messages, 0);
  }

  /**
   * Each queue's figures at the last read, in the order of `queues`, or those
   * of the next read when there is none, waited for at most `waitMs`;
   * undefined while unknown.
   */
  figures(waitMs: number): Promise<QueueReading<RabbitMqQueueCheck> | undefined> {
    this.reads.start();
    if (this.model === null) return Promise.resolve(undefined);
    return this.readings.next(waitMs);
  }

  /** The broker's connection, or null when it has lost it: readings of another connection are forgotten. */
  useConnection(model: ChannelModel | null): void {
    if (model === this.model) return;
    this.model = model;
    this.readings.forget();
    this.dropChannel();
  }

  stop(): void {
    this.reads.stop();
    this.model = null;
    this.readings.settle(undefined);
    this.dropChannel();
  }

  /** A read that does not answer in time (a stalled connection) is given up, so the reads go on. */
  private async readWithin(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => {
      timer = setTimeout(() => resolve('gave up'), timeoutMs);
    });
    try {
      if ((await Promise.race([this.read(), gaveUp])) === 'gave up') {
        this.readings.settle(undefined);
        this.dropChannel();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<void> {
    const model = this.model;
    if (model === null) {
      this.readings.settle(undefined);
      return;
    }
    try {
      const channel = this.channel ?? (await this.open(model));
      const queues: RabbitMqQueueCheck[] = [];
      for (const queue of this.queues) {
        const { messageCount, consumerCount } = await channel.checkQueue(queue);
        queues.push({ messages: messageCount, consumers: consumerCount });
      }
      if (this.model === model) this.readings.settle({ queues, at: Date.now() });
    } catch (err) {
      if (this.model !== model) return;
      this.readings.settle(undefined);
      this.dropChannel();
      this.logger.debug(errorFields(err), 'queue depth not read');
    }
  }

  private async open(model: ChannelModel): Promise<Channel> {
    const channel = await model.createChannel();
    // A closed channel is reopened at the next read; its errors are only that read's failure.
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.channel = null;
    });
    if (this.model !== model) {
      void closeQuietly(channel);
      throw new Error('connection changed while opening the queue depth channel');
    }
    this.channel = channel;
    return channel;
  }

  private dropChannel(): void {
    const channel = this.channel;
    this.channel = null;
    if (channel) void closeQuietly(channel);
  }
}
