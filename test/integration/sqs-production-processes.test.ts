import type { RunState } from '@sluice/contracts';
import { ApiClient } from '../support/api-client';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { SluiceProcess, freePort } from '../support/embedded-process';
import { awsEnvironment, deleteSqsNamespace, randomSqsNamespace, sqsBrokerUrl, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { edge, fastRetry, graph, node } from '../support/graphs';
import { TargetServer } from '../support/target-server';

/** A worker's debug line for each batch of step messages its Nest handler finished. */
const STEP_BATCH_LINE = /"pattern":"sluice\.step-batch","size":(\d+)/g;
/** The line a process logs once its worker transport consumes. */
const WORKER_CONSUMING = '"msg":"worker consuming"';

/**
 * Production mode on SQS and SNS as processes: `start:api` and one
 * `start:worker` (apps/*\/dist/main.js) with BROKER_URL=sqs://… on the fauxqs
 * emulator, and a database of their own. The API runs no worker; the worker
 * takes every step message from SQS, and a publish reaches its subscribe flow
 * through SNS.
 */
describe('production mode on sqs as processes (start:api + start:worker, BROKER_URL=sqs://…)', () => {
  let fauxqs: Fauxqs;
  let database: TestDatabase;
  let namespace: string;
  let target: TargetServer;
  let apiProcess: SluiceProcess;
  let worker: SluiceProcess;
  let api: ApiClient;

  beforeAll(async () => {
    [fauxqs, database, target] = await Promise.all([startFauxqs(), createTestDatabase('server'), new TargetServer().start()]);
    namespace = randomSqsNamespace();
    const env = {
      ...awsEnvironment(),
      DATABASE_URL: database.url,
      BROKER_URL: `${sqsBrokerUrl(fauxqs.endpoint, namespace)}&waitTime=2&visibilityTimeout=20`,
      SLUICE_HTTP_ALLOW_PRIVATE: 'true',
      SLUICE_SEED_SAMPLES: 'false',
    };
    apiProcess = new SluiceProcess('api', env, await freePort());
    // The API runs the migrations and creates the queues and topics; the worker starts once it is ready.
    await apiProcess.start();
    worker = new SluiceProcess('worker', { ...env, LOG_LEVEL: 'debug' });
    await worker.start();
    api = new ApiClient(apiProcess.baseUrl);
  });

  afterAll(async () => {
    await Promise.all([apiProcess?.stop(), worker?.stop()]);
    await target?.stop();
    await database?.drop();
    if (fauxqs) {
      if (namespace) await deleteSqsNamespace(fauxqs.endpoint, namespace).catch(() => undefined);
      await fauxqs.stop();
    }
  });

  /** Waits until `flowId` has `count` runs, all finished, and returns them. */
  async function finishedRuns(flowId: string, count: number, timeoutMs = 30_000): Promise<RunState[]> {
    const deadline = Date.now() + timeoutMs;
    let items: RunState[] = [];
    while (Date.now() < deadline) {
      items = (await api.request<{ items: RunState[] }>('GET', `/api/runs?flowId=${flowId}&limit=100`)).body.items;
      if (items.length >= count && items.every((run) => run.status !== 'running')) return items;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`runs of ${flowId} did not finish in ${timeoutMs} ms: ${JSON.stringify(items.map(({ id, status }) => ({ id, status })))}`);
  }

  it('runs an http step on the worker over SQS, and a publish reaches its subscribe flow through SNS; both runs succeed', async () => {
    target.reply({ status: 200, body: { charged: true } });
    const producer = await api.createFlow('charge', graph(
      [
        node('in', 'trigger'),
        node('charge', 'http', { url: `${target.url}/charge`, method: 'POST', timeoutMs: 2000, body: 'event', retry: fastRetry(3) }),
        node('announce', 'publish', { topic: 'orders.charged' }),
        node('out', 'end'),
      ],
      [edge('in', 'charge'), edge('charge', 'announce'), edge('announce', 'out')],
    ));
    const consumer = await api.createFlow('ship', graph(
      [
        node('in', 'subscribe', { topic: 'orders.*' }),
        node('ship', 'http', { url: `${target.url}/ship`, method: 'POST', timeoutMs: 2000, body: 'event', retry: fastRetry(3) }),
        node('out', 'end'),
      ],
      [edge('in', 'ship'), edge('ship', 'out')],
    ));

    const events = 5;
    for (let index = 0; index < events; index += 1) await api.trigger(producer.id, { orderId: `A-${index}` });

    const produced = await finishedRuns(producer.id, events);
    const consumed = await finishedRuns(consumer.id, events);
    expect(produced.map((run) => run.status)).toEqual(Array(events).fill('succeeded'));
    expect(consumed.map((run) => run.status)).toEqual(Array(events).fill('succeeded'));
    for (const run of consumed) expect(run).toMatchObject({ source: 'publish', topic: 'orders.charged' });
    expect(target.requests.filter((request) => request.path === '/charge')).toHaveLength(events);
    expect(target.requests.filter((request) => request.path === '/ship')).toHaveLength(events);

    // Every step message went through the worker process; the API consumes nothing.
    expect([...worker.output.matchAll(STEP_BATCH_LINE)].length).toBeGreaterThan(0);
    expect(worker.output).toContain(WORKER_CONSUMING);
    expect(apiProcess.output).not.toContain(WORKER_CONSUMING);
  });

  it('fails a publish whose event passes the 256 KiB SNS takes with event_too_large, at once and without retries', async () => {
    const flow = await api.createFlow('too big to announce', graph(
      [node('in', 'trigger'), node('announce', 'publish', { topic: 'orders.big', retry: fastRetry(3) }), node('out', 'end')],
      [edge('in', 'announce'), edge('announce', 'out')],
    ));
    const { runId } = await api.trigger(flow.id, { blob: 'x'.repeat(300 * 1024) });

    const run = await api.waitForRun(runId);
    expect(run.status).toBe('failed');
    const step = run.steps.find((candidate) => candidate.nodeId === 'announce');
    expect(step).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'event_too_large', retryable: false } });
    expect(step?.error?.message).toContain('at most 262144 bytes per message');
  });
});
