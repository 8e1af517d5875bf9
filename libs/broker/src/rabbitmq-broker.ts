import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { StreamNotice } from '@sluice/contracts';
import type {
  BrokerPort, BrokerTopology, ConsumeOptions, Delivery, Logger, OutgoingMessage, QueueFigures, StepMessage, StopConsuming, TopicEventMessage,
} from '@sluice/runtime';
import { errorFields, silentLogger } from './broker-logger';
import { BrokerNotReadyError } from './broker-not-ready.error';
import { assertConsumeOptions } from './in-process-queue';
import { decodeEvent, decodeStep, encodeMessage, JSON_CONTENT_TYPE, publishOptions } from './rabbitmq-codec';
import { closeQuietly } from './close-quietly';
import { dispatchNotices } from './notice-dispatch';
import { DESCRIBE_WAIT_MS, unknownFigures } from './queue-figures';
import { RabbitMqConsumer } from './rabbitmq-consumer';
import { RabbitMqQueueDepth } from './rabbitmq-queue-depth';
import { declareNoticeQueue, declareTopology, rabbitMqNames, type RabbitMqNames } from './rabbitmq-topology';

export interface RabbitMqBrokerOptions {
  /** AMQP URL, e.g. `amqp://user:pass@host:5672/vhost` (AMQP_URL). */
  url: string;
  /** Prefixes every exchange and queue as `<namespace>.<name>`; unset in production. */
  namespace?: string;
  logger?: Logger;
  /** First reconnect delay after a connection loss, ms. Default 100. */
  reconnectInitialDelayMs?: number;
  /** Longest reconnect delay, ms (exponential backoff with ±20 % jitter). Default 5000. */
  reconnectMaxDelayMs?: number;
  /** How long a consumer gathers deliveries into one batch, ms. Default 2. */
  batchWindowMs?: number;
  /** Time between reads of the steps and ingest queues' depth for `backlog()`, ms. Default 250. */
  queueDepthEveryMs?: number;
}

type State = 'idle' | 'connecting' | 'ready' | 'recovering' | 'closed';

/**
 * The production broker over amqplib. Publishes persistent JSON messages on a
 * confirm channel and resolves once RabbitMQ has confirmed all of them.
 * Consumes with manual acks, one channel per consumer. A lost connection is
 * re-established with backoff; topology, consumers and the notice queue are
 * restored. start() fails if the first connection fails.
 */
export class RabbitMqBroker implements BrokerPort {
  readonly names: RabbitMqNames;
  readonly topology: BrokerTopology;
  /**
   * RabbitMQ's own default `max_message_size` since 4.0 (128 MiB before):
   * far above Sluice's own limits by default (SLUICE_MAX_BODY and
   * SLUICE_MAX_STEP_OUTPUT, 1 MiB), and the bound should they be raised.
   */
  readonly maxMessageBytes = 16 * 1024 * 1024;
  private readonly logger: Logger;
  private readonly batchWindowMs: number;
  private readonly reconnectInitialDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  private state: State = 'idle';
  private model: ChannelModel | null = null;
  private publishChannel: ConfirmChannel | null = null;
  private noticeChannel: Channel | null = null;
  private noticeConsuming = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private readonly consumers = new Set<RabbitMqConsumer<StepMessage> | RabbitMqConsumer<TopicEventMessage>>();
  private readonly noticeListeners = new Set<(notice: StreamNotice) => void>();
  private readonly queueDepth: RabbitMqQueueDepth;

  constructor(private readonly options: RabbitMqBrokerOptions) {
    this.names = rabbitMqNames(options.namespace);
    this.topology = {
      kind: 'rabbitmq',
      queues: [{ name: this.names.stepsQueue, role: 'steps' }, { name: this.names.ingestQueue, role: 'ingest' }],
      eventsSource: this.names.eventsExchange,
      ingest: { queue: this.names.ingestQueue, pattern: '#' },
    };
    this.logger = options.logger ?? silentLogger;
    this.queueDepth = new RabbitMqQueueDepth([this.names.stepsQueue, this.names.ingestQueue], options.queueDepthEveryMs ?? 250, this.logger);
    this.batchWindowMs = options.batchWindowMs ?? 2;
    this.reconnectInitialDelayMs = options.reconnectInitialDelayMs ?? 100;
    this.reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 5000;
  }

