import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadSettingsOrExit } from '@sluice/config';
import { closeOnSignals, createLogger, NestPinoLogger, openPlatform, SluiceBrokerServer, WorkerModule, type Platform } from '@sluice/platform';
import { workerConsumeOptions } from '@sluice/runtime';

/**
 * `npm run start:worker`: a Nest microservice over RabbitMQ. Its transport
 * consumes step and event messages through the broker port and hands each
 * batch to the worker's handlers; the platform relays the outbox and fires
 * timers. Run N of these beside `start:api` in production; they are competing
 * consumers on RabbitMQ.
 */
async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const logger = createLogger(settings, { service: 'sluice-worker', base: { pid: process.pid } });
  const log = logger.child({ component: 'Main' });
  if (settings.mode === 'embedded') {
    log.error({}, 'the worker needs DATABASE_URL and AMQP_URL; embedded mode runs its worker inside `npm start`');
    process.exit(1);
  }
  const platform: Platform = await openPlatform(settings, logger, { worker: true, consume: false });
  const server = new SluiceBrokerServer(platform.broker, {
    consume: workerConsumeOptions(settings.WORKER_CONCURRENCY),
    logger: logger.child({ component: 'SluiceBrokerServer' }),
  });
  const app = await NestFactory.createMicroservice(WorkerModule.forPlatform(platform), {
    strategy: server,
    logger: new NestPinoLogger(logger.child({ component: 'Nest' })),
  }).catch(async (error: unknown) => {
    await platform.close();
    throw error;
  });
  try {
    await app.listen();
  } catch (error) {
    await app.close().catch(() => undefined);
    await platform.close();
    throw error;
  }

  // Stops consuming and drains batches in flight, then the relay, broker and store.
  closeOnSignals(log, [() => app.close(), () => platform.close()]);
}

main().catch((error: unknown) => {
  process.stderr.write(`Sluice worker failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
