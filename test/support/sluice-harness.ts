import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadSettings } from '@sluice/config';
import { openPlatform, type Platform, type PlatformRole } from '@sluice/platform';
import { silentLogger } from '@sluice/runtime';
import { Client } from 'pg';
import { createApiApp } from '../../apps/api/src/app';
import { ApiClient } from './api-client';
import { createTestDatabase } from './databases';
import { TargetServer } from './target-server';
import { startTestBroker, type TestBroker } from './test-broker';

/**
 * The deployments the behavioural suites run against: the PostgreSQL server or
 * PGlite with the in-process broker, and the PostgreSQL server with RabbitMQ
 * or with SQS and SNS (production mode; SQS on the fauxqs emulator).
 */
export const MODES = ['server', 'pglite', 'rabbitmq', 'sqs'] as const;
export type Mode = (typeof MODES)[number];

/** The broker of a mode, if it has one beside the in-process broker. */
async function brokerOf(mode: Mode): Promise<TestBroker | undefined> {
  return mode === 'rabbitmq' || mode === 'sqs' ? startTestBroker(mode) : undefined;
}

export interface Sluice {
  baseUrl: string;
  platform: Platform;
  /** Counts rows of a table straight from the database. */
  count(table: string): Promise<number>;
  /** Runs SQL straight against the database. */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * A whole Sluice API (runtime, and the worker transport over its broker, as
 * `npm start` mounts it) on an ephemeral loopback port, over a fresh database
 * (its own database on the server, or a new PGlite data directory) and, for
 * `rabbitmq`, a RabbitMQ name prefix of its own; for `sqs`, an SQS/SNS
 * emulator of its own with a namespace, stopped at close().
 * `adapters.http` replaces the `http` node caller the settings select.
 */
export async function startSluice(mode: Mode, env: Record<string, string> = {}, adapters: Pick<PlatformRole, 'http'> = {}): Promise<Sluice> {
  const kind = mode === 'pglite' ? 'pglite' : 'server';
  const [created, started] = await Promise.allSettled([createTestDatabase(kind), brokerOf(mode)]);
  if (created.status === 'rejected' || started.status === 'rejected') {
    if (created.status === 'fulfilled') await created.value.drop().catch(() => undefined);
    if (started.status === 'fulfilled') await started.value?.remove().catch(() => undefined);
    throw created.status === 'rejected' ? created.reason : (started as PromiseRejectedResult).reason;
  }
  const database = created.value;
  const broker = started.value;
  const settings = loadSettings({
    DATABASE_URL: database.url,
    SLUICE_HTTP_ALLOW_PRIVATE: 'true',
    SLUICE_SEED_SAMPLES: 'false',
    DATABASE_POOL_SIZE: kind === 'pglite' ? '4' : '8',
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...broker?.env,
    ...env,
  });
  let platform: Platform | undefined;
  let app: NestExpressApplication | undefined;
  const client = new Client({ connectionString: database.url });
  try {
    platform = await openPlatform(settings, silentLogger, { worker: true, ...adapters });
    app = await createApiApp(platform, silentLogger);
    await app.listen(0, '127.0.0.1');
    await client.connect();
  } catch (error) {
    await app?.close().catch(() => undefined);
    await platform?.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await broker?.remove().catch(() => undefined);
    throw error;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const opened = platform;
  const nest = app;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    platform: opened,
    async count(table) {
      const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
      return Number(result.rows[0]?.n ?? 0);
    },
    async sql(text, values) {
      return (await client.query(text, values)).rows;
    },
    async close() {
      await client.end().catch(() => undefined);
      await nest.close();
      await opened.close();
      await database.drop();
      await broker?.remove();
    },
  };
}

/** What an API suite works with; filled in by `sluiceSuite`'s beforeAll. */
export interface SluiceSuite {
  sluice: Sluice;
  api: ApiClient;
  /** A scriptable HTTP target for `http` nodes. */
  target: TargetServer;
}

/** Registers the hooks API suites share: a fresh Sluice in `mode`, a client for it, and a target server. */
export function sluiceSuite(mode: Mode, env: Record<string, string> = {}, adapters: Pick<PlatformRole, 'http'> = {}): SluiceSuite {
  const suite = {} as SluiceSuite;
  beforeAll(async () => {
    [suite.sluice, suite.target] = await Promise.all([startSluice(mode, env, adapters), new TargetServer().start()]);
    suite.api = new ApiClient(suite.sluice.baseUrl);
  });
  afterAll(async () => {
    await suite.target?.stop();
    await suite.sluice?.close();
  });
  return suite;
}
