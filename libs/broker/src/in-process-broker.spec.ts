import type { Delivery, Logger, OutgoingMessage, StepMessage } from '@sluice/runtime';
import { InProcessBroker } from './in-process-broker';

const step = (n: number): OutgoingMessage => ({ id: `step-${n}`, message: { kind: 'step', runId: 'run-1', nodeId: `node-${n}`, attempt: 1 } });

async function setup(): Promise<{ broker: InProcessBroker; received: Delivery<StepMessage>[] }> {
  const broker = new InProcessBroker();
  await broker.start();
  const received: Delivery<StepMessage>[] = [];
  await broker.consumeSteps(async (batch) => void received.push(...batch), { prefetch: 10, maxBatch: 10 });
  return { broker, received };
}

describe('InProcessBroker', () => {
  it('never calls a handler inside publish()', async () => {
    const { broker, received } = await setup();
    const published = broker.publish([step(1)]);
    expect(received).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toHaveLength(1);
    received[0]?.ack();
    await expect(published).resolves.toBeUndefined();
    await broker.close();
  });

  it('rejects publishes still waiting for an ack when closed, so the outbox keeps them', async () => {
    const { broker } = await setup();
    const published = broker.publish([step(1)]);
    await broker.close();
    await expect(published).rejects.toThrow(/closed/);
  });

  it('gives each delivery its own copy of the message', async () => {
    const { broker, received } = await setup();
    const published = broker.publish([step(1)]);
    await new Promise((resolve) => setImmediate(resolve));
    const first = received[0];
    if (first === undefined) throw new Error('no delivery');
    (first.message as { nodeId: string }).nodeId = 'mutated';
    first.nack();
    await new Promise((resolve) => setImmediate(resolve));
    expect(received[1]?.message.nodeId).toBe('node-1');
    received[1]?.ack();
    await expect(published).resolves.toBeUndefined();
    await broker.close();
  });

  it('logs a failed consumer handler through its logger and requeues the batch', async () => {
    const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const record = (level: string) => (fields: Record<string, unknown>, message: string): void => void logged.push({ level, fields, message });
    const logger: Logger = { child: () => logger, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const broker = new InProcessBroker({ logger });
    await broker.start();
    const seen: Delivery<StepMessage>[] = [];
    await broker.consumeSteps(async (batch) => {
      seen.push(...batch);
      if (seen.length === 1) throw new Error('handler bug');
      for (const delivery of batch) delivery.ack();
    }, { prefetch: 10, maxBatch: 10 });
    await broker.publish([step(1)]);
    expect(seen.map((delivery) => delivery.redelivered)).toEqual([false, true]);
    expect(logged).toEqual([{
      level: 'error',
      fields: { queue: 'sluice.steps', batchSize: 1, requeued: 1, err: { name: 'Error', message: 'handler bug' } },
      message: expect.stringMatching(/^consumer handler failed/) as unknown as string,
    }]);
    await broker.close();
  });

  it('routes events published as fanned out past the ingest queue', async () => {
    const broker = new InProcessBroker();
    await broker.start();
    const received: Delivery[] = [];
    await broker.consumeEvents(async (batch) => {
      received.push(...batch);
      for (const delivery of batch) delivery.ack();
    }, { prefetch: 10, maxBatch: 10 });
    const event = (id: string, fannedOut?: boolean): OutgoingMessage => ({ id, message: { kind: 'event', eventId: id, topic: 'orders.created', payload: {} }, fannedOut });
    await broker.publish([event('e1', true), event('e2', false), event('e3')]);
    expect(received.map((delivery) => delivery.id)).toEqual(['e2', 'e3']);
    await broker.close();
  });

  it('refuses invalid consume options', async () => {
    const { broker } = await setup();
    await expect(broker.consumeSteps(async () => undefined, { prefetch: 0, maxBatch: 1 })).rejects.toThrow(RangeError);
    await broker.close();
  });
});
