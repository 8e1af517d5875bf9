import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { PeriodicReads } from '../periodic-reads';
import { QueueReadings, type QueueReading } from '../queue-readings';
import type { SqsHealth } from './sqs-health';

/** A reading older than this many periods is unknown: the reads have stalled. */
const STALE_AFTER_PERIODS = 8;

/** What GetQueueAttributes tells of one queue; SQS's figures are approximate. */
export interface SqsQueueCount {
  /** Messages visible, waiting to be received (ApproximateNumberOfMessages). */
  messages: number;
  /** Messages received and not yet deleted or back (ApproximateNumberOfMessagesNotVisible). */
  notVisible: number;
}

/**
 * The approximate number of messages waiting in some queues (visible, not
 * yet received) and of those held by consumers (not visible), read in the
 * background every `everyMs` with one GetQueueAttributes per queue, so asking
 * for them costs nothing. Reading starts at the first `current()` or
 * `figures()`: processes that never ask (workers) never read, which matters
 * on AWS, where every read is a billed request.
 */
export class SqsQueueDepth {
  private queueUrls: readonly string[] = [];
  private readonly readings: QueueReadings<SqsQueueCount>;
  private readonly abort = new AbortController();
  private readonly reads: PeriodicReads;

  constructor(
    private readonly sqs: SQSClient,
    /** Time between reads, in ms. */
    private readonly everyMs: number,
    private readonly health: SqsHealth,
    private readonly logger: Logger,
  ) {
    this.readings = new QueueReadings(STALE_AFTER_PERIODS * everyMs);
    this.reads = new PeriodicReads(everyMs, () => this.read());
  }

  /** The queues to read, once start() knows their URLs. */
  useQueues(queueUrls: readonly string[]): void {
    this.queueUrls = queueUrls;
  }

  /** Messages waiting in the queues at the last read; undefined while unknown. */
  current(): number | undefined {
    this.reads.start();
    return this.readings.current()?.queues.reduce((sum, queue) => sum + queue.messages, 0);
  }

  /**
   * Each queue's counts at the last read, in the order of the queue URLs, or
   * those of the next read when there is none, waited for at most `waitMs`;
   * undefined while unknown.
   */
  figures(waitMs: number): Promise<QueueReading<SqsQueueCount> | undefined> {
    this.reads.start();
    return this.readings.next(waitMs);
  }

  stop(): void {
    this.reads.stop();
    this.abort.abort();
    this.readings.settle(undefined);
  }

  private async read(): Promise<void> {
    if (this.queueUrls.length === 0) {
      this.readings.settle(undefined);
      return;
    }
    // A read that does not answer in time (a stalled connection) is given up, so the reads go on.
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(Math.max(1000, STALE_AFTER_PERIODS * this.everyMs))]);
    try {
      const queues = await Promise.all(this.queueUrls.map(async (QueueUrl): Promise<SqsQueueCount> => {
        const { Attributes } = await this.health.track(this.sqs.send(new GetQueueAttributesCommand({
          QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }), { abortSignal: signal }));
        const messages = Number(Attributes?.ApproximateNumberOfMessages);
        const notVisible = Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
        if (!Number.isFinite(messages) || !Number.isFinite(notVisible)) throw new Error(`no approximate message counts for ${QueueUrl}`);
        return { messages, notVisible };
      }));
      if (!this.reads.isStopped) this.readings.settle({ queues, at: Date.now() });
    } catch (err) {
      this.readings.settle(undefined);
      if (!this.reads.isStopped) this.logger.debug(errorFields(err), 'queue depth not read');
    }
  }
}
