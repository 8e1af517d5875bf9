import { randomUUID } from 'node:crypto';
import { rabbitMqNames } from '@sluice/broker';
import { edge, graph, node } from '../support/graphs';
import { until, startDeployment, type Deployment, type LogLine } from '../support/outage-harness';
import { withRabbitChannel } from '../support/rabbitmq';
import { TargetServer } from '../support/target-server';

/**
 * Events an outside AMQP client publishes to the `sluice.events` exchange, in
 * production mode (an API and one worker over RabbitMQ). They reach a worker
 * through the ingest queue and are committed together, a batch at a time.
 * One the store cannot hold (a lone UTF-16 surrogate: JSON.parse accepts
 * `"\ud800"`, PostgreSQL's jsonb refuses it) must fail alone: the others of
 * its batch start their runs, and it is dropped with a log line instead of
 * coming back forever (docs/guarantees.md#outside-topic-events).
 */

const TOPIC = 'outside.orders';
const GOOD = 50;
const DROPPED = 'outside topic event dropped';

interface Published {
  messageId: string;
  topic: string;
  body: Buffer;
}

/** The names of the deployment's exchanges and queues on RabbitMQ. */
function namesOf(deployment: Deployment): ReturnType<typeof rabbitMqNames> {
  const { broker } = deployment.platforms[0]!.settings;
  if (broker.kind !== 'rabbitmq') throw new Error(`outside AMQP clients need RabbitMQ, not ${broker.kind}`);
  return rabbitMqNames(broker.namespace);
}

/** Publishes the messages straight to the namespaced `sluice.events` exchange, on one channel, as an outside client would. */
async function publishOutside(deployment: Deployment, messages: readonly Published[]): Promise<void> {
  const exchange = namesOf(deployment).eventsExchange;
  await withRabbitChannel(async (channel) => {
    for (const { messageId, topic, body } of messages) {
      channel.publish(exchange, topic, body, { messageId, persistent: true, contentType: 'application/json' });
    }
  });
}

function good(n: number, topic = TOPIC): Published {
  return { messageId: `good-${n}-${randomUUID()}`, topic, body: Buffer.from(JSON.stringify({ n })) };
}

/** subscribe(pattern) → http POST <target>/<path> with the event → end. */
function subscriberGraph(pattern: string, target: TargetServer, path: string) {
  return graph(
    [
      node('in', 'subscribe', { topic: pattern }),
      node('call', 'http', { url: `${target.url}${path}`, method: 'POST', timeoutMs: 5000, body: 'event' }),
      node('out', 'end'),
    ],
    [edge('in', 'call'), edge('call', 'out')],
  );
}

/** Status of the flow's run per event id. */
async function runsByEvent(deployment: Deployment, flowId: string): Promise<Map<string, string>> {
  const rows = await deployment.sql<{ event_id: string; status: string }>('SELECT event_id, status FROM runs WHERE flow_id = $1', [flowId]);
  return new Map(rows.map((row) => [row.event_id, row.status]));
}

/** Log lines of the worker's event ingest. */
function ingestLog(deployment: Deployment): LogLine[] {
  return deployment.logs.filter((line) => line.service === 'sluice-worker-1' && line.component === 'EventIngest');
}

