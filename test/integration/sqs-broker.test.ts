/**
 * What the SQS/SNS adapter does beyond the broker contract (broker.test.ts),
 * on the fauxqs emulator through the real AWS SDK: the topology it creates,
 * the ingest filter policy, the dead-letter queue, visibility handling,
 * the message size limit, notice queues and readiness while calls fail.
 */
import {
  CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand,
  type Message, type SQSClient,
} from '@aws-sdk/client-sqs';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, PublishBatchCommand, PublishCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  MessageTooLargeError, SQS_DEAD_LETTER_REASON_ATTRIBUTE, SQS_FANNED_OUT_ATTRIBUTE, SQS_ID_ATTRIBUTE, SQS_MAX_MESSAGE_BYTES, SQS_TOPIC_ATTRIBUTE, SqsBroker,
  type SqsBrokerOptions,
} from '@sluice/broker';
import type { StreamNotice } from '@sluice/contracts';
import { isUndeliverable, type BrokerMessage, type Delivery, type OutgoingMessage, type StepMessage, type TopicEventMessage } from '@sluice/runtime';
import { deleteSqsNamespace, FAUXQS_REGION, fauxqsClients, randomSqsNamespace, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { recordingLogger, type LogLine } from '../support/recording-logger';
import { TcpProxy } from '../support/tcp-proxy';

const step = (n: number): OutgoingMessage => ({ id: `step-${n}`, message: { kind: 'step', runId: 'run-1', nodeId: `node-${n}`, attempt: 1 } });
const event = (id: string, topic: string, payload: unknown = { id }, fannedOut?: boolean): OutgoingMessage => ({
  id,
  message: { kind: 'event', eventId: id, topic, payload },
  ...(fannedOut === undefined ? {} : { fannedOut }),
});
const notice = (runId: string): StreamNotice => ({ kind: 'run.changed', runId, flowId: 'flow-1', flowVersion: 1, status: 'running', events: [] });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string) => ({ DataType: 'String', StringValue: value });

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A handler that records every delivery and acks it. */
function ackInto<T extends BrokerMessage>(received: Delivery<T>[]): (batch: Delivery<T>[]) => Promise<void> {
  return async (batch) => {
    for (const delivery of batch) {
      received.push(delivery);
      delivery.ack();
    }
  };
}

