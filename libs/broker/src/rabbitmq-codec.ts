import { randomUUID } from 'node:crypto';
import type { ConsumeMessage, Options } from 'amqplib';
import type { OutgoingMessage, StepMessage, TopicEventMessage } from '@sluice/runtime';
import { FANNED_OUT_HEADER } from './topology-names';

export const JSON_CONTENT_TYPE = 'application/json';

/** AMQP properties of an outgoing message: persistent, JSON, messageId = outbox id. */
export function publishOptions(outgoing: OutgoingMessage): Options.Publish {
  return {
    persistent: true,
    messageId: outgoing.id,
    contentType: JSON_CONTENT_TYPE,
    ...(outgoing.fannedOut ? { headers: { [FANNED_OUT_HEADER]: true } } : {}),
  };
}

export function encodeMessage(outgoing: OutgoingMessage): Buffer {
  return Buffer.from(JSON.stringify(outgoing.message));
}

/** A step message from the steps queue, or null when the body is not one (it is then dropped). */
export function decodeStep(msg: ConsumeMessage): StepMessage | null {
  const parsed = parseBody(msg.content);
  if (!parsed.ok || !isRecord(parsed.value)) return null;
  const value = parsed.value;
  if (value.kind !== 'step' || typeof value.runId !== 'string' || typeof value.nodeId !== 'string' || typeof value.attempt !== 'number') return null;
  return { kind: 'step', runId: value.runId, nodeId: value.nodeId, attempt: value.attempt };
}

/**
 * An event from the ingest queue. Sluice's own events arrive as
 * TopicEventMessage JSON; anything an outside AMQP client published is
 * wrapped: eventId = messageId (or a fresh uuid), topic = routing key,
 * payload = the parsed JSON body (the UTF-8 text when it is not JSON).
 */
export function decodeEvent(msg: ConsumeMessage): TopicEventMessage {
  const parsed = parseBody(msg.content);
  if (parsed.ok && isRecord(parsed.value)) {
    const value = parsed.value;
    if (value.kind === 'event' && typeof value.eventId === 'string' && typeof value.topic === 'string' && 'payload' in value) {
      return { kind: 'event', eventId: value.eventId, topic: value.topic, payload: value.payload };
    }
  }
  return {
    kind: 'event',
    eventId: messageIdOf(msg) ?? randomUUID(),
    topic: msg.fields.routingKey,
    payload: parsed.ok ? parsed.value : msg.content.toString('utf8'),
  };
}

export function messageIdOf(msg: ConsumeMessage): string | undefined {
  const id: unknown = msg.properties.messageId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** Whether the message carries FANNED_OUT_HEADER (set by `publishOptions` for a `fannedOut` event). */
export function isFannedOut(msg: ConsumeMessage): boolean {
  const headers: unknown = msg.properties.headers;
  return isRecord(headers) && Boolean(headers[FANNED_OUT_HEADER]);
}

function parseBody(content: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(content.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
