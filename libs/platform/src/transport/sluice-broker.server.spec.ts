import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { InProcessBroker } from '@sluice/broker';
import { silentLogger, type Delivery, type StepMessage, type TopicEventMessage } from '@sluice/runtime';
import { EVENT_BATCH_PATTERN, STEP_BATCH_PATTERN } from './batch-patterns';
import { SluiceBrokerServer } from './sluice-broker.server';

const steps: Delivery<StepMessage>[][] = [];
const events: Delivery<TopicEventMessage>[][] = [];
let failNextStepBatch = false;

@Controller()
class RecordingHandler {
  @EventPattern<string>(STEP_BATCH_PATTERN)
  async steps(batch: Delivery<StepMessage>[]): Promise<void> {
    steps.push(batch);
    if (failNextStepBatch) {
      failNextStepBatch = false;
      throw new Error('handler failed');
    }
    for (const delivery of batch) delivery.ack();
  }

  @EventPattern<string>(EVENT_BATCH_PATTERN)
  async events(batch: Delivery<TopicEventMessage>[]): Promise<void> {
    events.push(batch);
    for (const delivery of batch) delivery.ack();
  }
}

@Module({ controllers: [RecordingHandler] })
class RecordingModule {}

async function setup(): Promise<{ broker: InProcessBroker; app: INestMicroservice }> {
  steps.length = 0;
  events.length = 0;
  const broker = new InProcessBroker();
  await broker.start();
  const server = new SluiceBrokerServer(broker, { consume: { prefetch: 10, maxBatch: 10 }, logger: silentLogger });
  const app = await NestFactory.createMicroservice(RecordingModule, { strategy: server, logger: false });
  await app.listen();
  return { broker, app };
}

const step = (n: number) => ({ id: `step-${n}`, message: { kind: 'step' as const, runId: 'run-1', nodeId: `node-${n}`, attempt: 1 } });

describe('SluiceBrokerServer', () => {
  it('hands step and event batches to the handlers of their patterns, which ack them', async () => {
    const { broker, app } = await setup();
    await broker.publish([step(1), step(2), { id: 'e-1', message: { kind: 'event', eventId: 'e-1', topic: 'a.b', payload: {} } }]);
    expect(steps.flat().map((delivery) => delivery.message.nodeId)).toEqual(['node-1', 'node-2']);
    expect(events.flat().map((delivery) => delivery.message.eventId)).toEqual(['e-1']);
    await app.close();
    await broker.close();
  });

  it('requeues a batch whose handler throws, and it is redelivered', async () => {
    const { broker, app } = await setup();
    failNextStepBatch = true;
    await broker.publish([step(1)]);
    expect(steps).toHaveLength(2);
    expect(steps[1]?.[0]?.redelivered).toBe(true);
    await app.close();
    await broker.close();
  });
});
