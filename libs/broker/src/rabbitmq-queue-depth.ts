import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '@sluice/runtime';
import { errorFields } from './broker-logger';
import { closeQuietly } from './close-quietly';

/** A reading older than this many periods is unknown: the reads have stalled. */
const STALE_AFTER_PERIODS = 8;

/**
 * The depth of some queues (messages ready, not yet delivered to a consumer),
 * read in the background every `everyMs` with a passive `checkQueue` on a
 * channel of its own, so asking for it costs nothing. Reading starts at the
 * first `current()`: processes that never ask (workers) never read. A failed
 * read closes only this channel (a passive check of a missing queue closes
 * its channel), so it never disturbs publishing or consuming.
 */
export class RabbitMqQueueDepth {
  private model: ChannelModel | null = null;
  private channel: Channel | null = null;
  private reading: { messages: number; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly queues: readonly string[],
    /** Time between reads, in ms. */
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  /** Messages waiting in the queues at the last read; undefined while unknown. */
  current(): number | undefined {
    if (!this.started && !this.stopped) {
      this.started = true;
      this.schedule(0);
    }
    if (this.reading === undefined || Date.now() - this.reading.at > STALE_AFTER_PERIODS * this.everyMs) return undefined;
    return this.reading.messages;
  }

  /** The broker's connection, or null when it has lost it: readings of another connection are forgotten. */
  useConnection(model: ChannelModel | null): void {
    if (model === this.model) return;
    this.model = model;
    this.reading = undefined;
    this.dropChannel();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.model = null;
    this.reading = undefined;
    this.dropChannel();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.readWithin(Math.max(1000, STALE_AFTER_PERIODS * this.everyMs)).finally(() => this.schedule(this.everyMs));
    }, delayMs);
    this.timer.unref();
  }

  /** A read that does not answer in time (a stalled connection) is given up, so the reads go on. */
  private async readWithin(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => {
      timer = setTimeout(() => resolve('gave up'), timeoutMs);
    });
    try {
      if ((await Promise.race([this.read(), gaveUp])) === 'gave up') {
        this.reading = undefined;
        this.dropChannel();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<void> {
    const model = this.model;
    if (model === null) return;
    try {
      const channel = this.channel ?? (await this.open(model));
      let messages = 0;
      for (const queue of this.queues) messages += (await channel.checkQueue(queue)).messageCount;
      if (this.model === model) this.reading = { messages, at: Date.now() };
    } catch (err) {
      if (this.model !== model) return;
      this.reading = undefined;
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
