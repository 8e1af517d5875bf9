import { jsonLongerThan, type PublishAdmission, type PublishIntent } from '@sluice/engine';
import type { TopicEventMessage } from '../ports/broker-messages';

/**
 * Bytes kept, beside an event's JSON, for what the broker adds to each
 * message: its id, the topic again and the fanned-out mark (as SQS and SNS
 * message attributes, which count toward their 256 KiB: about 100 bytes plus
 * the topic's, at most 255). A round kilobyte leaves room to spare.
 */
export const BROKER_ENVELOPE_BYTES = 1024;

/**
 * True when the event, encoded as the broker carries it (its JSON, plus
 * {@link BROKER_ENVELOPE_BYTES}), would be larger than `maxMessageBytes`.
 * Never true without a limit. Stops measuring once past the limit, so a large
 * payload costs no more than the limit to refuse.
 */
export function eventTooLarge(event: TopicEventMessage, maxMessageBytes: number | undefined): boolean {
  if (maxMessageBytes === undefined) return false;
  return jsonLongerThan(event, Math.max(0, maxMessageBytes - BROKER_ENVELOPE_BYTES));
}

/** What an event larger than the broker carries is told: the limit, and what to do instead. */
export function eventTooLargeMessage(maxMessageBytes: number): string {
  return (
    `larger than the broker carries: at most ${maxMessageBytes} bytes per message, ` +
    `the event as JSON plus ${BROKER_ENVELOPE_BYTES} bytes kept for the broker's attributes; publish a smaller payload, such as a reference to the data`
  );
}

/**
 * The refusal of a publish step whose event would not fit in one broker
 * message (BrokerPort.maxMessageBytes): a final `event_too_large` failure, so
 * the step fails at once instead of leaving an outbox row no broker accepts.
 * Undefined when it fits, or the broker sets no limit.
 */
export function refuseBySize(intent: PublishIntent, maxMessageBytes: number | undefined): PublishAdmission | undefined {
  const event: TopicEventMessage = { kind: 'event', eventId: intent.eventId, topic: intent.topic, payload: intent.payload };
  if (maxMessageBytes === undefined || !eventTooLarge(event, maxMessageBytes)) return undefined;
  const message = `Node "${intent.nodeId}" (publish) would publish an event on topic "${intent.topic}" ${eventTooLargeMessage(maxMessageBytes)}`;
  return { kind: 'publish', granted: false, error: { code: 'event_too_large', message, retryable: false } };
}
