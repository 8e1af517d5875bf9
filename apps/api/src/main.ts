import 'reflect-metadata';
import { loadSettingsOrExit } from '@sluice/config';
import { closeOnSignals, createLogger, openPlatform } from '@sluice/platform';
import { createApiApp } from './app';
import { seedSampleFlows } from './seed/sample-seeder';

/**
 * `npm start` (embedded: PGlite, the in-process broker, and the worker
 * transport over it in this one process) and `npm run start:api` (production:
 * DATABASE_URL and BROKER_URL set, workers run apart).
 */
async function main(): Promise<void> {
  const started = Date.now();
  const settings = loadSettingsOrExit();
  const logger = createLogger(settings, { service: 'sluice-api' });
  const log = logger.child({ component: 'Main' });
  // The in-process broker reaches this process only, so without a broker URL the worker runs here too.
  const platform = await openPlatform(settings, logger, { worker: settings.broker.kind === 'in-process' });
  const app = await createApiApp(platform, logger);
  await app.listen(settings.PORT, settings.HOST);
  const url = `http://${settings.HOST.includes(':') ? `[${settings.HOST}]` : settings.HOST}:${settings.PORT}`;

  if (settings.SLUICE_HTTP_ALLOW_PRIVATE) {
    log.warn({}, 'http nodes may call loopback and private addresses (SLUICE_HTTP_ALLOW_PRIVATE=true)');
  }
  const seed = settings.SLUICE_SEED_SAMPLES ? await seedSampleFlows(platform.runtime.flows, url) : undefined;
  log.info({ url, mode: settings.mode, ms: Date.now() - started, seeded: seed?.seeded ?? false }, `Sluice is ready at ${url}`);
  if (seed?.ordersFlowId) {
    // With keys set, the command reads one from the shell rather than printing a key into the log.
    const auth = settings.SLUICE_API_KEYS.length > 0 ? ` -H "authorization: Bearer $SLUICE_API_KEY"` : '';
    const curl = `curl -sS -X POST ${url}/api/flows/${seed.ordersFlowId}/events -H 'content-type: application/json' -d '{"orderId":"A-1","amount":250}'${auth}`;
    log.info({ flowId: seed.ordersFlowId }, 'sample producer flow: orders');
    // A plain banner beside the structured log, so the command can be copied as it is.
    process.stdout.write(`\nSluice is ready at ${url}\nTrigger the sample producer:\n  ${curl}\n\n`);
  }

  // HTTP stops accepting first; then the worker transport drains its batches in flight, then the platform closes.
  closeOnSignals(log, [() => app.close(), () => platform.close()]);
}

main().catch((error: unknown) => {
  process.stderr.write(`Sluice failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
