import 'reflect-metadata';
import { loadSettingsOrExit } from '@sluice/config';
import { closeOnSignals, createLogger, openPlatform } from '@sluice/platform';

/**
 * `npm run start:worker`: the worker transport (a Nest microservice over the
 * broker of BROKER_URL: RabbitMQ or SQS) consumes step and event messages and
 * hands each batch to the worker's handlers; the platform relays the outbox
 * and fires timers. Run N of these beside `start:api` in production; they are
 * competing consumers on the broker. Embedded mode mounts the same transport
 * inside `npm start`.
 */
async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const logger = createLogger(settings, { service: 'sluice-worker', base: { pid: process.pid } });
  const log = logger.child({ component: 'Main' });
  if (settings.broker.kind === 'in-process') {
    log.error({}, 'the worker needs DATABASE_URL and BROKER_URL (or AMQP_URL); without a broker URL the API runs its worker inside `npm start`');
    process.exit(1);
  }
  const platform = await openPlatform(settings, logger, { worker: true });

  // Drains the batches in flight, then stops the relay and closes broker and store.
  closeOnSignals(log, [() => platform.close()]);
}

main().catch((error: unknown) => {
  process.stderr.write(`Sluice worker failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
