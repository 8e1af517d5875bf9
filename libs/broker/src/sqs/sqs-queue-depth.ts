import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import type { SqsHealth } from './sqs-health';

/** A reading older than this many periods is unknown: the reads have stalled. */
const STALE_AFTER_PERIODS = 8;

/**
 * The approximate number of messages waiting in some queues (visible, not
 * yet received), read in the background every `everyMs` with
 * GetQueueAttributes, so asking for it costs nothing. Reading starts at the
 * first `current()`: processes that never ask (workers) never read, which
 * matters on AWS, where every read is a billed request.
 */
export class SqsQueueDepth {
  private queueUrls: readonly string[] = [];
  private reading: { messages: number; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private started = false;
  private stopped = false;

  constructor(
    private readonly sqs: SQSClient,
    /** Time between reads, in ms. */
    private readonly everyMs: number,
    private readonly health: SqsHealth,
    private readonly logger: Logger,
  ) {}

  /** The queues to read, once start() knows their URLs. */
  useQueues(queueUrls: readonly string[]): void {
    this.queueUrls = queueUrls;
  }

  /** Messages waiting in the queues at the last read; undefined while unknown. */
  current(): number | undefined {
    if (!this.started && !this.stopped) {
      this.started = true;
      this.schedule(0);
    }
    if (this.reading === undefined || Date.now() - this.reading.at > STALE_AFTER_PERIODS * this.everyMs) return undefined;
    return this.reading.messages;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.reading = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.read().finally(() => this.schedule(this.everyMs));
    }, delayMs);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    if (this.queueUrls.length === 0) return;
    // A read that does not answer in time (a stalled connection) is given up, so the reads go on.
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(Math.max(1000, STALE_AFTER_PERIODS * this.everyMs))]);
    try {
      const depths = await Promise.all(this.queueUrls.map(async (QueueUrl) => {
        const { Attributes } = await this.health.track(this.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }), { abortSignal: signal }));
        const depth = Number(Attributes?.ApproximateNumberOfMessages);
        if (!Number.isFinite(depth)) throw new Error(`no ApproximateNumberOfMessages for ${QueueUrl}`);
        return depth;
      }));
      if (!this.stopped) this.reading = { messages: depths.reduce((sum, depth) => sum + depth, 0), at: Date.now() };
    } catch (err) {
      this.reading = undefined;
      if (!this.stopped) this.logger.debug(errorFields(err), 'queue depth not read');
    }
  }
}
