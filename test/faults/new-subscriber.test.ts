import { randomUUID } from 'node:crypto';
import type { FlowDto, RunState, TopicPublishResponse } from '@sluice/contracts';
import { rabbitMqNames } from '@sluice/broker';
import { createStore, type TypeOrmStore } from '@sluice/store';
import { Client } from 'pg';
import { ApiClient } from '../support/api-client';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { SluiceProcess, freePort } from '../support/embedded-process';
import { edge, graph, node } from '../support/graphs';
import { deleteNamespace, rabbitMqUrl, randomNamespace, withRabbitChannel } from '../support/rabbitmq';
import { sluiceSuite } from '../support/sluice-harness';

/**
 * Read-your-writes for subscribers across processes (docs/guarantees.md#subscribers):
 * once `POST /api/flows` has answered 201, every event published after it
 * starts a run of the new subscribe flow, whichever process fans it out; once
 * `DELETE /api/flows/:id` has answered 204, no new event does.
 *
 * Each round creates two subscribers and publishes at once, then archives one
 * and publishes again. Rounds follow each other closely, so a process that
 * reused what it knew of the subscribers for even a second would miss a new
 * one, or start a run of an archived one.
 */

const TOPIC = 'news.flash';
const ROUNDS = 4;
/** How long the runs of one round's events may take to appear. */
const SETTLE_MS = 15_000;

/** One way to publish an event on TOPIC; resolves with the event id the runs it starts carry. */
type Publisher = { name: string; publish: (round: number) => Promise<string> };

/** subscribe(TOPIC) → end: its runs finish in the commit that starts them. */
function subscriberGraph() {
  return graph([node('in', 'subscribe', { topic: TOPIC }), node('out', 'end')], [edge('in', 'out')]);
}

/** trigger → publish(TOPIC): the publish step runs in a worker, whose commit fans the event out. */
function producerGraph() {
  return graph([node('start', 'trigger'), node('publish', 'publish', { topic: TOPIC })], [edge('start', 'publish')]);
}

function producerPublisher(api: ApiClient, producer: FlowDto): Publisher {
  return {
    name: 'publish step',
    // A publish step's event id is `<runId>:<nodeId>`.
    publish: async (round) => `${(await api.trigger(producer.id, { round, via: 'publish step' })).runId}:publish`,
  };
}

