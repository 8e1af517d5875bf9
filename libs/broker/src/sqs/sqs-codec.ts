import type { Message } from '@aws-sdk/client-sqs';
import type { OutgoingMessage, StepMessage, TopicEventMessage } from '@sluice/runtime';
import { FANNED_OUT_HEADER } from '../topology-names';

/** The largest message SQS and SNS accept, body and message attributes encoded, in bytes (256 KiB). */
export const SQS_MAX_MESSAGE_BYTES = 262_144;

/**
 * Message attribute that carries the message's id: the outbox id of Sluice's
 * own messages (a delivery's `id`), as AMQP's messageId does. Outside
 * publishers may set it to name their event.
 */
export const SQS_ID_ATTRIBUTE = 'id';
/** Message attribute that carries an event's topic, as AMQP's routing key does. Outside publishers must set it. */
export const SQS_TOPIC_ATTRIBUTE = 'topic';
/**
 * Set on events Sluice published itself and already fanned out to its own
 * subscribe flows (a delivery's `fannedOut`); the ingest subscription's filter
 * policy keeps them out of the ingest queue.
 */
export const SQS_FANNED_OUT_ATTRIBUTE = FANNED_OUT_HEADER;

/** A string message attribute, as SQS's and SNS's send and publish calls take it. */
export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

/** A message ready to send: its body, attributes and their size as SQS and SNS count it. */
export interface EncodedMessage {
  id: string;
  body: string;
  attributes: Record<string, StringAttribute>;
  /** Body and attributes (names, types and values), in bytes. */
  bytes: number;
}

/** Encodes an outgoing message: the JSON body, the id (and for events the topic and fanned-out mark) as attributes. */
export function encodeOutgoing(outgoing: OutgoingMessage): EncodedMessage {
  const { message } = outgoing;
  const attributes: Record<string, StringAttribute> = { [SQS_ID_ATTRIBUTE]: stringAttribute(outgoing.id) };
  if (message.kind === 'event') {
    attributes[SQS_TOPIC_ATTRIBUTE] = stringAttribute(message.topic);
    if (outgoing.fannedOut) attributes[SQS_FANNED_OUT_ATTRIBUTE] = stringAttribute('true');
  }
  const body = JSON.stringify(message);
  return { id: outgoing.id, body, attributes, bytes: encodedBytes(body, attributes) };
}

/** The size SQS and SNS limit: the body's UTF-8 bytes plus each attribute's name, data type and value. */
export function encodedBytes(body: string, attributes: Record<string, StringAttribute>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, { DataType, StringValue }] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(DataType, 'utf8') + Buffer.byteLength(StringValue, 'utf8');
  }
  return bytes;
}

/** What a received message is to a consumer. */
export type Decoded<T> =
  | { kind: 'message'; message: T; id: string | undefined }
  /** Not a message Sluice can read: it goes to the dead-letter queue, for the reason given. */
  | { kind: 'unreadable'; reason: string };

/** A step message from the steps queue. */
export function decodeStep(msg: Message): Decoded<StepMessage> {
  const parsed = parseBody(msg.Body);
  const value = parsed.ok ? parsed.value : undefined;
  if (!isRecord(value) || value.kind !== 'step' || typeof value.runId !== 'string' || typeof value.nodeId !== 'string' || typeof value.attempt !== 'number') {
    return { kind: 'unreadable', reason: 'not a step message' };
  }
  return { kind: 'message', message: { kind: 'step', runId: value.runId, nodeId: value.nodeId, attempt: value.attempt }, id: attributeOf(msg, SQS_ID_ATTRIBUTE) };
}

/**
 * An event from the ingest queue. Sluice's own events arrive as
 * TopicEventMessage JSON; anything an outside client published to the events
 * topic is wrapped: topic = its `topic` attribute (required), eventId and the
 * delivery's id = its `id` attribute or else SQS's message id (the same on
 * every receive of the message), payload = the parsed JSON body (the text
 * when it is not JSON).
 */
export function decodeEvent(msg: Message): Decoded<TopicEventMessage> {
  const parsed = parseBody(msg.Body);
  const id = attributeOf(msg, SQS_ID_ATTRIBUTE) ?? nonEmpty(msg.MessageId);
  if (parsed.ok && isRecord(parsed.value)) {
    const value = parsed.value;
    if (value.kind === 'event' && typeof value.eventId === 'string' && typeof value.topic === 'string' && 'payload' in value) {
      return { kind: 'message', message: { kind: 'event', eventId: value.eventId, topic: value.topic, payload: value.payload }, id };
    }
  }
  const topic = attributeOf(msg, SQS_TOPIC_ATTRIBUTE);
  if (topic === undefined) return { kind: 'unreadable', reason: `an outside event without the ${SQS_TOPIC_ATTRIBUTE} message attribute` };
  if (id === undefined) return { kind: 'unreadable', reason: 'an outside event without a message id' };
  return { kind: 'message', message: { kind: 'event', eventId: id, topic, payload: parsed.ok ? parsed.value : (msg.Body ?? '') }, id };
}

/** Whether the message carries SQS_FANNED_OUT_ATTRIBUTE, whatever its value. */
export function isFannedOut(msg: Message): boolean {
  return msg.MessageAttributes?.[SQS_FANNED_OUT_ATTRIBUTE] !== undefined;
}

/** SQS's count of receives of this message, this one included; 1 when not reported. */
export function receiveCountOf(msg: Message): number {
  const count = Number(msg.Attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) && count > 0 ? count : 1;
}

function stringAttribute(value: string): StringAttribute {
  return { DataType: 'String', StringValue: value };
}

function attributeOf(msg: Message, name: string): string | undefined {
  return nonEmpty(msg.MessageAttributes?.[name]?.StringValue);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 0 ? value : undefined;
}

function parseBody(body: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (body === undefined) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