  async start(): Promise<void> {
    if (this.state === 'ready' || this.state === 'connecting' || this.state === 'recovering') return;
    this.state = 'connecting';
    try {
      await this.connectOnce();
    } catch (err) {
      this.state = 'idle';
      throw err;
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.queueDepth.stop();
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    const model = this.model;
    this.forgetConnection();
    if (model) await closeQuietly(model);
  }

  isReady(): boolean {
    return this.state === 'ready';
  }

  backlog(): number | undefined {
    const depth = this.queueDepth.current();
    return this.state === 'ready' ? depth : undefined;
  }

  /**
   * Depth and consumer counts from the background passive checks (the queue
   * order of `topology`). RabbitMQ tells no count of unacked messages without
   * its management API, so `inFlight` is null.
   */
  async describeQueues(): Promise<QueueFigures[]> {
    const reading = this.state === 'ready' ? await this.queueDepth.figures(DESCRIBE_WAIT_MS) : undefined;
    if (reading === undefined) return unknownFigures(this.topology);
    const readAt = new Date(reading.at).toISOString();
    return this.topology.queues.map((queue, index) => {
      const check = reading.queues[index];
      return { ...queue, depth: check?.messages ?? null, inFlight: null, consumers: check?.consumers ?? null, readAt: check ? readAt : null };
    });
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const channel = this.publishChannel;
    if (this.state !== 'ready' || channel === null) throw new BrokerNotReadyError('RabbitMQ broker is not connected');
    const confirms: Promise<void>[] = [];
    let failure: unknown;
    for (const outgoing of messages) {
      const sent = this.send(channel, outgoing);
      confirms.push(sent.confirmed);
      if (!sent.flowing) {
        try {
          await waitForDrain(channel);
        } catch (err) {
          failure = err;
          break;
        }
      }
    }
    // allSettled, so no confirm is left rejecting unobserved.
    const results = await Promise.allSettled(confirms);
    const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw toError(failure);
    if (rejected) throw toError(rejected.reason);
  }

  async consumeSteps(handler: (batch: Delivery<StepMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming> {
    return this.addConsumer(
      new RabbitMqConsumer<StepMessage>({ queue: this.names.stepsQueue, handler, options, decode: decodeStep, ...this.consumerDefaults() }),
      options,
    );
  }

  async consumeEvents(handler: (batch: Delivery<TopicEventMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming> {
    return this.addConsumer(
      new RabbitMqConsumer<TopicEventMessage>({
        queue: this.names.ingestQueue, handler, options, decode: decodeEvent, settleFannedOut: true, ...this.consumerDefaults(),
      }),
      options,
    );
  }

  publishNotices(notices: readonly StreamNotice[]): void {
    const channel = this.noticeChannel;
    if (this.state !== 'ready' || channel === null || notices.length === 0) return;
    try {
      channel.publish(this.names.noticesExchange, '', Buffer.from(JSON.stringify(notices)), { contentType: JSON_CONTENT_TYPE, persistent: false });
    } catch (err) {
      this.logger.warn({ runIds: notices.map((notice) => notice.runId), ...errorFields(err) }, 'notices not published');
    }
  }

  onNotice(listener: (notice: StreamNotice) => void): () => void {
    const wrapped = (notice: StreamNotice): void => listener(notice);
    this.noticeListeners.add(wrapped);
    this.ensureNoticeConsumer();
    return () => {
      this.noticeListeners.delete(wrapped);
    };
  }

  private consumerDefaults(): { batchWindowMs: number; logger: Logger; onLost: (model: ChannelModel) => void } {
    return { batchWindowMs: this.batchWindowMs, logger: this.logger, onLost: (model) => this.recover(model, new Error('consumer channel lost')) };
  }

  private async addConsumer(consumer: RabbitMqConsumer<StepMessage> | RabbitMqConsumer<TopicEventMessage>, options: ConsumeOptions): Promise<StopConsuming> {
    assertConsumeOptions(options);
    if (this.state === 'idle' || this.state === 'closed') throw new BrokerNotReadyError('RabbitMQ broker is not started');
    this.consumers.add(consumer);
    // While connecting or recovering, connectOnce() attaches every registered consumer.
    const model = this.model;
    if (this.state === 'ready' && model !== null) {
      try {
        await consumer.attach(model);
      } catch (err) {
        this.recover(model, err);
      }
    }
    return async () => {
      this.consumers.delete(consumer);
      await consumer.stop();
    };
  }

  private async connectOnce(): Promise<void> {
    const model = await connect(this.options.url, { clientProperties: { connection_name: `sluice${this.options.namespace ? `:${this.options.namespace}` : ''}` } });
    this.model = model;
    model.on('error', (err: Error) => this.logger.warn(errorFields(err), 'RabbitMQ connection error'));
    model.on('close', (err?: Error) => this.recover(model, err ?? new Error('connection closed')));
    try {
      const setup = await model.createChannel();
      await declareTopology(setup, this.names);
      await setup.close();
      const publishChannel = await model.createConfirmChannel();
      this.watchChannel(model, publishChannel, 'publish');
      const noticeChannel = await model.createChannel();
      this.watchChannel(model, noticeChannel, 'notice');
      this.publishChannel = publishChannel;
      this.noticeChannel = noticeChannel;
      this.ensureNoticeConsumer();
      // A Set iterates entries added during the loop too, so late consumers are attached here.
      for (const consumer of this.consumers) await consumer.attach(model);
      if (this.model !== model) throw new Error('connection lost during setup');
      if (this.state === 'closed') {
        this.forgetConnection();
        await closeQuietly(model);
        return;
      }
      this.state = 'ready';
      this.queueDepth.useConnection(model);
    } catch (err) {
      if (this.model === model) this.forgetConnection();
      await closeQuietly(model);
      throw err;
    }
  }

  private watchChannel(model: ChannelModel, channel: Channel, role: string): void {
    channel.on('error', (err: Error) => this.logger.warn({ channel: role, ...errorFields(err) }, 'RabbitMQ channel error'));
    channel.on('close', () => this.recover(model, new Error(`${role} channel closed`)));
  }

  /** Any loss of the connection or of one of our channels: drop the connection and reconnect with backoff. */
  private recover(model: ChannelModel, reason: unknown): void {
    if (this.model !== model || this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.forgetConnection();
    void closeQuietly(model);
    if (this.state === 'connecting') return; // start() reports the failure itself
    this.state = 'recovering';
    if (wasReady) this.logger.warn(errorFields(reason), 'RabbitMQ connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private forgetConnection(): void {
    this.model = null;
    this.queueDepth.useConnection(null);
    this.publishChannel = null;
    this.noticeChannel = null;
    this.noticeConsuming = false;
    for (const consumer of this.consumers) consumer.detach();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined || this.state !== 'recovering') return;
    const base = Math.min(this.reconnectMaxDelayMs, this.reconnectInitialDelayMs * 2 ** this.reconnectAttempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state !== 'recovering') return;
      this.connectOnce().then(
        () => {
          this.logger.warn({ attempts: this.reconnectAttempt }, 'RabbitMQ reconnected');
          this.reconnectAttempt = 0;
        },
        (err: unknown) => {
          this.logger.warn({ attempt: this.reconnectAttempt, ...errorFields(err) }, 'RabbitMQ reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  private ensureNoticeConsumer(): void {
    const channel = this.noticeChannel;
    if (channel === null || this.noticeConsuming || this.noticeListeners.size === 0) return;
    this.noticeConsuming = true;
    this.consumeNotices(channel).catch((err: unknown) => {
      this.logger.warn(errorFields(err), 'notice queue setup failed');
      if (this.noticeChannel === channel) this.noticeConsuming = false;
    });
  }

  private async consumeNotices(channel: Channel): Promise<void> {
    const queue = await declareNoticeQueue(channel, this.names);
    await channel.consume(
      queue,
      (msg) => {
        if (msg !== null) dispatchNotices(msg.content.toString('utf8'), this.noticeListeners, this.logger);
      },
      { noAck: true },
    );
  }

  private send(channel: ConfirmChannel, outgoing: OutgoingMessage): { flowing: boolean; confirmed: Promise<void> } {
    let flowing = true;
    const confirmed = new Promise<void>((resolve, reject) => {
      const onConfirm = (err: unknown): void => (err ? reject(toError(err, `message ${outgoing.id} was not confirmed`)) : resolve());
      const body = encodeMessage(outgoing);
      const properties = publishOptions(outgoing);
      const message = outgoing.message;
      try {
        flowing =
          message.kind === 'step'
            ? channel.sendToQueue(this.names.stepsQueue, body, properties, onConfirm)
            : channel.publish(this.names.eventsExchange, message.topic, body, properties, onConfirm);
      } catch (err) {
        reject(toError(err));
      }
    });
    return { flowing, confirmed };
  }
}

/** Waits for the channel's write buffer to drain; fails if the channel closes first. */
function waitForDrain(channel: Channel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      channel.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      channel.off('drain', onDrain);
      reject(new BrokerNotReadyError('channel closed while publishing'));
    };
    channel.once('drain', onDrain);
    channel.once('close', onClose);
  });
}

function toError(err: unknown, message?: string): Error {
  if (err instanceof Error) return err;
  return new Error(message ?? String(err));
}
