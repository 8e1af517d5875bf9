import { rabbitMqUrl } from '../support/rabbitmq';
import { TcpProxy } from '../support/tcp-proxy';
import { TargetServer } from '../support/target-server';
import {
  allFinished, auditRuns, countEffects, Load, reportFault, startDeployment, twoCallFlow, until,
  type Deployment, type RunAudit,
} from '../support/outage-harness';

/**
 * RabbitMQ faults in production mode (an API and two workers), injected
 * through a loopback proxy in front of RabbitMQ, so only this test's
 * connections see them.
 *
 * What each test holds Sluice to (docs/guarantees.md):
 * - every trigger is answered 202 (the outbox holds its message while the
 *   broker is away), and every accepted event ends in exactly one end state,
 *   with each step succeeding once in its history;
 * - outside effects are at least once: the sink gets every step's call at
 *   least once. A call can repeat: a message unacknowledged when its channel
 *   died is redelivered, possibly while the first call is still running, and
 *   an outbox row whose confirm was lost is sent again. The history still
 *   records one success per step.
 */

const PATHS = ['/a', '/b'];
const LOST = 'RabbitMQ connection lost; reconnecting';
const RECONNECTED = 'RabbitMQ reconnected';
const SERVICES = ['sluice-api', 'sluice-worker-1', 'sluice-worker-2'];

async function outboxRows(deployment: Deployment): Promise<number> {
  const [row] = await deployment.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return row?.n ?? 0;
}

/** Per process, the RabbitMQ broker's log messages in order. */
/** Waits for every accepted run to end and the outbox to empty; how long each took since the broker came back at `backAt`. */
async function recovery(deployment: Deployment, accepted: string[], backAt: number): Promise<{ finishedMs: number; drainedMs: number }> {
  await allFinished(deployment, accepted, 45_000);
  const finishedMs = Date.now() - backAt;
  const drainedMs = await until('the outbox draining', async () => (await outboxRows(deployment)) === 0, 30_000, 200) + finishedMs;
  return { finishedMs, drainedMs };
}

function brokerLog(deployment: Deployment, service: string): string[] {
  return deployment.logs.filter((line) => line.service === service && line.component === 'RabbitMqBroker').map((line) => line.msg);
}

/** Every process logged the loss, and then the reconnection. */
function allReconnected(deployment: Deployment): boolean {
  return SERVICES.every((service) => {
    const lines = brokerLog(deployment, service);
    return lines.includes(LOST) && lines.lastIndexOf(RECONNECTED) > lines.indexOf(LOST);
  });
}

function wrongRuns(audits: RunAudit[]): RunAudit[] {
  return audits.filter((audit) => audit.status !== 'succeeded' || audit.terminal !== 1 || audit.succeeded.a !== 1 || audit.succeeded.b !== 1);
}

describe('broker outage, production mode', () => {
  let target: TargetServer;
  let proxy: TcpProxy;
  let deployment: Deployment | undefined;

  beforeAll(async () => {
    target = await new TargetServer().start();
  });

  beforeEach(async () => {
    target.requests.splice(0);
    target.reply({ status: 200, body: { ok: true }, delayMs: 20 });
    proxy = await TcpProxy.forUrl(rabbitMqUrl(), 5672).start();
    deployment = await startDeployment({ mode: 'rabbitmq', workers: 2, brokerProxy: proxy });
  });

  afterEach(async () => {
    proxy.restore();
    await deployment?.close();
    deployment = undefined;
    await proxy.stop();
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('RabbitMQ goes away mid-load and comes back: every process reconnects, the outbox drains, every accepted event ends once', async () => {
    const sluice = deployment!;
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

    const reconnectedMs = await until('every process reconnecting', () => allReconnected(sluice), 15_000);
    await load.done;
    // The outbox held every trigger's message while the broker was away.
    expect(load.answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const accepted = load.accepted;
    expect(accepted).toHaveLength(150);

    const { finishedMs, drainedMs } = await recovery(sluice, accepted, backAt);
    // Held messages go out as soon as each process is reconnected, not at a sweep 10 s or more later.
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
      fault: 'RabbitMQ connections cut and refused for 2 s mid-load', mode: 'rabbitmq',
      triggered: load.answers.length, accepted: accepted.length, ended: accepted.length,
      calls: effects.calls, repeats: effects.repeats, reconnectedMs, finishedMs, drainedMs,
    });
  });

  it('RabbitMQ is down at trigger time: triggers are still 202, the outbox holds them, and the backlog drains once it is back', async () => {
    const sluice = deployment!;
    const flow = await sluice.api.createFlow('broker-down', twoCallFlow(target));
    proxy.refuse({ cut: true });
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
    const reconnectedMs = await until('every process reconnecting', () => allReconnected(sluice), 15_000);
    const { finishedMs, drainedMs } = await recovery(sluice, accepted, backAt);
    expect(finishedMs).toBeLessThan(10_000);

    expect(wrongRuns(await auditRuns(sluice, accepted))).toEqual([]);
    const effects = countEffects(target, load.acceptedNs, PATHS);
    expect(effects.missing).toEqual([]);
    // Nothing was in flight when the broker went, so nothing is repeated.
    expect(effects.repeats).toBe(0);

    reportFault({
      fault: 'RabbitMQ down at trigger time, back after the triggers', mode: 'rabbitmq',
      triggered: load.answers.length, accepted: accepted.length, ended: accepted.length,
      calls: effects.calls, repeats: effects.repeats, reconnectedMs, finishedMs, drainedMs,
    });
  });
});
