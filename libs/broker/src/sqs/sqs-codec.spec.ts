import type { Message } from '@aws-sdk/client-sqs';
import type { OutgoingMessage } from '@sluice/runtime';
import { decodeEvent, decodeStep, encodeOutgoing, isFannedOut, receiveCountOf } from './sqs-codec';

const text = (value: string) => ({ DataType: 'String', StringValue: value });

function setup(overrides: Partial<Message> = {}): Message {
  return { MessageId: 'sqs-message-id', ReceiptHandle: 'handle', Body: '{}', ...overrides };
}

describe('SQS codec', () => {
  it('encodes a step with its outbox id as the id attribute, counting body and attributes as SQS does', () => {
    const outgoing: OutgoingMessage = { id: 'o-1', message: { kind: 'step', runId: 'r', nodeId: 'n', attempt: 2 } };
    const encoded = encodeOutgoing(outgoing);
    expect(JSON.parse(encoded.body)).toEqual(outgoing.message);
    expect(encoded.attributes).toEqual({ id: text('o-1') });
    expect(encoded.bytes).toBe(Buffer.byteLength(encoded.body) + 'idStringo-1'.length);
  });

  it('encodes an event with its topic, and the fanned-out mark only when fanned out', () => {
    const message = { kind: 'event' as const, eventId: 'e', topic: 'orders.créé', payload: 'ü' };
    expect(encodeOutgoing({ id: 'e', message }).attributes).toEqual({ id: text('e'), topic: text('orders.créé') });
    const fanned = encodeOutgoing({ id: 'e', message, fannedOut: true });
    expect(fanned.attributes['x-sluice-fanned-out']).toEqual(text('true'));
    // UTF-8 bytes, not characters.
    expect(fanned.bytes).toBe(Buffer.byteLength(fanned.body) + 'idStringe'.length + Buffer.byteLength('topicStringorders.créé') + 'x-sluice-fanned-outStringtrue'.length);
  });

  it('decodes a step message, and calls anything else on the steps queue unreadable', () => {
    const body = JSON.stringify({ kind: 'step', runId: 'r', nodeId: 'n', attempt: 1, extra: true });
    expect(decodeStep(setup({ Body: body, MessageAttributes: { id: text('o-1') } }))).toEqual({
      kind: 'message', message: { kind: 'step', runId: 'r', nodeId: 'n', attempt: 1 }, id: 'o-1',
    });
    expect(decodeStep(setup({ Body: '{"kind":"step","runId":"r"}' }))).toEqual({ kind: 'unreadable', reason: 'not a step message' });
    expect(decodeStep(setup({ Body: 'not json' })).kind).toBe('unreadable');
  });

  it("decodes Sluice's own events from their body, and outside ones from their attributes", () => {
    const own = { kind: 'event', eventId: 'e1', topic: 'a', payload: null };
    expect(decodeEvent(setup({ Body: JSON.stringify(own), MessageAttributes: { id: text('e1') } }))).toEqual({ kind: 'message', message: own, id: 'e1' });
    expect(decodeEvent(setup({ Body: '{"n":1}', MessageAttributes: { topic: text('b') } }))).toEqual({
      kind: 'message', message: { kind: 'event', eventId: 'sqs-message-id', topic: 'b', payload: { n: 1 } }, id: 'sqs-message-id',
    });
    expect(decodeEvent(setup({ Body: 'plain', MessageAttributes: { topic: text('b'), id: text('x') } }))).toEqual({
      kind: 'message', message: { kind: 'event', eventId: 'x', topic: 'b', payload: 'plain' }, id: 'x',
    });
    expect(decodeEvent(setup({ Body: '{"n":1}' }))).toEqual({ kind: 'unreadable', reason: 'an outside event without the topic message attribute' });
  });

  it('tells a fanned-out message and a redelivered one by their attributes', () => {
    expect(isFannedOut(setup({ MessageAttributes: { 'x-sluice-fanned-out': text('true') } }))).toBe(true);
    expect(isFannedOut(setup({ MessageAttributes: { topic: text('a') } }))).toBe(false);
    expect(receiveCountOf(setup({ Attributes: { ApproximateReceiveCount: '3' } }))).toBe(3);
    expect(receiveCountOf(setup())).toBe(1);
  });
});
