/**
 * The sweep of orphaned notice queues on SQS (docs/brokers.md, Notice queues),
 * on the fauxqs emulator through the real AWS SDK: each listening process
 * marks its notice queue alive; every process deletes, with their
 * subscriptions, the notice queues of its namespace whose mark went stale
 * (their owner was killed), and touches nothing else. Clocks and thresholds
 * are injected, so nothing here waits for real minutes.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ListQueueTagsCommand, ListQueuesCommand, TagQueueCommand, type SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SubscribeCommand, UnsubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { NOTICE_STALE_AFTER_MS, SQS_NOTICE_ALIVE_TAG, SqsBroker, sqsNames, type SqsBrokerOptions } from '@sluice/broker';
import type { StreamNotice } from '@sluice/contracts';
import { deleteSqsNamespace, FAUXQS_REGION, fauxqsClients, randomSqsNamespace, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { recordingLogger, type LogLine } from '../support/recording-logger';

const MINUTE = 60_000;
const notice = (runId: string): StreamNotice => ({ kind: 'run.changed', runId, flowId: 'flow-1', flowVersion: 1, status: 'running', events: [] });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const hex12 = (): string => randomBytes(6).toString('hex');

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A notice queue as a process leaves it: subscribed raw to the notices topic, and marked at `markedAtMs` unless undefined. */
interface LeftQueue {
  url: string;
  arn: string;
  subscriptionArn: string;
}

