/**
 * The broker contract: one suite, run against the in-process broker, against
 * RabbitMQ on loopback and against SQS/SNS on the fauxqs emulator (each
 * RabbitMQ and SQS test in its own namespace). RabbitMQ being unreachable
 * fails the suite; nothing is skipped.
 */
import type { ChannelModel } from 'amqplib';
import { FANNED_OUT_HEADER, InProcessBroker, RabbitMqBroker, SqsBroker } from '@sluice/broker';
import type { StreamNotice } from '@sluice/contracts';
import type { BrokerMessage, BrokerPort, Delivery, OutgoingMessage, StepMessage, TopicEventMessage } from '@sluice/runtime';
import { deleteSqsNamespace, FAUXQS_REGION, randomSqsNamespace, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { deleteNamespace, randomNamespace, rabbitMqUrl, withRabbitChannel } from '../support/rabbitmq';

interface Subject {
  broker: BrokerPort;
  /** In-process: publish() resolves on ack; RabbitMQ: on the publisher confirm. */
  publishResolvesOnAck: boolean;
  /** In-process and RabbitMQ: a queue hands its messages over in order; SQS's standard queues keep no order. */
  ordered: boolean;
  /** Which queue figures the broker can tell: RabbitMQ's passive check counts no unacked messages, SQS counts no consumers. */
  tells: { inFlight: boolean; consumers: boolean };
  dispose(): Promise<void>;
}

const adapters: [string, () => Promise<Subject>][] = [
  [
    'in-process',
    async () => {
      const broker = new InProcessBroker();
      await broker.start();
      return { broker, publishResolvesOnAck: true, ordered: true, tells: { inFlight: true, consumers: true }, dispose: () => broker.close() };
    },
  ],
  [
    'rabbitmq',
    async () => {
      const namespace = randomNamespace();
      const broker = new RabbitMqBroker({ url: rabbitMqUrl(), namespace });
      await broker.start();
      return {
        broker,
        publishResolvesOnAck: false,
        ordered: true,
        tells: { inFlight: false, consumers: true },
        dispose: async () => {
          await broker.close();
          await deleteNamespace(namespace);
        },
      };
    },
  ],
  [
    'sqs',
    async () => {
      const { endpoint } = await emulator();
      const namespace = randomSqsNamespace();
      // Short timeouts keep the tests fast: messages an aborted long poll took come back within 2 s.
      const broker = new SqsBroker({ region: FAUXQS_REGION, endpoint, namespace, visibilityTimeoutSec: 2, waitTimeSec: 1 });
      await broker.start();
      return {
        broker,
        publishResolvesOnAck: false,
        ordered: false,
        tells: { inFlight: true, consumers: false },
        dispose: async () => {
          await broker.close();
          await deleteSqsNamespace(endpoint, namespace);
        },
      };
    },
  ],
];

/** The fauxqs emulator of this file, started by the first SQS test. */
let fauxqs: Promise<Fauxqs> | undefined;
const emulator = (): Promise<Fauxqs> => (fauxqs ??= startFauxqs());

afterAll(async () => {
  await (await fauxqs)?.stop();
});

const step = (n: number, attempt = 1): OutgoingMessage => ({
  id: `step-${n}`,
  message: { kind: 'step', runId: 'run-1', nodeId: `node-${n}`, attempt },
});

const event = (id: string, topic: string, fannedOut?: boolean): OutgoingMessage => ({
  id,
  message: { kind: 'event', eventId: id, topic, payload: { id, nested: { ok: true } } },
  ...(fannedOut === undefined ? {} : { fannedOut }),
});

const notice = (runId: string): StreamNotice => ({ kind: 'run.changed', runId, flowId: 'flow-1', flowVersion: 1, status: 'running', events: [] });

const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A handler that records every delivery and acks it. */
function ackInto<T extends BrokerMessage>(received: Delivery<T>[]): (batch: Delivery<T>[]) => Promise<void> {
  return async (batch) => {
    for (const delivery of batch) {
      received.push(delivery);
      delivery.ack();
    }
  };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Polls an async reading until it satisfies `predicate`; returns that reading. */
async function eventually<T>(what: string, read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

/** Tracks whether a promise has settled, without leaving a rejection unobserved. */
function track(promise: Promise<void>): { settled: () => boolean; promise: Promise<void> } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled, promise };
}

describe.each(adapters)('BrokerPort contract: %s', (_name, create) => {
  let subject: Subject;
  let broker: BrokerPort;

  beforeEach(async () => {
    subject = await create();
    broker = subject.broker;
  });

  afterEach(async () => {
    await subject.dispose();
  });

  /** Publishes so that the messages are waiting in the queue before anyone consumes. */
  async function enqueue(messages: OutgoingMessage[]): Promise<{ published: Promise<void> }> {
    const published = broker.publish(messages);
    published.catch(() => undefined);
    if (!subject.publishResolvesOnAck) await published;
    return { published };
  }

  it('is ready after start', () => {
    expect(broker.isReady()).toBe(true);
  });

  it('publishes step messages and consumes them with their ids', async () => {
    const received: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(
      ackInto(received),
      { prefetch: 10, maxBatch: 10 },
    );

    const published = broker.publish([step(1), step(2, 3), step(3)]);
    await waitFor('3 deliveries', () => received.length === 3);
    await expect(published).resolves.toBeUndefined();

    const sorted = [...received].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(sorted.map((d) => d.id)).toEqual(['step-1', 'step-2', 'step-3']);
    expect(sorted.map((d) => d.message)).toEqual([step(1).message, step(2, 3).message, step(3).message]);
    expect(sorted.every((d) => !d.redelivered)).toBe(true);
  });

  it('hands waiting messages over in batches no larger than maxBatch', async () => {
    const { published } = await enqueue(range(25).map((n) => step(n)));
    const sizes: number[] = [];
    await broker.consumeSteps(
      async (batch) => {
        sizes.push(batch.length);
        for (const delivery of batch) delivery.ack();
      },
      { prefetch: 100, maxBatch: 10 },
    );

    await waitFor('25 deliveries', () => sizes.reduce((a, b) => a + b, 0) === 25);
    await expect(published).resolves.toBeUndefined();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes).toContain(10);
    expect(sizes.length).toBeLessThanOrEqual(5);
  });

  it('never holds more unacked deliveries than prefetch', async () => {
    const { published } = await enqueue(range(10).map((n) => step(n)));
    const held: Delivery<StepMessage>[] = [];
    let outstanding = 0;
    let maxOutstanding = 0;
    let autoAck = false;
    const ids = new Set<string>();
    const ack = (delivery: Delivery<StepMessage>): void => {
      outstanding -= 1;
      delivery.ack();
    };
    await broker.consumeSteps(
      async (batch) => {
        outstanding += batch.length;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        for (const delivery of batch) {
          ids.add(String(delivery.id));
          if (autoAck) ack(delivery);
          else held.push(delivery);
        }
      },
      { prefetch: 3, maxBatch: 10 },
    );

    await waitFor('the first 3 deliveries', () => held.length === 3);
    await sleep(150);
    expect(held).toHaveLength(3);

    autoAck = true;
    for (const delivery of held.splice(0)) ack(delivery);
    await waitFor('all 10 messages', () => ids.size === 10);
    await expect(published).resolves.toBeUndefined();
    expect(maxOutstanding).toBeLessThanOrEqual(3);
  });

  it('redelivers a nacked message with redelivered: true', async () => {
    const seen: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(
      async (batch) => {
        for (const delivery of batch) {
          seen.push(delivery);
          if (delivery.redelivered) delivery.ack();
          else delivery.nack();
        }
      },
      { prefetch: 5, maxBatch: 5 },
    );

    const published = broker.publish([step(1)]);
    await waitFor('the redelivery', () => seen.length === 2);
    await expect(published).resolves.toBeUndefined();
    expect(seen.map((d) => [d.id, d.redelivered])).toEqual([
      ['step-1', false],
      ['step-1', true],
    ]);
  });

  it('requeues the unsettled deliveries of a batch whose handler throws', async () => {
    const seen: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(
      async (batch) => {
        seen.push(...batch);
        for (const delivery of batch) if (delivery.id === 'step-1') delivery.ack();
        if (batch.some((d) => d.id === 'step-2' && !d.redelivered)) throw new Error('handler bug');
        for (const delivery of batch) delivery.ack();
      },
      { prefetch: 10, maxBatch: 10 },
    );

    const published = broker.publish([step(1), step(2)]);
    await waitFor('the requeued message', () => seen.some((d) => d.redelivered));
    await expect(published).resolves.toBeUndefined();
    await sleep(50);
    if (subject.ordered) {
      expect(seen.map((d) => [d.id, d.redelivered])).toEqual([
        ['step-1', false],
        ['step-2', false],
        ['step-2', true],
      ]);
    } else {
      // Unordered (SQS): step-1 was acked whenever it came, step-2 came back once after its batch threw.
      const deliveriesOf = (id: string): boolean[] => seen.filter((d) => d.id === id).map((d) => d.redelivered);
      expect(seen).toHaveLength(3);
      expect(deliveriesOf('step-1')).toEqual([false]);
      expect(deliveriesOf('step-2')).toEqual([false, true]);
    }
  });

  it('drops a message nacked without requeue, and publish resolves', async () => {
    const seen: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(
      async (batch) => {
        for (const delivery of batch) {
          seen.push(delivery);
          delivery.nack(false);
        }
      },
      { prefetch: 5, maxBatch: 5 },
    );
    const published = broker.publish([step(1)]);
    await expect(published).resolves.toBeUndefined();
    await waitFor('the delivery', () => seen.length === 1);
    await sleep(100);
    expect(seen).toHaveLength(1);
  });

  it("redelivers a stopped consumer's unacked messages to the next consumer", async () => {
    const { published } = await enqueue([step(1), step(2), step(3)]);
    const first: Delivery<StepMessage>[] = [];
    const stopFirst = await broker.consumeSteps(async (batch) => void first.push(...batch), { prefetch: 10, maxBatch: 10 });
    await waitFor('the first consumer to hold 3', () => first.length === 3);
    await stopFirst();

    const second: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(
      async (batch) => {
        for (const delivery of batch) {
          second.push(delivery);
          delivery.ack();
        }
      },
      { prefetch: 10, maxBatch: 10 },
    );
    await waitFor('the second consumer to get 3', () => second.length === 3);
    expect(second.map((d) => d.id).sort()).toEqual(['step-1', 'step-2', 'step-3']);
    expect(second.every((d) => d.redelivered)).toBe(true);

    // A late ack from the stopped consumer is harmless.
    first[0]?.ack();
    await expect(published).resolves.toBeUndefined();
    await sleep(50);
    expect(second).toHaveLength(3);
  });

  it('shares work between competing consumers', async () => {
    const byConsumer: string[][] = [[], []];
    for (const received of byConsumer) {
      await broker.consumeSteps(
        async (batch) => {
          await sleep(10);
          for (const delivery of batch) {
            received.push(String(delivery.id));
            delivery.ack();
          }
        },
        { prefetch: 2, maxBatch: 2 },
      );
    }

    const published = broker.publish(range(20).map((n) => step(n)));
    await waitFor('20 deliveries', () => byConsumer.flat().length === 20);
    await expect(published).resolves.toBeUndefined();
    expect(byConsumer[0]?.length).toBeGreaterThan(0);
    expect(byConsumer[1]?.length).toBeGreaterThan(0);
    expect(new Set(byConsumer.flat()).size).toBe(20);
  });

  it('hands the ingest handler events of any topic, except those Sluice fanned out itself, which it settles', async () => {
    const received: Delivery<TopicEventMessage>[] = [];
    await broker.consumeEvents(
      ackInto(received),
      { prefetch: 10, maxBatch: 10 },
    );

    const published = broker.publish([event('e1', 'orders.created', true), event('e2', 'orders.eu.created', false), event('e3', 'audit')]);
    await waitFor('2 events', () => received.length === 2);
    // In-process, publish resolves only once every routed message is settled.
    await expect(published).resolves.toBeUndefined();
    await sleep(100);

    const byId = new Map(received.map((d) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual(['e2', 'e3']);
    expect(byId.get('e2')?.message).toEqual(event('e2', 'orders.eu.created').message);
    expect(byId.get('e3')?.message.topic).toBe('audit');
  });

  it('resolves publish once the message is durably held (in-process: only after the ack)', async () => {
    if (subject.publishResolvesOnAck) {
      const held: Delivery<StepMessage>[] = [];
      await broker.consumeSteps(async (batch) => void held.push(...batch), { prefetch: 5, maxBatch: 5 });
      const publish = track(broker.publish([step(1)]));
      await waitFor('the delivery', () => held.length === 1);
      await sleep(50);
      expect(publish.settled()).toBe(false);
      held[0]?.ack();
      await expect(publish.promise).resolves.toBeUndefined();
    } else {
      // No consumer at all: the publisher confirm alone resolves it, and the message waits in the queue.
      await expect(broker.publish([step(1)])).resolves.toBeUndefined();
      const held: Delivery<StepMessage>[] = [];
      await broker.consumeSteps(async (batch) => void held.push(...batch), { prefetch: 5, maxBatch: 5 });
      await waitFor('the delivery', () => held.length === 1);
      expect(held[0]?.id).toBe('step-1');
      held[0]?.ack();
    }
  });

  it('rejects publishes after close', async () => {
    await broker.close();
    expect(broker.isReady()).toBe(false);
    await expect(broker.publish([step(1)])).rejects.toThrow(/not (started|connected)/);
  });

  it('describes its steps and ingest queues: messages waiting, then those a consumer holds', async () => {
    const topology = broker.topology;
    const describe = broker.describeQueues?.bind(broker);
    if (topology === undefined || describe === undefined) throw new Error('the broker does not describe its queues');
    expect(topology.queues.map((queue) => queue.role)).toEqual(['steps', 'ingest']);
    expect(topology.ingest.queue).toBe(topology.queues[1]?.name);

    const { published } = await enqueue(range(3).map((n) => step(n)));
    const waiting = await eventually('3 step messages waiting', describe, ([steps]) => steps?.depth === 3);
    expect(waiting.map(({ name, role }) => ({ name, role }))).toEqual(topology.queues);
    expect(waiting[1]?.depth).toBe(0);
    expect(waiting.every((queue) => typeof queue.readAt === 'string')).toBe(true);

    const held: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(async (batch) => void held.push(...batch), { prefetch: 10, maxBatch: 10 });
    await waitFor('3 deliveries', () => held.length === 3);
    const holding = await eventually('the consumer holding them', describe, ([steps]) =>
      steps?.depth === 0 && (subject.tells.inFlight ? steps.inFlight === 3 : steps.consumers === 1));
    const [steps, ingest] = holding;
    expect(steps?.inFlight).toBe(subject.tells.inFlight ? 3 : null);
    expect(steps?.consumers).toBe(subject.tells.consumers ? 1 : null);
    expect(ingest?.consumers).toBe(subject.tells.consumers ? 0 : null);
    for (const delivery of held) delivery.ack();
    await expect(published).resolves.toBeUndefined();
  });

  it('describes its queues with every figure null once closed', async () => {
    await broker.close();
    const figures = await broker.describeQueues?.();
    expect(figures?.map((queue) => queue.role)).toEqual(['steps', 'ingest']);
    expect(figures?.every((queue) => queue.depth === null && queue.inFlight === null && queue.consumers === null && queue.readAt === null)).toBe(true);
  });

  it('delivers notices to every listener, isolating listener errors, until unsubscribed', async () => {
    const first: StreamNotice[] = [];
    const second: StreamNotice[] = [];
    const offFirst = broker.onNotice((n) => {
      first.push(n);
      throw new Error('listener bug');
    });
    broker.onNotice((n) => second.push(n));

    // Notices are best effort: RabbitMQ binds this process's notice queue asynchronously, so keep sending until one lands.
    let sent = 0;
    while (second.length === 0) {
      expect(() => broker.publishNotices([notice(`run-${++sent}`)])).not.toThrow();
      await sleep(20);
      if (sent > 100) throw new Error('no notice arrived');
    }
    await sleep(50);
    expect(first.length).toBeGreaterThan(0);
    expect(second[0]).toEqual(notice(second[0]?.runId ?? ''));
    expect(first.map((n) => n.runId)).toEqual(second.map((n) => n.runId));

    offFirst();
    broker.publishNotices([notice('after-off')]);
    await waitFor('the last notice', () => second.some((n) => n.runId === 'after-off'));
    expect(first.some((n) => n.runId === 'after-off')).toBe(false);

    // A commit's notices arrive together, in order.
    const before = second.length;
    broker.publishNotices([notice('x'), notice('y'), notice('z')]);
    await waitFor('3 more notices', () => second.length === before + 3);
    expect(second.slice(before).map((n) => n.runId)).toEqual(['x', 'y', 'z']);
  });
});

describe('RabbitMqBroker specifics', () => {
  let namespace: string;
  let broker: RabbitMqBroker;

  beforeEach(async () => {
    namespace = randomNamespace();
    broker = new RabbitMqBroker({ url: rabbitMqUrl(), namespace, reconnectInitialDelayMs: 50 });
    await broker.start();
  });

  afterEach(async () => {
    await broker.close();
    await deleteNamespace(namespace);
  });

  async function collectEvents(count: number): Promise<Delivery<TopicEventMessage>[]> {
    const received: Delivery<TopicEventMessage>[] = [];
    await broker.consumeEvents(
      ackInto(received),
      { prefetch: 10, maxBatch: 10 },
    );
    await waitFor(`${count} events`, () => received.length >= count);
    return received;
  }

  it('normalises plain JSON published by an outside AMQP client into a TopicEventMessage', async () => {
    await withRabbitChannel(async (channel) => {
      channel.publish(broker.names.eventsExchange, 'orders.created', Buffer.from(JSON.stringify({ orderId: 7 })), { messageId: 'ext-1', contentType: 'application/json' });
      channel.publish(broker.names.eventsExchange, 'orders.paid', Buffer.from('[1,2]'));
      channel.publish(broker.names.eventsExchange, 'logs.line', Buffer.from('not json'));
    });
    const received = await collectEvents(3);
    const byTopic = new Map(received.map((d) => [d.message.topic, d]));

    expect(byTopic.get('orders.created')?.message).toEqual({ kind: 'event', eventId: 'ext-1', topic: 'orders.created', payload: { orderId: 7 } });
    expect(byTopic.get('orders.created')?.id).toBe('ext-1');
    const paid = byTopic.get('orders.paid');
    expect(paid?.id).toBeUndefined();
    expect(paid?.message.payload).toEqual([1, 2]);
    expect(paid?.message.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(byTopic.get('logs.line')?.message.payload).toBe('not json');
  });

  it('acks an event with the fanned-out header on arrival, unparsed, without handing it over', async () => {
    await withRabbitChannel(async (channel) => {
      // Not JSON: decoding it would have wrapped the text as a payload.
      channel.publish(broker.names.eventsExchange, 'orders.created', Buffer.from('not json'), { messageId: 'ext-fanned', headers: { [FANNED_OUT_HEADER]: true } });
      channel.publish(broker.names.eventsExchange, 'orders.created', Buffer.from('{}'), { messageId: 'ext-other', headers: { 'x-other': true } });
    });
    const received = await collectEvents(1);
    await sleep(200);
    expect(received.map((d) => d.id)).toEqual(['ext-other']);
    // Closing requeues whatever is unacked: the queue stays empty only if the fanned-out event was acked.
    await broker.close();
    const left = await withRabbitChannel(async (channel) => (await channel.checkQueue(broker.names.ingestQueue)).messageCount);
    expect(left).toBe(0);
  });

  it('publishes persistent JSON messages with the outbox id as messageId', async () => {
    await broker.publish([step(1), event('e1', 'orders.created', true)]);
    await withRabbitChannel(async (channel) => {
      const stepMsg = await channel.get(broker.names.stepsQueue, { noAck: true });
      const eventMsg = await channel.get(broker.names.ingestQueue, { noAck: true });
      if (stepMsg === false || eventMsg === false) throw new Error('messages missing from their queues');
      expect(stepMsg.properties).toMatchObject({ deliveryMode: 2, messageId: 'step-1', contentType: 'application/json' });
      expect(JSON.parse(stepMsg.content.toString('utf8'))).toEqual(step(1).message);
      expect(eventMsg.properties).toMatchObject({ deliveryMode: 2, messageId: 'e1', contentType: 'application/json' });
      expect(eventMsg.fields.routingKey).toBe('orders.created');
      expect(eventMsg.properties.headers?.[FANNED_OUT_HEADER]).toBe(true);
    });
  });

  it("uses the topic as routing key, so outside bindings with '*' and '#' see the right events", async () => {
    await withRabbitChannel(async (channel) => {
      const star = (await channel.assertQueue('', { exclusive: true })).queue;
      const hash = (await channel.assertQueue('', { exclusive: true })).queue;
      await channel.bindQueue(star, broker.names.eventsExchange, 'orders.*');
      await channel.bindQueue(hash, broker.names.eventsExchange, 'orders.#');
      // e1 is fanned out: Sluice's own ingest skips it, outside bindings still get it.
      await broker.publish([event('e1', 'orders.created', true), event('e2', 'orders.eu.created'), event('e3', 'orders'), event('e4', 'audit.orders')]);

      const drain = async (queue: string): Promise<string[]> => {
        const topics: string[] = [];
        for (let msg = await channel.get(queue, { noAck: true }); msg !== false; msg = await channel.get(queue, { noAck: true })) {
          topics.push(msg.fields.routingKey);
        }
        return topics.sort();
      };
      expect(await drain(star)).toEqual(['orders.created']);
      expect(await drain(hash)).toEqual(['orders', 'orders.created', 'orders.eu.created']);
    });
  });

  it("sends a commit's notices as one message, and reads a single notice from a process of an earlier version", async () => {
    const received: StreamNotice[] = [];
    broker.onNotice((n) => received.push(n));
    await withRabbitChannel(async (channel) => {
      const tap = (await channel.assertQueue('', { exclusive: true })).queue;
      await channel.bindQueue(tap, broker.names.noticesExchange, '');
      // The broker's own notice queue is bound asynchronously: wait until one notice reaches it.
      let sent = 0;
      while (received.length === 0) {
        broker.publishNotices([notice(`warm-${++sent}`)]);
        await sleep(20);
        if (sent > 100) throw new Error('no notice arrived');
      }
      await sleep(50);
      await channel.purgeQueue(tap);
      received.length = 0;

      broker.publishNotices([notice('a'), notice('b'), notice('c')]);
      channel.publish(broker.names.noticesExchange, '', Buffer.from(JSON.stringify(notice('older'))));
      // Whatever else reaches the exchange is dropped, and the notices beside it still go out.
      channel.publish(broker.names.noticesExchange, '', Buffer.from(JSON.stringify([null, 5, 'x', {}, { runId: 7 }, notice('among')])));
      channel.publish(broker.names.noticesExchange, '', Buffer.from('not json'));
      channel.publish(broker.names.noticesExchange, '', Buffer.from(JSON.stringify(notice('last'))));
      await waitFor('6 notices', () => received.length === 6);
      await sleep(100);
      // RabbitMQ keeps order per channel only: the broker's notices and this channel's each arrive in order.
      const ids = received.map((n) => n.runId);
      expect(ids.filter((id) => ['a', 'b', 'c'].includes(id))).toEqual(['a', 'b', 'c']);
      expect(ids.filter((id) => !['a', 'b', 'c'].includes(id))).toEqual(['older', 'among', 'last']);
      const messages: string[] = [];
      for (let msg = await channel.get(tap, { noAck: true }); msg !== false; msg = await channel.get(tap, { noAck: true })) {
        messages.push(msg.content.toString('utf8'));
      }
      // The commit's three notices went as one message.
      expect(messages).toHaveLength(5);
      expect(messages).toContainEqual(JSON.stringify([notice('a'), notice('b'), notice('c')]));
    });
  });

  it('delivers notices across processes through the fan-out exchange', async () => {
    const other = new RabbitMqBroker({ url: rabbitMqUrl(), namespace });
    await other.start();
    try {
      const received: StreamNotice[] = [];
      other.onNotice((n) => received.push(n));
      let sent = 0;
      while (received.length === 0) {
        broker.publishNotices([notice(`run-${++sent}`)]);
        await sleep(20);
        if (sent > 100) throw new Error('no notice arrived');
      }
      expect(received[0]?.kind).toBe('run.changed');
    } finally {
      await other.close();
    }
  });

  it('recovers from a lost connection: reconnects, re-consumes and redelivers what was unacked', async () => {
    const seen: Delivery<StepMessage>[] = [];
    let ackNow = false;
    await broker.consumeSteps(
      async (batch) => {
        for (const delivery of batch) {
          seen.push(delivery);
          if (ackNow) delivery.ack();
        }
      },
      { prefetch: 10, maxBatch: 10 },
    );
    await broker.publish([step(1)]);
    await waitFor('the first delivery', () => seen.length === 1);

    const model = (broker as unknown as { model: ChannelModel | null }).model;
    if (model === null) throw new Error('broker has no connection');
    (model.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(new Error('simulated network failure'));
    await waitFor('the loss to be noticed', () => !broker.isReady(), 2000);
    await expect(broker.publish([step(2)])).rejects.toThrow(/not connected/);

    ackNow = true;
    seen[0]?.ack(); // from the dead channel: a no-op
    await waitFor('the reconnect', () => broker.isReady(), 10000);
    await broker.publish([step(2)]);
    await waitFor('step-1 again and step-2', () => seen.length === 3);
    expect(seen.slice(1).map((d) => [d.id, d.redelivered]).sort()).toEqual([
      ['step-1', true],
      ['step-2', false],
    ]);
  });

  it('fails start() loudly when RabbitMQ is unreachable', async () => {
    const unreachable = new RabbitMqBroker({ url: 'amqp://guest:guest@127.0.0.1:1' });
    await expect(unreachable.start()).rejects.toThrow();
    expect(unreachable.isReady()).toBe(false);
  });
});
