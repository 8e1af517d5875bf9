import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { StreamNotice } from '@sluice/contracts';
import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { dispatchNotices } from '../notice-dispatch';
import { noticeMessages } from './notice-messages';
import { SQS_MAX_MESSAGE_BYTES } from './sqs-codec';
import { backoffMs, EMPTY_SHORT_POLL_PAUSE_MS, pause } from './backoff';
import type { SqsHealth } from './sqs-health';
import type { SqsNames } from './sqs-names';
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
}

/**
 * Best-effort broadcast of run change notices to every process, as
 * RabbitMQ's fan-out exchange does: each call publishes one SNS message to
 * the notices topic. A process with listeners creates a queue of its own,
 * subscribed raw to the topic, polls it, and unsubscribes and deletes it at
 * close(). Nothing here throws.
 */
export class SqsNotices {
  private topology: SqsTopology | null = null;
  private readonly listeners = new Set<(notice: StreamNotice) => void>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
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
    const queue = await this.setUp(topology);
    if (queue === undefined) return;
    const settler = new SqsSettler(this.config.sqs, queue.queueUrl, 'notices', this.config.health, this.config.logger);
    await this.poll(queue, settler);
    await settler.flush();
    try {
      await deleteNoticeQueue(this.config.sqs, this.config.sns, queue);
    } catch (err) {
      this.config.logger.warn({ queueUrl: queue.queueUrl, ...errorFields(err) }, 'notice queue not deleted');
    }
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

  private async poll(queue: NoticeQueue, settler: SqsSettler): Promise<void> {
    for (let failures = 0; !this.closed; ) {
      try {
        const { Messages = [] } = await this.config.health.track(this.config.receiver.send(
          new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: MAX_BATCH_ENTRIES, WaitTimeSeconds: this.config.waitTimeSec }),
          { abortSignal: this.abort.signal },
        ));
        failures = 0;
        for (const msg of Messages) {
          if (msg.ReceiptHandle !== undefined) settler.delete(msg.ReceiptHandle);
          this.dispatch(msg.Body ?? '');
        }
        if (Messages.length === 0 && this.config.waitTimeSec === 0) await pause(EMPTY_SHORT_POLL_PAUSE_MS, this.abort.signal);
      } catch (err) {
        if (this.closed) return;
        failures += 1;
        if (failures === 1) this.config.logger.warn({ queueUrl: queue.queueUrl, ...errorFields(err) }, 'receiving notices failed; polling again with backoff');
        await pause(backoffMs(failures, RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS), this.abort.signal);
      }
    }
  }

  private dispatch(body: string): void {
    dispatchNotices(body, this.listeners, this.config.logger);
  }
}
