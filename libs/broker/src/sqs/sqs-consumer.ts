import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { BrokerMessage, ConsumeOptions, Delivery, Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { runBatch, type SettleableDelivery } from '../batch-runner';
import { backoffMs, EMPTY_SHORT_POLL_PAUSE_MS, pause } from './backoff';
import { isFannedOut, receiveCountOf, type Decoded } from './sqs-codec';
import type { SqsDeadLetters } from './sqs-dead-letters';
import type { SqsHealth } from './sqs-health';
import { MAX_BATCH_ENTRIES } from './sqs-publisher';
import type { SqsSettler } from './sqs-settler';

/** First pause of a poller after a failed receive, ms. */
const POLL_RETRY_INITIAL_DELAY_MS = 100;
/** Longest pause of a poller after failed receives, ms. */
const POLL_RETRY_MAX_DELAY_MS = 5000;
/** Most often the held messages' visibility is checked, ms. */
const MIN_EXTEND_CHECK_MS = 250;
/** How long past their wait a stop lets receives under way run before it aborts them (an answer held up), ms. */
const RECEIVE_END_GRACE_MS = 2000;

export interface SqsConsumerConfig<T extends BrokerMessage> {
  receiver: SQSClient;
  queueUrl: string;
  /** The queue's name, for logs and dead letters. */
  queue: string;
  handler: (batch: Delivery<T>[]) => Promise<void>;
  options: ConsumeOptions;
  decode: (msg: Message) => Decoded<T>;
  /**
   * Delete events Sluice published and fanned out itself on arrival, before
   * any parse. The ingest subscription's filter policy keeps them out, but a
   * new filter policy can take minutes to apply on AWS.
   */
  settleFannedOut?: boolean;
  /** How long deliveries are gathered into one batch, ms. */
  batchWindowMs: number;
  /** Visibility timeout of received messages, s; held messages are extended by as much at half of it. */
  visibilityTimeoutSec: number;
  /** Long-poll wait of each receive, s. */
  waitTimeSec: number;
  settler: SqsSettler;
  deadLetters: SqsDeadLetters;
  health: SqsHealth;
  logger: Logger;
}

/** A received message until it is settled: deleted, made visible again, or given back at stop. */
interface Held {
  receiptHandle: string;
  /** When SQS makes it visible to other consumers unless extended, ms since the epoch. */
  visibleAt: number;
  settled: boolean;
}

/**
 * One consumer of one queue: ceil(prefetch / 10) pollers long-poll SQS, each
 * asking for no more messages than the free part of the prefetch window, so
 * that at most `prefetch` messages are held at once. Received messages are
 * handed over in batches as RabbitMQ's consumer does. Held messages whose
 * visibility timeout is half gone are extended, so a slow handler does not
 * see its message delivered twice; SQS lets a message stay invisible for
 * 12 hours after its first receive at most.
 *
 * SQS delivers at least once and in no particular order, and `redelivered`
 * is SQS's receive count above 1 (a message a stopped consumer or an aborted
 * receive had taken counts too).
 */
export class SqsConsumer<T extends BrokerMessage> {
  private readonly held = new Set<Held>();
  /** Messages asked for by receives under way. */
  private reserved = 0;
  private buffer: SettleableDelivery<T>[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private extendTimer: NodeJS.Timeout | undefined;
  private slotWaiters: (() => void)[] = [];
  /** Aborts receives under way. */
  private readonly abort = new AbortController();
  /** Ends pauses between receives. */
  private readonly pauses = new AbortController();
  private pollers: Promise<void>[] = [];
  private readonly deadLettering = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly config: SqsConsumerConfig<T>) {}

  start(): void {
    const { prefetch } = this.config.options;
    const count = Math.ceil(prefetch / MAX_BATCH_ENTRIES);
    this.pollers = Array.from({ length: count }, () => this.poll());
    const everyMs = Math.max(MIN_EXTEND_CHECK_MS, (this.config.visibilityTimeoutSec * 1000) / 4);
    this.extendTimer = setInterval(() => this.extendHeld(), everyMs);
    this.extendTimer.unref();
  }

  /**
   * Stops polling and gives every held, unsettled message back at once
   * (visibility 0), as RabbitMQ requeues a closed channel's unacked messages;
   * a later ack or nack of one is a no-op. A long poll aborted on the client
   * goes on waiting at SQS until its wait ends, and hands whatever becomes
   * visible meanwhile to nobody, hidden for a whole visibility timeout. So,
   * with messages to give back, the receives under way are left to end (in
   * `waitTimeSec` at most, sooner if they get messages, which go back too;
   * one whose answer is held up longer is aborted); with none, they are
   * aborted at once. A message that arrives while an aborted poll waits may
   * still go to it: it comes back when its visibility timeout ends.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.pauses.abort();
    this.wakePollers();
    if (this.extendTimer !== undefined) clearInterval(this.extendTimer);
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.buffer = [];
    let cutOff: NodeJS.Timeout | undefined;
    if (this.held.size === 0) this.abort.abort();
    else {
      // The receives under way, left to end, give back whatever they get as well.
      this.giveBack([...this.held]);
      cutOff = setTimeout(() => this.abort.abort(), this.config.waitTimeSec * 1000 + RECEIVE_END_GRACE_MS);
    }
    await Promise.all(this.pollers);
    clearTimeout(cutOff);
    await Promise.all([...this.deadLettering]);
    await this.config.settler.flush();
  }

  private async poll(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const wanted = Math.min(MAX_BATCH_ENTRIES, this.config.options.prefetch - this.held.size - this.reserved);
      if (wanted <= 0) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      this.reserved += wanted;
      let messages: Message[];
      try {
        const output = await this.config.health.track(this.config.receiver.send(
          new ReceiveMessageCommand({
            QueueUrl: this.config.queueUrl,
            MaxNumberOfMessages: wanted,
            WaitTimeSeconds: this.config.waitTimeSec,
            VisibilityTimeout: this.config.visibilityTimeoutSec,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.abort.signal },
        ));
        messages = output.Messages ?? [];
      } catch (err) {
        this.reserved -= wanted;
        if (this.stopped) return;
        failures += 1;
        const fields = { queue: this.config.queue, failures, ...errorFields(err) };
        if (failures === 1) this.config.logger.warn(fields, 'receiving from SQS failed; polling again with backoff');
        else this.config.logger.debug(fields, 'receiving from SQS failed again');
        await pause(backoffMs(failures, POLL_RETRY_INITIAL_DELAY_MS, POLL_RETRY_MAX_DELAY_MS), this.pauses.signal);
        continue;
      }
      this.reserved -= wanted;
      if (failures > 0) this.config.logger.warn({ queue: this.config.queue, failures }, 'receiving from SQS works again');
      failures = 0;
      this.accept(messages, Date.now());
      if (messages.length === 0 && this.config.waitTimeSec === 0) await pause(EMPTY_SHORT_POLL_PAUSE_MS, this.pauses.signal);
    }
  }

  private accept(messages: Message[], receivedAt: number): void {
    for (const msg of messages) {
      const receiptHandle = msg.ReceiptHandle;
      if (receiptHandle === undefined) continue;
      if (this.config.settleFannedOut === true && isFannedOut(msg)) {
        this.config.settler.delete(receiptHandle);
        continue;
      }
      const decoded = this.config.decode(msg);
      if (decoded.kind === 'unreadable') {
        this.deadLetter(msg, receiptHandle, decoded.reason);
        continue;
      }
      const held: Held = { receiptHandle, visibleAt: receivedAt + this.config.visibilityTimeoutSec * 1000, settled: false };
      this.held.add(held);
      if (this.stopped) {
        // Received as the consumer stopped: straight back.
        this.giveBack([held]);
        continue;
      }
      this.buffer.push(this.toDelivery(held, decoded.message, decoded.id, receiveCountOf(msg) > 1));
    }
    if (this.buffer.length >= this.config.options.maxBatch) this.flush();
    else if (this.buffer.length > 0) this.batchTimer ??= setTimeout(() => this.flush(), this.config.batchWindowMs);
  }

  /** Hands buffered deliveries over, maxBatch at a time. */
  private flush(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const { maxBatch } = this.config.options;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, maxBatch);
      void runBatch(this.config.handler, batch, this.config.logger, this.config.queue);
    }
  }

  private toDelivery(held: Held, message: T, id: string | undefined, redelivered: boolean): SettleableDelivery<T> {
    const settle = (action: () => void): void => {
      if (held.settled) return;
      held.settled = true;
      this.release(held);
      action();
    };
    return {
      message,
      id,
      redelivered,
      ack: () => settle(() => this.config.settler.delete(held.receiptHandle)),
      // Without requeue the message is dropped, as RabbitMQ's nack without requeue drops it.
      nack: (requeue = true) => settle(() => (requeue ? this.config.settler.changeVisibility(held.receiptHandle, 0) : this.config.settler.delete(held.receiptHandle))),
      isSettled: () => held.settled,
    };
  }

  /** Unreadable: to the dead-letter queue, then deleted. If that fails, SQS's redrive policy moves it there after enough receives. */
  private deadLetter(msg: Message, receiptHandle: string, reason: string): void {
    const fields = { queue: this.config.queue, messageId: msg.MessageId, reason };
    this.config.logger.warn(fields, 'unreadable message sent to the dead-letter queue');
    const sent = this.config.deadLetters.send(msg, reason, this.config.queue).then(
      () => this.config.settler.delete(receiptHandle),
      (err: unknown) => this.config.logger.warn({ ...fields, ...errorFields(err) }, 'unreadable message not sent to the dead-letter queue; SQS will deliver it again'),
    );
    const tracked = sent.finally(() => this.deadLettering.delete(tracked));
    this.deadLettering.add(tracked);
  }

  /** Extends every held message whose visibility timeout is half gone, by the full timeout from now. */
  private extendHeld(): void {
    const now = Date.now();
    const timeoutMs = this.config.visibilityTimeoutSec * 1000;
    for (const held of this.held) {
      if (held.settled || held.visibleAt - now > timeoutMs / 2) continue;
      held.visibleAt = now + timeoutMs;
      this.config.settler.changeVisibility(held.receiptHandle, this.config.visibilityTimeoutSec);
    }
  }

  private giveBack(held: Held[]): void {
    for (const entry of held) {
      if (entry.settled) continue;
      entry.settled = true;
      this.held.delete(entry);
      this.config.settler.changeVisibility(entry.receiptHandle, 0);
    }
  }

  private release(held: Held): void {
    this.held.delete(held);
    this.wakePollers();
  }

  private wakePollers(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }
}
