/**
 * The broker port, declared by the runtime that uses it. Adapters in
 * `@sluice/broker`: an in-process broker (embedded mode) and RabbitMQ over
 * amqplib (production). Both pass one contract suite.
 */
import type { StreamNotice } from '@sluice/contracts';
import type { BrokerMessage, StepMessage, TopicEventMessage } from './broker-messages';

export interface OutgoingMessage {
  /** Outbox id; the delivery's `id`. */
  id: string;
  message: BrokerMessage;
  /**
   * For events: Sluice already started its own subscriber runs in the
   * publishing commit. Outside consumers of the events exchange still get the
   * event; Sluice's own ingest never hands it to a handler (see consumeEvents).
   */
  fannedOut?: boolean;
}

export interface Delivery<T extends BrokerMessage = BrokerMessage> {
  message: T;
  /** The outgoing message's id; may be absent for events published by outside clients. */
  id?: string;
  redelivered: boolean;
  ack(): void;
  /** Returns the message to the queue (requeue=true, the default) or drops it. */
  nack(requeue?: boolean): void;
}

export interface ConsumeOptions {
  /** Unacknowledged messages held at once (WORKER_CONCURRENCY). */
  prefetch: number;
  /** Largest batch handed to the handler. */
  maxBatch: number;
}

/** Stops consuming; unacknowledged messages go back to the queue. */
export type StopConsuming = () => Promise<void>;

/**
 * What publish() rejects with when it refuses some messages for good (too
 * large for the broker, say): sending them again can never succeed. Nothing of
 * that publish() was sent, so the caller may set `undeliverableIds` apart and
 * publish the others again without sending any twice. Adapters raise an Error
 * carrying this field (see `isUndeliverable`).
 */
export interface UndeliverableMessages {
  /** Outbox ids of the messages the broker can never carry. */
  readonly undeliverableIds: readonly string[];
}

/** Which of Sluice's queues a figure is about: step messages, or events on their way to subscribe flows. */
export type QueueRole = 'steps' | 'ingest';

/** The kinds of broker Sluice runs on (docs/brokers.md). */
export type BrokerKind = 'in-process' | 'rabbitmq' | 'sqs';

/**
 * What a broker is and how events reach Sluice's ingest queue: names only,
 * known without asking the broker (docs/live-topology.md).
 */
export interface BrokerTopology {
  kind: BrokerKind;
  /** The steps and ingest queues, as the broker names them (namespace included). */
  queues: readonly { name: string; role: QueueRole }[];
  /** Where published events go: the events exchange (in-process, RabbitMQ) or the events SNS topic (SQS). */
  eventsSource: string;
  /**
   * How the ingest queue takes events from `eventsSource`: bound with
   * `pattern`, and on SNS through its subscription's `filterPolicy` too.
   */
  ingest: { queue: string; pattern: string; filterPolicy?: string };
}

/**
 * One queue as the broker last told of it. A figure the broker cannot give,
 * or did not give in time, is null.
 */
export interface QueueFigures {
  /** The queue's name as the broker knows it (namespace included). */
  name: string;
  role: QueueRole;
  /** Messages waiting for a consumer. */
  depth: number | null;
  /** Messages handed to consumers and not yet settled (RabbitMQ's passive check does not tell: null). */
  inFlight: number | null;
  /** Consumers attached, all processes together (SQS has no such count: null). */
  consumers: number | null;
  /** When the broker gave these figures (ISO); null when it has not. */
  readAt: string | null;
}

/** True for a publish() rejection that refused some messages for good. */
export function isUndeliverable(error: unknown): error is Error & UndeliverableMessages {
  return error instanceof Error && Array.isArray((error as Partial<UndeliverableMessages>).undeliverableIds);
}

export interface BrokerPort {
  /** Connects and declares the topology (durable steps and ingest queues, the events exchange, ingest binding `#`). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** True while connected. */
  isReady(): boolean;
  /**
   * Largest encoded message the broker accepts, in bytes (SQS and SNS: 256 KiB).
   * Unset: no limit worth checking early. Lets the runtime refuse an oversized
   * event when it is published instead of leaving a row the outbox can never send.
   */
  readonly maxMessageBytes?: number;
  /**
   * Messages the broker holds that no consumer has taken yet: the steps and
   * ingest queues' depth, as last read. Cheap: RabbitMQ reads the depth in
   * the background (every 250 ms by default, from the first call on), never
   * per call. Undefined while unknown (not connected, no reading yet). The
   * in-process broker answers 0: its publishes resolve only once a consumer
   * has acked, so everything it holds is still counted by the outbox relay.
   */
  backlog(): number | undefined;
  /** Names of the topology, for describing it; absent on a broker that cannot describe itself. */
  readonly topology?: BrokerTopology;
  /**
   * The steps and ingest queues' figures, for watching where work waits
   * (docs/live-topology.md). Cheap and bounded in time: RabbitMQ and SQS
   * answer from the readings `backlog()` takes in the background (from the
   * first call on), waiting at most about a second for a first one; a
   * figure not read in time, or while the broker is away, is null. Never
   * rejects.
   */
  describeQueues?(): Promise<QueueFigures[]>;
  /**
   * Publishes persistent messages: steps to the steps queue, events to the
   * events exchange with the topic as routing key. Resolves once every message
   * is durably held: on a publisher confirm for RabbitMQ; for the in-process
   * broker, which keeps nothing on disk, once a consumer has acknowledged it.
   * The outbox keeps each row until then.
   */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Consumes step messages in batches: everything already waiting, up to maxBatch. */
  consumeSteps(handler: (batch: Delivery<StepMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming>;
  /**
   * Consumes events from the events exchange (the ingest queue, bound with
   * `#`): the events outside clients published. Events Sluice published with
   * `fannedOut` are settled by the adapter without reaching the handler, before
   * any parse: their subscriber runs exist already.
   */
  consumeEvents(handler: (batch: Delivery<TopicEventMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming>;
  /**
   * Best-effort broadcast of live run changes to every API process: the
   * notices of one commit go as one message. Never throws.
   */
  publishNotices(notices: readonly StreamNotice[]): void;
  /** Returns a function that unsubscribes. */
  onNotice(listener: (notice: StreamNotice) => void): () => void;
}
