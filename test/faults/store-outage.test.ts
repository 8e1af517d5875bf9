import { TcpProxy } from '../support/tcp-proxy';
import { TargetServer } from '../support/target-server';
import {
  allFinished, auditRuns, countEffects, Load, reportFault, startDeployment, twoCallFlow, until,
  type Answer, type Deployment, type OutageMode, type RunAudit,
} from '../support/outage-harness';

/**
 * PostgreSQL faults, in production (an API and two workers over RabbitMQ,
 * or over SQS and SNS, where a step message a worker gives back while the
 * store is away is visible again at once) and in `server` mode (one process,
 * the in-process broker).
 *
 * What each test holds Sluice to (docs/guarantees.md):
 * - every event answered 202 ends in exactly one end state, with each step
 *   succeeding once in its history;
 * - outside effects are at least once: the sink gets every step's call, and a
 *   call is repeated only when the commit after it failed, so the repeats are
 *   at most the messages the workers held when the fault struck
 *   (WORKER_CONCURRENCY per worker per fault).
 */

/** Step messages a worker holds at once: bounds the calls a fault can repeat. */
const CONCURRENCY = 10;
const ENV = { WORKER_CONCURRENCY: String(CONCURRENCY) };
const PATHS = ['/a', '/b'];

const MODES: [OutageMode, number][] = [['rabbitmq', 2], ['sqs', 2], ['server', 0]];

