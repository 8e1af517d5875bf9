import 'reflect-metadata';
import { loadSettingsOrExit } from '@sluice/config';
import { openPlatform } from '@sluice/runtime';
import pino from 'pino';

/**
 * `npm run start:worker`: consumes step and event messages, fires timers and
 * relays the outbox. Run N of these beside `start:api` in production; they
 * are competing consumers on RabbitMQ.
 */
async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const logger = pino({ level: settings.LOG_LEVEL, base: { service: 'sluice-worker' } });
  if (settings.mode === 'embedded') {
    logger.error({}, 'the worker needs DATABASE_URL and AMQP_URL; embedded mode runs its worker inside `npm start`');
    process.exit(1);
  }
  const platform = await openPlatform(settings, logger, { worker: true });
  logger.info({ concurrency: settings.WORKER_CONCURRENCY }, 'worker consuming');
  const shutdown = () => void platform.close().finally(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`Sluice worker failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
