import { TargetServer } from '../support/target-server';
import type { BrokerKind } from '../support/test-broker';
import {
  allFinished, auditRuns, countEffects, Load, reportFault, startDeployment, twoCallFlow, until,
  type Deployment, type RunAudit,
} from '../support/outage-harness';

/**
 * Broker faults in production mode (an API and two workers), on RabbitMQ and
 * on SQS and SNS (the fauxqs emulator, a 3 s visibility timeout), injected
 * through a loopback proxy in front of the broker, so only this test's
 * connections see them. The SQS clients are given the proxy as their
 * endpoint, which the AWS SDK uses for every call whatever host a queue URL
 * names.
 *
 * What each test holds Sluice to (docs/guarantees.md):
 * - every trigger is answered 202 (the outbox holds its message while the
 *   broker is away), and every accepted event ends in exactly one end state,
 *   with each step succeeding once in its history;
 * - every process marks the loss (RabbitMQ: the connection; SQS, which has no
 *   connection to lose: its first failing call) and its end, and is not ready
 *   in between;
 * - outside effects are at least once: the sink gets every step's call at
 *   least once. A call can repeat: on RabbitMQ a message unacknowledged when
 *   its channel died is redelivered, possibly while the first call is still
 *   running, and an outbox row whose confirm was lost is sent again; on SQS a
 *   message whose receive or delete the cut lost comes back once its
 *   visibility timeout ends, and a send whose answer was lost is sent again.
 *   The history still records one success per step.
 */

const PATHS = ['/a', '/b'];
const SERVICES = ['sluice-api', 'sluice-worker-1', 'sluice-worker-2'];

/** How each broker's adapter logs the loss of the broker and its return, and the name the tests give it. */
const SIGNS: Record<BrokerKind, { name: string; component: string; lost: string; back: string; backs: string }> = {
  rabbitmq: {
    name: 'RabbitMQ', component: 'RabbitMqBroker', lost: 'RabbitMQ connection lost; reconnecting', back: 'RabbitMQ reconnected',
    backs: 'every process reconnects',
  },
  sqs: {
    name: 'SQS', component: 'SqsBroker', lost: 'SQS calls failing; the broker is not ready until one succeeds', back: 'SQS calls succeed again',
    backs: 'every process\'s calls fail, then succeed again',
  },
};

async function outboxRows(deployment: Deployment): Promise<number> {
  const [row] = await deployment.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return row?.n ?? 0;
}

/** Waits for every accepted run to end and the outbox to empty; how long each took since the broker came back at `backAt`. */
async function recovery(deployment: Deployment, accepted: string[], backAt: number): Promise<{ finishedMs: number; drainedMs: number }> {
  await allFinished(deployment, accepted, 45_000);
  const finishedMs = Date.now() - backAt;
  const drainedMs = await until('the outbox draining', async () => (await outboxRows(deployment)) === 0, 30_000, 200) + finishedMs;
  return { finishedMs, drainedMs };
}

function wrongRuns(audits: RunAudit[]): RunAudit[] {
  return audits.filter((audit) => audit.status !== 'succeeded' || audit.terminal !== 1 || audit.succeeded.a !== 1 || audit.succeeded.b !== 1);
}