describe('SqsBroker notice queue sweep (sqs)', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  let sns: SNSClient;
  let destroyClients: () => void;
  let namespace: string;
  let otherNamespace: string;
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
    otherNamespace = randomSqsNamespace();
    lines = [];
  });

  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    await deleteSqsNamespace(fauxqs.endpoint, namespace);
    await deleteSqsNamespace(fauxqs.endpoint, otherNamespace);
  });

  async function startBroker(options: Partial<SqsBrokerOptions> = {}, ns = namespace): Promise<SqsBroker> {
    const broker = new SqsBroker({
      region: FAUXQS_REGION, endpoint: fauxqs.endpoint, namespace: ns, waitTimeSec: 1, logger: recordingLogger(lines), ...options,
    });
    brokers.push(broker);
    await broker.start();
    return broker;
  }

  async function topicArn(name: string): Promise<string> {
    const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
    const arn = Topics.map((topic) => topic.TopicArn).find((candidate) => candidate?.endsWith(`:${name}`));
    if (arn === undefined) throw new Error(`no topic ${name}`);
    return arn;
  }

  /** What a process killed with SIGKILL leaves behind: its notice queue, subscribed to the notices topic, with its last mark. */
  async function leftQueue(name: string, markedAtMs: number | undefined, ns = namespace): Promise<LeftQueue> {
    const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: '60' } }));
    if (url === undefined) throw new Error(`no URL for ${name}`);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.QueueArn ?? '';
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({
      TopicArn: await topicArn(sqsNames(ns).noticesTopic), Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'true' }, ReturnSubscriptionArn: true,
    }));
    // Marked last: a sweep running meanwhile must not find it stale before it is subscribed, as a live owner's queue never is.
    if (markedAtMs !== undefined) await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { [SQS_NOTICE_ALIVE_TAG]: String(markedAtMs) } }));
    return { url, arn, subscriptionArn: SubscriptionArn ?? '' };
  }

  async function queueExists(url: string): Promise<boolean> {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: url.slice(url.lastIndexOf('/') + 1) }));
    return QueueUrls.includes(url);
  }

  /** The queue ARNs subscribed to a namespace's notices topic. */
  async function subscribedQueues(ns = namespace): Promise<string[]> {
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await topicArn(sqsNames(ns).noticesTopic) }));
    return Subscriptions.map((sub) => sub.Endpoint ?? '');
  }

  async function noticeQueueUrls(broker: SqsBroker): Promise<string[]> {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: broker.names.noticeQueuePrefix }));
    return QueueUrls;
  }

  async function aliveMark(url: string): Promise<string | undefined> {
    const { Tags = {} } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
    return Tags[SQS_NOTICE_ALIVE_TAG];
  }

  const sweptQueues = (): unknown[] => lines.filter((line) => line.message === 'orphaned notice queue deleted').map((line) => line.fields.queueUrl);
  const sweepsDone = (): number => lines.filter((line) => line.message === 'notice queue sweep done').length;
  const warnings = (): string[] => lines.filter((line) => line.level === 'warn').map((line) => line.message);

  it('sqs: a process sweeps at start the queue and subscription of a killed process, and leaves the live process’s queue, recent unmarked queues and other names alone', async () => {
    const live = await startBroker();
    live.onNotice(() => undefined);
    await waitFor('the live process’s own first sweep', () => sweepsDone() === 1);
    await waitFor('the live process’s queue, marked', async () => {
      const [url] = await noticeQueueUrls(live);
      return url !== undefined && (await aliveMark(url)) !== undefined;
    });
    const [liveUrl] = await noticeQueueUrls(live);
    const prefix = live.names.noticeQueuePrefix;
    const longAgo = Date.now() - NOTICE_STALE_AFTER_MS - MINUTE;
    const killed = await leftQueue(`${prefix}${hex12()}`, longAgo);
    const killedToo = await leftQueue(`${prefix}${hex12()}`, longAgo);
    const unmarkedRecent = await leftQueue(`${prefix}${hex12()}`, undefined);
    const notNamedLikeOne = await leftQueue(`${prefix}mine`, longAgo);
    await sns.send(new CreateTopicCommand({ Name: sqsNames(otherNamespace).noticesTopic }));
    const otherNamespaces = await leftQueue(`${sqsNames(otherNamespace).noticeQueuePrefix}${hex12()}`, longAgo, otherNamespace);

    await startBroker();
    await waitFor('the sweep to delete both orphans', () => sweptQueues().length === 2);

    expect(sweptQueues().sort()).toEqual([killed.url, killedToo.url].sort());
    expect(await queueExists(killed.url)).toBe(false);
    expect(await queueExists(killedToo.url)).toBe(false);
    const subscribed = await subscribedQueues();
    expect(subscribed).not.toContain(killed.arn);
    expect(subscribed).not.toContain(killedToo.arn);
    expect(lines.find((line) => line.fields.queueUrl === killed.url)?.fields).toMatchObject({ reason: 'mark stale', unsubscribed: 1 });

    expect(liveUrl).toBeDefined();
    expect(await queueExists(liveUrl ?? '')).toBe(true);
    for (const kept of [unmarkedRecent, notNamedLikeOne]) {
      expect(await queueExists(kept.url)).toBe(true);
      expect(subscribed).toContain(kept.arn);
    }
    expect(await queueExists(otherNamespaces.url)).toBe(true);
    expect(await subscribedQueues(otherNamespace)).toContain(otherNamespaces.arn);
    expect(warnings()).toEqual([]);
  });

  it('sqs: the owner marks its queue alive again and again with its clock; a sweep with a 1 s threshold keeps it and deletes an orphan marked 1 s before it', async () => {
    let clock = 1_000_000;
    const owner = await startBroker({ noticeSweep: { now: () => clock, markEveryMs: 20 } });
    owner.onNotice(() => undefined);
    await waitFor('the owner’s queue', async () => (await noticeQueueUrls(owner)).length === 1);
    const [url = ''] = await noticeQueueUrls(owner);
    await waitFor('the first mark', async () => (await aliveMark(url)) === '1000000');
    clock = 2_000_000;
    await waitFor('the mark refreshed', async () => (await aliveMark(url)) === '2000000');

    // A sweeper whose clock reads just within the threshold of the owner's last mark.
    const orphan = await leftQueue(`${owner.names.noticeQueuePrefix}${hex12()}`, 2_000_000 - 1001);
    await startBroker({ noticeSweep: { now: () => clock, staleAfterMs: 1000 } });
    await waitFor('the sweep', () => sweptQueues().length === 1);
    expect(sweptQueues()).toEqual([orphan.url]);
    expect(await queueExists(url)).toBe(true);
    expect(await subscribedQueues()).toHaveLength(1);
  });

  it('sqs: processes sweep again every few minutes: an orphan left after their start goes at a later sweep, and two sweeping at once both succeed', async () => {
    await startBroker({ noticeSweep: { everyMs: 20 } });
    await startBroker({ noticeSweep: { everyMs: 20 } });
    await waitFor('both first sweeps', () => sweepsDone() >= 2);
    const orphans = await Promise.all([1, 2, 3].map(() => leftQueue(`${sqsNames(namespace).noticeQueuePrefix}${hex12()}`, Date.now() - NOTICE_STALE_AFTER_MS - MINUTE)));
    await waitFor('later sweeps to delete the orphans', () => orphans.every((orphan) => sweptQueues().includes(orphan.url)));
    for (const orphan of orphans) expect(await queueExists(orphan.url)).toBe(false);
    expect(await subscribedQueues()).toEqual([]);
    const done = sweepsDone();
    await waitFor('two more sweeps', () => sweepsDone() >= done + 2);
    expect(warnings()).toEqual([]);
  });

  it('sqs: a process whose queue was swept all the same (its marks stopped for a while) creates a new one and receives notices again', async () => {
    const publisher = await startBroker();
    const listener = await startBroker();
    const received: StreamNotice[] = [];
    listener.onNotice((n) => received.push(n));
    await waitFor('the listener’s queue', async () => (await noticeQueueUrls(listener)).length === 1);
    const [firstUrl = ''] = await noticeQueueUrls(listener);
    const [firstSubscription] = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await topicArn(listener.names.noticesTopic) }))).Subscriptions ?? [];

    // What another process's sweep does.
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: firstSubscription?.SubscriptionArn }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: firstUrl }));

    await waitFor('a new queue', async () => (await noticeQueueUrls(listener)).some((url) => url !== firstUrl));
    let sent = 0;
    await waitFor('a notice through the new queue', () => {
      publisher.publishNotices([notice(`run-${++sent}`)]);
      return received.length > 0;
    });
    expect(warnings()).toContain('notice queue deleted by another process; creating a new one');
    expect(warnings()).not.toContain('SQS calls failing; the broker is not ready until one succeeds');
    expect(listener.isReady()).toBe(true);
    expect(await subscribedQueues()).toHaveLength(1);
  });
});
