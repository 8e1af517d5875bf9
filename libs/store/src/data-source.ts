import type { Logger } from '@sluice/runtime';
import { Client } from 'pg';
import { DataSource, MigrationExecutor } from 'typeorm';
import { STORE_MIGRATIONS } from './migrations/migrations';
import { StoreLogger } from './store-logger';

export interface DataSourceOptions {
  /**
   * Connections in the `pg` pool. Keep it ≤ 4 against PGlite: it is one
   * Postgres session behind a query queue, so more connections only queue.
   */
  poolSize: number;
  /** Where pool errors and migrations are logged; silent without one. */
  logger?: Logger;
  /** Longest a query waits for its answer, in ms (client side); unbounded without one. */
  queryTimeoutMs?: number;
  /** Longest opening a connection (or waiting for a free one in the pool) may take, in ms. */
  connectTimeoutMs?: number;
}

/**
 * Key of the advisory lock held while migrations run, so an API and several
 * workers starting together against one server migrate once.
 */
const MIGRATION_LOCK_KEY = 0x51_75_1c_e0;

/**
 * The pool's connections. pg-pool listens for a connection's errors only
 * while it is idle, and TypeORM only once its query runner holds it, a few
 * microtasks after the pool hands it over. A backend terminated as the
 * connection opens (pg_terminate_backend, a server shutting down) can send its
 * FATAL notice in the same read as the end of the handshake, in that gap: an
 * `error` event without a listener, which crashes the process. This listener
 * is always there; the failure still reaches whoever uses the connection next
 * (its query fails, and the pool drops it on release).
 */
class PooledClient extends Client {
  constructor(...args: ConstructorParameters<typeof Client>) {
    super(...args);
    this.on('error', () => undefined);
  }
}

/**
 * A TypeORM DataSource for a PostgreSQL server or embedded PGlite; not yet
 * initialised. It pools connections and runs migrations; it has no entities,
 * because the migrations are the only schema and the store queries in SQL
 * (docs/schema.md). `gen_random_uuid()` (built in) instead of uuid-ossp, which
 * PGlite lacks; never `synchronize`.
 */
export function createDataSource(url: string, options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize: options.poolSize,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    ...(options.logger ? { logger: new StoreLogger(options.logger) } : {}),
    migrations: STORE_MIGRATIONS,
    migrationsTableName: 'migrations',
    applicationName: 'sluice',
    ...(options.connectTimeoutMs ? { connectTimeoutMS: options.connectTimeoutMs } : {}),
    extra: { Client: PooledClient, ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}) },
  });
}

/**
 * Runs pending migrations in one transaction that first takes an advisory
 * transaction lock, so an API and several workers starting together against
 * one server migrate once. On PGlite (one shared session, where advisory locks
 * exclude nothing) the open transaction itself holds off other connections.
 * Uses a single connection, so it also works with a pool of one.
 * @returns names of the migrations that ran.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'none';
      const ran = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return ran.map((migration) => migration.name);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    }
  } finally {
    await runner.release();
  }
}