describe.each<BrokerKind>(['rabbitmq', 'sqs'])('broker outage, production mode on %s', (kind) => {
  const { name, component, lost: LOST, back: BACK, backs } = SIGNS[kind];
  let target: TargetServer;
  let deployment: Deployment | undefined;

  /** Per process, the broker adapter's log messages in order. */
  function brokerLog(sluice: Deployment, service: string): string[] {
    return sluice.logs.filter((line) => line.service === service && line.component === component).map((line) => line.msg);
  }

  /** Every process logged the loss, and then the broker's return. */
  function allBack(sluice: Deployment): boolean {
    return SERVICES.every((service) => {
      const lines = brokerLog(sluice, service);
      return lines.includes(LOST) && lines.lastIndexOf(BACK) > lines.indexOf(LOST);
    });
  }

  beforeAll(async () => {
    target = await new TargetServer().start();
  });

  beforeEach(async () => {
    target.requests.splice(0);
    target.reply({ status: 200, body: { ok: true }, delayMs: 20 });
    deployment = await startDeployment({ mode: kind, workers: 2, proxyBroker: true });
  });

  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  afterAll(async () => {
    await target?.stop();
  });

  it(`${name} goes away mid-load and comes back: ${backs}, the outbox drains, every accepted event ends once`, async () => {
    const sluice = deployment!;
    const proxy = sluice.brokerProxy!;
    const flow = await sluice.api.createFlow('broker-cut', twoCallFlow(target));
    const load = new Load(sluice.api, flow.id, 150, 6);
    await until('50 answers', () => load.answers.length >= 50, 30_000, 5);

    // Every connection cut, and new ones reset, for 2 s.
    expect(proxy.refuse({ cut: true })).toBeGreaterThanOrEqual(SERVICES.length);
    await until('every process seeing the loss', () => SERVICES.every((service) => brokerLog(sluice, service).includes(LOST)), 10_000);
    expect((await sluice.api.request('GET', '/health/ready')).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    proxy.restore();
    const backAt = Date.now();

    const reconnectedMs = await until(`every process seeing ${name} back`, () => allBack(sluice), 15_000);
    await load.done;
    // The outbox held every trigger's message while the broker was away.
    expect(load.answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const accepted = load.accepted;
    expect(accepted).toHaveLength(150);

    const { finishedMs, drainedMs } = await recovery(sluice, accepted, backAt);
    // Held messages go out as soon as each process sees the broker back, not at a sweep 10 s or more later
    // (on SQS, a message whose receive the cut lost comes back within the 3 s visibility timeout).
    expect(finishedMs).toBeLessThan(10_000);
    expect(wrongRuns(await auditRuns(sluice, accepted))).toEqual([]);
    const effects = countEffects(target, load.acceptedNs, PATHS);
    expect(effects.missing).toEqual([]);

    expect((await sluice.api.request('GET', '/health/ready')).status).toBe(200);
    for (const service of SERVICES) {
      const lost = sluice.logs.find((line) => line.service === service && line.msg === LOST);
      expect(lost?.level).toBe(40);
    }

    reportFault({
      fault: `${name} connections cut and refused for 2 s mid-load`, mode: kind,
      triggered: load.answers.length, accepted: accepted.length, ended: accepted.length,
      calls: effects.calls, repeats: effects.repeats, reconnectedMs, finishedMs, drainedMs,
    });
  });

  it(`${name} is down at trigger time: triggers are still 202, the outbox holds them, and the backlog drains once it is back`, async () => {
    const sluice = deployment!;
    const proxy = sluice.brokerProxy!;
    const flow = await sluice.api.createFlow('broker-down', twoCallFlow(target));
    proxy.refuse({ cut: true });
    // Readiness checked as a load balancer does: RabbitMQ's loss shows at once; an idle API process makes no SQS call
    // of its own, and a check after 5 s without one probes SQS (docs/brokers.md#outages).
    const notReadyMs = await until('the API answering not ready', async () => (await sluice.api.request('GET', '/health/ready')).status === 503, 10_000, 250);
    await until('every process seeing the loss', () => SERVICES.every((service) => brokerLog(sluice, service).includes(LOST)), 10_000);
    expect(sluice.platforms.every((platform) => !platform.broker.isReady())).toBe(true);

    const load = new Load(sluice.api, flow.id, 30, 6);
    await load.done;
    expect(load.answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const accepted = load.accepted;
    // Held in the outbox, and nothing ran: the workers get steps only through the broker.
    expect(await outboxRows(sluice)).toBeGreaterThanOrEqual(accepted.length);
    const ready = await sluice.api.request<{ checks: { broker: string } }>('GET', '/health/ready');
    expect([ready.status, ready.body.checks.broker]).toEqual([503, 'down']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(target.requests).toHaveLength(0);

    proxy.restore();
    const backAt = Date.now();
    const reconnectedMs = await until(`every process seeing ${name} back`, () => allBack(sluice), 15_000);
    const { finishedMs, drainedMs } = await recovery(sluice, accepted, backAt);
    expect(finishedMs).toBeLessThan(10_000);

    expect(wrongRuns(await auditRuns(sluice, accepted))).toEqual([]);
    const effects = countEffects(target, load.acceptedNs, PATHS);
    expect(effects.missing).toEqual([]);
    // Nothing was in flight when the broker went, so nothing is repeated.
    expect(effects.repeats).toBe(0);
    expect((await sluice.api.request('GET', '/health/ready')).status).toBe(200);

    reportFault({
      fault: `${name} down at trigger time, back after the triggers`, mode: kind,
      triggered: load.answers.length, accepted: accepted.length, ended: accepted.length,
      calls: effects.calls, repeats: effects.repeats, notReadyMs, reconnectedMs, finishedMs, drainedMs,
    });
  });
});