/** Terminates every connection Sluice holds to this test's database (only this database's). */
async function terminateSluiceConnections(deployment: Deployment): Promise<number> {
  const [row] = await deployment.sql<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE datname = $1 AND application_name = 'sluice' AND pid <> pg_backend_pid()`,
    [deployment.databaseName],
  );
  return row?.n ?? 0;
}

async function sluiceConnections(deployment: Deployment): Promise<number> {
  const [row] = await deployment.sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sluice'",
    [deployment.databaseName],
  );
  return row?.n ?? 0;
}

async function unfinishedRuns(deployment: Deployment): Promise<number> {
  const [row] = await deployment.sql<{ n: number }>("SELECT count(*)::int AS n FROM runs WHERE status NOT IN ('succeeded', 'failed', 'ignored')");
  return row?.n ?? 0;
}

async function triggerOnce(deployment: Deployment, flowId: string, n: number): Promise<Answer> {
  const answer = await deployment.api.request<{ runId?: string; error?: { code: string } }>('POST', `/api/flows/${flowId}/events`, { n });
  return { n, status: answer.status, runId: answer.body?.runId, code: answer.body?.error?.code, retryAfter: answer.headers.get('retry-after'), at: Date.now() };
}

/** Runs that did not succeed with one end state and one StepSucceeded per http step. */
function wrongRuns(audits: RunAudit[]): RunAudit[] {
  return audits.filter((audit) => audit.status !== 'succeeded' || audit.terminal !== 1 || audit.succeeded.a !== 1 || audit.succeeded.b !== 1);
}

describe.each(MODES)('store outage, %s mode', (mode, workers) => {
  const processesWithWorkers = Math.max(1, workers);
  let target: TargetServer;

  beforeAll(async () => {
    target = await new TargetServer().start();
  });

  beforeEach(() => {
    target.requests.splice(0);
    target.reply({ status: 200, body: { ok: true }, delayMs: 20 });
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('PostgreSQL terminates every Sluice connection mid-load: Sluice reconnects and every accepted event ends once', async () => {
    const deployment = await startDeployment({ mode, workers, env: ENV });
    try {
      const flow = await deployment.api.createFlow('store-kill', twoCallFlow(target));
      const load = new Load(deployment.api, flow.id, 120, 6);
      const killed: number[] = [];
      for (const after of [30, 70]) {
        await until(`${after} answers`, () => load.answers.length >= after, 30_000, 5);
        killed.push(await terminateSluiceConnections(deployment));
      }
      await load.done;
      expect(killed.every((count) => count > 0)).toBe(true);

      // A trigger whose commit lost its connection is refused as unavailable: never a 500.
      expect(load.answers.filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
      const accepted = load.accepted;
      expect(accepted.length).toBeGreaterThan(80);

      const finishedMs = await allFinished(deployment, accepted, 40_000);
      // No run at all is stuck, counting any whose commit landed while its answer was lost.
      await until('no run left unfinished', async () => (await unfinishedRuns(deployment)) === 0, 20_000, 200);
      expect(wrongRuns(await auditRuns(deployment, accepted))).toEqual([]);

      const effects = countEffects(target, load.acceptedNs, PATHS);
      expect(effects.missing).toEqual([]);
      expect(effects.repeats).toBeLessThanOrEqual(killed.length * CONCURRENCY * processesWithWorkers);

      // Reconnected: Sluice holds connections again, answers ready, and accepts.
      expect(await sluiceConnections(deployment)).toBeGreaterThan(0);
      expect((await deployment.api.request('GET', '/health/ready')).status).toBe(200);
      const after = await deployment.api.trigger(flow.id, { n: 1000 });
      await allFinished(deployment, [after.runId], 20_000);

      reportFault({
        fault: 'pg_terminate_backend of every Sluice connection, twice mid-load', mode,
        triggered: load.answers.length, accepted: accepted.length,
        refused503: load.answers.filter((answer) => answer.status === 503).length,
        ended: accepted.length, calls: effects.calls, repeats: effects.repeats, finishedMs,
      });
    } finally {
      await deployment.close();
    }
  });

  it('PostgreSQL unreachable: triggers get 503, never 202; /health/ready is 503 until it is back; accepted again within 10 s', async () => {
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    const deployment = await startDeployment({ mode, workers, env: ENV, storeProxy: proxy });
    try {
      const flow = await deployment.api.createFlow('store-down', twoCallFlow(target));
      // Steps in flight when the store goes: their calls take 200 ms.
      target.reply({ status: 200, body: { ok: true }, delayMs: 200 });
      const before = new Load(deployment.api, flow.id, 40, 8);
      await before.done;
      expect(before.answers.filter((answer) => answer.status !== 202)).toEqual([]);

      expect(proxy.refuse({ cut: true })).toBeGreaterThan(0);
      // One trigger and one readiness probe every 100 ms for 3 s, events numbered from 2000.
      const during: Answer[] = [];
      const readiness: { status: number; store?: string }[] = [];
      const downSince = Date.now();
      while (Date.now() - downSince < 3000) {
        during.push(await triggerOnce(deployment, flow.id, 2000 + during.length));
        const ready = await deployment.api.request<{ checks: { store: string } }>('GET', '/health/ready');
        readiness.push({ status: ready.status, store: ready.body?.checks?.store });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(during.length).toBeGreaterThan(5);
      expect(during.filter((answer) => answer.status !== 503 || answer.code !== 'unavailable' || answer.retryAfter !== '1')).toEqual([]);
      expect(readiness.filter((probe) => probe.status !== 503 || probe.store !== 'down')).toEqual([]);

      proxy.restore();
      const backAt = Date.now();
      // Events numbered from 3000, until one is accepted.
      const probes: Answer[] = [];
      const acceptedMs = await until('a trigger accepted', async () => {
        probes.push(await triggerOnce(deployment, flow.id, 3000 + probes.length));
        return probes.at(-1)?.status === 202;
      }, 10_000, 100);
      await until('ready', async () => (await deployment.api.request('GET', '/health/ready')).status === 200, 10_000, 100);
      const readyMs = Date.now() - backAt;
      expect(probes.filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
      const probed = probes.filter((answer) => answer.status === 202);

      target.reply({ status: 200, body: { ok: true }, delayMs: 20 });
      const afterwards = new Load(deployment.api, flow.id, 20, 4, 4000);
      await afterwards.done;
      expect(afterwards.answers.filter((answer) => answer.status !== 202)).toEqual([]);

      const accepted = [...before.accepted, ...probed.map((answer) => answer.runId!), ...afterwards.accepted];
      const acceptedNs = [...before.acceptedNs, ...probed.map((answer) => answer.n), ...afterwards.acceptedNs];
      const finishedMs = await allFinished(deployment, accepted, 40_000);
      expect(await unfinishedRuns(deployment)).toBe(0);
      expect(wrongRuns(await auditRuns(deployment, accepted))).toEqual([]);
      // The refused events started nothing.
      const [refusedRuns] = await deployment.sql<{ n: number }>("SELECT count(*)::int AS n FROM runs WHERE (state->'payload'->>'n')::int BETWEEN 2000 AND 2999");
      expect(refusedRuns?.n).toBe(0);

      const effects = countEffects(target, acceptedNs, PATHS);
      expect(effects.missing).toEqual([]);
      expect(effects.repeats).toBeLessThanOrEqual(CONCURRENCY * processesWithWorkers);

      reportFault({
        fault: 'PostgreSQL unreachable for 3 s (connections cut and refused)', mode,
        triggered: before.answers.length + during.length + probes.length + afterwards.answers.length,
        accepted: accepted.length, refused503: during.length + probes.filter((answer) => answer.status === 503).length,
        ended: accepted.length, calls: effects.calls, repeats: effects.repeats, acceptedAgainMs: acceptedMs, readyAgainMs: readyMs, finishedMs,
      });
    } finally {
      await deployment.close();
      await proxy.stop();
    }
  });
});

// The readiness probe is the API's alone, the same in every mode: one is enough.
describe('store stall, server mode', () => {
  it('a stalled store (bytes held, connections open): /health/ready answers 503 in time, and 200 once it flows again', async () => {
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    const deployment = await startDeployment({ mode: 'server', storeProxy: proxy });
    try {
      expect((await deployment.api.request('GET', '/health/ready')).status).toBe(200);
      proxy.stall();
      const asked = Date.now();
      const stalled = await deployment.api.request<{ checks: { store: string } }>('GET', '/health/ready');
      expect(stalled.status).toBe(503);
      expect(stalled.body.checks.store).toBe('down');
      expect(Date.now() - asked).toBeLessThan(5_000);
      proxy.restore();
      await until('ready', async () => (await deployment.api.request('GET', '/health/ready')).status === 200, 10_000, 100);
    } finally {
      proxy.restore();
      await deployment.close();
      await proxy.stop();
    }
  });
});

// A stalled store must not hold requests open: each query waits at most DATABASE_QUERY_TIMEOUT_MS.
describe('store stall, server mode, triggers', () => {
  it('a trigger while the store is stalled gets 503 within the query timeout, never 202 or a hang; once it flows again triggers are 202', async () => {
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    const target = await new TargetServer().start();
    const deployment = await startDeployment({ mode: 'server', storeProxy: proxy, env: { ...ENV, DATABASE_QUERY_TIMEOUT_MS: '1500' } });
    try {
      const flow = await deployment.api.createFlow('store-stall', twoCallFlow(target));
      const answers: Answer[] = [await triggerOnce(deployment, flow.id, 1)];
      expect(answers[0]?.status).toBe(202);
      proxy.stall();
      const asked = Date.now();
      const stalled = await triggerOnce(deployment, flow.id, 2);
      const waitedMs = Date.now() - asked;
      expect(stalled.status).toBe(503);
      // The query timeout (1.5 s), plus the group commit's retry of the split, with room for a busy machine.
      expect(waitedMs).toBeLessThan(15_000);
      proxy.restore();
      await until('a trigger accepted', async () => {
        const answer = await triggerOnce(deployment, flow.id, 3 + answers.length);
        answers.push(answer);
        return answer.status === 202;
      }, 20_000, 200);
      const accepted = answers.filter((answer) => answer.status === 202).map((answer) => answer.runId!);
      await allFinished(deployment, accepted, 30_000);
      expect(wrongRuns(await auditRuns(deployment, accepted))).toEqual([]);
    } finally {
      proxy.restore();
      await deployment.close();
      await target.stop();
      await proxy.stop();
    }
  });
});

describe('connections terminated as they open, server mode', () => {
  it('fail their transactions, and neither crash the process nor break the pool', async () => {
    const deployment = await startDeployment({ mode: 'server' });
    try {
      const { store } = deployment.platforms[0]!;
      // Transactions that open and use connections without pause, while PostgreSQL terminates them
      // again and again: some die as they open, their first answer and the FATAL notice in one read.
      let stop = false;
      const outcomes = { committed: 0, failed: 0 };
      const churn = async (): Promise<void> => {
        while (!stop) {
          await store.transaction(async (tx) => {
            await tx.flowRevision();
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
            return tx.flowRevision();
          }).then(() => (outcomes.committed += 1), () => (outcomes.failed += 1));
        }
      };
      const clients = Array.from({ length: 12 }, churn);
      let terminated = 0;
      for (let round = 0; round < 20; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
        terminated += await terminateSluiceConnections(deployment);
      }
      stop = true;
      await Promise.all(clients);
      expect(terminated).toBeGreaterThan(20);
      expect(outcomes.failed).toBeGreaterThan(0);
      expect(outcomes.committed).toBeGreaterThan(0);
      await expect(store.ping()).resolves.toBeUndefined();
      expect((await deployment.api.request('GET', '/health/ready')).status).toBe(200);
    } finally {
      await deployment.close();
    }
  });
});
