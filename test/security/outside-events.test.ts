/**
 * A producer on the broker (docs/security.md#events-from-the-broker): an
 * outside client that publishes to Sluice's events exchange (RabbitMQ) or
 * events topic (SNS), and holds no key. Its events must meet the bounds a
 * request body meets (SLUICE_MAX_BODY, SLUICE_MAX_JSON_DEPTH); what the store
 * cannot hold, and events without a topic, are dropped without stalling the
 * others; it cannot forge a run's place in a publish chain, so a loop it
 * feeds still ends at the hop limit; and the log lines about what it sent
 * never quote its payloads.
 */
import { randomUUID } from 'node:crypto';
import { ListTopicsCommand, PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { FANNED_OUT_HEADER, rabbitMqNames, SQS_ID_ATTRIBUTE, SQS_TOPIC_ATTRIBUTE, sqsNames } from '@sluice/broker';
import type { RunState } from '@sluice/contracts';
import { edge, graph, node } from '../support/graphs';
import { startDeployment, until, type Deployment } from '../support/outage-harness';
import { withRabbitChannel } from '../support/rabbitmq';

/** Bounds of this suite, small so an SNS message (256 KiB at most) can pass them. */
const MAX_BODY = 64 * 1024;
const MAX_DEPTH = 64;
const MAX_HOPS = 2;

/** One message as an outside producer sends it: body, topic (routing key or `topic` attribute), id, and any other headers or attributes. */
interface Outside {
  id: string;
  topic: string | undefined;
  body: string;
  extra?: Record<string, string>;
}

/** Sends the messages as an outside client would, over the broker's own protocol. */
type Producer = (messages: readonly Outside[]) => Promise<void>;

async function rabbitProducer(deployment: Deployment): Promise<Producer> {
  const { broker } = deployment.platforms[0]!.settings;
  if (broker.kind !== 'rabbitmq') throw new Error(`expected rabbitmq, got ${broker.kind}`);
  const exchange = rabbitMqNames(broker.namespace).eventsExchange;
  return (messages) => withRabbitChannel(async (channel) => {
    for (const message of messages) {
      channel.publish(exchange, message.topic ?? '', Buffer.from(message.body), {
        messageId: message.id, persistent: true, contentType: 'application/json', headers: message.extra ?? {},
      });
    }
  });
}

async function snsProducer(deployment: Deployment): Promise<{ produce: Producer; close: () => void }> {
  const { broker } = deployment.platforms[0]!.settings;
  if (broker.kind !== 'sqs') throw new Error(`expected sqs, got ${broker.kind}`);
  const sns = new SNSClient({ region: broker.region, ...(broker.endpoint === undefined ? {} : { endpoint: broker.endpoint }) });
  const name = sqsNames(broker.namespace).eventsTopic;
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  const TopicArn = Topics.map((topic) => topic.TopicArn).find((arn) => arn?.endsWith(`:${name}`));
  if (TopicArn === undefined) throw new Error(`no topic ${name}`);
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const produce: Producer = async (messages) => {
    for (const message of messages) {
      const attributes: Record<string, MessageAttributeValue> = { [SQS_ID_ATTRIBUTE]: text(message.id) };
      if (message.topic !== undefined) attributes[SQS_TOPIC_ATTRIBUTE] = text(message.topic);
      for (const [key, value] of Object.entries(message.extra ?? {})) attributes[key] = text(value);
      await sns.send(new PublishCommand({ TopicArn, Message: message.body, MessageAttributes: attributes }));
    }
  };
  return { produce, close: () => sns.destroy() };
}

const nested = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['rabbitmq', 'sqs'] as const)('events from a producer on %s', (mode) => {
  let sluice: Deployment;
  let produce: Producer;
  let closeProducer = (): void => undefined;

  beforeAll(async () => {
    sluice = await startDeployment({
      mode, workers: 1,
      env: { SLUICE_MAX_BODY: String(MAX_BODY), SLUICE_MAX_JSON_DEPTH: String(MAX_DEPTH), SLUICE_MAX_PUBLISH_DEPTH: String(MAX_HOPS) },
    });
    if (mode === 'rabbitmq') produce = await rabbitProducer(sluice);
    else ({ produce, close: closeProducer } = await snsProducer(sluice));
  }, 60_000);

  afterAll(async () => {
    closeProducer();
    await sluice?.close();
  });

  const runsOf = async (flowId: string): Promise<RunState[]> =>
    (await sluice.sql<{ state: RunState }>('SELECT state FROM runs WHERE flow_id = $1', [flowId])).map((row) => row.state);

  it('refuses what a request body may not carry, ignores forged chain marks, ends a fed loop at the hop limit, and logs no payload', async () => {
    const everything = await sluice.api.createFlow('every outside event', graph([node('in', 'subscribe', { topic: 'outside.#' }), node('out', 'end')], [edge('in', 'out')]));
    const loop = await sluice.api.createFlow('loop', graph([node('in', 'subscribe', { topic: 'loop' }), node('again', 'publish', { topic: 'loop' })], [edge('in', 'again')]));
    const mark = `MARK-${randomUUID()}`;
    /** A payload that carries the mark, as a secret, a connection URL and plain text, plus `more`. */
    const marked = (more: string) => `{"authorization":"Bearer ${mark}","url":"amqp://u:${mark}@h","note":"${mark}"${more}}`;
    const id = (name: string) => `${name}-${randomUUID()}`;
    const forgedChain = { 'x-sluice-chain': JSON.stringify({ originEventId: 'forged', depth: 0 }), 'x-sluice-depth': '0', chain: '{"depth":0}', depth: '0' };

    const accepted = {
      // {"pad":"…"} is 10 bytes around the text: exactly SLUICE_MAX_BODY.
      atSize: { id: id('at-size'), topic: 'outside.size', body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY - 10) }) },
      atDepth: { id: id('at-depth'), topic: 'outside.depth', body: nested(MAX_DEPTH) },
      text: { id: id('text'), topic: 'outside.text', body: 'plain text, not JSON' },
      forged: { id: id('forged'), topic: 'outside.forged', body: '{"n":1}', extra: forgedChain },
      ownShape: {
        id: id('own-shape'), topic: 'outside.own',
        body: JSON.stringify({ kind: 'event', eventId: id('own-event'), topic: 'outside.own', payload: { n: 2 }, chain: { originEventId: 'forged', depth: 0 } }),
      },
    } satisfies Record<string, Outside>;
    const feed: Outside = { id: id('feed'), topic: 'loop', body: '{"round":0}', extra: forgedChain };
    const refused = {
      tooLarge: { id: id('too-large'), topic: 'outside.large', body: marked(`,"pad":"${'x'.repeat(MAX_BODY)}"`) },
      tooDeep: { id: id('too-deep'), topic: 'outside.deep', body: nested(MAX_DEPTH + 1) },
      deepest: { id: id('deepest'), topic: 'outside.deep', body: nested(5000) },
      nul: { id: id('nul'), topic: 'outside.nul', body: marked(',"bad":"\\u0000"') },
      surrogate: { id: id('surrogate'), topic: 'outside.surrogate', body: marked(',"bad":"\\ud800"') },
      noTopic: { id: id('no-topic'), topic: mode === 'rabbitmq' ? '' : undefined, body: marked('') },
      fannedOut: { id: id('fanned-out'), topic: 'outside.fanned', body: marked(''), extra: { [FANNED_OUT_HEADER]: 'true' } },
    } satisfies Record<string, Outside>;
    const ownEventId = (JSON.parse(accepted.ownShape.body) as { eventId: string }).eventId;

    await produce([...Object.values(refused), ...Object.values(accepted), feed]);
    const acceptedIds = [accepted.atSize.id, accepted.atDepth.id, accepted.text.id, accepted.forged.id, ownEventId];
    await until('runs of the accepted events succeeding', async () => {
      const byEvent = new Map((await runsOf(everything.id)).map((run) => [run.eventId, run.status]));
      return acceptedIds.every((eventId) => byEvent.get(eventId) === 'succeeded');
    }, 20_000, 100);
    await until('the loop reaching its hop limit', async () => (await runsOf(loop.id)).some((run) => run.status === 'failed'), 20_000, 100);

    // Every run starts its own chain at depth 0, whatever chain marks came with it.
    const runs = await runsOf(everything.id);
    expect(runs.map((run) => [run.eventId, run.chain]).sort()).toEqual(acceptedIds.map((eventId) => [eventId, { originEventId: eventId, depth: 0 }]).sort());
    // The loop an outside event feeds runs hops 0 … MAX_HOPS and no further: the forged marks reset nothing.
    await sleep(1_000);
    const rounds = (await runsOf(loop.id)).sort((a, b) => (a.chain?.depth ?? 0) - (b.chain?.depth ?? 0));
    expect(rounds.map((run) => [run.chain, run.status])).toEqual(Array.from({ length: MAX_HOPS + 1 }, (_, depth) => [
      { originEventId: feed.id, depth }, depth === MAX_HOPS ? 'failed' : 'succeeded',
    ]));
    expect(rounds[MAX_HOPS]!.steps.find((step) => step.nodeId === 'again')?.error?.code).toBe('publish_depth');

    // Refused ones start nothing; the bounds are named in the worker's log.
    const worker = () => sluice.logs.filter((line) => line.service === 'sluice-worker-1' && line.level >= 40);
    await until('the refused events being logged', () => [refused.tooLarge, refused.tooDeep, refused.deepest, refused.nul, refused.surrogate]
      .every((message) => worker().some((line) => line.eventId === message.id)), 10_000);
    const reasons = new Map(worker().filter((line) => typeof line.eventId === 'string').map((line) => [line.eventId, line.reason]));
    expect(reasons.get(refused.tooLarge.id)).toBe(`its payload is larger than ${MAX_BODY} bytes as JSON (SLUICE_MAX_BODY)`);
    expect(reasons.get(refused.tooDeep.id)).toBe(`its payload nests deeper than ${MAX_DEPTH} levels (SLUICE_MAX_JSON_DEPTH)`);
    expect(reasons.get(refused.deepest.id)).toBe(`its payload nests deeper than ${MAX_DEPTH} levels (SLUICE_MAX_JSON_DEPTH)`);
    expect(reasons.get(refused.nul.id)).toMatch(/store refused a value/);
    expect(reasons.get(refused.surrogate.id)).toMatch(/store refused a value/);
    const started = new Set(runs.map((run) => run.eventId));
    expect(Object.values(refused).filter((message) => started.has(message.id))).toEqual([]);
    expect(await sluice.sql('SELECT event_id FROM runs WHERE flow_id <> ALL($1)', [[everything.id, loop.id]])).toEqual([]);

    // No log line of any process quotes a payload, its secrets included.
    expect(sluice.logs.filter((line) => JSON.stringify(line).includes(mark))).toEqual([]);
    expect(sluice.platforms[1]!.broker.isReady()).toBe(true);
  });
});
