import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OutgoingMessage } from '@sluice/runtime';
import { describeFailure } from './aws-errors';
import { MessageTooLargeError } from './message-too-large.error';
import { encodeOutgoing, SQS_MAX_MESSAGE_BYTES, type EncodedMessage } from './sqs-codec';
import type { SqsHealth } from './sqs-health';

/** Most entries of one SendMessageBatch or PublishBatch call. */
export const MAX_BATCH_ENTRIES = 10;
/** Calls of one batch, the first included, before entries SQS or SNS keep failing reject publish(). */
const MAX_BATCH_ATTEMPTS = 4;
/** Pause before the first retry of failed entries, ms; doubles on each retry. */
const RETRY_DELAY_MS = 50;

/** Where publish() sends: steps to the steps queue, events to the events topic. */
export interface PublishTargets {
  stepsQueueUrl: string;
  eventsTopicArn: string;
}

/** An entry a batch call reported as failed. */
interface FailedEntry {
  message: EncodedMessage;
  reason: string;
  /** SQS or SNS blames the request: sending it again cannot succeed. */
  senderFault: boolean;
}

/**
 * Splits messages, in order, into the batches SQS and SNS accept: at most 10
 * entries and 256 KiB of encoded messages per call. Each message must fit alone.
 */
export function batchesOf(messages: readonly EncodedMessage[], maxEntries = MAX_BATCH_ENTRIES, maxBytes = SQS_MAX_MESSAGE_BYTES): EncodedMessage[][] {
  const batches: EncodedMessage[][] = [];
  let batch: EncodedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (batch.length > 0 && (batch.length === maxEntries || bytes + message.bytes > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += message.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * Publishes outgoing messages: steps with SendMessageBatch to the steps
 * queue, events with PublishBatch to the events topic. All calls run at
 * once; publish() resolves once SQS or SNS accepted every entry (each stores
 * what it accepts durably before answering). Entries a call reports as failed
 * are sent again a few times; then, or when a call fails, publish() rejects
 * and the outbox sends every message again later: at least once.
 */
export class SqsPublisher {
  constructor(
    private readonly sqs: SQSClient,
    private readonly sns: SNSClient,
    private readonly health: SqsHealth,
  ) {}

  async publish(messages: readonly OutgoingMessage[], targets: PublishTargets): Promise<void> {
    const steps: EncodedMessage[] = [];
    const events: EncodedMessage[] = [];
    for (const outgoing of messages) (outgoing.message.kind === 'step' ? steps : events).push(encodeOutgoing(outgoing));
    const oversized = [...steps, ...events].filter((message) => message.bytes > SQS_MAX_MESSAGE_BYTES);
    if (oversized.length > 0) throw new MessageTooLargeError(oversized.map(({ id, bytes }) => ({ id, bytes })), SQS_MAX_MESSAGE_BYTES);

    const calls = [
      ...batchesOf(steps).map((batch) => this.sendWithRetries(batch, (entries) => this.sendSteps(targets.stepsQueueUrl, entries))),
      ...batchesOf(events).map((batch) => this.sendWithRetries(batch, (entries) => this.publishEvents(targets.eventsTopicArn, entries))),
    ];
    // allSettled, so no call is left rejecting unobserved.
    const results = await Promise.allSettled(calls);
    const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (rejected) throw rejected.reason instanceof Error ? rejected.reason : new Error(String(rejected.reason));
  }

  private async sendWithRetries(batch: EncodedMessage[], send: (entries: EncodedMessage[]) => Promise<FailedEntry[]>): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      const failed = await send(pending);
      if (failed.length === 0) return;
      const refused = failed.find((entry) => entry.senderFault) ?? (attempt >= MAX_BATCH_ATTEMPTS ? failed[0] : undefined);
      if (refused !== undefined) {
        const tries = refused.senderFault ? '' : ` after ${attempt} attempts`;
        throw new Error(`message ${refused.message.id} was not accepted${tries}: ${refused.reason}`);
      }
      pending = failed.map((entry) => entry.message);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** (attempt - 1)));
    }
  }

  private async sendSteps(queueUrl: string, batch: EncodedMessage[]): Promise<FailedEntry[]> {
    const { Failed = [] } = await this.health.track(this.sqs.send(new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: message.body, MessageAttributes: message.attributes })),
    })));
    return Failed.map((entry) => failedEntry(batch, entry));
  }

  private async publishEvents(topicArn: string, batch: EncodedMessage[]): Promise<FailedEntry[]> {
    const { Failed = [] } = await this.health.track(this.sns.send(new PublishBatchCommand({
      TopicArn: topicArn,
      PublishBatchRequestEntries: batch.map((message, index) => ({ Id: String(index), Message: message.body, MessageAttributes: message.attributes })),
    })));
    return Failed.map((entry) => failedEntry(batch, entry));
  }
}

function failedEntry(batch: EncodedMessage[], entry: { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }): FailedEntry {
  const message = batch[Number(entry.Id)];
  if (message === undefined) throw new Error(`a batch call reported a failure of an entry it was not sent: ${JSON.stringify(entry.Id)}`);
  return { message, reason: describeFailure(entry), senderFault: entry.SenderFault === true };
}