function restPublisher(api: ApiClient): Publisher {
  return {
    name: 'POST /api/topics',
    publish: async (round) => {
      const response = await api.request<TopicPublishResponse>('POST', `/api/topics/${TOPIC}/events`, { round, via: 'rest' });
      if (response.status !== 202) throw new Error(`topic publish: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.eventId;
    },
  };
}

/** An outside AMQP client publishing to the namespaced `sluice.events` exchange; the message id becomes the event id. */
function amqpPublisher(namespace: string): Publisher {
  const exchange = rabbitMqNames(namespace).eventsExchange;
  return {
    name: 'outside AMQP client',
    publish: async (round) => {
      const messageId = `outside-${randomUUID()}`;
      await withRabbitChannel(async (channel) => {
        channel.publish(exchange, TOPIC, Buffer.from(JSON.stringify({ round, via: 'amqp' })), {
          messageId, persistent: true, contentType: 'application/json',
        });
      });
      return messageId;
    },
  };
}

/** Event ids of the flow's runs, one entry per run. */
async function runEventIds(api: ApiClient, flowId: string): Promise<string[]> {
  const response = await api.request<{ items: RunState[] }>('GET', `/api/runs?flowId=${flowId}&limit=500`);
  if (response.status !== 200) throw new Error(`runs of ${flowId}: ${response.status}`);
  return response.body.items.map((run) => run.eventId);
}

/**
 * For each flow, which of `events` started a run of it (each event listed as
 * many times as it did), once every flow in `expected` has a run for every
 * event, or at the deadline.
 */
async function runsFor(api: ApiClient, flows: readonly string[], events: readonly string[], expected: readonly string[]): Promise<Record<string, string[]>> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const seen: Record<string, string[]> = {};
    for (const flowId of flows) seen[flowId] = (await runEventIds(api, flowId)).filter((eventId) => events.includes(eventId)).sort();
    const complete = expected.every((flowId) => events.every((eventId) => seen[flowId]?.includes(eventId)));
    if (complete || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The rounds, against one Sluice: `api` creates and archives flows, `publishers` each publish one event per step. */
async function subscribeArchiveRounds(api: ApiClient, publishers: readonly Publisher[]): Promise<void> {
  const publishAll = async (round: number): Promise<string[]> => Promise.all(publishers.map((publisher) => publisher.publish(round)));
  const everyEvent = (flows: readonly string[], events: readonly string[]): Record<string, string[]> =>
    Object.fromEntries(flows.map((flowId) => [flowId, [...events].sort()]));

  // A subscriber from before, and events it gets: every process has fanned events out, so each knows the subscribers of now.
  const watcher = await api.createFlow('watcher', subscriberGraph());
  const warmUp = await Promise.all([publishAll(-2), publishAll(-1)]).then((events) => events.flat());
  expect(await runsFor(api, [watcher.id], warmUp, [watcher.id])).toEqual(everyEvent([watcher.id], warmUp));

  const active: string[] = [watcher.id];
  const archived: string[] = [];

  for (let round = 0; round < ROUNDS; round++) {
    const [first, second] = await Promise.all([
      api.createFlow(`subscriber ${round}a`, subscriberGraph()),
      api.createFlow(`subscriber ${round}b`, subscriberGraph()),
    ]);
    active.push(first!.id, second!.id);
    // Both 201s are in: every event published from here on reaches both.
    const events = await publishAll(round);
    const flows = [...active, ...archived];
    expect({ round, runs: await runsFor(api, flows, events, active) }).toEqual({
      round, runs: { ...everyEvent(active, events), ...everyEvent(archived, []) },
    });

    const archive = await api.request('DELETE', `/api/flows/${first!.id}`);
    expect(archive.status).toBe(204);
    active.splice(active.indexOf(first!.id), 1);
    archived.push(first!.id);
    // The 204 is in: no event published from here on reaches the archived flow. An event's runs are
    // started by one commit, so once the active flows have theirs, an archived flow's would be there too.
    const after = await publishAll(round);
    expect({ round, archivedThenPublished: await runsFor(api, flows, after, active) }).toEqual({
      round, archivedThenPublished: { ...everyEvent(active, after), ...everyEvent(archived, []) },
    });
  }
}

/** Whether `promise` is still pending after `ms`. */
async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(pending), ms))])) === pending;
}

/**
 * What the processes rely on, at the store: the flow revision moves with every
 * flow change, and the fan-out's read of it and flow changes take turns, so a
 * change answered after a fan-out read the revision committed after that
 * fan-out, and a change in progress is read once it commits.
 */
describe('the flow revision (store, PostgreSQL server)', () => {
  let database: TestDatabase;
  let store: TypeOrmStore;

  beforeAll(async () => {
    database = await createTestDatabase('server');
    store = await createStore(database.url, { poolSize: 4 });
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('moves with every create, save and archive, and subscriptions come with the revision they are as of', async () => {
    const revision = async (): Promise<number> => store.transaction((tx) => tx.flowRevision());
    const start = await revision();
    const created = await store.createFlow({ name: 'sub', description: null, graph: subscriberGraph() });
    const afterCreate = await store.subscriptionSnapshot();
    expect(afterCreate.revision).toBeGreaterThan(start);
    expect(afterCreate.subscriptions.map((subscription) => subscription.flowId)).toContain(created.id);
    await store.saveFlowVersion(created.id, { graph: subscriberGraph() });
    const afterSave = await revision();
    expect(afterSave).toBeGreaterThan(afterCreate.revision);
    await store.archiveFlow(created.id);
    const afterArchive = await store.subscriptionSnapshot();
    expect(afterArchive.revision).toBeGreaterThan(afterSave);
    expect(afterArchive.subscriptions.map((subscription) => subscription.flowId)).not.toContain(created.id);
  });

  it('holds a flow change until a transaction that read the revision has committed', async () => {
    let commit!: () => void;
    const released = new Promise<void>((resolve) => (commit = resolve));
    let read!: (revision: number) => void;
    const revisionRead = new Promise<number>((resolve) => (read = resolve));
    const fanOut = store.transaction(async (tx) => {
      read(await tx.flowRevision());
      await released;
    });
    const before = await revisionRead;
    const create = store.createFlow({ name: 'late', description: null, graph: subscriberGraph() });
    expect(await stillPending(create, 500)).toBe(true);
    commit();
    await fanOut;
    await create;
    expect(await store.transaction((tx) => tx.flowRevision())).toBe(before + 1);
  });

  it('reads a flow change in progress once it commits, not the revision before it', async () => {
    const before = await store.transaction((tx) => tx.flowRevision());
    const writer = new Client({ connectionString: database.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO flows (name, latest_version) VALUES ('in progress', 1)`);
      const read = store.transaction((tx) => tx.flowRevision());
      expect(await stillPending(read, 500)).toBe(true);
      await writer.query('COMMIT');
      expect(await read).toBe(before + 1);
    } finally {
      await writer.end();
    }
  });
});

describe('a new subscriber, production mode as processes (start:api + 2 × start:worker)', () => {
  let database: TestDatabase;
  let namespace: string;
  let apiProcess: SluiceProcess;
  let workers: SluiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('server');
    namespace = randomNamespace();
    const env = { DATABASE_URL: database.url, AMQP_URL: rabbitMqUrl(), AMQP_NAMESPACE: namespace, SLUICE_SEED_SAMPLES: 'false' };
    apiProcess = new SluiceProcess('api', env, await freePort());
    // The API runs the migrations; workers start once it is ready.
    await apiProcess.start();
    workers = [new SluiceProcess('worker', env), new SluiceProcess('worker', env)];
    await Promise.all(workers.map((worker) => worker.start()));
  });

  afterAll(async () => {
    await Promise.all([apiProcess?.stop(), ...workers.map((worker) => worker.stop())]);
    await database?.drop();
    if (namespace) await deleteNamespace(namespace);
  });

  it('gets a run for every event published after its 201, from a publish step, an outside AMQP client and REST, and none after its archive\'s 204', async () => {
    const api = new ApiClient(apiProcess.baseUrl);
    const producer = await api.createFlow('producer', producerGraph());
    await subscribeArchiveRounds(api, [producerPublisher(api, producer), amqpPublisher(namespace), restPublisher(api)]);
  });
});

describe('a new subscriber, embedded mode (PGlite, in-process broker)', () => {
  const suite = sluiceSuite('pglite');

  it('gets a run for every event published after its 201, from a publish step and REST, and none after its archive\'s 204', async () => {
    const producer = await suite.api.createFlow('producer', producerGraph());
    await subscribeArchiveRounds(suite.api, [producerPublisher(suite.api, producer), restPublisher(suite.api)]);
  });
});
