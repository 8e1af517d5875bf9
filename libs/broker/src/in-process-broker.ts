import type { StreamNotice } from '@sluice/contracts';
import { matchTopic } from '@sluice/engine';
import type {
  BrokerPort, BrokerTopology, ConsumeOptions, Delivery, Logger, OutgoingMessage, QueueFigures, StepMessage, StopConsuming, TopicEventMessage,
} from '@sluice/runtime';
import { errorFields, silentLogger } from './broker-logger';
import { BrokerNotReadyError } from './broker-not-ready.error';
import { InProcessQueue, type QueuedEntry } from './in-process-queue';
import { unknownFigures } from './queue-figures';
import { EVENTS_EXCHANGE, INGEST_QUEUE, STEPS_QUEUE } from './topology-names';

export interface InProcessBrokerOptions {
  /** Where failed consumer handlers and notice listeners are reported; silent without one. */
  logger?: Logger;
}

interface PendingPublish {
  remaining: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The embedded-mode broker: RabbitMQ's ack semantics in memory. It keeps
 * nothing on disk, so publish() resolves only once consumers have acked (or
 * deliberately dropped) every message of the call, and the outbox keeps its
 * rows until then. close() rejects publishes still waiting.
 */
export class InProcessBroker implements BrokerPort {
  readonly topology: BrokerTopology = {
    kind: 'in-process',
    queues: [{ name: STEPS_QUEUE, role: 'steps' }, { name: INGEST_QUEUE, role: 'ingest' }],
    eventsSource: EVENTS_EXCHANGE,
    ingest: { queue: INGEST_QUEUE, pattern: '#' },
  };
  private readonly logger: Logger;
  private started = false;
  private steps: InProcessQueue<StepMessage>;
  private ingest: InProcessQueue<TopicEventMessage>;
  /** Bindings of the events exchange: the ingest queue with `#`. */
  private bindings: { pattern: string; queue: InProcessQueue<TopicEventMessage> }[];
  private readonly pending = new Set<PendingPublish>();
  private readonly noticeListeners = new Set<(notice: StreamNotice) => void>();

  constructor(options: InProcessBrokerOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.steps = new InProcessQueue(STEPS_QUEUE, this.logger);
    this.ingest = new InProcessQueue(INGEST_QUEUE, this.logger);
    this.bindings = [{ pattern: '#', queue: this.ingest }];
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.steps = new InProcessQueue(STEPS_QUEUE, this.logger);
    this.ingest = new InProcessQueue(INGEST_QUEUE, this.logger);
    this.bindings = [{ pattern: '#', queue: this.ingest }];
    this.started = true;
  }

  async close(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.steps.close();
    this.ingest.close();
    const error = new BrokerNotReadyError('in-process broker closed before the messages were acknowledged');
    for (const publish of this.pending) publish.reject(error);
    this.pending.clear();
  }

  isReady(): boolean {
    return this.started;
  }

  /** 0: a publish resolves only once consumers have acked, so the outbox relay still counts every message held here. */
  backlog(): number | undefined {
    return this.started ? 0 : undefined;
  }

  /** Its own queues' figures, exact and current: it holds every message in this process. */
  async describeQueues(): Promise<QueueFigures[]> {
    if (!this.started) return unknownFigures(this.topology);
    const readAt = new Date().toISOString();
    const queues = [[this.steps, 'steps'], [this.ingest, 'ingest']] as const;
    return queues.map(([queue, role]) => ({
      name: queue.name,
      role,
      depth: queue.waiting,
      inFlight: queue.held,
      consumers: queue.consumerCount,
      readAt,
    }));
  }

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (!this.started) return Promise.reject(new BrokerNotReadyError('in-process broker is not started'));
    const routed = messages.flatMap((outgoing) => this.route(outgoing));
    if (routed.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const publish: PendingPublish = { remaining: routed.length, resolve, reject };
      this.pending.add(publish);
      const onSettled = (): void => {
        publish.remaining -= 1;
        if (publish.remaining === 0 && this.pending.delete(publish)) resolve();
      };
      for (const { queue, outgoing } of routed) {
        queue.enqueue({ id: outgoing.id, body: JSON.stringify(outgoing.message), redelivered: false, onSettled });
      }
    });
  }

  async consumeSteps(handler: (batch: Delivery<StepMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming> {
    this.assertStarted();
    return this.steps.consume(handler, options);
  }

  async consumeEvents(handler: (batch: Delivery<TopicEventMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming> {
    this.assertStarted();
    return this.ingest.consume(handler, options);
  }

  publishNotices(notices: readonly StreamNotice[]): void {
    if (this.noticeListeners.size === 0 || notices.length === 0) return;
    let body: string;
    try {
      body = JSON.stringify(notices);
    } catch (err) {
      this.logger.warn({ runIds: notices.map((notice) => notice.runId), ...errorFields(err) }, 'notices not serialisable; dropped');
      return;
    }
    const listeners = [...this.noticeListeners];
    setImmediate(() => {
      // One parsed copy per process, as each RabbitMQ subscriber would get.
      for (const copy of JSON.parse(body) as StreamNotice[]) {
        for (const listener of listeners) {
          try {
            listener(copy);
          } catch (err) {
            this.logger.warn({ runId: copy.runId, ...errorFields(err) }, 'notice listener failed');
          }
        }
      }
    });
  }

  onNotice(listener: (notice: StreamNotice) => void): () => void {
    const wrapped = (notice: StreamNotice): void => listener(notice);
    this.noticeListeners.add(wrapped);
    return () => {
      this.noticeListeners.delete(wrapped);
    };
  }

  private route(outgoing: OutgoingMessage): { queue: { enqueue(entry: QueuedEntry): void }; outgoing: OutgoingMessage }[] {
    const message = outgoing.message;
    switch (message.kind) {
      case 'step':
        return [{ queue: this.steps, outgoing }];
      case 'event': {
        // An event Sluice fanned out itself skips the ingest queue: its subscriber runs exist already.
        const fannedOut = outgoing.fannedOut === true;
        return this.bindings
          .filter((binding) => !(fannedOut && binding.queue === this.ingest) && matchTopic(binding.pattern, message.topic))
          .map((binding) => ({ queue: binding.queue, outgoing }));
      }
    }
  }

  private assertStarted(): void {
    if (!this.started) throw new BrokerNotReadyError('in-process broker is not started');
  }
}
