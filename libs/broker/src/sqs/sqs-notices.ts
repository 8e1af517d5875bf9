import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { PublishCommand, UnsubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { StreamNotice } from '@sluice/contracts';
import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { dispatchNotices } from '../notice-dispatch';
import { isAbort, isQueueGone } from './aws-errors';
import { noticeMessages } from './notice-messages';
import { SQS_MAX_MESSAGE_BYTES } from './sqs-codec';
import { backoffMs, EMPTY_SHORT_POLL_PAUSE_MS, pause } from './backoff';
import type { SqsHealth } from './sqs-health';
import type { SqsNames } from './sqs-names';
import { markNoticeQueue } from './sqs-notice-liveness';
import { MAX_BATCH_ENTRIES } from './sqs-publisher';
import { SqsSettler } from './sqs-settler';
import { declareNoticeQueue, deleteNoticeQueue, type NoticeQueue, type SqsTopology } from './sqs-topology';

/** Notice publishes under way at most; beyond, notices are dropped rather than piling up while SNS is slow. */
const MAX_PUBLISHES_IN_FLIGHT = 256;
/** First pause after the notice queue could not be set up or read, ms. */
const RETRY_INITIAL_DELAY_MS = 200;
/** Longest such pause, ms. */
const RETRY_MAX_DELAY_MS = 5000;

export interface SqsNoticesConfig {
  sqs: SQSClient;
  /** The client for long polls. */
  receiver: SQSClient;
  sns: SNSClient;
  names: SqsNames;
  waitTimeSec: number;
  health: SqsHealth;
  logger: Logger;
  /** Clock of the liveness mark, ms since the epoch. */
  now: () => number;
  /** Time between marks of the notice queue, ms (sqs-notice-liveness.ts). */
  markEveryMs: number;
}

/**
 * Best-effort broadcast of run change notices to every process, as
 * RabbitMQ's fan-out exchange does: each call publishes one SNS message to
 * the notices topic. A process with listeners creates a queue of its own,
 * subscribed raw to the topic, polls it, and unsubscribes and deletes it at
 * close(). While it listens it marks the queue alive every `markEveryMs`, so
 * that other processes' sweeps (SqsNoticeSweeper) leave it alone; should its
 * queue be deleted all the same, it creates a new one. Nothing here throws.
 */
export class SqsNotices {
  private topology: SqsTopology | null = null;
  private readonly listeners = new Set<(notice: StreamNotice) => void>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private queue: NoticeQueue | undefined;
  private publishing = 0;
  private closed = false;

  constructor(private readonly config: SqsNoticesConfig) {}

  /** The topology start() declared: publishing, and listening if anyone listens, begin. */
  use(topology: SqsTopology): void {
    this.topology = topology;
    this.ensureListening();
  }

  publish(notices: readonly StreamNotice[]): void {
    const topicArn = this.topology?.noticesTopicArn;
    if (topicArn === undefined || this.closed || notices.length === 0) return;
    const runIds = notices.map((notice) => notice.runId);
    if (this.publishing >= MAX_PUBLISHES_IN_FLIGHT) {
      this.config.logger.debug({ runIds }, 'notices dropped: too many notice publishes under way');
      return;
    }
    for (const message of noticeMessages(notices, SQS_MAX_MESSAGE_BYTES)) {
      this.publishing += 1;
      this.config.health
        .track(this.config.sns.send(new PublishCommand({ TopicArn: topicArn, Message: message })))
        .catch((err: unknown) => this.config.logger.warn({ runIds, ...errorFields(err) }, 'notices not published'))
        .finally(() => (this.publishing -= 1));
    }
  }

  listen(listener: (notice: StreamNotice) => void): () => void {
    const wrapped = (notice: StreamNotice): void => listener(notice);
    this.listeners.add(wrapped);
    this.ensureListening();
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** The URL of this process's notice queue while it has one. */
  queueUrl(): string | undefined {
    return this.queue?.queueUrl;
  }

  /** Stops polling; unsubscribes and deletes this process's notice queue. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.loop;
  }

  private ensureListening(): void {
    const topology = this.topology;
    if (topology === null || this.loop !== undefined || this.closed || this.listeners.size === 0) return;
    this.loop = this.listenOn(topology);
  }

  private async listenOn(topology: SqsTopology): Promise<void> {
    while (!this.closed) {
      const queue = await this.setUp(topology);
      if (queue === undefined) return;
      this.queue = queue;
      const stopMarking = this.markWhileListening(queue);
      const settler = new SqsSettler(this.config.sqs, queue.queueUrl, 'notices', this.config.health, this.config.logger);
      const ended = await this.poll(queue, settler);
      stopMarking();
      this.queue = undefined;
      if (ended === 'gone') {
        // Another process's sweep took it for an orphan (this one could not mark it for a long while).
        this.config.logger.warn({ queueUrl: queue.queueUrl }, 'notice queue deleted by another process; creating a new one');
        await this.config.sns.send(new UnsubscribeCommand({ SubscriptionArn: queue.subscriptionArn })).catch(() => undefined);
        continue;
      }
      await settler.flush();
      try {
        await deleteNoticeQueue(this.config.sqs, this.config.sns, queue);
      } catch (err) {
        this.config.logger.warn({ queueUrl: queue.queueUrl, ...errorFields(err) }, 'notice queue not deleted');
      }
    }
  }

  /**
   * Marks the queue alive now and every `markEveryMs` until the returned
   * function is called. A failed mark is logged (the first of a run at warn)
   * and never stops notices; the mark is not a broker call readiness counts.
   */
  private markWhileListening(queue: NoticeQueue): () => void {
    let failures = 0;
    let marking = false;
    const mark = (): void => {
      if (marking) return;
      marking = true;
      markNoticeQueue(this.config.sqs, queue.queueUrl, this.config.now())
        .then(() => (failures = 0))
        .catch((err: unknown) => {
          // Closing deletes the queue, and a queue deleted by someone else is the poll's to notice.
          if (this.closed || isQueueGone(err)) return;
          failures += 1;
          const level = failures === 1 ? 'warn' : 'debug';
          this.config.logger[level]({ queueUrl: queue.queueUrl, failures, ...errorFields(err) }, 'notice queue not marked alive; other processes may sweep it once the mark is stale');
        })
        .finally(() => (marking = false));
    };
    mark();
    const timer = setInterval(mark, this.config.markEveryMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Creates the notice queue, trying again with backoff; undefined when closed first. */
  private async setUp(topology: SqsTopology): Promise<NoticeQueue | undefined> {
    for (let failures = 0; !this.closed; ) {
      try {
        const queue = await declareNoticeQueue(this.config.sqs, this.config.sns, this.config.names, topology);
        if (!this.closed) return queue;
        await deleteNoticeQueue(this.config.sqs, this.config.sns, queue);
        return undefined;
      } catch (err) {
        failures += 1;
        this.config.logger.warn({ failures, ...errorFields(err) }, 'notice queue setup failed; trying again');
        await pause(backoffMs(failures, RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS), this.abort.signal);
      }
    }
    return undefined;
  }

  /** Receives until closed ('closed'), or until the queue turns out to be deleted ('gone'). */
  private async poll(queue: NoticeQueue, settler: SqsSettler): Promise<'closed' | 'gone'> {
    for (let failures = 0; !this.closed; ) {
      try {
        const { Messages = [] } = await this.receive(queue);
        failures = 0;
        for (const msg of Messages) {
          if (msg.ReceiptHandle !== undefined) settler.delete(msg.ReceiptHandle);
          this.dispatch(msg.Body ?? '');
        }
        if (Messages.length === 0 && this.config.waitTimeSec === 0) await pause(EMPTY_SHORT_POLL_PAUSE_MS, this.abort.signal);
      } catch (err) {
        if (this.closed) return 'closed';
        if (isQueueGone(err)) return 'gone';
        failures += 1;
        if (failures === 1) this.config.logger.warn({ queueUrl: queue.queueUrl, ...errorFields(err) }, 'receiving notices failed; polling again with backoff');
        await pause(backoffMs(failures, RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS), this.abort.signal);
      }
    }
    return 'closed';
  }

  /** One receive, counted for readiness unless it fails because the queue is gone: SQS answered, and this process makes a new queue. */
  private async receive(queue: NoticeQueue): Promise<{ Messages?: Message[] }> {
    try {
      const result = await this.config.receiver.send(
        new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: MAX_BATCH_ENTRIES, WaitTimeSeconds: this.config.waitTimeSec }),
        { abortSignal: this.abort.signal },
      );
      this.config.health.succeeded();
      return result;
    } catch (err) {
      if (isQueueGone(err)) this.config.health.succeeded();
      else if (!isAbort(err)) this.config.health.failed(err);
      throw err;
    }
  }

  private dispatch(body: string): void {
    dispatchNotices(body, this.listeners, this.config.logger);
  }
}