describe('SqsBroker specifics (sqs)', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  let sns: SNSClient;
  let destroyClients: () => void;
  let namespace: string;
  let lines: LogLine[];
  const brokers: SqsBroker[] = [];

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    ({ sqs, sns, destroy: destroyClients } = fauxqsClients(fauxqs.endpoint));
  });

  afterAll(async () => {
    destroyClients();
    await fauxqs.stop();
  });

  beforeEach(() => {
    namespace = randomSqsNamespace();
    lines = [];
  });

  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    await deleteSqsNamespace(fauxqs.endpoint, namespace);
  });

  /** A started broker in this test's namespace; closed after the test. */
  async function startBroker(options: Partial<SqsBrokerOptions> = {}): Promise<SqsBroker> {
    const broker = new SqsBroker({
      region: FAUXQS_REGION, endpoint: fauxqs.endpoint, namespace, waitTimeSec: 1, visibilityTimeoutSec: 30, logger: recordingLogger(lines), ...options,
    });
    brokers.push(broker);
    await broker.start();
    return broker;
  }

  async function queueUrl(name: string): Promise<string> {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl === undefined) throw new Error(`no queue ${name}`);
    return QueueUrl;
  }

  async function queueAttributes(name: string): Promise<Record<string, string>> {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl(name), AttributeNames: ['All'] }));
    return Attributes;
  }

  /** Messages in the queue: waiting, and received but not yet deleted. */
  async function messagesIn(name: string): Promise<{ waiting: number; held: number }> {
    const attributes = await queueAttributes(name);
    return { waiting: Number(attributes.ApproximateNumberOfMessages), held: Number(attributes.ApproximateNumberOfMessagesNotVisible) };
  }

  /** Takes every message waiting in the queue (they stay invisible for 30 s: this test's queue is thrown away after). */
  async function drain(name: string): Promise<Message[]> {
    const url = await queueUrl(name);
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageAttributeNames: ['All'],
      }));
      if (Messages.length === 0) return messages;
      messages.push(...Messages);
    }
  }

  async function topicArn(name: string): Promise<string> {
    const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
    const arn = Topics.map((topic) => topic.TopicArn).find((candidate) => candidate?.endsWith(`:${name}`));
    if (arn === undefined) throw new Error(`no topic ${name}`);
    return arn;
  }

  /** A queue of the test's own, subscribed raw to a topic without a filter, as an outside consumer would. */
  async function outsideSubscriber(topic: string): Promise<string> {
    const name = `${namespace}-outside`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn: await topicArn(topic), Protocol: 'sqs', Endpoint: Attributes?.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));
    return name;
  }

  const warnings = (): string[] => lines.filter((line) => line.level === 'warn').map((line) => line.message);

  it('sqs: start creates the queues with a redrive policy to the dead-letter queue, and the raw, filtered ingest subscription', async () => {
    const broker = await startBroker({ visibilityTimeoutSec: 7, maxReceiveCount: 9 });
    expect(broker.isReady()).toBe(true);
    expect(broker.names.stepsQueue).toBe(`${namespace}-sluice-steps`);
    const deadLetterArn = (await queueAttributes(broker.names.deadLetterQueue)).QueueArn;
    for (const name of [broker.names.stepsQueue, broker.names.ingestQueue]) {
      const attributes = await queueAttributes(name);
      expect(attributes.VisibilityTimeout).toBe('7');
      expect(JSON.parse(attributes.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: 9 });
    }
    const ingestArn = (await queueAttributes(broker.names.ingestQueue)).QueueArn;
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await topicArn(broker.names.eventsTopic) }));
    expect(Subscriptions.map((sub) => sub.Endpoint)).toEqual([ingestArn]);
    const { Attributes = {} } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: Subscriptions[0]?.SubscriptionArn }));
    expect(Attributes.RawMessageDelivery).toBe('true');
    expect(JSON.parse(Attributes.FilterPolicy ?? '{}')).toEqual({ [SQS_FANNED_OUT_ATTRIBUTE]: [{ exists: false }] });
  });

  it('sqs: start gives queues and the ingest subscription that already exist with other attributes its own', async () => {
    const first = await startBroker({ visibilityTimeoutSec: 5 });
    await first.close();
    const ingestArn = (await queueAttributes(first.names.ingestQueue)).QueueArn;
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await topicArn(first.names.eventsTopic) }));

    const second = await startBroker({ visibilityTimeoutSec: 11 });
    expect(second.isReady()).toBe(true);
    expect((await queueAttributes(second.names.stepsQueue)).VisibilityTimeout).toBe('11');
    expect((await queueAttributes(second.names.ingestQueue)).VisibilityTimeout).toBe('11');
    const after = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await topicArn(second.names.eventsTopic) }));
    expect(after.Subscriptions?.map((sub) => [sub.SubscriptionArn, sub.Endpoint])).toEqual(Subscriptions.map((sub) => [sub.SubscriptionArn, ingestArn]));
  });

  it('sqs: the filter policy lets outside events into ingest and keeps fanned-out ones out; outside subscribers get both', async () => {
    const broker = await startBroker();
    const outside = await outsideSubscriber(broker.names.eventsTopic);
    await broker.publish([event('e1', 'orders.created', { n: 1 }, true), event('e2', 'orders.created', { n: 2 })]);
    await sns.send(new PublishBatchCommand({
      TopicArn: await topicArn(broker.names.eventsTopic),
      PublishBatchRequestEntries: [
        { Id: 'a', Message: '{"n":3}', MessageAttributes: { [SQS_TOPIC_ATTRIBUTE]: text('audit') } },
        { Id: 'b', Message: '{"n":4}', MessageAttributes: { [SQS_TOPIC_ATTRIBUTE]: text('audit'), [SQS_FANNED_OUT_ATTRIBUTE]: text('true') } },
      ],
    }));

    const ingested = await drain(broker.names.ingestQueue);
    expect(ingested.map((msg) => msg.Body).sort()).toEqual([JSON.stringify(event('e2', 'orders.created', { n: 2 }).message), '{"n":3}']);
    const seenOutside = await drain(outside);
    expect(seenOutside).toHaveLength(4);
    // What outside subscribers see of Sluice's own events: the JSON message, the id, topic and fanned-out mark as attributes.
    const e1 = seenOutside.find((msg) => msg.MessageAttributes?.[SQS_ID_ATTRIBUTE]?.StringValue === 'e1');
    expect(JSON.parse(e1?.Body ?? '{}')).toEqual(event('e1', 'orders.created', { n: 1 }).message);
    expect(e1?.MessageAttributes?.[SQS_TOPIC_ATTRIBUTE]?.StringValue).toBe('orders.created');
    expect(e1?.MessageAttributes?.[SQS_FANNED_OUT_ATTRIBUTE]?.StringValue).toBe('true');
  });

  it('sqs: a fanned-out event that reaches ingest anyway is deleted unparsed, never handed over', async () => {
    const broker = await startBroker();
    const ingest = await queueUrl(broker.names.ingestQueue);
    // Not JSON and without a topic: decoding it would have sent it to the dead-letter queue.
    await sqs.send(new SendMessageCommand({ QueueUrl: ingest, MessageBody: 'not json', MessageAttributes: { [SQS_FANNED_OUT_ATTRIBUTE]: text('true') } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: ingest, MessageBody: '{}', MessageAttributes: { [SQS_TOPIC_ATTRIBUTE]: text('orders.created'), [SQS_ID_ATTRIBUTE]: text('ext-other') } }));
    const received: Delivery<TopicEventMessage>[] = [];
    await broker.consumeEvents(ackInto(received), { prefetch: 10, maxBatch: 10 });

    await waitFor('the other event', () => received.length === 1);
    await waitFor('the ingest queue to empty', async () => (await messagesIn(broker.names.ingestQueue)).held === 0);
    expect(received.map((d) => d.id)).toEqual(['ext-other']);
    expect(await messagesIn(broker.names.ingestQueue)).toEqual({ waiting: 0, held: 0 });
    expect(await messagesIn(broker.names.deadLetterQueue)).toEqual({ waiting: 0, held: 0 });
  });

  it('sqs: normalises events outside clients publish to the events topic, named by their id attribute or else the SQS message id', async () => {
    const broker = await startBroker();
    const received: Delivery<TopicEventMessage>[] = [];
    await broker.consumeEvents(ackInto(received), { prefetch: 10, maxBatch: 10 });
    const TopicArn = await topicArn(broker.names.eventsTopic);
    await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ orderId: 7 }), MessageAttributes: { [SQS_TOPIC_ATTRIBUTE]: text('orders.created'), [SQS_ID_ATTRIBUTE]: text('ext-1') } }));
    await sns.send(new PublishCommand({ TopicArn, Message: '[1,2]', MessageAttributes: { [SQS_TOPIC_ATTRIBUTE]: text('orders.paid') } }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'not json', MessageAttributes: { [SQS_TOPIC_ATTRIBUTE]: text('logs.line') } }));

    await waitFor('3 events', () => received.length === 3);
    const byTopic = new Map(received.map((d) => [d.message.topic, d]));
    expect(byTopic.get('orders.created')?.message).toEqual({ kind: 'event', eventId: 'ext-1', topic: 'orders.created', payload: { orderId: 7 } });
    expect(byTopic.get('orders.created')?.id).toBe('ext-1');
    const paid = byTopic.get('orders.paid');
    expect(paid?.message.payload).toEqual([1, 2]);
    expect(paid?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(paid?.message.eventId).toBe(paid?.id);
    expect(byTopic.get('logs.line')?.message.payload).toBe('not json');
  });

  it('sqs: an unreadable step message and an outside event without a topic go to the dead-letter queue, with a warning', async () => {
    const broker = await startBroker();
    await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl(broker.names.stepsQueue), MessageBody: '{"kind":"step"}' }));
    await sns.send(new PublishCommand({ TopicArn: await topicArn(broker.names.eventsTopic), Message: 'no topic', MessageAttributes: { other: text('x') } }));
    const steps: Delivery<StepMessage>[] = [];
    const events: Delivery<TopicEventMessage>[] = [];
    await broker.consumeSteps(ackInto(steps), { prefetch: 10, maxBatch: 10 });
    await broker.consumeEvents(ackInto(events), { prefetch: 10, maxBatch: 10 });

    await waitFor('both in the dead-letter queue', async () => (await messagesIn(broker.names.deadLetterQueue)).waiting === 2);
    await waitFor('both deleted from their queues', async () => {
      const [stepsLeft, ingestLeft] = await Promise.all([messagesIn(broker.names.stepsQueue), messagesIn(broker.names.ingestQueue)]);
      return stepsLeft.waiting + stepsLeft.held + ingestLeft.waiting + ingestLeft.held === 0;
    });
    expect(steps).toHaveLength(0);
    expect(events).toHaveLength(0);
    const dead = await drain(broker.names.deadLetterQueue);
    const byBody = new Map(dead.map((msg) => [msg.Body, msg]));
    expect(byBody.get('{"kind":"step"}')?.MessageAttributes?.[SQS_DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toBe('not a step message');
    expect(byBody.get('no topic')?.MessageAttributes?.[SQS_DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toMatch(/without the topic message attribute/);
    expect(byBody.get('no topic')?.MessageAttributes?.other?.StringValue).toBe('x');
    expect(warnings().filter((message) => message === 'unreadable message sent to the dead-letter queue')).toHaveLength(2);
  });

  it('sqs: SQS moves a message received maxReceiveCount times to the dead-letter queue (redrive policy)', async () => {
    const broker = await startBroker({ maxReceiveCount: 2 });
    let deliveries = 0;
    await broker.consumeSteps(async (batch) => {
      deliveries += batch.length;
      for (const delivery of batch) delivery.nack(true);
    }, { prefetch: 1, maxBatch: 1 });
    await broker.publish([step(1)]);

    await waitFor('the message in the dead-letter queue', async () => (await messagesIn(broker.names.deadLetterQueue)).waiting === 1);
    expect(deliveries).toBe(2);
    const [dead] = await drain(broker.names.deadLetterQueue);
    expect(JSON.parse(dead?.Body ?? '{}')).toEqual(step(1).message);
  });

  it('sqs: extends the visibility of a message held past half its timeout, so it is not delivered again', async () => {
    const broker = await startBroker({ visibilityTimeoutSec: 2 });
    const held: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(async (batch) => void held.push(...batch), { prefetch: 10, maxBatch: 10 });
    await broker.publish([step(1)]);
    await waitFor('the delivery', () => held.length === 1);

    // Held for 2.5 visibility timeouts: without extension SQS would hand it to the consumer again.
    await sleep(5000);
    expect(held).toHaveLength(1);
    expect(await messagesIn(broker.names.stepsQueue)).toEqual({ waiting: 0, held: 1 });

    held[0]?.ack();
    await waitFor('the message deleted', async () => (await messagesIn(broker.names.stepsQueue)).held === 0);
    expect(await messagesIn(broker.names.stepsQueue)).toEqual({ waiting: 0, held: 0 });
    expect(held).toHaveLength(1);
  });

  it('sqs: a stopped consumer gives its unacked messages back at once, far within their visibility timeout', async () => {
    const broker = await startBroker({ visibilityTimeoutSec: 30 });
    await broker.publish([step(1), step(2)]);
    const first: Delivery<StepMessage>[] = [];
    // A full prefetch window: no long poll is under way when it stops.
    const stopFirst = await broker.consumeSteps(async (batch) => void first.push(...batch), { prefetch: 2, maxBatch: 10 });
    await waitFor('the first consumer to hold 2', () => first.length === 2);
    await stopFirst();
    expect(await messagesIn(broker.names.stepsQueue)).toEqual({ waiting: 2, held: 0 });

    first[0]?.ack(); // after stop: a no-op, the message is no longer this consumer's
    const second: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(ackInto(second), { prefetch: 10, maxBatch: 10 });
    await waitFor('the second consumer to get 2', () => second.length === 2);
    expect(second.map((d) => [d.id, d.redelivered]).sort()).toEqual([['step-1', true], ['step-2', true]]);
  });

  it('sqs: a consumer stopped with a long poll under way gives its unacked messages back at once, and its poll takes none of them for a visibility timeout', async () => {
    const broker = await startBroker({ visibilityTimeoutSec: 30, waitTimeSec: 2 });
    await broker.publish([step(1), step(2)]);
    const first: Delivery<StepMessage>[] = [];
    // A prefetch window with room left: its poller long-polls the empty queue when it stops. Aborted, that poll would
    // wait on at SQS for the rest of its 2 s, and take (and hide for 30 s) what becomes visible meanwhile.
    const stopFirst = await broker.consumeSteps(async (batch) => void first.push(...batch), { prefetch: 3, maxBatch: 10 });
    await waitFor('the first consumer to hold 2', () => first.length === 2);
    await sleep(200);
    const stopped = Date.now();
    await stopFirst();
    const stopMs = Date.now() - stopped;

    const url = await queueUrl(broker.names.stepsQueue);
    const back: { id: string | undefined; ms: number }[] = [];
    while (back.length < 2 && Date.now() - stopped < 10_000) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30, MessageAttributeNames: ['All'],
      }));
      back.push(...Messages.map((message) => ({ id: message.MessageAttributes?.[SQS_ID_ATTRIBUTE]?.StringValue, ms: Date.now() - stopped })));
    }
    expect(back.map((message) => message.id).sort()).toEqual(['step-1', 'step-2']);
    process.stdout.write(`SQS: a stop with a 2 s long poll under way took ${stopMs} ms; the messages held came back ${back.map((message) => message.ms).join(', ')} ms after it began\n`);
  });

  it('sqs: a message over 256 KiB rejects publish with MessageTooLargeError and nothing of that publish is sent; one of exactly 256 KiB is published', async () => {
    const broker = await startBroker();
    // The padding that makes the encoded event (JSON body and attributes) exactly SQS_MAX_MESSAGE_BYTES long.
    const sized = (id: string, extra: number): OutgoingMessage => {
      const bare = event(id, 'big', '');
      const attributeBytes = `${SQS_ID_ATTRIBUTE}String${id}${SQS_TOPIC_ATTRIBUTE}Stringbig`.length;
      return event(id, 'big', 'x'.repeat(SQS_MAX_MESSAGE_BYTES - JSON.stringify(bare.message).length - attributeBytes + extra));
    };

    const publish = broker.publish([step(1), sized('too-big', 1), event('small', 'audit')]);
    await expect(publish).rejects.toThrow(MessageTooLargeError);
    await expect(publish).rejects.toMatchObject({ messages: [{ id: 'too-big', bytes: SQS_MAX_MESSAGE_BYTES + 1 }], limitBytes: SQS_MAX_MESSAGE_BYTES });
    await expect(publish).rejects.toThrow(/at most 262144 bytes \(256 KiB\).*too-big/);
    // The outbox relay sets such rows apart and sends the rest again (isUndeliverable).
    expect(isUndeliverable(await publish.catch((error: unknown) => error))).toBe(true);
    await expect(publish).rejects.toMatchObject({ undeliverableIds: ['too-big'] });
    await sleep(100);
    expect(await messagesIn(broker.names.stepsQueue)).toEqual({ waiting: 0, held: 0 });
    expect(await messagesIn(broker.names.ingestQueue)).toEqual({ waiting: 0, held: 0 });

    // The same count as SNS's: a message of exactly the limit goes through.
    await expect(broker.publish([sized('just-fits', 0)])).resolves.toBeUndefined();
    const [ingested] = await drain(broker.names.ingestQueue);
    expect(ingested?.MessageAttributes?.[SQS_ID_ATTRIBUTE]?.StringValue).toBe('just-fits');
    expect(broker.maxMessageBytes).toBe(262_144);
  });

  it('sqs: backlog() counts the messages waiting in the steps and ingest queues, and is undefined once closed', async () => {
    const broker = await startBroker({ queueDepthEveryMs: 50 });
    await broker.publish([step(1), step(2), step(3), event('e1', 'audit'), event('e2', 'audit', {}, true)]);
    await waitFor('a backlog of 4', () => broker.backlog() === 4);
    await broker.close();
    expect(broker.backlog()).toBeUndefined();
  });

  it('sqs: notices reach other processes, and each process deletes its notice queue and subscription at close', async () => {
    const broker = await startBroker();
    const other = await startBroker();
    const received: StreamNotice[] = [];
    other.onNotice((n) => received.push(n));
    let sent = 0;
    while (received.length === 0) {
      broker.publishNotices([notice(`run-${++sent}`)]);
      await sleep(20);
      if (sent > 200) throw new Error('no notice arrived');
    }
    expect(received[0]?.kind).toBe('run.changed');
    const noticeQueues = async (): Promise<string[]> => {
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: other.names.noticeQueuePrefix }));
      return QueueUrls;
    };
    const noticesTopic = await topicArn(other.names.noticesTopic);
    const subscriptions = async (): Promise<number> => (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: noticesTopic }))).Subscriptions?.length ?? 0;
    expect(await noticeQueues()).toHaveLength(1);
    expect(await subscriptions()).toBe(1);

    await other.close();
    expect(await noticeQueues()).toEqual([]);
    expect(await subscriptions()).toBe(0);
  });

  it('sqs: isReady() goes false while calls fail and true again on the next success; consumers poll on', async () => {
    const proxy = await TcpProxy.forUrl(fauxqs.endpoint, 80).start();
    try {
      const broker = await startBroker({ endpoint: proxy.url(fauxqs.endpoint).replace(/\/$/, '') });
      const received: Delivery<StepMessage>[] = [];
      await broker.consumeSteps(ackInto(received), { prefetch: 10, maxBatch: 10 });
      await broker.publish([step(1)]);
      await waitFor('the first delivery', () => received.length === 1);

      proxy.refuse({ cut: true });
      await expect(broker.publish([step(2)])).rejects.toThrow();
      expect(broker.isReady()).toBe(false);
      expect(warnings()).toContain('SQS calls failing; the broker is not ready until one succeeds');

      proxy.restore();
      await waitFor('readiness to come back', () => broker.isReady(), 10_000);
      expect(warnings()).toContain('SQS calls succeed again');
      // The long poll the cut left behind still waits on the server (as on AWS) and would take a message sent
      // meanwhile out of sight for its visibility timeout: publish once its wait (waitTimeSec, 1 s) is over.
      await sleep(1100);
      await broker.publish([step(3)]);
      await waitFor('the delivery after recovery', () => received.some((d) => d.id === 'step-3'), 10_000);
    } finally {
      await proxy.stop();
    }
  });

  it('sqs: start() fails when SQS is unreachable', async () => {
    const unreachable = new SqsBroker({ region: FAUXQS_REGION, endpoint: 'http://127.0.0.1:1', namespace });
    try {
      await expect(unreachable.start()).rejects.toThrow();
      expect(unreachable.isReady()).toBe(false);
    } finally {
      await unreachable.close();
    }
  });

  it('sqs: refuses a namespace SQS cannot name queues with', () => {
    expect(() => new SqsBroker({ region: FAUXQS_REGION, namespace: 'has.dots' })).toThrow(/letters, digits, - and _ only/);
    expect(() => new SqsBroker({ region: FAUXQS_REGION, namespace: 'n'.repeat(60) })).toThrow(/at most \d+ fit/);
  });
});
