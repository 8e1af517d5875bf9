import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Settings } from '@sluice/config';
import { Runtime, type BrokerPort, type HttpCaller, type Logger, type StorePort } from '@sluice/runtime';
import { createStore, startEmbeddedPostgres } from '@sluice/store';
import { createBroker } from './create-broker';
import { PrivateAddressGuard } from './http/private-address.guard';
import { UndiciHttpCaller } from './http/undici-http-caller';
import { startWorkerTransport } from './transport/worker-transport';

/** The store, broker and runtime of one process, and how to shut them down. */
export interface Platform {
  settings: Settings;
  store: StorePort;
  broker: BrokerPort;
  runtime: Runtime;
  /**
   * Shuts down in this order: the worker transport stops taking batches and
   * waits for those in flight to commit and ack (at most
   * WORKER_DRAIN_TIMEOUT_MS); the timers and the outbox relay stop; then the
   * http caller, broker and store close (and embedded PostgreSQL). Messages
   * published and not yet acknowledged stay in the outbox for the next start.
   */
  close(): Promise<void>;
}

/** What this process does besides serving the runtime's services. */
export interface PlatformRole {
  /**
   * Handle step and event messages (through the worker transport, the same in
   * both modes) and fire timers here.
   */
  worker: boolean;
  /** Replaces the `http` node caller the settings select (tests that narrow the private-address policy). */
  http?: HttpCaller;
}

/**
 * Opens the adapters the settings select: embedded PGlite and the in-process
 * broker when nothing is set, a PostgreSQL server and the broker of
 * BROKER_URL (see `createBroker`) otherwise.
 */
export async function openPlatform(settings: Settings, logger: Logger, role: PlatformRole): Promise<Platform> {
  const log = logger.child({ component: 'Platform' });
  const closers: (() => Promise<void>)[] = [];
  try {
    let databaseUrl = settings.DATABASE_URL;
    let poolSize = settings.DATABASE_POOL_SIZE;
    if (!databaseUrl) {
      const dataDir = resolve(settings.DATA_DIR);
      mkdirSync(dataDir, { recursive: true });
      const started = Date.now();
      const embedded = await startEmbeddedPostgres(dataDir, { logger: logger.child({ component: 'EmbeddedPostgres' }) });
      closers.unshift(() => embedded.stop());
      databaseUrl = embedded.url;
      poolSize = Math.min(poolSize, 4);
      log.info({ dataDir, ms: Date.now() - started }, 'embedded PostgreSQL (PGlite) ready');
    }
    const store = await createStore(databaseUrl, {
      poolSize,
      logger: logger.child({ component: 'Store' }),
      queryTimeoutMs: settings.DATABASE_QUERY_TIMEOUT_MS,
      connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS,
    });
    closers.unshift(() => store.close());

    const broker = createBroker(settings, logger);
    await broker.start();
    closers.unshift(() => broker.close());

    const http = role.http ?? createHttpCaller(settings);
    closers.unshift(() => closeHttpCaller(http, log));
    const runtime = new Runtime({
      store, broker, logger, worker: role.worker, http,
      backpressure: {
        maxBacklog: settings.SLUICE_MAX_BACKLOG, maxDrainMs: settings.SLUICE_MAX_BACKLOG_DRAIN_MS, maxWaitMs: settings.SLUICE_BACKPRESSURE_WAIT_MS,
      },
      maxStepOutputBytes: settings.SLUICE_MAX_STEP_OUTPUT,
      maxDeliveries: settings.SLUICE_MAX_DELIVERIES,
      maxEventBytes: settings.SLUICE_MAX_BODY,
      maxEventDepth: settings.SLUICE_MAX_JSON_DEPTH,
      publishLimits: { maxDepth: settings.SLUICE_MAX_PUBLISH_DEPTH, maxChainRuns: settings.SLUICE_MAX_CHAIN_RUNS },
      maxPayloadScans: settings.SLUICE_SEARCH_MAX_SCANS,
      maxRunningReplays: settings.SLUICE_REPLAY_MAX_RUNNING,
    });
    await runtime.start();
    closers.unshift(() => runtime.stop());
    if (role.worker) {
      const transport = await startWorkerTransport(runtime, broker, {
        concurrency: settings.WORKER_CONCURRENCY, drainTimeoutMs: settings.WORKER_DRAIN_TIMEOUT_MS, logger,
      });
      closers.unshift(() => transport.close());
    }
    return {
      settings, store, broker, runtime,
      close: async () => {
        for (const close of closers) {
          try {
            await close();
          } catch (error) {
            log.warn({ err: error }, 'error while shutting down');
          }
        }
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}

/**
 * Longest shutdown waits for http calls still in flight, in ms. After a
 * drain that finished there are none; after one that timed out, their
 * messages are already back in the queue (or the outbox), so their results
 * would be thrown away, and an http step may wait up to 5 minutes.
 */
const HTTP_CLOSE_GRACE_MS = 1_000;

async function closeHttpCaller(http: HttpCaller, log: Logger): Promise<void> {
  if (!http.close) return;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => (timer = setTimeout(() => resolve('gave up'), HTTP_CLOSE_GRACE_MS)));
  const outcome = await Promise.race([http.close().then(() => 'closed' as const), gaveUp]);
  clearTimeout(timer);
  if (outcome === 'gave up') log.warn({ graceMs: HTTP_CLOSE_GRACE_MS }, 'http calls still in flight at shutdown are cut off; their steps run again');
}

/**
 * The `http` node caller the settings ask for: guarded against non-public
 * addresses unless SLUICE_HTTP_ALLOW_PRIVATE, bodies bounded by
 * SLUICE_MAX_STEP_OUTPUT, `{{secret.NAME}}` from SLUICE_SECRET_<NAME>.
 */
export function createHttpCaller(settings: Settings): HttpCaller {
  return new UndiciHttpCaller({
    maxBodyBytes: settings.SLUICE_MAX_STEP_OUTPUT,
    secrets: settings.secrets,
    ...(settings.SLUICE_HTTP_ALLOW_PRIVATE ? {} : { guard: new PrivateAddressGuard() }),
  });
}
