import type { HistoryEvent, RunState } from '@sluice/contracts';
import { ApiClient } from '../support/api-client';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { SluiceProcess, freePort } from '../support/embedded-process';
import { edge, fastRetry, graph, node } from '../support/graphs';
import { deleteNamespace, rabbitMqUrl, randomNamespace } from '../support/rabbitmq';
import { TargetServer } from '../support/target-server';

/** A worker's debug line for each batch of step messages its Nest handler finished. */
const STEP_BATCH_LINE = /"pattern":"sluice\.step-batch","size":(\d+)/g;

interface RunSummary {
  id: string;
  status: RunState['status'];
}

function stepBatchesOf(worker: SluiceProcess): number {
  return [...worker.output.matchAll(STEP_BATCH_LINE)].length;
}

/**
 * Production mode as processes: the API and two Nest microservice workers
 * (apps/worker/dist/main.js) on the PostgreSQL server and RabbitMQ, competing
 * for the same queues.
 */
describe('production mode as processes (start:api + 2 × start:worker)', () => {
  let database: TestDatabase;
  let namespace: string;
  let target: TargetServer;
  let apiProcess: SluiceProcess;
  let workers: SluiceProcess[] = [];
  let api: ApiClient;
  let producerId: string;
  let consumerId: string;
  let significant = 0;

  beforeAll(async () => {
    database = await createTestDatabase('server');
    namespace = randomNamespace();
    target = await new TargetServer().start();
    const env = {
      DATABASE_URL: database.url,
      AMQP_URL: rabbitMqUrl(),
      AMQP_NAMESPACE: namespace,
      SLUICE_HTTP_ALLOW_PRIVATE: 'true',
    };
    apiProcess = new SluiceProcess('api', env, await freePort());
    // The API runs the migrations; workers start once it is ready.
    await apiProcess.start();
    workers = [new SluiceProcess('worker', { ...env, LOG_LEVEL: 'debug' }), new SluiceProcess('worker', { ...env, LOG_LEVEL: 'debug' })];
    await Promise.all(workers.map((worker) => worker.start()));
    api = new ApiClient(apiProcess.baseUrl);

    const producer = await api.createFlow('orders', graph(
      [
        node('trigger', 'trigger'),
        node('significant', 'filter', { condition: 'event.amount > 100' }),
        node('publish', 'publish', { topic: 'orders.significant' }),
        node('ignore', 'ignore', { reason: 'small order' }),
      ],
      [edge('trigger', 'significant'), edge('significant', 'publish', 'yes'), edge('significant', 'ignore', 'no')],
    ));
    const consumer = await api.createFlow('fulfilment', graph(
      [
        node('in', 'subscribe', { topic: 'orders.*' }),
        node('call', 'http', { url: `${target.url}/fulfil`, method: 'POST', timeoutMs: 2000, body: 'event', retry: fastRetry(5) }),
        node('out', 'end'),
      ],
      [edge('in', 'call'), edge('call', 'out')],
    ));
    producerId = producer.id;
    consumerId = consumer.id;
  });

  afterAll(async () => {
    await Promise.all([apiProcess?.stop(), ...workers.map((worker) => worker.stop())]);
    await target?.stop();
    await database?.drop();
    if (namespace) await deleteNamespace(namespace);
  });

  async function trigger(from: number, count: number, afterEach: (index: number) => Promise<void> = async () => undefined): Promise<void> {
    for (let index = from; index < from + count; index++) {
      const amount = index % 5 === 0 ? 50 : 250;
      if (amount > 100) significant++;
      await api.trigger(producerId, { orderId: `O-${index}`, amount });
      await afterEach(index);
    }
  }

  /** Waits until the consumer flow has `significant` runs, all finished, and returns them. */
  async function consumerRunsSettled(timeoutMs: number): Promise<RunSummary[]> {
    const deadline = Date.now() + timeoutMs;
    let items: RunSummary[] = [];
    while (Date.now() < deadline) {
      const response = await api.request<{ items: RunSummary[] }>('GET', `/api/runs?flowId=${consumerId}&limit=500`);
      items = response.body.items;
      if (items.length >= significant && items.every((run) => run.status === 'succeeded' || run.status === 'failed')) return items;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`consumer runs did not settle in ${timeoutMs} ms: ${items.length}/${significant}, ${JSON.stringify(items.filter((run) => run.status !== 'succeeded'))}`);
  }

  /** Every run succeeded, and its history holds exactly one StepSucceeded per step. */
  async function expectExactlyOnceSuccess(runs: RunSummary[], nodeIds: string[]): Promise<void> {
    for (const run of runs) {
      expect({ id: run.id, status: run.status }).toEqual({ id: run.id, status: 'succeeded' });
      const history = await api.history(run.id);
      const succeeded = history.filter((event): event is Extract<HistoryEvent, { type: 'StepSucceeded' }> => event.type === 'StepSucceeded');
      expect(succeeded.map((event) => event.nodeId).sort()).toEqual([...nodeIds].sort());
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
    }
  }

  it('runs every consumer run exactly once, with retries, and both workers take batches', async () => {
    // Three failures spread over the first runs make them retry through durable timers.
    target.reply({ status: 503 }, { status: 503 }, { status: 503 }, { status: 200, body: { ok: true } });
    await trigger(0, 20);

    const runs = await consumerRunsSettled(30_000);
    expect(runs).toHaveLength(16);
    await expectExactlyOnceSuccess(runs, ['in', 'call', 'out']);

    const producerRuns = (await api.request<{ items: RunSummary[] }>('GET', `/api/runs?flowId=${producerId}&limit=500`)).body.items;
    expect(producerRuns.filter((run) => run.status === 'ignored')).toHaveLength(4);
    await expectExactlyOnceSuccess(producerRuns.filter((run) => run.status !== 'ignored'), ['trigger', 'significant', 'publish']);

    const batches = workers.map(stepBatchesOf);
    process.stdout.write(`step batches per worker (pids ${workers.map((worker) => worker.pid).join(', ')}): ${batches.join(', ')}\n`);
    for (const count of batches) expect(count).toBeGreaterThan(0);
  });

  it('loses nothing when one worker is killed with SIGKILL mid-stream', async () => {
    const [victim, survivor] = workers as [SluiceProcess, SluiceProcess];
    // Slow replies keep step messages in flight on the victim when it dies.
    target.reply({ status: 503 }, { status: 200, body: { ok: true }, delayMs: 150 });
    const before = stepBatchesOf(victim);
    await trigger(20, 20, async (index) => {
      if (index === 29) {
        const deadline = Date.now() + 5000;
        while (stepBatchesOf(victim) === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await victim.kill();
      }
    });
    expect(victim.pid).toBeUndefined();

    // Redelivered messages go to the survivor; orphaned outbox rows are re-sent by the sweep (10 s + 5 s at most).
    const runs = await consumerRunsSettled(40_000);
    expect(runs).toHaveLength(32);
    await expectExactlyOnceSuccess(runs, ['in', 'call', 'out']);
    expect(stepBatchesOf(survivor)).toBeGreaterThan(0);

    await survivor.stop();
    expect(survivor.output).toContain('"msg":"shutting down"');
  });
});
