import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BrokerMessage, ConsumeOptions, Delivery, Logger } from '@sluice/runtime';
import { errorFields } from './broker-logger';
import { runBatch, type SettleableDelivery } from './batch-runner';
import { closeQuietly } from './close-quietly';
import { isFannedOut, messageIdOf } from './rabbitmq-codec';

export interface RabbitMqConsumerConfig<T extends BrokerMessage> {
  queue: string;
  handler: (batch: Delivery<T>[]) => Promise<void>;
  options: ConsumeOptions;
  /** Returns null for a body that is not a valid message; it is then dropped. */
  decode: (msg: ConsumeMessage) => T | null;
  /**
   * Ack events Sluice published and fanned out itself (FANNED_OUT_HEADER) on
   * arrival, before any parse: their subscriber runs were started in the
   * publishing commit, so the handler would only ack them.
   */
  settleFannedOut?: boolean;
  /** How long deliveries are gathered into one batch, ms. */
  batchWindowMs: number;
  logger: Logger;
  /** Called when the channel dies or the server cancels the consumer while it should be running. */
  onLost: (model: ChannelModel) => void;
}

/**
 * One consumer on its own channel (so prefetch and requeue-on-stop are per
 * consumer). Survives reconnects: the broker calls attach() on every new
 * connection. Acks of deliveries from a dead channel are no-ops: the server
 * has already requeued those messages.
 */
export class RabbitMqConsumer<T extends BrokerMessage> {
  private channel: Channel | null = null;
  private buffer: SettleableDelivery<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly config: RabbitMqConsumerConfig<T>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  async attach(model: ChannelModel): Promise<void> {
    if (this.stopped) return;
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.config.logger.warn({ queue: this.config.queue, ...errorFields(err) }, 'consumer channel error'));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.detach();
      if (!this.stopped) this.config.onLost(model);
    });
    await channel.prefetch(this.config.options.prefetch);
    this.channel = channel;
    await channel.consume(this.config.queue, (msg) => this.onMessage(model, channel, msg), { noAck: false });
    if (this.stopped) await closeQuietly(channel);
  }

  /** Forgets the current channel (it is gone); buffered deliveries will be redelivered by the server. */
  detach(): void {
    this.channel = null;
    this.clearBuffer();
  }

  /** Stops consuming; closing the channel makes the server requeue every unacked message. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const channel = this.channel;
    this.detach();
    if (channel) await closeQuietly(channel);
  }

  private onMessage(model: ChannelModel, channel: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.config.logger.warn({ queue: this.config.queue }, 'consumer cancelled by the server');
      if (this.channel === channel && !this.stopped) this.config.onLost(model);
      return;
    }
    if (this.channel !== channel) return;
    if (this.config.settleFannedOut === true && isFannedOut(msg)) {
      channel.ack(msg);
      return;
    }
    const message = this.config.decode(msg);
    if (message === null) {
      this.config.logger.warn({ queue: this.config.queue, messageId: messageIdOf(msg) }, 'undecodable message dropped');
      channel.nack(msg, false, false);
      return;
    }
    this.buffer.push(this.toDelivery(channel, msg, message));
    if (this.buffer.length >= this.config.options.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.config.batchWindowMs);
  }

  private flush(): void {
    this.clearTimer();
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) void runBatch(this.config.handler, batch, this.config.logger, this.config.queue);
  }

  private clearBuffer(): void {
    this.clearTimer();
    this.buffer = [];
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private toDelivery(channel: Channel, msg: ConsumeMessage, message: T): SettleableDelivery<T> {
    let settled = false;
    const settle = (action: (live: Channel) => void): void => {
      if (settled) return;
      settled = true;
      if (this.channel !== channel) return;
      try {
        action(channel);
      } catch (err) {
        this.config.logger.warn({ queue: this.config.queue, ...errorFields(err) }, 'ack/nack failed; the server will redeliver');
      }
    };
    return {
      message,
      id: messageIdOf(msg),
      redelivered: msg.fields.redelivered,
      ack: () => settle((live) => live.ack(msg)),
      nack: (requeue = true) => settle((live) => live.nack(msg, false, requeue)),
      isSettled: () => settled,
    };
  }
}
