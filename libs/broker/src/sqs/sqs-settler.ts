import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@sluice/runtime';
import { errorFields } from '../broker-logger';
import { describeFailure } from './aws-errors';
import type { SqsHealth } from './sqs-health';
import { MAX_BATCH_ENTRIES } from './sqs-publisher';

/** Codes of a visibility change that failed because the message is no longer held: deleted, or back in the queue. */
const GONE_CODES = new Set(['ReceiptHandleIsInvalid', 'MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight']);

/**
 * Deletes messages and changes their visibility on one queue, gathering what
 * is asked for within one turn of the event loop into batch calls of up to 10
 * entries. Within a turn the last request for a message wins, so an extension
 * asked for beside an ack or a nack is not sent after it. A failure is logged
 * and otherwise left alone: a message not deleted comes back once its
 * visibility timeout ends (at least once), one not made visible does so too,
 * a little later.
 */
export class SqsSettler {
  private deletes = new Set<string>();
  /** Visibility timeout from now, s, by receipt handle. */
  private changes = new Map<string, number>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly queue: string,
    private readonly health: SqsHealth,
    private readonly logger: Logger,
  ) {}

  delete(receiptHandle: string): void {
    this.changes.delete(receiptHandle);
    this.deletes.add(receiptHandle);
    this.schedule();
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    if (this.deletes.has(receiptHandle)) return;
    this.changes.set(receiptHandle, seconds);
    this.schedule();
  }

  /** Sends whatever is asked for and waits for every call under way. */
  async flush(): Promise<void> {
    this.send();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.send());
  }

  private send(): void {
    this.scheduled = false;
    const deletes = [...this.deletes];
    const changes = [...this.changes];
    this.deletes = new Set();
    this.changes = new Map();
    for (let i = 0; i < deletes.length; i += MAX_BATCH_ENTRIES) this.track(this.deleteBatch(deletes.slice(i, i + MAX_BATCH_ENTRIES)));
    for (let i = 0; i < changes.length; i += MAX_BATCH_ENTRIES) this.track(this.changeBatch(changes.slice(i, i + MAX_BATCH_ENTRIES)));
  }

  private track(call: Promise<void>): void {
    const tracked = call.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async deleteBatch(receiptHandles: string[]): Promise<void> {
    try {
      const { Failed = [] } = await this.health.track(this.sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: receiptHandles.map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle })),
      })));
      for (const entry of Failed) this.logger.warn({ queue: this.queue, failure: describeFailure(entry) }, 'message not deleted; SQS will deliver it again');
    } catch (err) {
      this.logger.warn({ queue: this.queue, count: receiptHandles.length, ...errorFields(err) }, 'messages not deleted; SQS will deliver them again');
    }
  }

  private async changeBatch(changes: [receiptHandle: string, seconds: number][]): Promise<void> {
    try {
      const { Failed = [] } = await this.health.track(this.sqs.send(new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: changes.map(([ReceiptHandle, VisibilityTimeout], index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout })),
      })));
      for (const entry of Failed) {
        // A message deleted meanwhile has no visibility left to change; anything else may mean a second delivery.
        const gone = entry.Code !== undefined && GONE_CODES.has(entry.Code);
        this.logger[gone ? 'debug' : 'warn']({ queue: this.queue, failure: describeFailure(entry) }, 'message visibility not changed');
      }
    } catch (err) {
      this.logger.warn({ queue: this.queue, count: changes.length, ...errorFields(err) }, 'message visibility not changed');
    }
  }
}
