import { SendMessageCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SqsHealth } from './sqs-health';

/** Why Sluice set the message aside, on messages it sends to the dead-letter queue itself. */
export const SQS_DEAD_LETTER_REASON_ATTRIBUTE = 'x-sluice-dead-letter-reason';
/** The queue the message was received from, on messages Sluice sends to the dead-letter queue itself. */
export const SQS_SOURCE_QUEUE_ATTRIBUTE = 'x-sluice-source-queue';
/** SQS's most message attributes per message. */
const MAX_ATTRIBUTES = 10;

/**
 * Sends messages Sluice cannot read to the dead-letter queue, body and
 * attributes as received, with the reason and the source queue as attributes
 * when there is room for them. Where RabbitMQ's consumer drops such a
 * message, SQS offers a place to keep it for a person to look at.
 */
export class SqsDeadLetters {
  constructor(
    private readonly sqs: SQSClient,
    private readonly deadLetterQueueUrl: string,
    private readonly health: SqsHealth,
  ) {}

  async send(msg: Message, reason: string, sourceQueue: string): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(msg.MessageAttributes ?? {})) {
      attributes[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
    }
    for (const [name, value] of [[SQS_DEAD_LETTER_REASON_ATTRIBUTE, reason], [SQS_SOURCE_QUEUE_ATTRIBUTE, sourceQueue]] as const) {
      if (Object.keys(attributes).length < MAX_ATTRIBUTES) attributes[name] = { DataType: 'String', StringValue: value };
    }
    await this.health.track(this.sqs.send(new SendMessageCommand({
      QueueUrl: this.deadLetterQueueUrl,
      // SQS refuses an empty body; a received message always has one.
      MessageBody: msg.Body ?? '',
      MessageAttributes: attributes,
    })));
  }
}
