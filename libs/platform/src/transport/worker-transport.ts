import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { BrokerPort, ConsumeOptions, Logger, Runtime } from '@sluice/runtime';
import { NestPinoLogger } from '../logging/nest-pino.logger';
import { SluiceBrokerServer } from './sluice-broker.server';
import { WorkerModule } from './worker.module';

export interface WorkerTransportOptions {
  /** Step messages in flight per consumer (WORKER_CONCURRENCY). */
  concurrency: number;
  /** Longest a close waits for batches in flight to commit and ack, in ms (WORKER_DRAIN_TIMEOUT_MS). */
  drainTimeoutMs: number;
  logger: Logger;
}

/**
 * How a worker consumes step and event messages: `concurrency` unacknowledged
 * messages held at once (prefetch), and batches of at most 100 of them.
 */
export function workerConsumeOptions(concurrency: number): ConsumeOptions {
  return { prefetch: concurrency, maxBatch: Math.max(1, Math.min(concurrency, 100)) };
}

/**
 * The one way Sluice consumes: a Nest microservice whose transport
 * (`SluiceBrokerServer`) takes step and event batches from the broker and hands
 * them to the worker's handlers over `runtime`. Embedded mode mounts it over
 * the in-process broker, a production worker over RabbitMQ; both get the same
 * batching, acks after commit, and drain on close(). Resolves once consuming.
 */
export async function startWorkerTransport(runtime: Runtime, broker: BrokerPort, options: WorkerTransportOptions): Promise<INestMicroservice> {
  const server = new SluiceBrokerServer(broker, {
    consume: workerConsumeOptions(options.concurrency),
    drainTimeoutMs: options.drainTimeoutMs,
    logger: options.logger.child({ component: 'SluiceBrokerServer' }),
  });
  const app = await NestFactory.createMicroservice(WorkerModule.forRuntime(runtime), {
    strategy: server,
    logger: new NestPinoLogger(options.logger.child({ component: 'Nest' })),
  });
  try {
    await app.listen();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
