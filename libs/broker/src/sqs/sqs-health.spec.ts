import type { Logger } from '@sluice/runtime';
import { SqsHealth } from './sqs-health';

const QUIET_MS = 30;

function setup(outcome: () => Promise<void>): { health: SqsHealth; probes: () => number; warnings: string[] } {
  let probes = 0;
  const warnings: string[] = [];
  const logger: Logger = {
    child: () => logger,
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, message) => void warnings.push(message),
    error: () => undefined,
  };
  const health = new SqsHealth(() => {
    probes += 1;
    return outcome();
  }, logger, QUIET_MS);
  return { health, probes: () => probes, warnings };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const refused = (): Promise<void> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));

describe('SqsHealth (readiness of a quiet process)', () => {
  it('probes when readiness is asked after a quiet spell, and an unreachable SQS marks it not ready', async () => {
    const { health, probes, warnings } = setup(refused);
    await health.track(Promise.resolve());
    health.checkQuiet();
    expect(probes()).toBe(0);

    await sleep(QUIET_MS + 10);
    health.checkQuiet();
    health.checkQuiet();
    expect(probes()).toBe(1);
    await sleep(0);
    expect(health.ok).toBe(false);
    expect(warnings).toEqual(['SQS calls failing; the broker is not ready until one succeeds']);
    health.stop();
  });

  it('stays ready, quietly, when the probe succeeds, and probes again only after another quiet spell', async () => {
    const { health, probes, warnings } = setup(() => Promise.resolve());
    await sleep(QUIET_MS + 10);
    health.checkQuiet();
    await sleep(0);
    expect([health.ok, probes(), warnings]).toEqual([true, 1, []]);
    health.checkQuiet();
    expect(probes()).toBe(1);
    await sleep(QUIET_MS + 10);
    health.checkQuiet();
    expect(probes()).toBe(2);
    health.stop();
  });

  it('leaves a failing broker to its backoff probes, which bring readiness back', async () => {
    let answers = false;
    const { health, probes, warnings } = setup(() => (answers ? Promise.resolve() : refused()));
    await health.track(refused()).catch(() => undefined);
    expect(health.ok).toBe(false);
    await sleep(QUIET_MS + 10);
    const before = probes();
    health.checkQuiet();
    expect(probes()).toBe(before);
    answers = true;
    const started = Date.now();
    while (!health.ok && Date.now() - started < 5000) await sleep(20);
    expect(health.ok).toBe(true);
    expect(warnings).toEqual(['SQS calls failing; the broker is not ready until one succeeds', 'SQS calls succeed again']);
    health.stop();
  });

  it('probes nothing once stopped', async () => {
    const { health, probes } = setup(refused);
    health.stop();
    await sleep(QUIET_MS + 10);
    health.checkQuiet();
    expect([probes(), health.ok]).toEqual([0, true]);
  });
});
