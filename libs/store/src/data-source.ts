import 'reflect-metadata';
import { DataSource, MigrationExecutor } from 'typeorm';
import { STORE_ENTITIES } from './entities/entities';
import { STORE_MIGRATIONS } from './migrations/migrations';

export interface DataSourceOptions {
  /**
   * Connections in the `pg` pool. Keep it ≤ 4 against PGlite: it is one
   * Postgres session behind a query queue, so more connections only queue.
   */
  poolSize: number;
}

/**
 * Key of the advisory lock held while migrations run, so an API and several
 * workers starting together against one server migrate once.
 */
const MIGRATION_LOCK_KEY = 0x51_75_1c_e0;

/**
 * A TypeORM DataSource for a PostgreSQL server or embedded PGlite; not yet
 * initialised. `gen_random_uuid()` (built in) instead of uuid-ossp, which
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
    entities: STORE_ENTITIES,
    migrations: STORE_MIGRATIONS,
    migrationsTableName: 'migrations',
    applicationName: 'sluice',
  });
}

/**
 * Runs pending migrations in one transaction under an advisory lock, on a
 * single connection (so it also works with a pool of one).
 * @returns names of the migrations that ran.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all';
      const ran = await executor.executePendingMigrations();
      return ran.map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
