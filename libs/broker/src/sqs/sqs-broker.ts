import { GetQueueAttributesCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { StreamNotice } from '@sluice/contracts';
import type {
  BrokerMessage, BrokerPort, BrokerTopology, ConsumeOptions, Delivery, Logger, OutgoingMessage, QueueFigures, StepMessage, StopConsuming,
  TopicEventMessage,
} from '@sluice/runtime';
import { silentLogger } from '../broker-logger';
import { BrokerNotReadyError } from '../broker-not-ready.error';
import { assertConsumeOptions } from '../in-process-queue';
import { DESCRIBE_WAIT_MS, unknownFigures } from '../queue-figures';
import { decodeEvent, decodeStep, SQS_MAX_MESSAGE_BYTES, type Decoded } from './sqs-codec';
import { SqsConsumer } from './sqs-consumer';
import { SqsDeadLetters } from './sqs-dead-letters';
import { SqsHealth } from './sqs-health';
import { sqsNames, type SqsNames } from './sqs-names';
import {
  NOTICE_MARK_EVERY_MS, NOTICE_STALE_AFTER_MS, NOTICE_SWEEP_EVERY_MS, UNMARKED_STALE_AFTER_MS, type NoticeSweepOptions,
} from './sqs-notice-liveness';
import { SqsNoticeSweeper } from './sqs-notice-sweeper';
import { SqsNotices } from './sqs-notices';
import { SqsPublisher } from './sqs-publisher';
import { SqsQueueDepth } from './sqs-queue-depth';
import { SqsSettler } from './sqs-settler';
import { declareTopology, INGEST_FILTER_POLICY, type SqsTopology } from './sqs-topology';

export interface SqsBrokerOptions {
  /** AWS region of the queues and topics, e.g. `eu-west-1`. */
  region: string;
  /** SQS and SNS endpoint (an emulator, a VPC endpoint); unset: AWS's endpoints for the region. */
  endpoint?: string;
  /** Prefixes every queue and topic as `<namespace>-<name>`; unset in production. Letters, digits, - and _ only. */
  namespace?: string;
  logger?: Logger;
  /** Unset: the AWS SDK's default credential chain (environment, profile, role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Visibility timeout of received step and event messages, s. Default 30. Held messages are extended while their handler runs. */
  visibilityTimeoutSec?: number;
  /** Long-poll wait of ReceiveMessage, s, 0–20. Default 20. */
  waitTimeSec?: number;
  /**
   * Receives before SQS moves a step or event message to the dead-letter
   * queue (redrive policy). Default 1000, SQS's most: the policy is a last
   * resort only. Sluice's own delivery limit (SLUICE_MAX_DELIVERIES, counted in
   * the store) dead-letters a step that keeps failing, and while the store is
   * away every message is requeued about once a second without being counted:
   * a low count would move good messages out of reach during an outage.
   */
  maxReceiveCount?: number;
  /** How long a consumer gathers deliveries into one batch, ms. Default 2. */
  batchWindowMs?: number;
  /** Time between reads of the steps and ingest queues' depth for `backlog()`, ms. Default 1000 (each read is a billed request on AWS). */
  queueDepthEveryMs?: number;
  /**
   * Liveness marks of this process's notice queue, and the sweep of the
   * notice queues that processes killed without closing left behind
   * (docs/brokers.md, Notice queues). Unset: the defaults, which production uses.
   */
  noticeSweep?: NoticeSweepOptions;
}

/** Longest time a call other than a long poll may take before it fails (and the SDK tries again), ms. */
const CALL_TIMEOUT_MS = 30_000;
/** Longest time to connect to SQS or SNS, ms. */
const CONNECT_TIMEOUT_MS = 5000;

type State = 'idle' | 'starting' | 'started' | 'closed';

/**
 * The broker on Amazon SQS and SNS: steps go to a standard SQS queue, events
 * to an SNS topic, with the ingest queue subscribed to it (raw delivery, a
 * filter policy that keeps out the events Sluice fanned out itself), and
 * notices go through a second topic to a queue per listening process.
 *
 * Where SQS differs from RabbitMQ:
 * - delivery is at least once and unordered; the store drops duplicates, the
 *   adapter never tries;
 * - there is no connection to lose: the SDK retries every call, readiness
 *   follows whether calls succeed (see SqsHealth; a process quiet for 5 s
 *   probes when asked), and pollers keep polling with backoff;
 * - a held message stays invisible while its handler runs (its visibility
 *   timeout is extended), for up to SQS's 12 hours;
 * - messages Sluice cannot read go to the dead-letter queue rather than
 *   being dropped, and a message received `maxReceiveCount` times is moved
 *   there by SQS;
 * - a message (body and attributes) may be at most 256 KiB (`maxMessageBytes`).
 *
 * start() creates what is missing, and fails if its first call fails; it
 * then sweeps, now and every few minutes, the notice queues of processes that
 * died without closing (SqsNoticeSweeper).
 */
export class SqsBroker implements BrokerPort {
  readonly names: SqsNames;
  readonly topology: BrokerTopology;
  readonly maxMessageBytes = SQS_MAX_MESSAGE_BYTES;
  private readonly logger: Logger;
  private readonly sqs: SQSClient;
  /** Long polls only, so they never hold up the connections of sends and deletes. */
  private readonly receiver: SQSClient;
  private readonly sns: SNSClient;
  private readonly health: SqsHealth;
  private readonly publisher: SqsPublisher;
  private readonly queueDepth: SqsQueueDepth;
  private readonly notices: SqsNotices;
  private readonly sweeper: SqsNoticeSweeper;
  private readonly visibilityTimeoutSec: number;
  private readonly waitTimeSec: number;
  private readonly maxReceiveCount: number;
  private readonly batchWindowMs: number;
  private state: State = 'idle';
  /** The URLs and ARNs start() declared. */
  private declared: SqsTopology | null = null;
  private deadLetters: SqsDeadLetters | null = null;
  private readonly consumers = new Set<{ stop(): Promise<void> }>();

  constructor(private readonly options: SqsBrokerOptions) {
    this.names = sqsNames(options.namespace);
    this.topology = {
      kind: 'sqs',
      queues: [{ name: this.names.stepsQueue, role: 'steps' }, { name: this.names.ingestQueue, role: 'ingest' }],
      eventsSource: this.names.eventsTopic,
      // SNS routes by filter policy, not by pattern: the raw subscription takes every topic the policy lets through.
      ingest: { queue: this.names.ingestQueue, pattern: '#', filterPolicy: INGEST_FILTER_POLICY },
    };
    this.logger = options.logger ?? silentLogger;
    this.visibilityTimeoutSec = wholeInRange('visibilityTimeoutSec', options.visibilityTimeoutSec ?? 30, 1, 43_200);
    this.waitTimeSec = wholeInRange('waitTimeSec', options.waitTimeSec ?? 20, 0, 20);
    this.maxReceiveCount = wholeInRange('maxReceiveCount', options.maxReceiveCount ?? 1000, 1, 1000);
    this.batchWindowMs = options.batchWindowMs ?? 2;
    const common = {
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    };
    const handler = (requestTimeout: number, maxSockets: number) => ({
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true, maxSockets },
      httpsAgent: { keepAlive: true, maxSockets },
    });
    // Long polls are bounded by the consumers' prefetch windows, not by a socket pool.
    this.receiver = new SQSClient({ ...common, requestHandler: handler(this.waitTimeSec * 1000 + CALL_TIMEOUT_MS, Infinity) });
    this.sqs = new SQSClient({ ...common, requestHandler: handler(CALL_TIMEOUT_MS, 64) });
    this.sns = new SNSClient({ ...common, requestHandler: handler(CALL_TIMEOUT_MS, 64) });
    this.health = new SqsHealth(() => this.probe(), this.logger);
    this.publisher = new SqsPublisher(this.sqs, this.sns, this.health);
    this.queueDepth = new SqsQueueDepth(this.sqs, options.queueDepthEveryMs ?? 1000, this.health, this.logger);
    const sweep = options.noticeSweep ?? {};
    const now = sweep.now ?? Date.now;
    this.notices = new SqsNotices({
      sqs: this.sqs, receiver: this.receiver, sns: this.sns, names: this.names, waitTimeSec: this.waitTimeSec, health: this.health, logger: this.logger,
      now, markEveryMs: sweep.markEveryMs ?? NOTICE_MARK_EVERY_MS,
    });
    this.sweeper = new SqsNoticeSweeper({
      sqs: this.sqs,
      sns: this.sns,
      names: this.names,
      logger: this.logger,
      now,
      staleAfterMs: sweep.staleAfterMs ?? NOTICE_STALE_AFTER_MS,
      unmarkedStaleAfterMs: sweep.unmarkedStaleAfterMs ?? UNMARKED_STALE_AFTER_MS,
      everyMs: sweep.everyMs ?? NOTICE_SWEEP_EVERY_MS,
      ownQueueUrl: () => this.notices.queueUrl(),
    });
  }

  async start(): Promise<void> {
    if (this.state === 'closed') throw new BrokerNotReadyError('SQS broker is closed; not started again');
    if (this.state !== 'idle') return;
    this.state = 'starting';
    try {
      const topology = await declareTopology(this.sqs, this.sns, this.names, {
        visibilityTimeoutSec: this.visibilityTimeoutSec,
        maxReceiveCount: this.maxReceiveCount,
      });
      if (this.state !== 'starting') return; // closed meanwhile
      this.declared = topology;
      this.deadLetters = new SqsDeadLetters(this.sqs, topology.deadLetterQueueUrl, this.health);
      this.queueDepth.useQueues([topology.stepsQueueUrl, topology.ingestQueueUrl]);
      this.notices.use(topology);
      this.state = 'started';
      this.sweeper.start(topology);
    } catch (err) {
      if (this.state === 'starting') this.state = 'idle';
      throw err;
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    this.queueDepth.stop();
    this.health.stop();
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.all([...consumers.map((consumer) => consumer.stop()), this.notices.close(), this.sweeper.stop()]);
    this.receiver.destroy();
    this.sqs.destroy();
    this.sns.destroy();
  }

  /** Started, and the last SQS or SNS call succeeded; after a quiet spell, asking also starts a probe (SqsHealth.checkQuiet). */
  isReady(): boolean {
    if (this.state !== 'started') return false;
    this.health.checkQuiet();
    return this.health.ok;
  }

  backlog(): number | undefined {
    const depth = this.queueDepth.current();
    return this.isReady() ? depth : undefined;
  }

  /**
   * SQS's approximate counts from the background reads (the queue order of
   * `topology`): visible messages as `depth`, received and not yet deleted
   * as `inFlight`. SQS counts no consumers, so `consumers` is null.
   */
  async describeQueues(): Promise<QueueFigures[]> {
    const reading = this.state === 'started' ? await this.queueDepth.figures(DESCRIBE_WAIT_MS) : undefined;
    if (reading === undefined) return unknownFigures(this.topology);
    const readAt = new Date(reading.at).toISOString();
    return this.topology.queues.map((queue, index) => {
      const count = reading.queues[index];
      return { ...queue, depth: count?.messages ?? null, inFlight: count?.notVisible ?? null, consumers: null, readAt: count ? readAt : null };
    });
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const topology = this.declared;
    if (this.state !== 'started' || topology === null) throw new BrokerNotReadyError('SQS broker is not started');
    await this.publisher.publish(messages, topology);
  }

  async consumeSteps(handler: (batch: Delivery<StepMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming> {
    return this.addConsumer(handler, options, (topology) => ({ queueUrl: topology.stepsQueueUrl, queue: this.names.stepsQueue, decode: decodeStep }));
  }

  async consumeEvents(handler: (batch: Delivery<TopicEventMessage>[]) => Promise<void>, options: ConsumeOptions): Promise<StopConsuming> {
    return this.addConsumer(handler, options, (topology) => ({
      queueUrl: topology.ingestQueueUrl, queue: this.names.ingestQueue, decode: decodeEvent, settleFannedOut: true,
    }));
  }

  publishNotices(notices: readonly StreamNotice[]): void {
    if (this.state !== 'started') return;
    this.notices.publish(notices);
  }

  onNotice(listener: (notice: StreamNotice) => void): () => void {
    return this.notices.listen(listener);
  }

  private async addConsumer<T extends BrokerMessage>(
    handler: (batch: Delivery<T>[]) => Promise<void>,
    options: ConsumeOptions,
    queueOf: (topology: SqsTopology) => { queueUrl: string; queue: string; decode: (msg: Message) => Decoded<T>; settleFannedOut?: boolean },
  ): Promise<StopConsuming> {
    assertConsumeOptions(options);
    const topology = this.declared;
    const deadLetters = this.deadLetters;
    if (this.state !== 'started' || topology === null || deadLetters === null) throw new BrokerNotReadyError('SQS broker is not started');
    const { queueUrl, queue, decode, settleFannedOut } = queueOf(topology);
    const consumer = new SqsConsumer<T>({
      receiver: this.receiver,
      queueUrl,
      queue,
      handler,
      options,
      decode,
      settleFannedOut,
      batchWindowMs: this.batchWindowMs,
      visibilityTimeoutSec: this.visibilityTimeoutSec,
      waitTimeSec: this.waitTimeSec,
      settler: new SqsSettler(this.sqs, queueUrl, queue, this.health, this.logger),
      deadLetters,
      health: this.health,
      logger: this.logger,
    });
    this.consumers.add(consumer);
    consumer.start();
    return async () => {
      this.consumers.delete(consumer);
      await consumer.stop();
    };
  }

  /** Whether SQS answers: the cheapest call on a queue that must exist. */
  private async probe(): Promise<void> {
    const topology = this.declared;
    if (topology === null) return;
    await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: topology.stepsQueueUrl, AttributeNames: ['QueueArn'] }));
  }
}

/** A whole number within bounds; anything else is a programming error in the caller's settings. */
function wholeInRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`SqsBroker ${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}
