import type { StepMessage } from '@sluice/contracts';
import type { Delivery, OutgoingMessage } from './broker.port';
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

  it('refuses invalid consume options', async () => {
    const { broker } = await setup();
    await expect(broker.consumeSteps(async () => undefined, { prefetch: 0, maxBatch: 1 })).rejects.toThrow(RangeError);
    await broker.close();
  });
});