/** Messages waiting in the ingest queue once no consumer holds any: stops the worker first. */
async function ingestQueueDepthAfterStop(deployment: Deployment): Promise<number> {
  const [worker] = deployment.platforms.splice(1, 1);
  await worker!.close();
  const queue = namesOf(deployment).ingestQueue;
  return withRabbitChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('outside topic events, production mode', () => {
  let target: TargetServer;
  let deployment: Deployment | undefined;

  beforeAll(async () => {
    target = await new TargetServer().start();
  });

  beforeEach(async () => {
    target.requests.splice(0);
    target.reply({ status: 200, body: { ok: true } });
    deployment = await startDeployment({ mode: 'rabbitmq', workers: 1 });
  });

  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  afterAll(async () => {
    await target?.stop();
  });

  it(`${GOOD} good events and 1 the store cannot hold, published together: every good one runs and finishes, the poisoned one is dropped once and logged`, async () => {
    const sluice = deployment!;
    const flow = await sluice.api.createFlow('outside subscriber', subscriberGraph(TOPIC, target, '/sink'));
    const goods = Array.from({ length: GOOD }, (_, n) => good(n));
    const poisoned: Published = { messageId: `poisoned-${randomUUID()}`, topic: TOPIC, body: Buffer.from('{"n":-1,"note":"\\ud800"}') };
    // The poisoned message goes out in the middle of the burst, so it shares a batch with good ones.
    await publishOutside(sluice, [...goods.slice(0, GOOD / 2), poisoned, ...goods.slice(GOOD / 2)]);

    const goodIds = goods.map((message) => message.messageId);
    const allSucceeded = async (): Promise<boolean> => {
      const runs = await runsByEvent(sluice, flow.id);
      return goodIds.every((id) => runs.get(id) === 'succeeded');
    };
    await until(`runs of all ${GOOD} good events succeeding`, allSucceeded, 30_000, 200).catch(async (error: unknown) => {
      const runs = await runsByEvent(sluice, flow.id);
      const missing = goodIds.filter((id) => runs.get(id) !== 'succeeded');
      throw new Error(`${String(error)}: ${missing.length} of ${GOOD} good events have no finished run; ingest log: ${JSON.stringify(ingestLog(sluice).map((line) => line.msg))}`);
    });
    const sinkNs = target.requests.filter((request) => request.path === '/sink').map((request) => (request.body as { n: number }).n);
    expect(new Set(sinkNs)).toEqual(new Set(goods.map((_, n) => n)));

    // The poisoned event is logged once, naming it, its topic and why; it starts no run.
    await until('the poisoned event being logged', () => ingestLog(sluice).some((line) => line.eventId === poisoned.messageId), 10_000);
    // Long enough for a requeued message to come back a few times (requeues pause 1 s).
    await sleep(3_000);
    const aboutPoisoned = ingestLog(sluice).filter((line) => line.eventId === poisoned.messageId);
    expect(aboutPoisoned).toEqual([expect.objectContaining({
      level: 40, msg: expect.stringContaining(DROPPED), topic: TOPIC, reason: expect.stringMatching(/store refused a value|Unicode|surrogate/i),
    })]);
    expect(ingestLog(sluice).filter((line) => /requeued/.test(line.msg))).toEqual([]);
    expect((await runsByEvent(sluice, flow.id)).has(poisoned.messageId)).toBe(false);

    // The worker stays healthy: connected, and an event published now runs.
    expect(sluice.platforms[1]!.broker.isReady()).toBe(true);
    const late = good(GOOD);
    await publishOutside(sluice, [late]);
    await until('the late event\'s run succeeding', async () => (await runsByEvent(sluice, flow.id)).get(late.messageId) === 'succeeded', 15_000, 100);

    // Nothing is left in the ingest queue: not the poisoned message, not held and not waiting.
    expect(await ingestQueueDepthAfterStop(sluice)).toBe(0);
  });

  it('an event whose commit the store refuses for another reason is requeued, and dropped after SLUICE_MAX_DELIVERIES (5) failures; the others of its batch run', async () => {
    const sluice = deployment!;
    const cursed: Published = { messageId: `cursed-${randomUUID()}`, topic: TOPIC, body: Buffer.from(JSON.stringify({ n: -2 })) };
    // A failure that is not about the value: the store refuses this event's run, whatever it holds.
    await sluice.sql(`
      CREATE FUNCTION refuse_cursed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id = '${cursed.messageId}' THEN RAISE EXCEPTION 'injected: the store refuses this event'; END IF;
        RETURN NEW;
      END $$`);
    await sluice.sql('CREATE TRIGGER refuse_cursed BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION refuse_cursed()');
    const flow = await sluice.api.createFlow('outside subscriber', subscriberGraph(TOPIC, target, '/sink'));
    const goods = Array.from({ length: 10 }, (_, n) => good(n));
    await publishOutside(sluice, [...goods.slice(0, 5), cursed, ...goods.slice(5)]);

    await until('the good events\' runs succeeding', async () => {
      const runs = await runsByEvent(sluice, flow.id);
      return goods.every((message) => runs.get(message.messageId) === 'succeeded');
    }, 15_000, 100);
    // Four requeues, 1 s apart, then the fifth failure drops it.
    await until('the cursed event being dropped', () => ingestLog(sluice).some((line) => line.eventId === cursed.messageId), 20_000);
    await sleep(2_000);
    expect(ingestLog(sluice).filter((line) => line.eventId === cursed.messageId)).toEqual([expect.objectContaining({
      level: 40, msg: `${DROPPED}: it kept failing`, topic: TOPIC,
      reason: expect.stringMatching(/failed 5 times .*SLUICE_MAX_DELIVERIES is 5.*injected: the store refuses this event/),
    })]);
    expect(ingestLog(sluice).filter((line) => /requeued/.test(line.msg))).toHaveLength(4);
    expect((await runsByEvent(sluice, flow.id)).has(cursed.messageId)).toBe(false);
    expect(await ingestQueueDepthAfterStop(sluice)).toBe(0);
  });

  it('a body that is not JSON is the event\'s text; one the store cannot hold and one without a topic are dropped with a log line, not requeued', async () => {
    const sluice = deployment!;
    const everything = await sluice.api.createFlow('every topic', subscriberGraph('#', target, '/all'));
    const text: Published = { messageId: `text-${randomUUID()}`, topic: TOPIC, body: Buffer.from('plain text, not JSON') };
    const nulText: Published = { messageId: `nul-${randomUUID()}`, topic: TOPIC, body: Buffer.from('text with a NUL \u0000 in it') };
    const noTopic: Published = { messageId: `no-topic-${randomUUID()}`, topic: '', body: Buffer.from(JSON.stringify({ n: 1 })) };
    const badTopic: Published = { messageId: `bad-topic-${randomUUID()}`, topic: 'orders/new', body: Buffer.from(JSON.stringify({ n: 2 })) };
    const fine = good(3);
    await publishOutside(sluice, [text, nulText, noTopic, badTopic, fine]);

    await until('the good events\' runs succeeding', async () => {
      const runs = await runsByEvent(sluice, everything.id);
      return runs.get(fine.messageId) === 'succeeded' && runs.get(text.messageId) === 'succeeded';
    }, 20_000, 100);
    expect(target.requests.filter((request) => request.path === '/all').map((request) => request.body)).toEqual(
      expect.arrayContaining(['plain text, not JSON', { n: 3 }]),
    );
    const dropped = [nulText, noTopic, badTopic].map((message) => message.messageId);
    await until('the dropped events being logged', () => dropped.every((id) => ingestLog(sluice).some((line) => line.eventId === id)), 10_000);
    await sleep(3_000);

    const runs = await runsByEvent(sluice, everything.id);
    expect(dropped.filter((id) => runs.has(id))).toEqual([]);
    for (const [message, reason] of [[nulText, /store refused a value|NUL|0x00/i], [noTopic, /must not be empty/], [badTopic, /invalid word/]] as const) {
      expect(ingestLog(sluice).filter((line) => line.eventId === message.messageId)).toEqual([
        expect.objectContaining({ level: 40, msg: expect.stringContaining(DROPPED), topic: message.topic, reason: expect.stringMatching(reason) }),
      ]);
    }
    expect(ingestLog(sluice).filter((line) => /requeued/.test(line.msg))).toEqual([]);
    expect(await ingestQueueDepthAfterStop(sluice)).toBe(0);
  });
});
